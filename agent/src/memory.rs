//! The agent's memory ceiling (`--memory-limit`, default 256 MiB).
//!
//! Every heap allocation of the process is counted: the global allocator
//! wraps the system's in [`cap::Cap`]. What a node's input decides the
//! size of is checked against the ceiling before it is allocated or while
//! it grows: a package database or manifest file reserves its size before
//! it is read, manifest decoding and the file walk check as they go. Past
//! the ceiling they stop with an [`OverBudget`] error naming the input,
//! which the scan turns into a `scan_error` deviation; the other scanners
//! still run.
//!
//! The allocator itself refuses anything past the ceiling plus a quarter
//! (room for the work in flight between two checks): the last resort, an
//! abort rather than a node out of memory. SQLite's own heap (rpm
//! databases) is bounded separately by its `hard_heap_limit`.

use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

static CEILING: AtomicUsize = AtomicUsize::new(usize::MAX);

/// The ceiling when none is configured.
pub const DEFAULT_CEILING: usize = 256 * 1024 * 1024;
/// The ceiling of a one-off `manifest build` when none is configured: a
/// quarter of the machine's memory, and never below [`DEFAULT_CEILING`].
/// A build in an image pipeline reads a whole root once and exits; the
/// daemon keeps [`DEFAULT_CEILING`] (a 444,000-file root takes about
/// 210 MB to build).
pub fn build_ceiling() -> usize {
    build_ceiling_for(machine_memory())
}

fn build_ceiling_for(machine: Option<usize>) -> usize {
    machine.map_or(DEFAULT_CEILING, |m| (m / 4).max(DEFAULT_CEILING))
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
fn machine_memory() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// The smallest ceiling accepted: below it the agent cannot do its work.
pub const MIN_CEILING: usize = 16 * 1024 * 1024;

/// An input that would take the agent past its memory ceiling.
#[derive(Debug)]
pub struct OverBudget {
    pub input: String,
    /// What the input asked for at once; 0 when it grew step by step.
    pub wanted: usize,
    pub in_use: usize,
    pub ceiling: usize,
}

impl std::error::Error for OverBudget {}

impl Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.input)?;
        if self.wanted > 0 {
            write!(f, "needs {} more, ", human(self.wanted))?;
        } else {
            write!(f, "stopped at ")?;
        }
        write!(
            f,
            "the agent's memory ceiling of {} ({} in use); raise --memory-limit to read it",
            human(self.ceiling),
            human(self.in_use)
        )
    }
}

/// Sets the ceiling (bytes); the allocator's hard limit follows it.
pub fn set_ceiling(bytes: usize) -> Result<(), String> {
    if bytes < MIN_CEILING {
        return Err(format!(
            "memory limit {} is below the minimum of {}",
            human(bytes),
            human(MIN_CEILING)
        ));
    }
    let hard = bytes.saturating_add(bytes / 4);
    ALLOCATOR.set_limit(hard).map_err(|()| {
        format!(
            "memory limit {}: the agent already uses {}",
            human(bytes),
            human(in_use())
        )
    })?;
    CEILING.store(bytes, Ordering::Relaxed);
    Ok(())
}

/// The configured ceiling (`usize::MAX` when none is set).
pub fn ceiling() -> usize {
    CEILING.load(Ordering::Relaxed)
}

/// Heap bytes in use now.
pub fn in_use() -> usize {
    ALLOCATOR.allocated()
}

/// Whether `bytes` more fit under the ceiling; `input` names what wants
/// them, for the error.
pub fn reserve(input: impl Display, bytes: usize) -> Result<(), OverBudget> {
    let (in_use, ceiling) = (in_use(), ceiling());
    if in_use
        .checked_add(bytes)
        .is_none_or(|total| total > ceiling)
    {
        return Err(OverBudget {
            input: input.to_string(),
            wanted: bytes,
            in_use,
            ceiling,
        });
    }
    Ok(())
}

/// Whether the agent is still under its ceiling, for loops whose memory
/// grows with their input.
pub fn check(input: impl Display) -> Result<(), OverBudget> {
    reserve(input, 0)
}

/// Whether the agent uses less than `percent` % of its ceiling: for a
/// phase whose result the phases after it will roughly double (the walk,
/// whose files the diff and the report turn into deviations).
pub fn check_share(input: impl Display, percent: usize) -> Result<(), OverBudget> {
    let (in_use, ceiling) = (in_use(), ceiling());
    let share = ceiling / 100 * percent;
    if ceiling != usize::MAX && in_use > share {
        return Err(OverBudget {
            input: input.to_string(),
            wanted: 0,
            in_use,
            ceiling,
        });
    }
    Ok(())
}

/// A buffer of `len` bytes for `input`, or the error saying why not:
/// past the ceiling, or refused by the allocator.
pub fn buffer(input: impl Display, len: usize) -> Result<Vec<u8>, OverBudget> {
    reserve(&input, len)?;
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| OverBudget {
        input: input.to_string(),
        wanted: len,
        in_use: in_use(),
        ceiling: ceiling(),
    })?;
    Ok(v)
}

/// Parses a size such as `256M`, `256MiB`, `1G` or `1048576` (bytes);
/// the suffixes are binary multiples.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: usize = n
        .parse()
        .map_err(|_| format!("bad size {s:?}: expected a number with K, M or G"))?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("bad size {s:?}: unknown unit {unit:?} (K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("bad size {s:?}: too large"))
}

fn human(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes == usize::MAX {
        "no limit".into()
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_gets_a_quarter_of_the_machine_never_less_than_the_default() {
        assert_eq!(build_ceiling_for(None), DEFAULT_CEILING);
        assert_eq!(build_ceiling_for(Some(512 << 20)), DEFAULT_CEILING);
        assert_eq!(build_ceiling_for(Some(24 << 30)), 6 << 30);
        assert!(build_ceiling() >= DEFAULT_CEILING);
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("256M").unwrap(), 256 << 20);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("64 kb").unwrap(), 64 << 10);
        assert!(parse_size("lots").unwrap_err().contains("bad size"));
        assert!(parse_size("3T").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn a_reservation_past_the_ceiling_names_its_input() {
        // The ceiling is process-wide; this test leaves it unset and
        // checks the arithmetic against a huge request instead.
        let err = reserve("var/lib/dpkg/status", usize::MAX).unwrap_err();
        assert!(
            err.to_string().starts_with("var/lib/dpkg/status: needs"),
            "{err}"
        );
        assert!(buffer("x", 1024).unwrap().capacity() >= 1024);
    }
}

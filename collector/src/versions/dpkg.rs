//! dpkg's version order (`dpkg --compare-versions`): `[epoch:]upstream[-revision]`,
//! the epoch numerically, then upstream and revision each alternating
//! non-digit runs (compared character by character, `~` before the end
//! of the string, letters before everything else) and digit runs
//! (compared numerically).

use std::cmp::Ordering;

use super::VersionError;

struct Version<'a> {
    epoch: u32,
    upstream: &'a str,
    revision: &'a str,
}

fn parse(v: &str) -> Result<Version<'_>, VersionError> {
    let bad = |reason| VersionError {
        ecosystem: "dpkg",
        version: v.to_string(),
        reason,
    };
    let s = v.trim();
    if s.is_empty() {
        return Err(bad("empty"));
    }
    if s.contains(char::is_whitespace) {
        return Err(bad("contains spaces"));
    }
    let (epoch, rest) = match s.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("the epoch is not a number"));
            }
            (
                e.parse::<u32>()
                    .ok()
                    .filter(|e| *e <= i32::MAX as u32)
                    .ok_or_else(|| bad("the epoch is too large"))?,
                rest,
            )
        }
        None => (0, s),
    };
    let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
    if upstream.is_empty() {
        return Err(bad("the upstream version is empty"));
    }
    Ok(Version {
        epoch,
        upstream,
        revision,
    })
}

/// The weight of a non-digit character: `~` sorts before the end of the
/// string, the end before letters, letters before everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // The non-digit prefixes.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        // The digit runs, numerically: leading zeros skipped, then the
        // longer run is larger, else the first differing digit decides.
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (a, b) = (parse(a)?, parse(b)?);
    Ok(a.epoch
        .cmp(&b.epoch)
        .then_with(|| verrevcmp(a.upstream, b.upstream))
        .then_with(|| verrevcmp(a.revision, b.revision)))
}

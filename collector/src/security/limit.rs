//! Per-source limits on refused requests: a client that keeps failing
//! (bad enrollment tokens, say) is refused at once for the rest of the
//! minute, before any work is done for it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const MINUTE_MS: i64 = 60_000;
/// Sources tracked at once; past it the oldest windows are forgotten.
const MAX_SOURCES: usize = 100_000;

/// Refusals counted per source address in one-minute windows.
pub struct SourceLimit {
    /// Refusals a source may earn in a minute before it is cut off.
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl SourceLimit {
    pub fn new(per_minute: u32) -> SourceLimit {
        SourceLimit {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (i64, u32)>> {
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `source` may be served at `now` (ms): false once it earned
    /// its refusals of the current minute.
    pub fn allows(&self, source: IpAddr, now: i64) -> bool {
        match self.lock().get(&source) {
            Some((start, n)) if now - start < MINUTE_MS => *n < self.per_minute,
            _ => true,
        }
    }

    /// Counts a refusal of `source` at `now`.
    pub fn refused(&self, source: IpAddr, now: i64) {
        let mut windows = self.lock();
        if windows.len() >= MAX_SOURCES && !windows.contains_key(&source) {
            windows.retain(|_, (start, _)| now - *start < MINUTE_MS);
            if windows.len() >= MAX_SOURCES {
                // Every tracked source is active: the new one waits its
                // turn counted against the oldest window's slot.
                if let Some(oldest) = windows.iter().min_by_key(|(_, (s, _))| *s).map(|(k, _)| *k) {
                    windows.remove(&oldest);
                }
            }
        }
        let w = windows.entry(source).or_insert((now, 0));
        if now - w.0 >= MINUTE_MS {
            *w = (now, 0);
        }
        w.1 = w.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_cut_off_for_the_rest_of_its_minute() {
        let limit = SourceLimit::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for t in 0..3 {
            assert!(limit.allows(a, t));
            limit.refused(a, t);
        }
        assert!(!limit.allows(a, 10));
        assert!(limit.allows(b, 10), "other sources are not affected");
        assert!(limit.allows(a, MINUTE_MS + 1), "the next minute");
    }
}

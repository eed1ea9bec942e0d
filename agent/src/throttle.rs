//! A shared read-rate limit (`--max-read-mbps`) for scans, so a full rescan
//! on a busy node never saturates its disk.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket over bytes read, shared by all hashing threads.
#[derive(Debug)]
pub struct Throttle {
    bytes_per_sec: f64,
    state: Mutex<(Instant, f64)>,
}

impl Throttle {
    /// A limit of `mbps` megabytes (10^6 bytes) per second.
    pub fn new(mbps: f64) -> Throttle {
        Throttle {
            bytes_per_sec: mbps * 1_000_000.0,
            state: Mutex::new((Instant::now(), 0.0)),
        }
    }

    /// Accounts for `n` bytes read, sleeping when ahead of the budget.
    pub fn consume(&self, n: u64) {
        let wait = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let (start, used) = &mut *state;
            *used += n as f64;
            let due = Duration::from_secs_f64(*used / self.bytes_per_sec);
            let elapsed = start.elapsed();
            if elapsed > Duration::from_secs(2) {
                // Forget old history so an idle period is not banked forever.
                let carried = (due.as_secs_f64() - elapsed.as_secs_f64()).max(0.0);
                *start = Instant::now();
                *used = carried * self.bytes_per_sec;
            }
            due.saturating_sub(elapsed)
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_faster_than_the_limit_waits() {
        let t = Throttle::new(1.0); // 1 MB/s
        let start = Instant::now();
        t.consume(200_000);
        assert!(start.elapsed() >= Duration::from_millis(150));
    }
}

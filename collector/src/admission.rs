//! Hello admission: a reconnect storm (a replica restarted, a network
//! healed) is paced instead of paid all at once. At most
//! [`Admission::slots`] hellos are handled at a time; a hello that waits
//! longer than [`QUEUE_WAIT`] for a slot is refused with `unavailable`
//! and told when to come back (the `plumb-retry-after-ms` header): the
//! time the hellos already waiting need at the measured hello rate,
//! spread at random over that span so the refused agents do not return
//! in lockstep. Agents honour the hint with their own jitter on top.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};
use tonic::Status;

/// The header that tells a refused agent when to retry.
pub const RETRY_AFTER_HEADER: &str = "plumb-retry-after-ms";
/// A hello waits this long for a slot before it is told to come back
/// (its TLS handshake is paid already; agents wait 10 s for the answer).
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);
/// Retry hints are at least this and at most [`MAX_RETRY`].
const MIN_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(60);

/// Paces hellos; see the module documentation.
pub struct Admission {
    slots: Semaphore,
    size: usize,
    /// How long a hello waits for a slot ([`QUEUE_WAIT`]).
    wait: Duration,
    waiting: AtomicUsize,
    /// Hellos admitted, and refused with a hint (for `/metrics`).
    pub admitted: AtomicU64,
    pub deferred: AtomicU64,
    rate: Mutex<Rate>,
}

/// Hellos completed per second, smoothed.
struct Rate {
    window_start: Instant,
    in_window: u32,
    per_sec: f64,
}

/// A hello's slot; dropping it frees the slot and counts the hello.
pub struct Admitted<'a> {
    admission: &'a Admission,
    _permit: SemaphorePermit<'a>,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.admission.completed(Instant::now());
    }
}

impl Admission {
    pub fn new(slots: usize) -> Admission {
        Admission::waiting(slots, QUEUE_WAIT)
    }

    /// [`Admission::new`] with hellos waiting `wait` for a slot.
    pub fn waiting(slots: usize, wait: Duration) -> Admission {
        Admission {
            slots: Semaphore::new(slots.max(1)),
            size: slots.max(1),
            wait,
            waiting: AtomicUsize::new(0),
            admitted: AtomicU64::new(0),
            deferred: AtomicU64::new(0),
            rate: Mutex::new(Rate {
                window_start: Instant::now(),
                in_window: 0,
                per_sec: 0.0,
            }),
        }
    }

    /// How many hellos are handled at once.
    pub fn slots(&self) -> usize {
        self.size
    }

    /// Waits for a slot, at most its wait ([`QUEUE_WAIT`]); past it, the status that
    /// tells the agent when to come back.
    pub async fn admit(&self) -> Result<Admitted<'_>, Status> {
        if let Ok(permit) = self.slots.try_acquire() {
            self.admitted.fetch_add(1, Ordering::Relaxed);
            return Ok(Admitted {
                admission: self,
                _permit: permit,
            });
        }
        let waiting = self.waiting.fetch_add(1, Ordering::Relaxed) + 1;
        let got = tokio::time::timeout(self.wait, self.slots.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        match got {
            Ok(Ok(permit)) => {
                self.admitted.fetch_add(1, Ordering::Relaxed);
                Ok(Admitted {
                    admission: self,
                    _permit: permit,
                })
            }
            _ => {
                self.deferred.fetch_add(1, Ordering::Relaxed);
                let after = self.retry_after(waiting, spread());
                let mut status = Status::unavailable(format!(
                    "collector busy admitting agents: retry in {} ms",
                    after.as_millis()
                ));
                if let Ok(v) = after.as_millis().to_string().parse() {
                    status.metadata_mut().insert(RETRY_AFTER_HEADER, v);
                }
                Err(status)
            }
        }
    }

    /// When a hello refused with `waiting` hellos ahead of it should come
    /// back: a share `spread` (0..1) of the time those need at the
    /// measured rate, within [`MIN_RETRY`]..[`MAX_RETRY`].
    fn retry_after(&self, waiting: usize, spread: f64) -> Duration {
        let per_sec = self.rate.lock().map(|r| r.per_sec).unwrap_or(0.0);
        // Before any hello completed, assume one slot's worth a second.
        let per_sec = if per_sec > 0.0 {
            per_sec
        } else {
            self.size as f64
        };
        let backlog = Duration::from_secs_f64((waiting as f64 / per_sec).min(3600.0));
        (MIN_RETRY + backlog.mul_f64(spread.clamp(0.0, 1.0))).min(MAX_RETRY)
    }

    fn completed(&self, now: Instant) {
        let Ok(mut rate) = self.rate.lock() else {
            return;
        };
        rate.in_window += 1;
        let elapsed = now.duration_since(rate.window_start);
        if elapsed >= Duration::from_secs(1) {
            let measured = f64::from(rate.in_window) / elapsed.as_secs_f64();
            rate.per_sec = if rate.per_sec == 0.0 {
                measured
            } else {
                0.7 * rate.per_sec + 0.3 * measured
            };
            rate.window_start = now;
            rate.in_window = 0;
        }
    }

    /// The measured hello rate (per second), for `/metrics`.
    pub fn rate(&self) -> f64 {
        self.rate.lock().map(|r| r.per_sec).unwrap_or(0.0)
    }
}

/// A uniform number in 0..1 (not for secrets: it spreads retries).
fn spread() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hello_beyond_the_slots_is_told_when_to_come_back() {
        let admission = Admission::waiting(1, Duration::from_millis(50));
        let first = admission.admit().await.unwrap();
        let refused = admission.admit().await.err().unwrap();
        assert_eq!(refused.code(), tonic::Code::Unavailable);
        let hint: u64 = refused
            .metadata()
            .get(RETRY_AFTER_HEADER)
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((500..=60_000).contains(&hint), "{hint}");
        assert_eq!(admission.deferred.load(Ordering::Relaxed), 1);
        drop(first);
        assert!(admission.admit().await.is_ok());
    }

    #[test]
    fn hints_grow_with_the_backlog_and_are_spread() {
        let admission = Admission::new(10);
        admission.rate.lock().unwrap().per_sec = 1_000.0;
        // 10,000 waiting at 1,000/s: up to 10 s more than the minimum.
        assert_eq!(admission.retry_after(10_000, 0.0), MIN_RETRY);
        assert_eq!(
            admission.retry_after(10_000, 1.0),
            MIN_RETRY + Duration::from_secs(10)
        );
        assert_eq!(
            admission.retry_after(10_000, 0.5),
            MIN_RETRY + Duration::from_secs(5)
        );
        // A huge backlog is capped.
        assert_eq!(admission.retry_after(100_000_000, 1.0), MAX_RETRY);
        let spreads: std::collections::HashSet<u64> = (0..20).map(|_| spread().to_bits()).collect();
        assert!(spreads.len() > 15, "spread must vary");
    }
}

//! Fleet-wide counts served from a snapshot. Nodes per image and status
//! is a count over every node row: about 100 ms at 1,000,000 nodes on an
//! idle database and several times that when the cores are busy with the
//! fleet's TLS; open deviations by severity join every open deviation
//! with its node. The images list, the metrics scrape and the
//! correlations read them, so each replica keeps the last answer and
//! serves it while it is younger than [`FRESH`]; past that, the request
//! still gets it at once and one refresh runs behind it; only an answer
//! older than [`STALE_MAX`] (or none yet) is waited for. Counts are
//! therefore at most a couple of seconds old in steady use, never older
//! than [`STALE_MAX`].

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::model::NodeStatus;

/// An answer this young is served as it is.
pub const FRESH: Duration = Duration::from_secs(2);
/// An answer older than this is not served: the request waits for a new one.
pub const STALE_MAX: Duration = Duration::from_secs(30);

/// Nodes per (image, status).
pub type ImageStatusCounts = Vec<(String, NodeStatus, i64)>;
/// Open deviations per severity name, retired nodes left out.
pub type SeverityCounts = Vec<(String, i64)>;

/// The last answer and whether a refresh is under way.
pub(crate) struct Snapshot<T> {
    last: Mutex<Option<(Instant, Arc<T>)>>,
    refreshing: AtomicBool,
}

impl<T> Default for Snapshot<T> {
    fn default() -> Snapshot<T> {
        Snapshot {
            last: Mutex::new(None),
            refreshing: AtomicBool::new(false),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Snapshot<T> {
    fn get(&self) -> Option<(Instant, Arc<T>)> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Keeps an answer counted from `at`.
    pub(super) fn put(&self, at: Instant, value: Arc<T>) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        // A slower refresh never replaces a newer answer.
        if last.as_ref().is_none_or(|(prev, _)| *prev <= at) {
            *last = Some((at, value));
        }
    }

    /// The answer `count` gives, served as the module documentation says
    /// (`what` names it in a failed refresh's warning).
    pub(super) async fn serve<F, Fut, E>(
        self: &Arc<Self>,
        what: &'static str,
        count: F,
    ) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        if let Some((at, value)) = self.get() {
            let age = at.elapsed();
            if age < FRESH {
                return Ok(value.as_ref().clone());
            }
            if age < STALE_MAX {
                if !self.refreshing.swap(true, Ordering::AcqRel) {
                    let (me, counting) = (self.clone(), count());
                    tokio::spawn(async move {
                        let at = Instant::now();
                        match counting.await {
                            Ok(v) => me.put(at, Arc::new(v)),
                            Err(e) => tracing::warn!(error = %e, "refreshing the {what} failed"),
                        }
                        me.refreshing.store(false, Ordering::Release);
                    });
                }
                return Ok(value.as_ref().clone());
            }
        }
        let at = Instant::now();
        let value = count().await?;
        self.put(at, Arc::new(value.clone()));
        Ok(value)
    }
}

//! Fleet-wide counts served from a snapshot. Nodes per image and status
//! is a count over every node row: about 100 ms at 1,000,000 nodes on an
//! idle database and several times that when the cores are busy with the
//! fleet's TLS. The images list, the metrics scrape and the correlations
//! all read it, so each replica keeps the last answer and serves it while
//! it is younger than [`FRESH`]; past that, the request still gets it at
//! once and one refresh runs behind it; only an answer older than
//! [`STALE_MAX`] (or none yet) is waited for. Counts are therefore at most
//! a couple of seconds old in steady use, never older than [`STALE_MAX`].

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::model::NodeStatus;

/// An answer this young is served as it is.
pub const FRESH: Duration = Duration::from_secs(2);
/// An answer older than this is not served: the request waits for a new one.
pub const STALE_MAX: Duration = Duration::from_secs(30);

/// Nodes per (image, status).
pub type ImageStatusCounts = Vec<(String, NodeStatus, i64)>;

/// The last answer and whether a refresh is under way.
#[derive(Default)]
pub(crate) struct Snapshot {
    last: Mutex<Option<(Instant, Arc<ImageStatusCounts>)>>,
    pub(super) refreshing: AtomicBool,
}

impl Snapshot {
    pub(super) fn get(&self) -> Option<(Instant, Arc<ImageStatusCounts>)> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(super) fn put(&self, at: Instant, counts: Arc<ImageStatusCounts>) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        // A slower refresh never replaces a newer answer.
        if last.as_ref().is_none_or(|(prev, _)| *prev <= at) {
            *last = Some((at, counts));
        }
    }
}

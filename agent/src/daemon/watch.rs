//! Real-time file events (inotify through notify) for the watched paths.
//! Events are turned into manifest paths for the scanner. When the kernel
//! drops events (queue overflow) or a watch cannot be added (watch limit),
//! the scanner is told at once so it rescans instead of missing changes.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use notify::{Event, RecommendedWatcher, RecursiveMode, Watcher};

use super::ScanRequest;
use crate::paths;

/// Starts watching; the returned watcher must be kept alive.
pub fn start(
    root: &Path,
    watch_paths: &[String],
    tx: Sender<ScanRequest>,
) -> Option<RecommendedWatcher> {
    let root_buf = root.to_path_buf();
    let events_tx = tx.clone();
    let handler = move |res: notify::Result<Event>| match res {
        Ok(event) => {
            if event.need_rescan() {
                let _ = events_tx.send(ScanRequest::EventsLost(
                    "kernel event queue overflowed".into(),
                ));
                return;
            }
            if event.kind.is_access() {
                return;
            }
            let rel: Vec<Vec<u8>> = event
                .paths
                .iter()
                .map(|p| paths::relative(&root_buf, p))
                .collect();
            if !rel.is_empty() {
                let _ = events_tx.send(ScanRequest::Paths(rel));
            }
        }
        Err(e) => {
            let _ = events_tx.send(ScanRequest::EventsLost(format!("file watcher error: {e}")));
        }
    };
    // Never follow symlinks: a link to `/` must not make us watch the host.
    let config = notify::Config::default().with_follow_symlinks(false);
    let mut watcher = match RecommendedWatcher::new(handler, config) {
        Ok(w) => w,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the file watcher; relying on periodic rescans");
            let _ = tx.send(ScanRequest::EventsLost(format!(
                "file watcher unavailable: {e}"
            )));
            return None;
        }
    };
    let mut watched = 0;
    for p in watch_paths {
        let full: PathBuf = paths::on_disk(root, p.as_bytes());
        if !full.exists() {
            continue;
        }
        match watcher.watch(&full, RecursiveMode::Recursive) {
            Ok(()) => watched += 1,
            Err(e) => {
                tracing::warn!(path = %full.display(), error = %e, "cannot watch (inotify watch limit?); changes there are found by rescans");
                let _ = tx.send(ScanRequest::EventsLost(format!(
                    "cannot watch {}: {e}",
                    full.display()
                )));
            }
        }
    }
    tracing::info!(paths = watched, "watching for file events");
    Some(watcher)
}

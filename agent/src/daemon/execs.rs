//! Execs in the daemon: the monitor ([`crate::execs`]) on its thread of
//! its own, and the ledger that keeps what it found.
//!
//! A process that ran code from outside the image has usually exited by
//! the next scan; the evidence must not go with it. Each exec deviation is
//! kept in the ledger (in the state dir, so a restart keeps it too) for
//! `exec_retention` after it was last seen, and is part of every deviation
//! set the agent reports until then. At most [`MAX_KEPT`] are itemised;
//! more are counted in one `scan_error` deviation, never dropped silently.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use plumb_proto::v1::Deviation;
use prost::Message;

use super::outbox::{DevKey, DeviationSet};
use crate::execs::{ExecMonitor, World, Worlds};
use crate::manifest::now_ms;

/// Exec deviations itemised at once.
pub const MAX_KEPT: usize = 1_000;

#[derive(Clone, PartialEq, prost::Message)]
struct LedgerFile {
    #[prost(message, repeated, tag = "1")]
    entries: Vec<LedgerEntry>,
    #[prost(uint64, tag = "2")]
    overflow: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
struct LedgerEntry {
    #[prost(message, optional, tag = "1")]
    deviation: Option<Deviation>,
    #[prost(int64, tag = "2")]
    last_seen_ms: i64,
}

/// The exec deviations kept, by key, with when each was last seen.
pub struct ExecLedger {
    kept: BTreeMap<DevKey, (Deviation, i64)>,
    /// Execs beyond [`MAX_KEPT`], counted.
    overflow: u64,
    path: PathBuf,
    retention_ms: i64,
    /// The node's policy: the overflow finding's severity.
    policy: Arc<crate::policy::Policy>,
}

impl ExecLedger {
    /// The ledger in `state_dir`; one that cannot be read starts empty
    /// (and says so).
    pub fn open(
        state_dir: &std::path::Path,
        retention: std::time::Duration,
        policy: Arc<crate::policy::Policy>,
    ) -> ExecLedger {
        let path = state_dir.join("execs.pb");
        let mut ledger = ExecLedger {
            kept: BTreeMap::new(),
            overflow: 0,
            path,
            retention_ms: retention.as_millis() as i64,
            policy,
        };
        match std::fs::read(&ledger.path) {
            Ok(bytes) => match LedgerFile::decode(&bytes[..]) {
                Ok(file) => {
                    ledger.overflow = file.overflow;
                    for e in file.entries {
                        if let Some(d) = e.deviation {
                            ledger.kept.insert(DevKey::of(&d), (d, e.last_seen_ms));
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(path = %ledger.path.display(), error = %e, "exec ledger unreadable; starting empty")
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::error!(path = %ledger.path.display(), error = %e, "exec ledger unreadable; starting empty")
            }
        }
        ledger
    }

    /// Records what the monitor found; whether anything new was kept.
    pub fn add(&mut self, found: Vec<Deviation>) -> bool {
        let now = now_ms();
        let mut changed = false;
        for d in found {
            let key = DevKey::of(&d);
            let full = self.kept.len() >= MAX_KEPT;
            match self.kept.get_mut(&key) {
                Some(entry) => entry.1 = now,
                None if full => {
                    self.overflow += 1;
                    changed = true;
                }
                None => {
                    self.kept.insert(key, (d, now));
                    changed = true;
                }
            }
        }
        if changed {
            self.save();
        }
        changed
    }

    fn save(&self) {
        let file = LedgerFile {
            entries: self
                .kept
                .values()
                .map(|(d, at)| LedgerEntry {
                    deviation: Some(d.clone()),
                    last_seen_ms: *at,
                })
                .collect(),
            overflow: self.overflow,
        };
        if let Err(e) = crate::atomic::write(&self.path, &file.encode_to_vec()) {
            tracing::error!(path = %self.path.display(), error = %e, "exec ledger not written; kept in memory");
        }
    }

    /// Puts every kept exec deviation into `current` (a scan's own finding
    /// of the same key wins), after forgetting those past retention.
    pub fn overlay(&mut self, current: &mut DeviationSet) {
        let cutoff = now_ms() - self.retention_ms;
        let before = self.kept.len();
        self.kept.retain(|_, (_, at)| *at >= cutoff);
        if self.kept.len() != before {
            self.save();
        }
        for (k, (d, _)) in &self.kept {
            current.entry(k.clone()).or_insert_with(|| d.clone());
        }
        if self.overflow > 0 {
            let d = self.policy.scan_error(
                "execs",
                &format!("at most {MAX_KEPT} execs of code outside the image itemised"),
                format!(
                    "{} more execs of code outside the image were seen and not itemised",
                    self.overflow
                ),
            );
            current.insert(DevKey::of(&d), d);
        }
    }
}

/// The running monitor: the fanotify group (to mark new containers) and
/// what each filesystem's execs are judged against.
pub struct Monitor {
    pub monitor: Arc<ExecMonitor>,
    pub worlds: Arc<RwLock<Worlds>>,
}

/// Where the monitor thread puts what it finds: the ledger (through the
/// shared deviation set), the spool and the stream's wake-up, and the
/// metrics.
pub struct Sink {
    pub shared: Arc<Shared>,
    pub outbox: Arc<super::outbox::Outbox>,
    pub spooled: Arc<tokio::sync::Notify>,
    pub metrics: Arc<super::metrics::AgentMetrics>,
}

impl Monitor {
    /// Starts watching execs (fanotify), judged against `host` on the
    /// node's filesystems under `root`; none where the kernel or the
    /// agent's privileges do not allow it (said once: processes are then
    /// judged at each quick scan).
    pub fn start(host: Option<Arc<World>>, root: &std::path::Path) -> Option<Monitor> {
        match ExecMonitor::start() {
            Ok(m) => Some(Monitor {
                monitor: Arc::new(m),
                worlds: Arc::new(RwLock::new(Worlds {
                    host,
                    root: root.to_path_buf(),
                    containers: Default::default(),
                })),
            }),
            Err(e) => {
                tracing::warn!(error = %e, "exec monitor unavailable: processes are judged at each quick scan instead");
                None
            }
        }
    }

    /// Runs the monitor on a thread of its own until `stop` is set: every
    /// exec judged as it happens, what runs code from outside the image
    /// logged, kept in the ledger and, when new, spooled for the collector.
    pub fn spawn(
        &self,
        sink: Sink,
        stop: Arc<std::sync::atomic::AtomicBool>,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        let (monitor, worlds) = (self.monitor.clone(), self.worlds.clone());
        std::thread::Builder::new()
            .name("plumb-execs".into())
            .spawn(move || {
                monitor.run(&worlds, &stop, |found, judged| {
                    use std::sync::atomic::Ordering::Relaxed;
                    sink.metrics.execs_judged.fetch_add(judged as u64, Relaxed);
                    if found.is_empty() {
                        return;
                    }
                    sink.metrics
                        .exec_findings
                        .fetch_add(found.len() as u64, Relaxed);
                    for d in &found {
                        tracing::warn!(key = %d.key, container = %d.container, actual = %d.actual, "exec of code outside the image");
                    }
                    let new = sink
                        .shared
                        .ledger
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .add(found);
                    if new {
                        super::publish(&sink.shared, &sink.outbox, &sink.spooled);
                    }
                })
            })
    }

    /// Points the monitor at the containers of the last pass: each
    /// verified one's root overlay is marked and judged against its image.
    pub fn containers(&self, reports: &[crate::containers::Report]) {
        use std::os::unix::fs::MetadataExt;
        let mut map = std::collections::HashMap::new();
        for r in reports {
            let Some(image) = &r.image else { continue };
            let Ok(meta) = std::fs::metadata(&r.root) else {
                continue;
            };
            if let Err(e) = self.monitor.mark(&r.root) {
                tracing::warn!(container = %r.info.id, error = %e, "container root not watched for execs");
                continue;
            }
            map.insert(
                meta.dev(),
                Arc::new(World::of_image(image, r.info.id.clone())),
            );
        }
        self.worlds
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .containers = map;
    }
}

/// Shared between the scanner and the monitor thread: the node's
/// deviation set and the exec ledger.
pub struct Shared {
    pub current: Mutex<DeviationSet>,
    pub ledger: Mutex<ExecLedger>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{default_policy, Policy, PolicyFile, SeverityRuleFile};
    use plumb_proto::v1::{DeviationKind, Severity};

    fn policy(file: Option<PolicyFile>) -> Arc<Policy> {
        Arc::new(Policy::compile(&default_policy(&[]), file.as_ref()).unwrap())
    }

    fn exec(n: usize) -> Deviation {
        Deviation {
            kind: DeviationKind::ProcessUnexpected as i32,
            key: format!("/tmp/dropped-{n}"),
            severity: Severity::Critical as i32,
            ..Default::default()
        }
    }

    /// Execs beyond what the ledger itemises are one `scan_error`, whose
    /// severity is the node policy's like every other agent-side one.
    #[test]
    fn the_overflow_finding_takes_its_severity_from_the_policy() {
        let lowered = PolicyFile {
            severity: vec![SeverityRuleFile {
                path: "execs".into(),
                kinds: vec!["scan_error".into()],
                severity: "medium".into(),
            }],
            ..Default::default()
        };
        for (file, expected) in [
            (None, Severity::Critical),
            (Some(lowered), Severity::Medium),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let mut ledger = ExecLedger::open(
                dir.path(),
                std::time::Duration::from_secs(3_600),
                policy(file),
            );
            ledger.add((0..MAX_KEPT + 3).map(exec).collect());
            let mut current = DeviationSet::new();
            ledger.overlay(&mut current);
            let overflow = current
                .values()
                .find(|d| d.kind == DeviationKind::ScanError as i32)
                .expect("the overflow is reported");
            assert_eq!(overflow.key, "execs");
            assert_eq!(overflow.severity, expected as i32);
            assert!(
                overflow.actual.starts_with("3 more execs"),
                "{}",
                overflow.actual
            );
        }
    }
}

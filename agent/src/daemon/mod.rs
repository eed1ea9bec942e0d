//! The node daemon (`plumb-agent run`): scans on start, on a period, and
//! on real-time file events; keeps the node's deviation set; spools every
//! change durably; streams it to the collector.
//!
//! [`run`] assembles the daemon from its configuration first (its spool,
//! identity, manifest, checker, exec monitor and hello: `Daemon::assemble`),
//! then starts its threads and tasks (`Daemon::start`) and, told to stop,
//! stops them in order (`Running::stop`).
//!
//! Threads: one scanner thread owns the [`Checker`] (hashing fans out to
//! rayon); the exec monitor has a thread of its own ([`execs`]); the
//! tokio runtime runs the collector stream. They meet only at
//! the [`outbox::Outbox`], three channels (scan requests to the scanner,
//! scan summaries and the container list to the stream) and a `Notify`
//! that the outbox has something new, so a slow or absent collector never
//! blocks a scan.

pub mod config;
pub mod containers;
pub mod execs;
pub mod identity;
pub mod metrics;
pub mod outbox;
pub mod process;
pub mod stream;
pub mod watch;

use std::collections::BTreeSet;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::ProgressBar;
use plumb_proto::transport::ClientTls;
use plumb_proto::v1::{Command, CommandKind, Deviation, DeviationKind, Hello, ScanSummary};
use tokio::sync::{mpsc, Notify};

use crate::check::{CheckResult, Checker};
use crate::manifest::Baseline;
use crate::policy::PolicyFile;
use crate::throttle::Throttle;
use config::RunConfig;
use outbox::{DevKey, DeviationSet, Outbox};

/// Work for the scanner thread.
#[derive(Debug)]
pub enum ScanRequest {
    /// These manifest paths changed (file events).
    Paths(Vec<Vec<u8>>),
    /// File events were lost; rescan everything now.
    EventsLost(String),
    Command(Command),
    Shutdown,
}

/// How long file events are gathered before they are scanned together.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Runs the daemon until `shutdown` resolves: assembles it, starts it,
/// and stops it.
pub async fn run(
    cfg: RunConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    tokio::pin!(shutdown);
    // Assembling may wait for the collector (the manifest, enrollment):
    // a stop meanwhile ends it.
    let daemon = tokio::select! {
        d = Daemon::assemble(cfg) => d?,
        _ = &mut shutdown => return Ok(()),
    };
    let running = daemon.start()?;
    shutdown.await;
    tracing::info!("agent stopping");
    running.stop().await;
    Ok(())
}

/// The daemon's parts, made from its configuration before anything runs
/// ([`Daemon::assemble`]): its spool, its identity, its manifest and the
/// checker holding it, its exec monitor, its hello.
struct Daemon {
    cfg: RunConfig,
    outbox: Arc<Outbox>,
    tls: ClientTls,
    checker: Checker,
    policy: Option<PolicyFile>,
    hello: Hello,
    monitor: Option<execs::Monitor>,
    shared: Arc<execs::Shared>,
    metrics: Arc<metrics::AgentMetrics>,
}

/// A started daemon: its threads and tasks, and how to stop them.
struct Running {
    stop: tokio::sync::watch::Sender<bool>,
    scans: std::sync::mpsc::Sender<ScanRequest>,
    streamer: tokio::task::JoinHandle<()>,
    scanner: std::thread::JoinHandle<()>,
    monitor: Option<(
        std::thread::JoinHandle<()>,
        Arc<std::sync::atomic::AtomicBool>,
    )>,
    /// File events flow while it lives.
    _watcher: Option<notify::RecommendedWatcher>,
}

impl Daemon {
    /// The state dir and spool, the node's identity (enrolled on first
    /// start), its manifest (from the file or the collector, signature
    /// checked), the checker, the exec monitor and the hello.
    async fn assemble(cfg: RunConfig) -> anyhow::Result<Daemon> {
        std::fs::create_dir_all(&cfg.state_dir)
            .with_context(|| format!("state dir {}", cfg.state_dir.display()))?;
        let outbox = Arc::new(
            Outbox::open(&cfg.state_dir, cfg.spool_max_messages)
                .with_context(|| format!("opening the spool in {}", cfg.state_dir.display()))?,
        );
        let keys = identity::trusted_keys(&cfg)?;
        if cfg.enroll_token.is_some() && !cfg.cert.exists() {
            let image = match (&cfg.image_id, &cfg.manifest) {
                (Some(i), _) => i.clone(),
                (None, Some(p)) => crate::manifest::read(p)?.meta.image_id,
                (None, None) => String::new(),
            };
            identity::enroll_if_needed(&cfg, &image).await?;
        }
        let tls = crate::client::client_tls(&cfg)?;
        let manifest = obtain_manifest(&cfg, &tls).await?;
        identity::check_signature(&manifest.meta, &keys)?;
        let manifest_copy = cfg.state_dir.join(MANIFEST_COPY);
        let policy = cfg.policy.as_deref().map(PolicyFile::load).transpose()?;
        // Execs of the node are judged against its files, when the
        // manifest judges what runs.
        // The node's policy, compiled once: the exec monitor's and the
        // exec ledger's findings take their severities from it.
        let node_policy = Arc::new(crate::policy::Policy::compile(
            &manifest.meta.policy.clone().unwrap_or_default(),
            policy.as_ref(),
        )?);
        let host_world = if manifest.meta.runtime.as_ref().is_some_and(|r| r.processes) {
            Some(Arc::new(crate::execs::World::of(
                &manifest,
                node_policy.clone(),
                String::new(),
            )))
        } else {
            None
        };
        let mut checker = Checker::new(
            &cfg.root,
            manifest,
            policy.as_ref(),
            Some(&cfg.state_dir),
            &cfg.proc_dir,
        )?;
        checker.throttle = cfg.max_read_mbps.map(|m| Arc::new(Throttle::new(m)));
        checker.reload_files_from(manifest_copy);
        // Processes and modules are judged only where they belong: on the
        // running system (or when asked for).
        checker.judge_running = cfg.processes;
        if !cfg.processes && checker.manifest.runtime.is_some() {
            tracing::warn!(root = %cfg.root.display(), "running processes and kernel modules not judged: the root is not the running system's (--processes on judges them anyway)");
        }
        let monitor = if cfg.exec_monitor {
            execs::Monitor::start(host_world, &cfg.root)
        } else {
            None
        };
        let metrics = Arc::new(metrics::AgentMetrics::default());
        let exec_monitor = if monitor.is_some() {
            plumb_proto::v1::ExecMonitor::Fanotify
        } else {
            plumb_proto::v1::ExecMonitor::Periodic
        };
        *metrics
            .exec_monitor
            .lock()
            .unwrap_or_else(|e| e.into_inner()) =
            plumb_proto::exec_monitor_snake(exec_monitor).into();
        let hello = Hello {
            node_id: cfg.node_id.clone(),
            hostname: sysinfo::System::host_name().unwrap_or_default(),
            image_id: checker.manifest.image_id.clone(),
            manifest_digest: checker.manifest.digest.clone(),
            agent_version: env!("CARGO_PKG_VERSION").to_string(),
            boot_id: std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            heartbeat_secs: cfg.heartbeat.as_secs().max(1) as u32,
            exec_monitor: exec_monitor as i32,
            containers: cfg.containers,
        };
        let shared = Arc::new(execs::Shared {
            current: std::sync::Mutex::new(DeviationSet::new()),
            ledger: std::sync::Mutex::new(execs::ExecLedger::open(
                &cfg.state_dir,
                cfg.exec_retention,
                node_policy,
            )),
        });
        Ok(Daemon {
            cfg,
            outbox,
            tls,
            checker,
            policy,
            hello,
            monitor,
            shared,
            metrics,
        })
    }

    /// Starts the exec monitor's thread, the container watch, the file
    /// watcher, the metrics endpoint, the scanner thread and the stream.
    fn start(self) -> anyhow::Result<Running> {
        let Daemon {
            cfg,
            outbox,
            tls,
            checker,
            policy,
            hello,
            monitor,
            shared,
            metrics,
        } = self;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let spooled = Arc::new(Notify::new());
        let monitor_thread = match &monitor {
            Some(m) => {
                let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
                let sink = execs::Sink {
                    shared: shared.clone(),
                    outbox: outbox.clone(),
                    spooled: spooled.clone(),
                    metrics: metrics.clone(),
                };
                let thread = m
                    .spawn(sink, stop.clone())
                    .context("starting the exec monitor thread")?;
                Some((thread, stop))
            }
            None => None,
        };
        tracing::info!(node = %cfg.node_id, image = %hello.image_id, root = %cfg.root.display(), collector = %cfg.collector, "agent starting");

        let (summary_tx, summary_rx) = mpsc::channel(16);
        let (list_tx, list_rx) = tokio::sync::watch::channel(None);
        let container_watch = cfg.containers.then(|| {
            containers::ContainerWatch::new(
                cfg.proc_dir.clone(),
                cfg.runtime_dirs.clone(),
                crate::client::CollectorSource::new(
                    &cfg,
                    tls.clone(),
                    tokio::runtime::Handle::current(),
                ),
                policy.clone(),
                list_tx,
            )
        });
        let (scan_tx, scan_rx) = std::sync::mpsc::channel();
        let watcher = if cfg.watch {
            watch::start(&cfg.root, &cfg.watch_paths, scan_tx.clone())
        } else {
            None
        };
        if let Some(addr) = cfg.metrics_listen {
            let (metrics, outbox, stop) = (metrics.clone(), outbox.clone(), stop_rx.clone());
            tokio::spawn(async move {
                if let Err(e) = metrics::serve(addr, metrics, outbox, stop).await {
                    tracing::error!(%addr, error = %e, "agent metrics not served");
                }
            });
        }
        let scanner = {
            let (cfg, outbox, spooled) = (cfg.clone(), outbox.clone(), spooled.clone());
            std::thread::Builder::new()
                .name("plumb-scanner".into())
                .spawn(move || {
                    let scanner = Scanner {
                        checker,
                        containers: container_watch,
                        metrics: &metrics,
                        outbox: &outbox,
                        spooled: &spooled,
                        summaries: &summary_tx,
                        shared,
                        monitor,
                    };
                    scanner_loop(scanner, &cfg, scan_rx)
                })
                .context("starting the scanner thread")?
        };
        let identity = stream::Identity {
            collectors: cfg.collectors.clone(),
            tls,
            hello,
            heartbeat: cfg.heartbeat,
        };
        let streamer = tokio::spawn(stream::run(
            identity,
            outbox,
            spooled,
            stream::Feeds {
                summaries: summary_rx,
                containers: list_rx,
            },
            scan_tx.clone(),
            stop_rx,
        ));
        Ok(Running {
            stop: stop_tx,
            scans: scan_tx,
            streamer,
            scanner,
            monitor: monitor_thread,
            _watcher: watcher,
        })
    }
}

impl Running {
    /// Stops the stream, then the scanner and the exec monitor, waiting
    /// for each (a scan in progress finishes its file).
    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.scans.send(ScanRequest::Shutdown);
        let _ = self.streamer.await;
        if let Some((_, stop)) = &self.monitor {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let (scanner, monitor) = (self.scanner, self.monitor);
        let _ = tokio::task::spawn_blocking(move || {
            let _ = scanner.join();
            if let Some((thread, _)) = monitor {
                let _ = thread.join();
            }
        })
        .await;
    }
}

/// The binary copy of the manifest in the state dir: the scanner reads its
/// files back from it after releasing them between scans.
const MANIFEST_COPY: &str = "manifest.pb";

/// The manifest from `--manifest`, or fetched by image id from the
/// collector (retrying until it answers). Either way a verified binary copy
/// is kept in the state dir, so a restart works while the collector is
/// down and the scanner can release the files between scans.
async fn obtain_manifest(cfg: &RunConfig, tls: &ClientTls) -> anyhow::Result<Baseline> {
    let cached = cfg.state_dir.join(MANIFEST_COPY);
    if let Some(path) = &cfg.manifest {
        let m = crate::manifest::read(path)?;
        crate::atomic::write(&cached, &m.encode())
            .with_context(|| format!("copying the manifest to {}", cached.display()))?;
        return Ok(m);
    }
    let image = cfg.image_id.clone().unwrap_or_default();
    let mut backoff = stream::Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
    loop {
        let mut fetched = Err(String::new());
        for url in &cfg.collectors {
            fetched = match crate::client::fetch_manifest(url, tls, &image).await {
                Ok(Some(bytes)) => Ok(bytes),
                Ok(None) => Err(format!("{url}: no manifest of image {image:?}")),
                Err(e) => Err(e),
            };
            if fetched.is_ok() {
                break;
            }
        }
        match fetched {
            Ok(bytes) => {
                let m = Baseline::decode_binary(&bytes)
                    .with_context(|| format!("manifest of image {image} from the collector"))?;
                if m.meta.image_id != image {
                    anyhow::bail!(
                        "collector returned the manifest of image {:?}, not {image:?}",
                        m.meta.image_id
                    );
                }
                crate::atomic::write(&cached, &bytes)
                    .with_context(|| format!("caching {}", cached.display()))?;
                tracing::info!(image = %image, digest = %m.digest_hex(), "manifest fetched and verified");
                return Ok(m);
            }
            Err(e) => {
                if let Ok(m) = crate::manifest::read(&cached) {
                    if m.meta.image_id == image {
                        tracing::warn!(error = %e, "collector unreachable; using the cached manifest");
                        return Ok(m);
                    }
                }
                let wait = backoff.next_delay();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "cannot fetch the manifest yet");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

fn is_file_kind(kind: i32) -> bool {
    kind == DeviationKind::FileAdded as i32
        || kind == DeviationKind::FileRemoved as i32
        || kind == DeviationKind::FileModified as i32
}

fn key_in_scope(key: &str, scope: &[String]) -> bool {
    scope.iter().any(|s| {
        key == s
            || s == "/"
            || (key.starts_with(s.as_str()) && key.as_bytes().get(s.len()) == Some(&b'/'))
    })
}

/// Replaces the part of `current` that a scan of `scope` covers.
fn merge(current: &mut DeviationSet, result: Vec<Deviation>, scope: Option<&[Vec<u8>]>) {
    match scope {
        // A whole scan replaces the node's own deviations; its containers'
        // are replaced by the container pass.
        None => current.retain(|k, _| !k.container.is_empty()),
        Some(paths) => {
            let scope: Vec<String> = paths.iter().map(|p| crate::paths::display(p)).collect();
            current.retain(|k, _| {
                !k.container.is_empty() || (is_file_kind(k.kind) && !key_in_scope(&k.key, &scope))
            });
        }
    }
    for d in result {
        current.insert(DevKey::of(&d), d);
    }
}

/// Drops paths below other paths in the list (their ancestor is scanned).
fn reduce(paths: BTreeSet<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for p in paths {
        let covered = out
            .iter()
            .any(|q| p.starts_with(q) && (q.as_slice() == b"/" || p.get(q.len()) == Some(&b'/')));
        if !covered {
            out.push(p);
        }
    }
    out
}

struct Scanner<'a> {
    checker: Checker,
    containers: Option<containers::ContainerWatch>,
    metrics: &'a metrics::AgentMetrics,
    outbox: &'a Outbox,
    spooled: &'a Notify,
    summaries: &'a mpsc::Sender<ScanSummary>,
    shared: Arc<execs::Shared>,
    monitor: Option<execs::Monitor>,
}

/// Spools the node's deviation set, with the kept execs, if it changed.
pub(crate) fn publish(shared: &execs::Shared, outbox: &Outbox, spooled: &Notify) {
    let mut current = shared.current.lock().unwrap_or_else(|e| e.into_inner());
    shared
        .ledger
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .overlay(&mut current);
    match outbox.record(&current) {
        Ok(Some(seq)) => {
            tracing::info!(seq, open = current.len(), "deviation set changed");
            spooled.notify_one();
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "cannot spool deviations; they will be re-sent after the next scan")
        }
    }
}

impl Scanner<'_> {
    /// Spools the current deviation set if it changed.
    fn publish(&mut self) {
        publish(&self.shared, self.outbox, self.spooled);
    }

    fn current(&self) -> std::sync::MutexGuard<'_, DeviationSet> {
        self.shared
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn scan(&mut self, label: &str, scope: Option<&[Vec<u8>]>, full: bool, events_lost: bool) {
        let started = Instant::now();
        let span = tracing::info_span!("scan", kind = label);
        let _enter = span.enter();
        let result: Result<CheckResult, _> = match scope {
            None => self.checker.scan(full, ProgressBar::hidden()),
            Some(paths) => self.checker.scan_paths(paths),
        };
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                // The last known deviations stay, and the node is reported
                // as not verified until a scan succeeds again.
                tracing::error!(error = %e, "scan failed; the node is reported as not verified");
                self.metrics.failed();
                self.checker.release();
                let failed =
                    self.checker
                        .policy
                        .scan_error("scan", "", format!("scan failed: {e}"));
                self.current().insert(DevKey::of(&failed), failed);
                self.publish();
                return;
            }
        };
        merge(&mut self.current(), result.deviations, scope);
        self.publish();
        let s = &result.stats;
        let (open, scan_errors) = {
            let current = self.current();
            let errors = current
                .keys()
                .filter(|k| k.kind == DeviationKind::ScanError as i32)
                .count();
            (current.len(), errors)
        };
        self.metrics.scanned(label, s, open, scan_errors);
        // Whole scans are worth a line at the default level; the frequent
        // quick and event scans only at debug.
        if scope.is_none() {
            tracing::info!(
                files = s.files,
                hashed = s.hashed,
                elapsed_ms = started.elapsed().as_millis() as u64,
                open,
                scan_errors,
                "scan finished"
            );
        } else {
            tracing::debug!(
                files = s.files,
                hashed = s.hashed,
                elapsed_ms = started.elapsed().as_millis() as u64,
                open,
                "scan finished"
            );
        }
        let _ = self.summaries.try_send(ScanSummary {
            scan: label.to_string(),
            files: s.files,
            hashed: s.hashed,
            duration_ms: started.elapsed().as_millis() as u64,
            open_deviations: open as u64,
            errors: s.errors,
            events_lost,
        });
        // At rest the agent holds only its deviation set: the manifest's
        // files and the hash cache are read back by the next scan.
        self.checker.release();
    }
}

fn scanner_loop(mut s: Scanner<'_>, cfg: &RunConfig, rx: Receiver<ScanRequest>) {
    s.scan("full", None, false, false);
    s.judge_containers(true);
    let now = Instant::now();
    let (mut next_incr, mut next_full, mut next_quick) = (
        now + cfg.interval,
        now + cfg.full_interval,
        now + cfg.quick_interval,
    );
    loop {
        let deadline = next_incr.min(next_full).min(next_quick);
        let timeout = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(timeout) {
            Ok(ScanRequest::Paths(first)) => {
                let mut paths: BTreeSet<Vec<u8>> = first.into_iter().collect();
                let mut lost = None;
                let until = Instant::now() + DEBOUNCE;
                loop {
                    match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                        Ok(ScanRequest::Paths(more)) => paths.extend(more),
                        Ok(ScanRequest::EventsLost(why)) => lost = Some(why),
                        Ok(ScanRequest::Command(c)) => s.command(c),
                        Ok(ScanRequest::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
                        Err(RecvTimeoutError::Timeout) => break,
                    }
                }
                if let Some(why) = lost {
                    tracing::warn!(reason = %why, "file events lost; rescanning everything");
                    s.scan("events-lost", None, false, true);
                    continue;
                }
                paths.retain(|p| !s.checker.policy.ignore.is_ignored(p));
                if paths.is_empty() {
                    continue;
                }
                let paths = reduce(paths);
                s.scan("event", Some(&paths), false, false);
            }
            Ok(ScanRequest::EventsLost(why)) => {
                tracing::warn!(reason = %why, "file events lost; rescanning everything");
                s.scan("events-lost", None, false, true);
            }
            Ok(ScanRequest::Command(c)) => s.command(c),
            Ok(ScanRequest::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                if now >= next_full {
                    s.scan("full", None, true, false);
                    s.judge_containers(true);
                    next_full = now + cfg.full_interval;
                    next_incr = now + cfg.interval;
                } else if now >= next_incr {
                    s.scan("incremental", None, false, false);
                    next_incr = now + cfg.interval;
                }
                if now >= next_quick {
                    // Packages and listeners only: an empty file scope.
                    s.scan("quick", Some(&[]), false, false);
                    s.judge_containers(false);
                    next_quick = Instant::now() + cfg.quick_interval;
                }
            }
        }
    }
}

impl Scanner<'_> {
    /// The container pass, when the agent judges containers; `full`
    /// hashes the images' layers again.
    fn judge_containers(&mut self, full: bool) {
        if let Some(watch) = self.containers.as_mut() {
            let mut current = self
                .shared
                .current
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let (running, reports) = watch.pass(&mut current, full);
            drop(current);
            if let Some(m) = &self.monitor {
                m.containers(&reports);
            }
            self.metrics.containers(running);
            self.publish();
        }
    }

    fn command(&mut self, c: Command) {
        match CommandKind::try_from(c.kind) {
            Ok(CommandKind::Rescan) => self.scan("incremental", None, false, false),
            Ok(CommandKind::FullRescan) => self.scan("full", None, true, false),
            Ok(CommandKind::SetPolicy) => {
                let parsed = if c.policy_toml.trim().is_empty() {
                    Ok(None)
                } else {
                    PolicyFile::parse(&c.policy_toml, "policy from collector").map(Some)
                };
                match parsed.and_then(|p| {
                    self.checker.set_policy(p.as_ref())?;
                    Ok(p)
                }) {
                    Ok(p) => {
                        if let Some(w) = self.containers.as_mut() {
                            w.containers.set_policy(p);
                        }
                        self.scan("incremental", None, false, false);
                        self.judge_containers(false);
                    }
                    Err(e) => tracing::error!(error = %e, "refusing policy from collector"),
                }
            }
            _ => tracing::warn!(kind = c.kind, "unknown command ignored"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(kind: DeviationKind, key: &str) -> Deviation {
        Deviation {
            kind: kind as i32,
            key: key.into(),
            ..Default::default()
        }
    }

    #[test]
    fn merging_a_scoped_scan_replaces_only_its_scope() {
        let mut current = DeviationSet::new();
        for d in [
            dev(DeviationKind::FileAdded, "/usr/bin/x"),
            dev(DeviationKind::FileModified, "/etc/motd"),
            dev(DeviationKind::PackageAdded, "nc"),
        ] {
            current.insert(DevKey::of(&d), d);
        }
        merge(
            &mut current,
            vec![dev(DeviationKind::FileAdded, "/usr/bin/y")],
            Some(&[b"/usr/bin".to_vec()]),
        );
        let keys: Vec<&str> = current.keys().map(|k| k.key.as_str()).collect();
        assert_eq!(
            keys,
            vec!["/usr/bin/y", "/etc/motd"],
            "package set is replaced by the scan's, /etc kept"
        );
    }

    #[test]
    fn nested_event_paths_reduce_to_their_ancestors() {
        let set: BTreeSet<Vec<u8>> = [
            b"/usr/bin".to_vec(),
            b"/usr/bin/ls".to_vec(),
            b"/usr/binx".to_vec(),
        ]
        .into();
        assert_eq!(
            reduce(set),
            vec![b"/usr/bin".to_vec(), b"/usr/binx".to_vec()]
        );
    }
}

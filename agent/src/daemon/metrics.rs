//! The agent's own metrics (`--metrics-listen ADDR`), in the Prometheus
//! text format at `/metrics`, so a node_exporter-style scrape sees an
//! agent that is stuck, failing or falling behind: scans and their
//! durations, files hashed, cache hits, the time of the last successful
//! scan, scan errors, spool depth and memory against the ceiling, and
//! the standard `process_*` metrics.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use plumb_proto::prometheus::{Exposition, Kind, Kind::Counter, Kind::Gauge, CONTENT_TYPE};

use super::outbox::Outbox;
use crate::check::ScanStats;

/// Counters the scanner thread updates.
#[derive(Default)]
pub struct AgentMetrics {
    /// Per scan kind (`full`, `incremental`, `quick`, `events`): scans
    /// finished and the last one's duration in seconds.
    scans: Mutex<BTreeMap<String, (u64, f64)>>,
    scan_failures: AtomicU64,
    files_hashed: AtomicU64,
    bytes_hashed: AtomicU64,
    cache_hits: AtomicU64,
    last_success_ms: AtomicI64,
    open_deviations: AtomicU64,
    scan_error_deviations: AtomicU64,
    containers: AtomicU64,
    /// `fanotify` or `periodic`: how new processes are seen.
    pub exec_monitor: Mutex<String>,
    pub execs_judged: AtomicU64,
    pub exec_findings: AtomicU64,
}

impl AgentMetrics {
    /// A scan of `kind` finished with `stats`; the node now has `open`
    /// deviations, `scan_errors` of them `scan_error`s.
    pub fn scanned(&self, kind: &str, stats: &ScanStats, open: usize, scan_errors: usize) {
        {
            let mut scans = self.scans.lock().unwrap_or_else(|e| e.into_inner());
            let entry = scans.entry(kind.to_string()).or_default();
            entry.0 += 1;
            entry.1 = stats.duration.as_secs_f64();
        }
        self.files_hashed.fetch_add(stats.hashed, Relaxed);
        self.bytes_hashed.fetch_add(stats.hashed_bytes, Relaxed);
        self.cache_hits.fetch_add(stats.cache_hits, Relaxed);
        self.last_success_ms
            .store(crate::manifest::now_ms(), Relaxed);
        self.open_deviations.store(open as u64, Relaxed);
        self.scan_error_deviations
            .store(scan_errors as u64, Relaxed);
    }

    /// The last container pass found `n` containers.
    pub fn containers(&self, n: usize) {
        self.containers.store(n as u64, Relaxed);
    }

    /// A scan failed as a whole.
    pub fn failed(&self) {
        self.scan_failures.fetch_add(1, Relaxed);
    }

    /// The exposition text.
    pub fn render(&self, spooled: usize) -> String {
        let mut out = Exposition::new();
        let scans = self.scans.lock().unwrap_or_else(|e| e.into_inner()).clone();
        out.family(
            "plumb_agent_scans_total",
            Counter,
            "Scans finished, by kind.",
        );
        for (kind, (n, _)) in &scans {
            out.sample("plumb_agent_scans_total", &[("kind", kind)], n);
        }
        out.family(
            "plumb_agent_scan_duration_seconds",
            Gauge,
            "Duration of the last scan of each kind.",
        );
        for (kind, (_, secs)) in &scans {
            out.sample("plumb_agent_scan_duration_seconds", &[("kind", kind)], secs);
        }
        let plain: [(&str, Kind, &str, f64); 13] = [
            (
                "plumb_agent_containers",
                Gauge,
                "Containers the last container pass judged.",
                self.containers.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_execs_judged_total",
                Counter,
                "Execs judged as they happened (exec monitor).",
                self.execs_judged.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_exec_findings_total",
                Counter,
                "Execs of code outside the image seen by the exec monitor.",
                self.exec_findings.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_scan_failures_total",
                Counter,
                "Scans that failed as a whole (the node is reported as not verified).",
                self.scan_failures.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_files_hashed_total",
                Counter,
                "Files hashed (cache misses).",
                self.files_hashed.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_hashed_bytes_total",
                Counter,
                "Bytes hashed.",
                self.bytes_hashed.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_cache_hits_total",
                Counter,
                "Files whose digest came from the hash cache.",
                self.cache_hits.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_last_successful_scan_timestamp_seconds",
                Gauge,
                "When the last scan finished, in seconds since the epoch (0: none yet).",
                self.last_success_ms.load(Relaxed) as f64 / 1000.0,
            ),
            (
                "plumb_agent_open_deviations",
                Gauge,
                "Deviations the node has now.",
                self.open_deviations.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_scan_errors",
                Gauge,
                "Open scan_error deviations: parts of the node that cannot be verified.",
                self.scan_error_deviations.load(Relaxed) as f64,
            ),
            (
                "plumb_agent_spooled_messages",
                Gauge,
                "Messages in the spool, not yet acknowledged by the collector.",
                spooled as f64,
            ),
            (
                "plumb_agent_memory_bytes",
                Gauge,
                "Heap bytes in use.",
                crate::memory::in_use() as f64,
            ),
            (
                "plumb_agent_memory_ceiling_bytes",
                Gauge,
                "The memory ceiling (--memory-limit).",
                crate::memory::ceiling() as f64,
            ),
        ];
        for (name, kind, help, v) in plain {
            out.single(name, kind, help, v);
        }
        out.family(
            "plumb_agent_build_info",
            Gauge,
            "The running agent's version (value 1).",
        )
        .sample(
            "plumb_agent_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1,
        );
        out.family(
            "plumb_agent_exec_monitor",
            Gauge,
            "How the agent sees new processes (value 1): fanotify (every exec as it happens) or periodic (at each quick scan).",
        );
        let mode = self
            .exec_monitor
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mode = if mode.is_empty() { "periodic" } else { &mode };
        out.sample("plumb_agent_exec_monitor", &[("mode", mode)], 1);
        out.process();
        out.finish()
    }
}

/// Serves `/metrics` on `addr` until `stop` turns true.
pub async fn serve(
    addr: std::net::SocketAddr,
    metrics: Arc<AgentMetrics>,
    outbox: Arc<Outbox>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "agent metrics listening");
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let (metrics, outbox) = (metrics.clone(), outbox.clone());
            async move {
                (
                    [("content-type", CONTENT_TYPE)],
                    metrics.render(outbox.spooled()),
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await
}

//! `/metrics` in the Prometheus text exposition format.

use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::hub::Hub;
use crate::model::NodeStatus;

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Renders every metric.
pub async fn render(hub: &Hub) -> Result<String, crate::store::StoreError> {
    let mut out = String::with_capacity(4096);
    family(
        &mut out,
        "plumb_nodes",
        "gauge",
        "Nodes by lifecycle status and image.",
    );
    let counts = hub.store.image_status_counts().await?;
    for (image, status, n) in &counts {
        let _ = writeln!(
            out,
            "plumb_nodes{{status=\"{}\",image=\"{}\"}} {n}",
            status.as_str(),
            label(image)
        );
    }
    family(
        &mut out,
        "plumb_nodes_by_status",
        "gauge",
        "Nodes by lifecycle status, every status listed.",
    );
    for status in NodeStatus::ALL {
        let n: i64 = counts
            .iter()
            .filter(|(_, s, _)| *s == status)
            .map(|(_, _, n)| n)
            .sum();
        let _ = writeln!(
            out,
            "plumb_nodes_by_status{{status=\"{}\"}} {n}",
            status.as_str()
        );
    }
    family(
        &mut out,
        "plumb_open_deviations",
        "gauge",
        "Open deviations across the fleet (retired nodes left out) by severity.",
    );
    let by_sev = hub.store.open_by_severity().await?;
    for sev in ["critical", "high", "medium", "low"] {
        let n = by_sev.iter().find(|(s, _)| s == sev).map_or(0, |(_, n)| *n);
        let _ = writeln!(out, "plumb_open_deviations{{severity=\"{sev}\"}} {n}");
    }
    family(
        &mut out,
        "plumb_connected_agents",
        "gauge",
        "Agents with an open stream.",
    );
    let _ = writeln!(
        out,
        "plumb_connected_agents {}",
        hub.agents.connected_count()
    );
    family(
        &mut out,
        "plumb_alert_outbox_pending",
        "gauge",
        "Alerts not yet delivered.",
    );
    let _ = writeln!(
        out,
        "plumb_alert_outbox_pending {}",
        hub.store.outbox_pending().await?
    );
    let c = &hub.counters;
    for (name, help, v) in [
        (
            "plumb_ingested_batches_total",
            "Deviation batches stored.",
            c.batches.load(Relaxed),
        ),
        (
            "plumb_duplicate_batches_total",
            "Batches received again and ignored (already stored).",
            c.duplicate_batches.load(Relaxed),
        ),
        (
            "plumb_ingested_deviations_total",
            "Deviations received (new or changed).",
            c.deviations_ingested.load(Relaxed),
        ),
        (
            "plumb_ingested_resolutions_total",
            "Resolved deviations received.",
            c.resolutions_ingested.load(Relaxed),
        ),
        (
            "plumb_heartbeats_total",
            "Agent messages counted as heartbeats.",
            c.heartbeats.load(Relaxed),
        ),
        (
            "plumb_liveness_rows_written_total",
            "Connected nodes' last contact written to the database: when a silent node speaks again, and at most every 5 minutes per node otherwise; never per heartbeat.",
            c.liveness_rows.load(Relaxed),
        ),
        (
            "plumb_rejected_messages_total",
            "Agent messages refused as invalid.",
            c.rejected_messages.load(Relaxed),
        ),
        (
            "plumb_webhook_deliveries_total",
            "Webhook events delivered.",
            c.webhook_deliveries.load(Relaxed),
        ),
        (
            "plumb_webhook_failures_total",
            "Failed webhook delivery attempts.",
            c.webhook_failures.load(Relaxed),
        ),
        (
            "plumb_alertmanager_failures_total",
            "Failed Alertmanager pushes.",
            c.alertmanager_failures.load(Relaxed),
        ),
        (
            "plumb_tls_handshakes_total",
            "TLS handshakes completed.",
            hub.trust.tls.handshakes.load(Relaxed),
        ),
        (
            "plumb_tls_handshakes_resumed_total",
            "TLS handshakes that resumed a session from a ticket (keys shared by the replicas).",
            hub.trust.tls.handshakes_resumed.load(Relaxed),
        ),
        (
            "plumb_hellos_deferred_total",
            "Agent hellos told to come back later while the collector admitted a reconnect storm.",
            hub.agents.admission.deferred.load(Relaxed),
        ),
        (
            "plumb_tls_handshake_failures_total",
            "TLS handshakes refused or timed out (no or untrusted client certificate, expired certificate, not TLS).",
            hub.trust.tls.handshake_failures.load(Relaxed),
        ),
        (
            "plumb_connection_limit_hits_total",
            "Times a port was at its connection limit (--max-connections).",
            hub.trust.tls.connection_limit_hits.load(Relaxed),
        ),
        (
            "plumb_identity_refusals_total",
            "Agent hellos refused: certificate of another node, revoked node, wrong image.",
            hub.trust.identity_refusals.load(Relaxed),
        ),
        (
            "plumb_audit_dropped_total",
            "Audit entries dropped because the audit queue was full.",
            hub.trust.auth.audit.dropped.load(Relaxed),
        ),
    ] {
        family(&mut out, name, "counter", help);
        let _ = writeln!(out, "{name} {v}");
    }
    family(
        &mut out,
        "plumb_build_info",
        "gauge",
        "The running collector's version and commit (value 1).",
    );
    let _ = writeln!(
        out,
        "plumb_build_info{{version=\"{}\",commit=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        label(crate::COMMIT)
    );
    process_metrics(&mut out);
    Ok(out)
}

/// The standard `process_*` metrics, from `/proc/self`.
fn process_metrics(out: &mut String) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields after the command name, which is in parentheses and may
    // itself hold spaces.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| f.get(n - 3).and_then(|v| v.parse::<f64>().ok());
    let ticks = 100.0; // USER_HZ on Linux
    let page = 4096.0;
    let boot_time = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<f64>().ok())
    });
    let open_fds = std::fs::read_dir("/proc/self/fd").map(|d| d.count()).ok();
    let max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(3)
                        .and_then(|v| v.parse::<f64>().ok())
                })
        });
    let metrics: [(&str, &str, &str, Option<f64>); 6] = [
        (
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
            field(14).zip(field(15)).map(|(u, s)| (u + s) / ticks),
        ),
        (
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            field(24).map(|p| p * page),
        ),
        (
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            field(23),
        ),
        (
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            field(22).zip(boot_time).map(|(t, b)| b + t / ticks),
        ),
        (
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            open_fds.map(|n| n as f64),
        ),
        (
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors.",
            max_fds,
        ),
    ];
    for (name, kind, help, value) in metrics {
        if let Some(v) = value {
            family(out, name, kind, help);
            let _ = writeln!(out, "{name} {v}");
        }
    }
}

pub async fn handler(State(hub): State<Arc<Hub>>) -> impl IntoResponse {
    match render(&hub).await {
        Ok(body) => (
            StatusCode::OK,
            [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
            body,
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "text/plain; charset=utf-8")],
            format!("metrics unavailable: {e}\n"),
        ),
    }
}

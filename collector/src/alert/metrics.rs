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
    for status in NodeStatus::ALL {
        let mut any = false;
        for (image, s, n) in counts.iter().filter(|(_, s, _)| s == status.as_str()) {
            any = true;
            let _ = writeln!(
                out,
                "plumb_nodes{{status=\"{}\",image=\"{}\"}} {n}",
                label(s),
                label(image)
            );
        }
        if !any {
            let _ = writeln!(
                out,
                "plumb_nodes{{status=\"{}\",image=\"\"}} 0",
                status.as_str()
            );
        }
    }
    family(
        &mut out,
        "plumb_open_deviations",
        "gauge",
        "Open deviations across the fleet by severity.",
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
    let _ = writeln!(out, "plumb_connected_agents {}", hub.connected_count());
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
    Ok(out)
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

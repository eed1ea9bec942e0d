//! `/metrics` in the Prometheus text exposition format.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use plumb_proto::prometheus::{Exposition, Kind::Counter, Kind::Gauge, CONTENT_TYPE};

use crate::hub::Hub;
use crate::model::NodeStatus;

/// Renders every metric.
pub async fn render(hub: &Hub) -> Result<String, crate::store::StoreError> {
    let mut out = Exposition::new();
    out.family("plumb_nodes", Gauge, "Nodes by lifecycle status and image.");
    let counts = hub.reads.image_status_counts().await?;
    for (image, status, n) in &counts {
        out.sample(
            "plumb_nodes",
            &[("status", status.as_str()), ("image", image)],
            n,
        );
    }
    out.family(
        "plumb_nodes_by_status",
        Gauge,
        "Nodes by lifecycle status, every status listed.",
    );
    for status in NodeStatus::ALL {
        let n: i64 = counts
            .iter()
            .filter(|(_, s, _)| *s == status)
            .map(|(_, _, n)| n)
            .sum();
        out.sample("plumb_nodes_by_status", &[("status", status.as_str())], n);
    }
    out.family(
        "plumb_open_deviations",
        Gauge,
        "Open deviations across the fleet (retired nodes left out) by severity.",
    );
    let by_sev = hub.reads.open_by_severity().await?;
    for sev in ["critical", "high", "medium", "low"] {
        let n = by_sev.iter().find(|(s, _)| s == sev).map_or(0, |(_, n)| *n);
        out.sample("plumb_open_deviations", &[("severity", sev)], n);
    }
    out.single(
        "plumb_connected_agents",
        Gauge,
        "Agents with an open stream.",
        hub.agents.connected_count(),
    );
    out.single(
        "plumb_alert_outbox_pending",
        Gauge,
        "Alerts not yet delivered.",
        hub.reads.outbox_pending().await?,
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
            "plumb_hellos_written_total",
            "Agent hellos written to the database (several in one statement in a reconnect storm).",
            hub.hellos.counts.hellos.load(Relaxed),
        ),
        (
            "plumb_hello_batches_total",
            "Statements that wrote agent hellos (plumb_hellos_written_total over it: hellos per statement).",
            hub.hellos.counts.batches.load(Relaxed),
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
            "plumb_tls_handshake_timeouts_total",
            "TLS handshakes not finished within 10 s (counted in the failures too): many during a reconnect storm mean replicas or agents short of CPU.",
            hub.trust.tls.handshake_timeouts.load(Relaxed),
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
        out.single(name, Counter, help, v);
    }
    out.family(
        "plumb_build_info",
        Gauge,
        "The running collector's version and commit (value 1).",
    )
    .sample(
        "plumb_build_info",
        &[
            ("version", env!("CARGO_PKG_VERSION")),
            ("commit", crate::COMMIT),
        ],
        1,
    );
    out.process();
    Ok(out.finish())
}

pub async fn handler(State(hub): State<Arc<Hub>>) -> impl IntoResponse {
    match render(&hub).await {
        Ok(body) => (StatusCode::OK, [("content-type", CONTENT_TYPE)], body),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "text/plain; charset=utf-8")],
            format!("metrics unavailable: {e}\n"),
        ),
    }
}

//! Alerts about patch posture: an image due for replacement (superseded
//! past the grace period, or exposed to an advisory at the policy's
//! severity). It is its own reason, never drift: webhooks get a `due`
//! event when the image becomes due and a `resolved` one when it no
//! longer is; Alertmanager gets one `PlumbNodeDue` alert per node running
//! it (labels `node`, `image`, `family`, `advisory`), severity `warning`,
//! which is re-sent while the image stays due and resolves when it stops
//! being due (or at the latest [`DUE_ALERT_TTL_MS`] after the last time
//! it was sent).

use serde_json::json;

use super::{rfc3339, Alerts, ALERTMANAGER, WEBHOOK};
use crate::store::DueRow;

/// How long a `PlumbNodeDue` alert stands without being sent again: three
/// Alertmanager refreshes.
pub const DUE_ALERT_TTL_MS: i64 = 180_000;

/// The `advisory` label: the advisories behind the reasons, comma-joined
/// (none for an image due by supersession alone).
fn advisory_label(d: &DueRow) -> String {
    d.advisories.join(",")
}

/// One `PlumbNodeDue` alert for `node`, running due image `d`; resolved
/// when `resolved`.
pub fn am_alert(
    alerts: &Alerts,
    d: &DueRow,
    node: &str,
    now: i64,
    resolved: bool,
) -> serde_json::Value {
    let mut alert = json!({
        "labels": {
            "alertname": "PlumbNodeDue",
            "node": node,
            "image": d.image_id,
            "family": d.family.as_deref().unwrap_or(""),
            "advisory": advisory_label(d),
            "severity": "warning",
            "service": "plumb",
        },
        "annotations": {
            "summary": format!("node {node} is due for replacement: its image {} must be replaced (patch posture, not drift)", d.image_id),
            "reasons": d.reasons.join("; "),
        },
        "startsAt": rfc3339(d.since),
        "endsAt": rfc3339(if resolved { now } else { now + DUE_ALERT_TTL_MS }),
    });
    if let Some(base) = &alerts.sinks.public_url {
        alert["generatorURL"] = json!(format!("{base}/posture"));
    }
    alert
}

/// Outbox rows for an image that became due (`resolved` false) or is no
/// longer due, with the nodes running it.
pub fn rows(
    alerts: &Alerts,
    d: &DueRow,
    nodes: &[String],
    resolved: bool,
    now: i64,
) -> Vec<(String, String)> {
    let sinks = &alerts.sinks;
    let mut out = Vec::new();
    let status = if resolved { "resolved" } else { "due" };
    if !sinks.webhooks.is_empty() {
        let mut links = json!({ "api": "/api/v1/due" });
        if let Some(base) = &sinks.public_url {
            links["dashboard"] = json!(format!("{base}/posture"));
        }
        let body = json!({
            "event_id": format!("due:{}:{now}:{status}", d.image_id),
            "kind": "due",
            "status": status,
            "image_id": d.image_id,
            "family": d.family,
            "reasons": d.reasons,
            "advisories": d.advisories,
            "nodes": nodes,
            "node_count": d.nodes,
            "containers": d.containers,
            "flagged": false,
            "links": links,
            "at": now,
        })
        .to_string();
        for url in &sinks.webhooks {
            out.push((format!("{WEBHOOK}{url}"), body.clone()));
        }
    }
    if sinks.alertmanager.is_some() && !nodes.is_empty() {
        let am: Vec<_> = nodes
            .iter()
            .map(|n| am_alert(alerts, d, n, now, resolved))
            .collect();
        out.push((
            ALERTMANAGER.to_string(),
            serde_json::Value::Array(am).to_string(),
        ));
    }
    out
}

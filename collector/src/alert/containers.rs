//! Alerts about containers: a container that drifted from its image (or
//! whose image cannot be verified) is its own alert, labelled with its
//! node, container, pod and namespace, so a Kubernetes pipeline can
//! replace the pod rather than the node. It fires when the container
//! enters the state and resolves, with the labels it fired with, when the
//! container is clean again or gone.

use serde_json::json;

use super::{rfc3339, Alerts, ALERTMANAGER, WEBHOOK};
use crate::model::{ContainerLabels, Node};

fn alert_name(state: &str) -> &'static str {
    match state {
        "drifted" => "PlumbContainerDrifted",
        _ => "PlumbContainerUnverified",
    }
}

fn severity(state: &str) -> &'static str {
    match state {
        "drifted" => "critical",
        _ => "warning",
    }
}

/// Outbox rows for a container alert: firing, or resolved (`ends_at`).
pub fn rows(
    alerts: &Alerts,
    node: &Node,
    c: &ContainerLabels,
    state: &str,
    reasons: &[String],
    starts_at: i64,
    ends_at: Option<i64>,
) -> Vec<(String, String)> {
    let sinks = &alerts.sinks;
    let mut out = Vec::new();
    if !sinks.webhooks.is_empty() {
        let at = ends_at.unwrap_or(starts_at);
        let status = if ends_at.is_some() { "resolved" } else { state };
        let body = json!({
            "event_id": format!("{}:{}:{}:{}", node.node_id, c.container_id, at, status),
            "kind": "container",
            "node_id": node.node_id,
            "hostname": node.hostname,
            "container_id": c.container_id,
            "container": c.name,
            "pod": c.pod,
            "namespace": c.namespace,
            "image": c.image,
            "image_id": c.image_id,
            "status": status,
            "reasons": reasons,
            "at": at,
        })
        .to_string();
        for url in &sinks.webhooks {
            out.push((format!("{WEBHOOK}{url}"), body.clone()));
        }
    }
    if sinks.alertmanager.is_some() {
        let mut alert = json!({
            "labels": {
                "alertname": alert_name(state),
                "node": node.node_id,
                "container": c.name,
                "container_id": c.container_id,
                "pod": c.pod,
                "namespace": c.namespace,
                "image": c.image_id,
                "severity": severity(state),
                "service": "plumb",
            },
            "annotations": {
                "summary": format!(
                    "container {} ({}) on node {} is {state} (image {})",
                    c.name, c.container_id, node.node_id, c.image
                ),
                "reasons": reasons.join("; "),
            },
            "startsAt": rfc3339(starts_at),
        });
        if let Some(end) = ends_at {
            alert["endsAt"] = json!(rfc3339(end));
        }
        if let Some(base) = &sinks.public_url {
            alert["generatorURL"] = json!(format!("{base}/nodes/{}#containers", node.node_id));
        }
        out.push((
            ALERTMANAGER.to_string(),
            serde_json::Value::Array(vec![alert]).to_string(),
        ));
    }
    out
}

//! Alert sinks fed by lifecycle transitions: signed webhooks and
//! Alertmanager, both delivered from a durable outbox, plus `/metrics`.
//!
//! A transition and the alerts it causes commit in one transaction
//! ([`crate::store::Store::set_status`]), so a crash can neither lose an
//! alert nor send one for a transition that did not happen. Delivery is
//! at least once with a stable `event_id` per alert; receivers that must
//! act exactly once de-duplicate on it.

pub mod metrics;

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::hub::Hub;
use crate::model::{now_ms, Node, NodeStatus};
use crate::policy::Policy;
use crate::serve::ServeConfig;

/// Where alerts go.
#[derive(Clone, Debug, Default)]
pub struct Sinks {
    pub webhooks: Vec<String>,
    pub secret: Option<String>,
    pub alertmanager: Option<String>,
    pub public_url: Option<String>,
}

impl Sinks {
    pub fn from_config(cfg: &ServeConfig) -> Sinks {
        Sinks {
            webhooks: cfg.webhooks.clone(),
            secret: cfg.webhook_secret.clone(),
            alertmanager: cfg
                .alertmanager
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_string()),
            public_url: cfg
                .public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_string()),
        }
    }

    fn is_empty(&self) -> bool {
        self.webhooks.is_empty() && self.alertmanager.is_none()
    }
}

const WEBHOOK: &str = "webhook:";
const ALERTMANAGER: &str = "alertmanager";

fn rfc3339(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

fn alert_name(status: NodeStatus) -> String {
    let s = status.as_str();
    format!("PlumbNode{}{}", s[..1].to_uppercase(), &s[1..])
}

/// One Alertmanager v2 alert for a node in `status`; resolved when
/// `ends_at` is set.
fn am_alert(
    sinks: &Sinks,
    node: &Node,
    status: NodeStatus,
    reasons: &[String],
    starts_at: i64,
    ends_at: Option<i64>,
) -> serde_json::Value {
    let severity = if node.max_severity.is_empty() {
        "warning".to_string()
    } else {
        node.max_severity.clone()
    };
    let mut alert = json!({
        "labels": {
            "alertname": alert_name(status),
            "node": node.node_id,
            "image": node.image_id,
            "severity": severity,
            "status": status.as_str(),
            "service": "plumb",
        },
        "annotations": {
            "summary": format!("node {} is {} (image {})", node.node_id, status, node.image_id),
            "reasons": reasons.join("; "),
        },
        "startsAt": rfc3339(starts_at),
    });
    if let Some(end) = ends_at {
        alert["endsAt"] = json!(rfc3339(end));
    }
    if let Some(base) = &sinks.public_url {
        alert["generatorURL"] = json!(format!("{base}/nodes/{}", node.node_id));
    }
    alert
}

/// The outbox rows a transition from `from` to `to` causes: a webhook
/// event per URL when `to` alerts, and Alertmanager fire/resolve.
pub fn payloads(
    sinks: &Sinks,
    policy: &Policy,
    node: &Node,
    from: NodeStatus,
    to: NodeStatus,
    reasons: &[String],
    now: i64,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if sinks.is_empty() {
        return out;
    }
    let alerting = policy.alerts_on(to.as_str());
    if alerting {
        let event_id = format!("{}:{}:{}", node.node_id, now, to);
        let mut links = json!({ "api": format!("/api/v1/nodes/{}", node.node_id) });
        if let Some(base) = &sinks.public_url {
            links["dashboard"] = json!(format!("{base}/nodes/{}", node.node_id));
        }
        let body = json!({
            "event_id": event_id,
            "node_id": node.node_id,
            "hostname": node.hostname,
            "image_id": node.image_id,
            "status": to.as_str(),
            "previous_status": from.as_str(),
            "flagged": to == NodeStatus::Flagged,
            "reasons": reasons,
            "deviations": { "open": node.deviation_count, "max_severity": node.max_severity },
            "links": links,
            "at": now,
        })
        .to_string();
        for url in &sinks.webhooks {
            out.push((format!("{WEBHOOK}{url}"), body.clone()));
        }
    }
    if sinks.alertmanager.is_some() {
        let mut alerts = Vec::new();
        if policy.alerts_on(from.as_str()) {
            alerts.push(am_alert(
                sinks,
                node,
                from,
                &node.reasons,
                node.status_since,
                Some(now),
            ));
        }
        if alerting {
            alerts.push(am_alert(sinks, node, to, reasons, now, None));
        }
        if !alerts.is_empty() {
            out.push((
                ALERTMANAGER.to_string(),
                serde_json::Value::Array(alerts).to_string(),
            ));
        }
    }
    out
}

/// `sha256=<hex>` HMAC of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", plumb_proto::hex(&mac.finalize().into_bytes()))
}

fn http() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into()
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    body: &str,
    headers: &[(&str, String)],
) -> Result<(), String> {
    let mut req = agent
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "plumb-collector");
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    match req.send(body) {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("{url} answered {}", r.status())),
        Err(e) => Err(format!("{url}: {e}")),
    }
}

/// Retry delay after `attempts` failures: 1 s doubling to 5 minutes.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    (1000i64 << attempts.clamp(0, 20)).min(300_000)
}

/// Starts the outbox delivery loop and the Alertmanager refresher.
pub fn start(hub: Arc<Hub>, mut stop: tokio::sync::watch::Receiver<bool>) {
    if hub.sinks.is_empty() {
        return;
    }
    let deliver_hub = hub.clone();
    let mut deliver_stop = stop.clone();
    tokio::spawn(async move {
        let hub = deliver_hub;
        loop {
            if let Err(e) = deliver_due(&hub).await {
                tracing::error!(error = %e, "alert delivery failed");
            }
            tokio::select! {
                _ = hub.alerts_queued.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = deliver_stop.changed() => return,
            }
        }
    });
    if hub.sinks.alertmanager.is_some() {
        // Alertmanager resolves alerts that are not re-sent: repeat the
        // firing ones every minute.
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => return,
                }
                if let Err(e) = refresh_alertmanager(&hub).await {
                    tracing::warn!(error = %e, "refreshing Alertmanager failed");
                }
            }
        });
    }
}

async fn deliver_due(hub: &Arc<Hub>) -> Result<(), crate::store::StoreError> {
    use std::sync::atomic::Ordering::Relaxed;
    let due = hub.store.outbox_due(now_ms(), 100).await?;
    if due.is_empty() {
        return Ok(());
    }
    let sinks = hub.sinks.clone();
    let results = tokio::task::spawn_blocking(move || {
        let agent = http();
        due.into_iter()
            .map(|item| {
                let result = if let Some(url) = item.sink.strip_prefix(WEBHOOK) {
                    let mut headers = Vec::new();
                    if let Some(secret) = &sinks.secret {
                        headers.push((
                            "x-plumb-signature",
                            signature(secret, item.payload.as_bytes()),
                        ));
                    }
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&item.payload) {
                        headers.push((
                            "x-plumb-event-id",
                            v["event_id"].as_str().unwrap_or_default().to_string(),
                        ));
                    }
                    post(&agent, url, &item.payload, &headers)
                } else if let Some(base) = &sinks.alertmanager {
                    post(&agent, &format!("{base}/api/v2/alerts"), &item.payload, &[])
                } else {
                    Err(format!("no sink {:?} configured any more", item.sink))
                };
                (item, result)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    for (item, result) in results {
        let am = item.sink == ALERTMANAGER;
        match result {
            Ok(()) => {
                hub.store.outbox_delivered(item.id, now_ms()).await?;
                if !am {
                    hub.counters.webhook_deliveries.fetch_add(1, Relaxed);
                }
            }
            Err(e) => {
                let counter = if am {
                    &hub.counters.alertmanager_failures
                } else {
                    &hub.counters.webhook_failures
                };
                counter.fetch_add(1, Relaxed);
                let next = now_ms() + retry_delay_ms(item.attempts);
                tracing::warn!(sink = %item.sink, attempt = item.attempts + 1, error = %e, "alert delivery failed; will retry");
                hub.store.outbox_failed(item.id, next, &e).await?;
            }
        }
    }
    Ok(())
}

async fn refresh_alertmanager(hub: &Arc<Hub>) -> Result<(), String> {
    let Some(base) = hub.sinks.alertmanager.clone() else {
        return Ok(());
    };
    let mut alerts = Vec::new();
    for status in NodeStatus::ALL
        .into_iter()
        .filter(|s| hub.policy.alerts_on(s.as_str()))
    {
        let f = crate::store::NodeFilter {
            status: Some(status.as_str().into()),
            limit: 1000,
            ..Default::default()
        };
        let (nodes, _) = hub.store.nodes(&f).await.map_err(|e| e.to_string())?;
        for n in nodes {
            alerts.push(am_alert(
                &hub.sinks,
                &n,
                status,
                &n.reasons,
                n.status_since,
                None,
            ));
        }
    }
    if alerts.is_empty() {
        return Ok(());
    }
    let body = serde_json::Value::Array(alerts).to_string();
    let result = tokio::task::spawn_blocking(move || {
        post(&http(), &format!("{base}/api/v2/alerts"), &body, &[])
    })
    .await
    .map_err(|e| e.to_string())?;
    if result.is_err() {
        hub.counters
            .alertmanager_failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        let sig = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert_eq!(retry_delay_ms(0), 1000);
        assert_eq!(retry_delay_ms(3), 8000);
        assert_eq!(retry_delay_ms(50), 300_000);
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(alert_name(NodeStatus::Flagged), "PlumbNodeFlagged");
    }
}

//! Alert outputs fed by lifecycle transitions: signed webhooks and
//! Alertmanager, both delivered from a durable outbox, plus `/metrics`.
//!
//! The hub knows no sink: it asks the [`OutboxWriter`] installed here for
//! the rows a transition causes and commits them with the transition in
//! one transaction ([`crate::store::Store::set_status`]), so a crash can
//! neither lose an alert nor send one for a transition that did not
//! happen. Each sink then has its own delivery task: an HTTP request to
//! one sink that never answers delays no other. A sink receives its
//! alerts in the order they were queued, from whichever replica holds
//! the sink's lease, at least once, with a stable `event_id` per webhook
//! event.

pub mod containers;
pub mod due;
pub mod metrics;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::hub::{Hub, OutboxWriter};
use crate::model::{now_ms, Node, NodeStatus};
use crate::policy::Policy;

/// Where alerts go.
#[derive(Clone, Debug, Default)]
pub struct Sinks {
    pub webhooks: Vec<String>,
    pub secret: Option<String>,
    /// Alertmanager's base URL (without `/api/v2/alerts`).
    pub alertmanager: Option<String>,
    pub public_url: Option<String>,
}

impl Sinks {
    fn is_empty(&self) -> bool {
        self.webhooks.is_empty() && self.alertmanager.is_none()
    }

    /// The outbox names of every configured sink.
    fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .webhooks
            .iter()
            .map(|u| format!("{WEBHOOK}{u}"))
            .collect();
        if self.alertmanager.is_some() {
            out.push(ALERTMANAGER.to_string());
        }
        out
    }
}

const WEBHOOK: &str = "webhook:";
const ALERTMANAGER: &str = "alertmanager";
/// How long a replica holds a sink's lease without renewing it: longer
/// than one request may take, so a lease never lapses mid-request.
const LEASE_MS: i64 = 15_000;
/// The longest one delivery may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The alert outputs: what a transition queues, and its delivery.
pub struct Alerts {
    sinks: Sinks,
    /// Statuses that fire (the policy's `alert_on`).
    alerting: HashSet<NodeStatus>,
    client: reqwest::Client,
}

impl Alerts {
    pub fn new(mut sinks: Sinks, policy: &Policy) -> Result<Arc<Alerts>, String> {
        for url in sinks
            .alertmanager
            .iter_mut()
            .chain(sinks.public_url.iter_mut())
        {
            *url = url.trim_end_matches('/').to_string();
        }
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("plumb-collector/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("alert HTTP client: {e}"))?;
        let alerting = NodeStatus::ALL
            .into_iter()
            .filter(|s| policy.alerts_on(s.as_str()))
            .collect();
        Ok(Arc::new(Alerts {
            sinks,
            alerting,
            client,
        }))
    }

    fn alerts_on(&self, status: NodeStatus) -> bool {
        self.alerting.contains(&status)
    }
}

impl OutboxWriter for Alerts {
    fn rows(
        &self,
        node: &Node,
        from: NodeStatus,
        to: NodeStatus,
        reasons: &[String],
        now: i64,
    ) -> Vec<(String, String)> {
        payloads(self, node, from, to, reasons, now)
    }

    fn container_rows(
        &self,
        node: &Node,
        container: &crate::model::ContainerLabels,
        state: &str,
        reasons: &[String],
        starts_at: i64,
        ends_at: Option<i64>,
    ) -> Vec<(String, String)> {
        containers::rows(self, node, container, state, reasons, starts_at, ends_at)
    }

    fn due_rows(
        &self,
        due: &crate::store::DueRow,
        nodes: &[String],
        resolved: bool,
        now: i64,
    ) -> Vec<(String, String)> {
        due::rows(self, due, nodes, resolved, now)
    }
}

use crate::rfc3339;

fn alert_name(status: NodeStatus) -> String {
    let s = status.as_str();
    format!("PlumbNode{}{}", s[..1].to_uppercase(), &s[1..])
}

/// The conventional `severity` label of an alert about a node in
/// `status`. It depends on the status alone, so the resolve of an alert
/// always carries the label set it fired with.
pub fn alert_severity(status: NodeStatus) -> &'static str {
    match status {
        NodeStatus::Flagged => "critical",
        NodeStatus::Silent | NodeStatus::Drifted => "warning",
        _ => "info",
    }
}

/// plumb's deviation severities on the conventional scale.
pub fn conventional_severity(plumb: Option<plumb_proto::v1::Severity>) -> &'static str {
    use plumb_proto::v1::Severity;
    match plumb {
        Some(Severity::Critical) => "critical",
        Some(Severity::High | Severity::Medium) => "warning",
        Some(Severity::Low) => "info",
        _ => "none",
    }
}

/// One Alertmanager v2 alert for a node in `status`; resolved when
/// `ends_at` is set. Labels: alertname, node, image, severity, service,
/// all fixed by the node and the status.
fn am_alert(
    sinks: &Sinks,
    node: &Node,
    status: NodeStatus,
    reasons: &[String],
    starts_at: i64,
    ends_at: Option<i64>,
) -> serde_json::Value {
    let mut annotations = json!({
        "summary": format!("node {} is {} (image {})", node.node_id, status, node.image_id),
        "reasons": reasons.join("; "),
    });
    if status != NodeStatus::Silent {
        annotations["open_deviations"] = json!(node.deviation_count.to_string());
        annotations["deviation_severity"] = json!(conventional_severity(node.max_severity));
    }
    let mut alert = json!({
        "labels": {
            "alertname": alert_name(status),
            "node": node.node_id,
            "image": node.image_id,
            "severity": alert_severity(status),
            "service": "plumb",
        },
        "annotations": annotations,
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
/// event per URL when `to` alerts; for Alertmanager, the resolve of the
/// alert `from` fired and the alert `to` fires.
fn payloads(
    alerts: &Alerts,
    node: &Node,
    from: NodeStatus,
    to: NodeStatus,
    reasons: &[String],
    now: i64,
) -> Vec<(String, String)> {
    let sinks = &alerts.sinks;
    let mut out = Vec::new();
    if sinks.is_empty() {
        return out;
    }
    let alerting = alerts.alerts_on(to);
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
        let mut am = Vec::new();
        if alerts.alerts_on(from) {
            am.push(am_alert(
                sinks,
                node,
                from,
                &node.reasons,
                node.status_since,
                Some(now),
            ));
        }
        if alerting {
            am.push(am_alert(sinks, node, to, reasons, now, None));
        }
        if !am.is_empty() {
            out.push((
                ALERTMANAGER.to_string(),
                serde_json::Value::Array(am).to_string(),
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

async fn post(
    client: &reqwest::Client,
    url: &str,
    body: String,
    headers: Vec<(&'static str, String)>,
) -> Result<(), String> {
    let mut req = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("{url} answered {}", r.status())),
        Err(e) => {
            let mut msg = format!("{url}: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            Err(msg)
        }
    }
}

/// Retry delay after `attempts` failures: 1 s doubling to 5 minutes.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    (1000i64 << attempts.clamp(0, 20)).min(300_000)
}

/// Starts one delivery task per sink and the Alertmanager refresher.
pub fn start(hub: Arc<Hub>, alerts: Arc<Alerts>, stop: tokio::sync::watch::Receiver<bool>) {
    for sink in alerts.sinks.names() {
        let (hub, alerts, mut stop) = (hub.clone(), alerts.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = deliver_sink(&hub, &alerts, &sink).await {
                    tracing::error!(sink = %sink, error = %e, "alert delivery failed");
                }
                tokio::select! {
                    _ = hub.judge.outbox_queued.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }
    if alerts.sinks.alertmanager.is_some() {
        // Alertmanager resolves alerts that are not re-sent: repeat the
        // firing ones every minute (one replica does).
        let mut stop = stop;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => return,
                }
                if let Err(e) = refresh_alertmanager(&hub, &alerts).await {
                    tracing::warn!(error = %e, "refreshing Alertmanager failed");
                }
            }
        });
    }
}

/// Delivers `sink`'s due alerts in order while this replica holds the
/// sink's lease; stops at the first failure (retried with back-off) or
/// the first alert not yet due.
async fn deliver_sink(hub: &Hub, alerts: &Alerts, sink: &str) -> Result<(), String> {
    use std::sync::atomic::Ordering::Relaxed;
    let lease = format!("outbox:{sink}");
    let store = &hub.store;
    let take = || async {
        let now = now_ms();
        store
            .take_lease(&lease, &hub.instance, now, now + LEASE_MS)
            .await
            .map_err(|e| e.to_string())
    };
    if !take().await? {
        return Ok(());
    }
    let head = store
        .outbox_head(sink, 100)
        .await
        .map_err(|e| e.to_string())?;
    for (item, next_attempt) in head {
        // Renewed before every request: a round longer than the lease
        // does not let another replica deliver the same alerts.
        if next_attempt > now_ms() || !take().await? {
            break;
        }
        let result = if let Some(url) = item.sink.strip_prefix(WEBHOOK) {
            let mut headers = Vec::new();
            if let Some(secret) = &alerts.sinks.secret {
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
            post(&alerts.client, url, item.payload.clone(), headers).await
        } else if let Some(base) = &alerts.sinks.alertmanager {
            let url = format!("{base}/api/v2/alerts");
            post(&alerts.client, &url, item.payload.clone(), Vec::new()).await
        } else {
            Err(format!("no sink {:?} configured any more", item.sink))
        };
        let am = item.sink == ALERTMANAGER;
        match result {
            Ok(()) => {
                store
                    .outbox_delivered(item.id, now_ms())
                    .await
                    .map_err(|e| e.to_string())?;
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
                store
                    .outbox_failed(item.id, next, &e)
                    .await
                    .map_err(|e| e.to_string())?;
                break;
            }
        }
    }
    Ok(())
}

async fn refresh_alertmanager(hub: &Hub, alerts: &Alerts) -> Result<(), String> {
    let Some(base) = &alerts.sinks.alertmanager else {
        return Ok(());
    };
    let now = now_ms();
    let held = hub
        .store
        .take_lease("alertmanager-refresh", &hub.instance, now, now + 90_000)
        .await
        .map_err(|e| e.to_string())?;
    if !held {
        return Ok(());
    }
    let url = format!("{base}/api/v2/alerts");
    for status in NodeStatus::ALL.into_iter().filter(|s| alerts.alerts_on(*s)) {
        let mut after = None;
        loop {
            let f = crate::store::NodeFilter {
                status: Some(status),
                limit: 1000,
                after: after.take(),
                ..Default::default()
            };
            let (nodes, _) = hub.store.nodes(&f).await.map_err(|e| e.to_string())?;
            let Some(last) = nodes.last() else {
                break;
            };
            after = Some(f.sort.cursor(last));
            let firing: Vec<_> = nodes
                .iter()
                .map(|n| am_alert(&alerts.sinks, n, status, &n.reasons, n.status_since, None))
                .collect();
            let body = serde_json::Value::Array(firing).to_string();
            if let Err(e) = post(&alerts.client, &url, body, Vec::new()).await {
                hub.counters
                    .alertmanager_failures
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Err(e);
            }
        }
    }
    // The nodes of the images due for replacement, as last judged: sent
    // again while the image stays due, so their alerts stand.
    for d in hub.store.due_images().await.map_err(|e| e.to_string())? {
        let (nodes, _, _) = hub
            .store
            .running_image(&d.image_id, crate::posture::MAX_DUE_NODES)
            .await
            .map_err(|e| e.to_string())?;
        if nodes.is_empty() {
            continue;
        }
        let firing: Vec<_> = nodes
            .iter()
            .map(|n| due::am_alert(alerts, &d, n, now, false))
            .collect();
        let body = serde_json::Value::Array(firing).to_string();
        if let Err(e) = post(&alerts.client, &url, body, Vec::new()).await {
            hub.counters
                .alertmanager_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(e);
        }
    }
    Ok(())
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

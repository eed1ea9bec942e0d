//! The connection to the collector: an explicit `Disconnected(backoff)` →
//! `Connected` state machine. While connected it sends the hello, resends
//! whatever the spool holds, streams new messages and heartbeats, applies
//! acks and forwards commands to the scanner. Scanners never wait on it.

use std::sync::Arc;
use std::time::Duration;

use plumb_proto::v1::{
    agent_message, collector_message, AgentMessage, ContainerList, Heartbeat, Hello, ScanSummary,
};
use plumb_proto::AgentServiceClient;
use tokio::sync::{mpsc, watch, Notify};

use super::outbox::Outbox;
use super::ScanRequest;
use crate::manifest::now_ms;

/// Capped exponential backoff with full jitter.
pub struct Backoff {
    attempt: u32,
    base: Duration,
    cap: Duration,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            attempt: 0,
            base,
            cap,
        }
    }

    pub fn next_delay(&mut self) -> Duration {
        let exp = self.base.saturating_mul(1u32 << self.attempt.min(16));
        self.attempt = self.attempt.saturating_add(1);
        let ceiling = exp.min(self.cap);
        // Jitter in [ceiling/2, ceiling]: spread reconnect storms without
        // ever retrying instantly.
        let nanos = ceiling.as_nanos() as u64;
        let jitter = pseudo_random() % (nanos / 2 + 1);
        Duration::from_nanos(nanos / 2 + jitter)
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

fn pseudo_random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

/// The header in which a busy collector says when to come back, and the
/// longest wait it can ask for.
const RETRY_HINT_HEADER: &str = "plumb-retry-after-ms";
const MAX_RETRY_HINT_MS: u64 = 120_000;

/// The collector's retry hint in a refusal, if it gave one.
fn retry_hint(status: &tonic::Status) -> Option<u64> {
    let ms: u64 = status
        .metadata()
        .get(RETRY_HINT_HEADER)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    Some(ms.min(MAX_RETRY_HINT_MS))
}

/// How long a stream must last to count as healthy without any report
/// acknowledged.
const HEALTHY_STREAM: Duration = Duration::from_secs(30);

/// How far one stream got, for the backoff.
#[derive(Default)]
struct Progress {
    /// The collector acknowledged the hello.
    hello: std::sync::atomic::AtomicBool,
    /// The collector acknowledged a report.
    report: std::sync::atomic::AtomicBool,
    /// The collector was busy and said when to come back (ms; 0: it did
    /// not).
    retry_after_ms: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// Whether the stream was healthy enough to reset the backoff: its
    /// hello was acknowledged and then a report was, or it lasted
    /// [`HEALTHY_STREAM`]. A collector that acknowledges the hello but
    /// refuses the reports keeps the backoff growing, so a refused agent
    /// does not reconnect (and write to the collector's database) many
    /// times a second.
    fn healthy(&self, lived: Duration) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.hello.load(Relaxed) && (self.report.load(Relaxed) || lived >= HEALTHY_STREAM)
    }
}

/// What the stream needs to introduce the node.
#[derive(Clone)]
pub struct Identity {
    /// The collector replicas, tried in turn: a failed or lost stream
    /// moves on to the next one at once, and waits only once every one
    /// has failed in a row.
    pub collectors: Vec<String>,
    pub tls: plumb_proto::transport::ClientTls,
    pub hello: Hello,
    pub heartbeat: Duration,
}

/// What the scanner hands the stream besides the spool: scan summaries,
/// and the node's container list (full state, sent on each stream and
/// whenever it changes).
pub struct Feeds {
    pub summaries: mpsc::Receiver<ScanSummary>,
    pub containers: watch::Receiver<Option<ContainerList>>,
}

/// Runs until `shutdown` turns true.
pub async fn run(
    id: Identity,
    outbox: Arc<Outbox>,
    spooled: Arc<Notify>,
    mut feeds: Feeds,
    scan_tx: std::sync::mpsc::Sender<ScanRequest>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
    // One endpoint per replica for the daemon's life: its TLS client keeps
    // the session tickets the replicas issue, so a reconnect resumes the
    // session instead of a full handshake (the replicas share ticket keys).
    let endpoints: Vec<Result<tonic::transport::Endpoint, String>> = id
        .collectors
        .iter()
        .map(|url| endpoint(url, &id.tls))
        .collect();
    let mut at = 0;
    let mut failed_in_a_row = 0;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let url = &id.collectors[at % id.collectors.len()];
        let endpoint = &endpoints[at % id.collectors.len()];
        let progress = Progress::default();
        let started = std::time::Instant::now();
        let result = connected(
            (url, endpoint, &progress),
            &id,
            &outbox,
            &spooled,
            &mut feeds,
            &scan_tx,
            &mut shutdown,
        )
        .await;
        if *shutdown.borrow() {
            return;
        }
        // On to the next replica; a healthy stream counts as a success,
        // so one that dies tries every replica before waiting.
        at += 1;
        if progress.healthy(started.elapsed()) {
            backoff.reset();
            failed_in_a_row = 0;
        }
        failed_in_a_row += 1;
        let wait = if failed_in_a_row < id.collectors.len() {
            Duration::ZERO
        } else {
            failed_in_a_row = 0;
            backoff.next_delay()
        };
        // A collector admitting a storm of agents says when to come back;
        // a quarter more at random keeps the agents it told the same time
        // from returning together.
        let hint = progress
            .retry_after_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        let wait = if hint > 0 {
            let hint = Duration::from_millis(hint.min(MAX_RETRY_HINT_MS));
            wait.max(
                hint + Duration::from_nanos(pseudo_random() % (hint.as_nanos() as u64 / 4 + 1)),
            )
        } else {
            wait
        };
        match result {
            Ok(()) => tracing::info!(
                retry_in_ms = wait.as_millis() as u64,
                "collector closed the stream"
            ),
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, spooled = outbox.spooled(), "collector unreachable")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// The endpoint of one collector replica.
fn endpoint(
    url: &str,
    tls: &plumb_proto::transport::ClientTls,
) -> Result<tonic::transport::Endpoint, String> {
    Ok(plumb_proto::transport::endpoint(url, tls)
        .map_err(|e| e.to_string())?
        .connect_timeout(Duration::from_secs(5))
        // A collector that vanished is found by the kernel's TCP keepalive
        // (no HTTP/2 PINGs: the heartbeats already cross the stream, and
        // each PING costs the collector work per node).
        .tcp_keepalive(Some(Duration::from_secs(60)))
        .tcp_keepalive_interval(Some(Duration::from_secs(10)))
        .tcp_keepalive_retries(Some(3)))
}

/// One stream to the collector at `url`, until it ends; `progress` says
/// how far it got.
async fn connected(
    (url, endpoint, progress): (&str, &Result<tonic::transport::Endpoint, String>, &Progress),
    id: &Identity,
    outbox: &Outbox,
    spooled: &Notify,
    feeds: &mut Feeds,
    scan_tx: &std::sync::mpsc::Sender<ScanRequest>,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), String> {
    let Feeds {
        summaries,
        containers,
    } = feeds;
    let channel = endpoint
        .as_ref()
        .map_err(|e| e.clone())?
        .connect()
        .await
        .map_err(|e| format!("connect {url}: {e}"))?;
    let mut client =
        AgentServiceClient::new(channel).max_decoding_message_size(plumb_proto::MAX_MESSAGE_BYTES);
    let (tx, rx) = mpsc::channel::<AgentMessage>(64);
    tx.send(AgentMessage {
        seq: 0,
        prev_hash: vec![],
        body: Some(agent_message::Body::Hello(id.hello.clone())),
    })
    .await
    .map_err(|_| "stream closed".to_string())?;
    let mut inbound = client
        .stream(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .map_err(|s| {
            if let Some(ms) = retry_hint(&s) {
                progress
                    .retry_after_ms
                    .store(ms, std::sync::atomic::Ordering::Relaxed);
            }
            format!("collector refused the stream: {}", s.message())
        })?
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), inbound.message())
        .await
        .map_err(|_| "no hello ack within 10s".to_string())?
        .map_err(|s| format!("collector: {}", s.message()))?
        .ok_or("stream closed before hello ack")?;
    let Some(collector_message::Body::HelloAck(ack)) = first.body else {
        return Err("collector did not ack the hello".into());
    };
    // A spool that cannot be written (full disk) must not keep the node
    // from heartbeating: the full state stays owed and goes out later.
    if let Err(e) = outbox.resync(ack.last_seq) {
        tracing::warn!(error = %e, "cannot spool the resync batch yet");
    }
    progress
        .hello
        .store(true, std::sync::atomic::Ordering::Relaxed);
    tracing::info!(collector = %url, last_seq = ack.last_seq, spooled = outbox.spooled(), "connected to collector");

    let mut sent = ack.last_seq;
    // The collector bounds the heartbeat period: it decides when a node
    // is silent.
    let period = match ack.heartbeat_secs {
        0 => id.heartbeat,
        s => id.heartbeat.min(Duration::from_secs(u64::from(s))),
    };
    let mut heartbeat = tokio::time::interval(period);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The container list is full state: each stream starts with it.
    containers.mark_changed();
    loop {
        for m in outbox.pending_after(sent) {
            sent = sent.max(m.seq);
            tx.send(m).await.map_err(|_| "stream closed".to_string())?;
        }
        tokio::select! {
            _ = spooled.notified() => {}
            _ = heartbeat.tick() => {
                // Space may have come back since a write failed.
                if outbox.retry_owed() {
                    tracing::info!("spool writable again; the full state is on its way");
                    continue;
                }
                let hb = Heartbeat {
                    unix_ms: now_ms(),
                    open_deviations: outbox.open_deviations() as u64,
                    spooled: outbox.spooled() as u64,
                    spool_error: outbox.write_error().unwrap_or_default(),
                };
                tx.send(AgentMessage { seq: 0, prev_hash: vec![], body: Some(agent_message::Body::Heartbeat(hb)) })
                    .await
                    .map_err(|_| "stream closed".to_string())?;
            }
            Ok(()) = containers.changed() => {
                let list = containers.borrow_and_update().clone();
                if let Some(list) = list {
                    tx.send(AgentMessage { seq: 0, prev_hash: vec![], body: Some(agent_message::Body::Containers(list)) })
                        .await
                        .map_err(|_| "stream closed".to_string())?;
                }
            }
            Some(summary) = summaries.recv() => {
                tx.send(AgentMessage { seq: 0, prev_hash: vec![], body: Some(agent_message::Body::Summary(summary)) })
                    .await
                    .map_err(|_| "stream closed".to_string())?;
            }
            msg = inbound.message() => {
                let msg = msg.map_err(|s| format!("collector: {}", s.message()))?;
                let Some(msg) = msg else { return Ok(()) };
                match msg.body {
                    Some(collector_message::Body::Ack(a)) => {
                        progress.report.store(true, std::sync::atomic::Ordering::Relaxed);
                        outbox.ack(a.seq);
                    }
                    Some(collector_message::Body::Command(c)) => {
                        tracing::info!(kind = c.kind, "command from collector");
                        let _ = scan_tx.send(ScanRequest::Command(c));
                    }
                    Some(collector_message::Body::HelloAck(_)) | None => {}
                }
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_collectors_retry_hint_is_read_and_capped() {
        let mut busy = tonic::Status::unavailable("collector busy");
        busy.metadata_mut()
            .insert(RETRY_HINT_HEADER, "2500".parse().unwrap());
        assert_eq!(retry_hint(&busy), Some(2500));
        busy.metadata_mut()
            .insert(RETRY_HINT_HEADER, "99999999".parse().unwrap());
        assert_eq!(retry_hint(&busy), Some(MAX_RETRY_HINT_MS));
        busy.metadata_mut()
            .insert(RETRY_HINT_HEADER, "soon".parse().unwrap());
        assert_eq!(retry_hint(&busy), None);
        assert_eq!(retry_hint(&tonic::Status::unavailable("down")), None);
    }

    #[test]
    fn a_stream_whose_reports_are_refused_is_not_healthy() {
        use std::sync::atomic::Ordering::Relaxed;
        let p = Progress::default();
        assert!(!p.healthy(Duration::from_secs(3600)), "no hello ack");
        p.hello.store(true, Relaxed);
        // The hello was acknowledged, then the stream was refused at once:
        // the backoff keeps growing.
        assert!(!p.healthy(Duration::from_millis(150)));
        assert!(p.healthy(HEALTHY_STREAM), "a stream that lasted");
        p.report.store(true, Relaxed);
        assert!(p.healthy(Duration::from_millis(150)), "a report acked");
    }

    #[test]
    fn backoff_grows_to_its_cap_with_jitter_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let first = b.next_delay();
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(d <= Duration::from_secs(2) && d >= Duration::from_millis(50));
        }
        assert!(
            b.next_delay() >= Duration::from_secs(1),
            "capped, never below half the cap"
        );
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}

//! The agent stream (`AgentService`): a node says hello as the node its
//! certificate names, then streams sequenced, hash-chained reports and
//! heartbeats; the collector acks what it stored and sends commands down.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use plumb_proto::v1::{
    agent_message, collector_message, Ack, AgentMessage, CollectorMessage, Hello, HelloAck,
};
use plumb_proto::AgentService;
use tokio::sync::mpsc;
use tokio_stream::{Stream, StreamExt as _};
use tonic::{Request, Response, Status, Streaming};

use prost::Message as _;
use sha2::{Digest, Sha256};

use crate::hub::Hub;
use crate::model::{now_ms, NodeStatus};
use crate::security::principal::{principal_of, Principal};
use crate::security::tls::Peer;
use crate::store::{BatchJob, BatchOutcome, Greeting, HelloInfo};

use super::validate::{check_len, validate_batch, validate_containers, validate_hello};

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Ingest {
    pub hub: Arc<Hub>,
}

type Outbound = Pin<Box<dyn Stream<Item = Result<CollectorMessage, Status>> + Send>>;

fn msg(body: collector_message::Body) -> Result<CollectorMessage, Status> {
    Ok(CollectorMessage { body: Some(body) })
}

#[tonic::async_trait]
impl AgentService for Ingest {
    type StreamStream = Outbound;

    async fn stream(
        &self,
        request: Request<Streaming<AgentMessage>>,
    ) -> Result<Response<Outbound>, Status> {
        let peer: Option<Peer> = request.extensions().get::<Peer>().cloned();
        let request_extensions = request.extensions().clone();
        let mut inbound = request.into_inner();
        let first = tokio::time::timeout(HELLO_TIMEOUT, inbound.message())
            .await
            .map_err(|_| Status::deadline_exceeded("no hello within 10s"))??
            .ok_or_else(|| Status::invalid_argument("stream closed before hello"))?;
        let Some(agent_message::Body::Hello(hello)) = first.body else {
            self.hub
                .counters
                .rejected_messages
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(Status::invalid_argument(
                "the first message of a stream must be a hello",
            ));
        };
        if let Err(e) = validate_hello(&hello) {
            self.hub
                .counters
                .rejected_messages
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Err(e);
        }
        // In a reconnect storm hellos queue here for the database, and
        // past a short wait the agent is told when to come back.
        let _admitted = self.hub.agents.admission.admit().await?;
        let principal = principal_of(request_extensions.get::<Principal>(), peer.as_ref());
        self.check_certificate(&hello, &principal).await?;
        let max_hb = self.hub.trust.max_heartbeat_secs;
        let heartbeat_secs = hello.heartbeat_secs.clamp(1, max_hb);
        let info = HelloInfo {
            node_id: hello.node_id.clone(),
            hostname: hello.hostname.clone(),
            image_id: hello.image_id.clone(),
            manifest_digest: plumb_proto::hex(&hello.manifest_digest),
            agent_version: hello.agent_version.clone(),
            boot_id: hello.boot_id.clone(),
            heartbeat_secs: i64::from(heartbeat_secs),
            exec_monitor: hello.exec_monitor(),
            sees_containers: hello.containers,
        };
        // One statement on PostgreSQL (shared with the hellos waiting
        // beside it): registered, held here, and what the findings below
        // need; or refused for the node's standing.
        let greeting = self.hub.hellos.hello(info.clone()).await.map_err(|e| {
            tracing::error!(error = %e, "storing hello failed");
            Status::unavailable("collector database unavailable")
        })?;
        let Some(greeting) = greeting else {
            return Err(self.refused_standing(&hello, &principal).await);
        };
        let (last_seq, status) = (greeting.last_seq, greeting.status);
        let digest_changed = self.findings_at_hello(&info, &greeting).await;
        if status == NodeStatus::Retired {
            return Err(Status::permission_denied(format!(
                "node {:?} is retired: its reports are refused",
                info.node_id
            )));
        }
        // Commands only (acks are yielded by the stream itself): a few at
        // most are ever queued for one agent.
        let (tx, commands) = mpsc::channel(COMMAND_QUEUE);
        let (conn, ended) = self.hub.agents.connect(&hello.node_id, tx);
        self.hub
            .agents
            .live
            .opened(&hello.node_id, info.heartbeat_secs, now_ms());
        // Judged afresh unless nothing can have changed: a clean node
        // with nothing open is clean under any policy (a silent one, a
        // held flag or an open finding is judged).
        if !(status == NodeStatus::Clean && greeting.open_count == 0) || digest_changed {
            self.hub.reevaluate(&hello.node_id);
        }
        tracing::info!(node = %hello.node_id, image = %hello.image_id, peer = %principal.source, last_seq, "agent connected");

        let hello_ack = msg(collector_message::Body::HelloAck(HelloAck {
            last_seq: last_seq as u64,
            heartbeat_secs,
        }));
        let session = Session {
            hub: self.hub.clone(),
            node: hello.node_id,
            conn,
            inbound,
            commands,
            ended,
            spool_failing: false,
            done: false,
        };
        Ok(Response::new(Box::pin(outbound(hello_ack, session))))
    }
}

/// One task per stream: the response body is this stream, polled by the
/// connection's stream task, and it reads the agent's messages as it
/// goes; there is no task of ours and no outbound queue.
fn outbound(
    hello_ack: Result<CollectorMessage, Status>,
    session: Session,
) -> impl futures_util::Stream<Item = Result<CollectorMessage, Status>> {
    tokio_stream::once(hello_ack).chain(futures_util::stream::unfold(session, |mut s| async move {
        s.next().await.map(|item| (item, s))
    }))
}

fn replaced() -> Status {
    Status::aborted("a newer stream of this node replaced this one")
}

/// A command queue holds this many messages for one agent: commands are
/// rare (a rescan, a stream ended), and a full queue refuses the command
/// (its sender is told the agent did not take it).
pub const COMMAND_QUEUE: usize = 4;

/// One agent's stream after its hello: what the outbound stream needs to
/// read the agent's messages and answer them.
pub struct Session {
    hub: Arc<Hub>,
    node: String,
    conn: u64,
    inbound: Streaming<AgentMessage>,
    commands: mpsc::Receiver<Result<CollectorMessage, Status>>,
    ended: Arc<tokio::sync::Notify>,
    /// Whether the agent said its spool cannot be written. A recovered
    /// agent's first batch is a full state, which also clears the finding.
    spool_failing: bool,
    done: bool,
}

impl Session {
    /// The next message to the agent: a command, an ack, or the error
    /// that ends the stream; `None` once the stream is over.
    async fn next(&mut self) -> Option<Result<CollectorMessage, Status>> {
        if self.done {
            return None;
        }
        let item = loop {
            let message = tokio::select! {
                biased;
                command = self.commands.recv() => match command {
                    Some(Ok(command)) => break Ok(command),
                    Some(Err(status)) => break Err(status),
                    // The hub let go of the sender: a newer stream of the
                    // node took its place.
                    None => break Err(replaced()),
                },
                _ = self.ended.notified() => break Err(replaced()),
                m = self.inbound.message() => m,
            };
            match message {
                Ok(Some(message)) => match self.handle(message).await {
                    Ok(Some(reply)) => return Some(Ok(reply)),
                    Ok(None) => {}
                    Err(status) => break Err(status),
                },
                Ok(None) => {
                    tracing::info!(node = %self.node, "agent disconnected");
                    self.done = true;
                    return None;
                }
                Err(status) => break Err(status),
            }
        };
        self.done = true;
        if let Err(status) = &item {
            tracing::warn!(node = %self.node, error = %status.message(), "agent stream ended with an error");
        }
        Some(item)
    }

    async fn handle(&mut self, message: AgentMessage) -> Result<Option<CollectorMessage>, Status> {
        // Boxed: the idle stream's future is not sized for the largest
        // message's handling (a batch's store round trips).
        let ack = Box::pin(handle_message(
            &self.hub,
            &self.node,
            message,
            &mut self.spool_failing,
        ))
        .await?;
        Ok(ack.map(|seq| CollectorMessage {
            body: Some(collector_message::Body::Ack(Ack { seq })),
        }))
    }
}

impl Drop for Session {
    /// However the stream ended (the agent left, an error, the connection
    /// dropped), unless a newer stream of the node replaced it: the node
    /// is no longer held here, and its last contact is written (in a batch,
    /// within a second).
    fn drop(&mut self) {
        let hub = &self.hub;
        if hub.agents.disconnect(&self.node, self.conn) || !hub.agents.is_connected(&self.node) {
            // Released with the others at the next liveness flush.
            hub.agents.live.closed(&self.node, now_ms());
        }
    }
}

impl Ingest {
    /// A hello must come from the node its certificate names (the node's
    /// standing, revoked or enrolled for another image, is checked by the
    /// hello's own statement: [`Ingest::refused_standing`]).
    async fn check_certificate(&self, hello: &Hello, who: &Principal) -> Result<(), Status> {
        let hub = &self.hub;
        match who.node_id.as_deref() {
            Some(cert_node) if cert_node != hello.node_id => {
                // The certificate's own node is the compromised one.
                let known = hub.store.node(cert_node).await.map_err(|e| {
                    tracing::error!(error = %e, "identity check failed");
                    Status::unavailable("collector database unavailable")
                })?;
                if known.is_some() {
                    let _ = hub
                        .store
                        .record_finding(
                            cert_node,
                            "identity",
                            &format!("hello as {cert_node}"),
                            &format!(
                                "certificate of {cert_node} said hello as node {:?} from {}",
                                hello.node_id, who.source
                            ),
                            now_ms(),
                        )
                        .await;
                    hub.reevaluate(cert_node);
                }
                Err(self.refuse(
                    hello,
                    who,
                    format!(
                        "certificate is for node {cert_node:?}, hello says {:?}",
                        hello.node_id
                    ),
                ))
            }
            None if hub.trust.auth.enabled => {
                Err(self.refuse(hello, who, "no node certificate".into()))
            }
            _ => Ok(()),
        }
    }

    /// Why the hello's statement refused the node (nothing was written):
    /// revoked, or enrolled for another image. Should its standing have
    /// changed since, the agent is told to come back.
    async fn refused_standing(&self, hello: &Hello, who: &Principal) -> Status {
        let (revoked, enrolled) = match self.hub.store.standing(&hello.node_id).await {
            Ok(standing) => standing,
            Err(e) => {
                tracing::error!(error = %e, "identity check failed");
                return Status::unavailable("collector database unavailable");
            }
        };
        if revoked {
            return self.refuse(hello, who, format!("node {:?} is revoked", hello.node_id));
        }
        match enrolled {
            Some(image) if image != hello.image_id => self.refuse(
                hello,
                who,
                format!(
                    "node {:?} enrolled for image {image:?}, hello says {:?}",
                    hello.node_id, hello.image_id
                ),
            ),
            _ => Status::unavailable("the node's standing changed during its hello: retry"),
        }
    }

    /// A refused hello: counted, audited, logged.
    fn refuse(&self, hello: &Hello, who: &Principal, why: String) -> Status {
        let trust = &self.hub.trust;
        trust
            .identity_refusals
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        trust
            .auth
            .audit
            .refused(who, "agent hello", &hello.node_id, &why);
        tracing::warn!(node = %hello.node_id, source = %who.source, reason = %why, "agent hello refused");
        Status::permission_denied(why)
    }

    /// Findings only the collector can make when a node says hello: a
    /// retired node alive, a manifest that is not the registry's. The
    /// hello's statement brought what they need: a write only when a
    /// finding opens or closes.
    /// Whether a finding opened or closed.
    async fn findings_at_hello(&self, info: &HelloInfo, greeting: &Greeting) -> bool {
        let store = &self.hub.store;
        let now = now_ms();
        let node = &info.node_id;
        if greeting.status == NodeStatus::Retired {
            self.hub
                .judge
                .retired_spoke(
                    node,
                    &format!(
                        "agent {} (boot {}) said hello after retirement",
                        info.agent_version, info.boot_id
                    ),
                )
                .await;
            return false;
        }
        match &greeting.registry_digest {
            Some(registered) if *registered != info.manifest_digest => {
                tracing::warn!(node = %node, image = %info.image_id, %registered, announced = %info.manifest_digest, "agent's manifest differs from the registry's");
                let _ = store
                    .record_finding(
                        node,
                        "manifest_digest",
                        &format!("registry digest {registered}"),
                        &format!("agent checks against digest {}", info.manifest_digest),
                        now,
                    )
                    .await;
                true
            }
            Some(_) if greeting.digest_finding_open => {
                let _ = store.clear_finding(node, "manifest_digest", now).await;
                true
            }
            _ => false,
        }
    }
}

/// Sequence numbers above [`plumb_proto::MAX_SEQ`] are forged (no agent
/// lives that long): refused and recorded, never stored, so a forged
/// number cannot push the chain past every real report.
async fn checked_seq(hub: &Hub, node: &str, seq: u64) -> Result<i64, Status> {
    if seq <= plumb_proto::MAX_SEQ {
        return Ok(seq as i64);
    }
    hub.counters
        .rejected_messages
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let _ = hub
        .store
        .record_finding(
            node,
            "report_chain",
            &format!("seq at most {}", plumb_proto::MAX_SEQ),
            &format!("seq {seq} is beyond any real agent's: forged report chain"),
            now_ms(),
        )
        .await;
    hub.reevaluate(node);
    Err(Status::invalid_argument(format!(
        "seq {seq} is out of range (at most {})",
        plumb_proto::MAX_SEQ
    )))
}

/// Handles one message of an agent's stream; returns the sequence
/// number to acknowledge, if any, or the error that ends the stream.
async fn handle_message(
    hub: &Hub,
    node: &str,
    message: AgentMessage,
    spool_failing: &mut bool,
) -> Result<Option<u64>, Status> {
    use std::sync::atomic::Ordering::Relaxed;
    hub.agents.heartbeat(node, now_ms());
    // The report chain links each sequenced message to the hash of
    // the one before it.
    let hash = if message.seq > 0 {
        Sha256::digest(message.encode_to_vec()).to_vec()
    } else {
        Vec::new()
    };
    let ack = match message.body {
        Some(agent_message::Body::Heartbeat(hb)) => {
            check_len(
                "heartbeat.spool_error",
                &hb.spool_error,
                plumb_proto::MAX_STATE_BYTES,
            )?;
            let failing = !hb.spool_error.is_empty();
            if failing != *spool_failing {
                let now = now_ms();
                let stored = if failing {
                    tracing::warn!(node, error = %hb.spool_error, "agent cannot write its spool");
                    hub.store
                        .record_unverified(node, "spool", &hb.spool_error, now)
                        .await
                } else {
                    tracing::info!(node, "agent's spool writable again");
                    hub.store
                        .clear_deviation(
                            node,
                            plumb_proto::v1::DeviationKind::ScanError,
                            "spool",
                            now,
                        )
                        .await
                        .map(|_| ())
                };
                // Remembered only once stored: a failed write is tried
                // again at the next heartbeat, never lost.
                match stored {
                    Ok(()) => *spool_failing = failing,
                    Err(e) => {
                        tracing::error!(node, error = %e, "recording the spool state failed; retried at the next heartbeat")
                    }
                }
                hub.reevaluate(node);
            }
            None
        }
        Some(agent_message::Body::Batch(batch)) => {
            if message.seq == 0 {
                hub.counters.rejected_messages.fetch_add(1, Relaxed);
                return Err(Status::invalid_argument(
                    "a batch needs a sequence number above 0",
                ));
            }
            if let Err(e) = validate_batch(&batch) {
                hub.counters.rejected_messages.fetch_add(1, Relaxed);
                return Err(e);
            }
            let seq = checked_seq(hub, node, message.seq).await?;
            let job = BatchJob {
                node_id: node.to_string(),
                seq,
                added: batch.added,
                resolved: batch.resolved,
                full_state: batch.full_state,
                prev_hash: message.prev_hash,
                hash,
            };
            match hub.submit(job).await {
                Ok(BatchOutcome::Applied | BatchOutcome::Duplicate) => {}
                Ok(BatchOutcome::Forked) => {
                    hub.counters.rejected_messages.fetch_add(1, Relaxed);
                    hub.reevaluate(node);
                    return Err(Status::failed_precondition(format!(
                        "batch seq {seq} differs from the one already stored under that number: refused and recorded"
                    )));
                }
                Ok(BatchOutcome::UnknownNode) => {
                    return Err(Status::failed_precondition("node is not registered"))
                }
                Ok(BatchOutcome::Gap) => {
                    hub.counters.rejected_messages.fetch_add(1, Relaxed);
                    hub.reevaluate(node);
                    return Err(Status::failed_precondition(format!(
                        "batch seq {seq} jumps more than {} messages past the last one stored: refused and recorded",
                        plumb_proto::MAX_SPOOL_MESSAGES
                    )));
                }
                Ok(BatchOutcome::Retired) => {
                    hub.judge
                        .retired_spoke(node, &format!("batch seq {seq} after retirement"))
                        .await;
                    return Err(Status::permission_denied(
                        "node is retired: its reports are refused",
                    ));
                }
                Err(e) => {
                    tracing::error!(node, error = %e, "storing a batch failed");
                    return Err(Status::unavailable(
                        "collector database unavailable: the batch was not stored",
                    ));
                }
            }
            Some(message.seq)
        }
        Some(agent_message::Body::Containers(list)) => {
            if message.seq != 0 {
                hub.counters.rejected_messages.fetch_add(1, Relaxed);
                return Err(Status::invalid_argument(
                    "a container list is not sequenced: its seq must be 0",
                ));
            }
            if let Err(e) = validate_containers(&list) {
                hub.counters.rejected_messages.fetch_add(1, Relaxed);
                return Err(e);
            }
            match hub
                .store
                .replace_containers(node, &list.containers, now_ms())
                .await
            {
                Ok(changed) => {
                    tracing::debug!(
                        node,
                        containers = list.containers.len(),
                        changed,
                        "container list"
                    );
                    if changed {
                        hub.reevaluate(node);
                    }
                }
                Err(e) => {
                    tracing::error!(node, error = %e, "storing the container list failed");
                    return Err(Status::unavailable(
                        "collector database unavailable: the container list was not stored",
                    ));
                }
            }
            None
        }
        Some(agent_message::Body::Summary(summary)) => {
            tracing::debug!(node, scan = %summary.scan, files = summary.files, open = summary.open_deviations, "scan summary");
            if summary.events_lost {
                tracing::warn!(node, "agent lost file events and rescanned");
            }
            if message.seq > 0 {
                // Summaries share the sequence: store an empty batch so
                // the node's last_seq advances and acks stay in order.
                let seq = checked_seq(hub, node, message.seq).await?;
                let job = BatchJob {
                    node_id: node.into(),
                    seq,
                    added: vec![],
                    resolved: vec![],
                    full_state: false,
                    prev_hash: message.prev_hash,
                    hash,
                };
                if hub.submit(job).await.map_err(|e| {
                    tracing::error!(node, error = %e, "storing a summary failed");
                    Status::unavailable("collector database unavailable")
                })? == BatchOutcome::Retired
                {
                    hub.judge
                        .retired_spoke(node, &format!("summary seq {seq} after retirement"))
                        .await;
                    return Err(Status::permission_denied(
                        "node is retired: its reports are refused",
                    ));
                }
                Some(message.seq)
            } else {
                None
            }
        }
        Some(agent_message::Body::Hello(_)) => {
            hub.counters.rejected_messages.fetch_add(1, Relaxed);
            return Err(Status::invalid_argument(
                "hello may only be the first message",
            ));
        }
        None => {
            hub.counters.rejected_messages.fetch_add(1, Relaxed);
            return Err(Status::invalid_argument("empty message"));
        }
    };
    Ok(ack)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// The size of what `f` returns (an `async fn`'s future).
    fn returned<A, R>(_: impl FnOnce(A) -> R) -> usize {
        size_of::<R>()
    }

    /// Where an idle stream's memory goes, as far as types can say; the
    /// rest (h2's and rustls' buffers) is printed from their sources'
    /// constants, and the whole is measured as a slope of RSS by
    /// `scripts/bench-fleet.sh` (BENCHMARKS.md, "Memory per stream").
    #[test]
    fn per_stream_memory_is_accounted_for() {
        let session = size_of::<Session>();
        let next = returned::<&'static mut Session, _>(Session::next);
        let body =
            returned::<(Result<CollectorMessage, Status>, Session), _>(|(a, s)| outbound(a, s));
        let streaming = size_of::<Streaming<AgentMessage>>();
        let command = size_of::<Result<CollectorMessage, Status>>();
        // tokio's bounded channel allocates its slots 32 at a time.
        let command_block = 32 * command;
        let tls = size_of::<tokio_rustls::server::TlsStream<tokio::net::TcpStream>>();
        let rows = [
            ("Session (the stream's state)", session),
            ("Session::next future (boxed with it)", next),
            (
                "the response body: hello ack, then the session's stream (boxed)",
                body,
            ),
            ("tonic Streaming<AgentMessage> (in Session)", streaming),
            ("command queue: one block of 32 slots", command_block),
            ("tokio-rustls TlsStream<TcpStream> (rustls connection)", tls),
            ("rustls deframer buffer when idle (READ_SIZE)", 4096),
            ("h2 FramedWrite buffer (DEFAULT_BUFFER_CAPACITY)", 16 * 1024),
            (
                "h2 FramedRead buffer (tokio-util's INITIAL_CAPACITY)",
                8 * 1024,
            ),
            ("h2 HPACK decoder's string buffer", 4096),
            (
                "tonic encode + decode buffers (plumb_proto::codec)",
                2 * plumb_proto::codec::BUFFER_BYTES,
            ),
        ];
        for (what, bytes) in rows {
            println!("{bytes:>7} B  {what}");
        }
        // What plumb owns stays small: the stream's own state and its
        // future within 4 KiB, a command within 256 bytes.
        assert!(session + next <= 1024, "session {session} + next {next}");
        assert!(body <= 1024, "response body {body}");
        assert!(command <= 256, "command {command}");
    }
}

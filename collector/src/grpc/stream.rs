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
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

use prost::Message as _;
use sha2::{Digest, Sha256};

use crate::hub::Hub;
use crate::model::{now_ms, NodeStatus};
use crate::security::principal::{principal_of, Principal};
use crate::security::tls::Peer;
use crate::store::{BatchJob, BatchOutcome, HelloInfo};

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
        let principal = principal_of(request_extensions.get::<Principal>(), peer.as_ref());
        self.check_identity(&hello, &principal).await?;
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
            exec_monitor: hello.exec_monitor.clone(),
            sees_containers: hello.containers,
        };
        let (last_seq, status) = self.hub.store.hello(&info, now_ms()).await.map_err(|e| {
            tracing::error!(error = %e, "storing hello failed");
            Status::unavailable("collector database unavailable")
        })?;
        self.findings_at_hello(&info, status).await;
        if status == NodeStatus::Retired {
            return Err(Status::permission_denied(format!(
                "node {:?} is retired: its reports are refused",
                info.node_id
            )));
        }
        let (tx, rx) = mpsc::channel(256);
        tx.send(msg(collector_message::Body::HelloAck(HelloAck {
            last_seq: last_seq as u64,
            heartbeat_secs,
        })))
        .await
        .map_err(|_| Status::cancelled("stream closed"))?;
        let (conn, ended) = self.hub.connect(&hello.node_id, tx.clone());
        self.hub
            .live
            .opened(&hello.node_id, info.heartbeat_secs, now_ms());
        if let Err(e) = self
            .hub
            .store
            .stream_opened(&hello.node_id, &self.hub.instance, now_ms())
            .await
        {
            tracing::error!(node = %hello.node_id, error = %e, "recording the stream's replica failed");
        }
        self.hub.reevaluate(&hello.node_id);
        tracing::info!(node = %hello.node_id, image = %hello.image_id, peer = %principal.source, last_seq, "agent connected");

        let hub = self.hub.clone();
        let node = hello.node_id;
        tokio::spawn(async move {
            let result = serve_stream(&hub, &node, &mut inbound, &tx, &ended).await;
            // Ended here (not replaced by a newer stream of the node):
            // closed, whether it ended by itself or was ended (revoked).
            if hub.disconnect(&node, conn) || !hub.is_connected(&node) {
                let last = hub.live.closed(&node).unwrap_or_else(now_ms);
                if let Err(e) = hub.store.stream_closed(&node, &hub.instance, last).await {
                    tracing::error!(node = %node, error = %e, "forgetting the stream's replica failed");
                }
            }
            match result {
                Ok(()) => tracing::info!(node = %node, "agent disconnected"),
                Err(status) => {
                    tracing::warn!(node = %node, error = %status.message(), "agent stream ended with an error");
                    let _ = tx.send(Err(status)).await;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

impl Ingest {
    /// A hello must come from the node its certificate names, a node
    /// that is not revoked, for the image it enrolled with.
    async fn check_identity(&self, hello: &Hello, who: &Principal) -> Result<(), Status> {
        use std::sync::atomic::Ordering::Relaxed;
        let hub = &self.hub;
        let refuse = |why: String| {
            hub.trust.identity_refusals.fetch_add(1, Relaxed);
            hub.trust
                .auth
                .audit
                .refused(who, "agent hello", &hello.node_id, &why);
            tracing::warn!(node = %hello.node_id, source = %who.source, reason = %why, "agent hello refused");
            Status::permission_denied(why)
        };
        let db = |e: crate::store::StoreError| {
            tracing::error!(error = %e, "identity check failed");
            Status::unavailable("collector database unavailable")
        };
        match who.node_id.as_deref() {
            Some(cert_node) if cert_node != hello.node_id => {
                // The certificate's own node is the compromised one.
                if hub.store.node(cert_node).await.map_err(db)?.is_some() {
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
                return Err(refuse(format!(
                    "certificate is for node {cert_node:?}, hello says {:?}",
                    hello.node_id
                )));
            }
            None if hub.trust.auth.enabled => {
                return Err(refuse("no node certificate".into()));
            }
            _ => {}
        }
        if hub.store.is_revoked(&hello.node_id).await.map_err(db)? {
            return Err(refuse(format!("node {:?} is revoked", hello.node_id)));
        }
        if let Some(image) = hub.store.enrolled_image(&hello.node_id).await.map_err(db)? {
            if image != hello.image_id {
                return Err(refuse(format!(
                    "node {:?} enrolled for image {image:?}, hello says {:?}",
                    hello.node_id, hello.image_id
                )));
            }
        }
        Ok(())
    }

    /// Findings only the collector can make when a node says hello: a
    /// retired node alive, a manifest that is not the registry's.
    async fn findings_at_hello(&self, info: &HelloInfo, status: NodeStatus) {
        let store = &self.hub.store;
        let now = now_ms();
        let node = &info.node_id;
        if status == NodeStatus::Retired {
            self.hub
                .retired_spoke(
                    node,
                    &format!(
                        "agent {} (boot {}) said hello after retirement",
                        info.agent_version, info.boot_id
                    ),
                )
                .await;
            return;
        }
        match store.manifest_digest(&info.image_id).await {
            Ok(Some(registered)) if registered != info.manifest_digest => {
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
            }
            Ok(Some(_)) => {
                let _ = store.clear_finding(node, "manifest_digest", now).await;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "reading the registry failed"),
        }
        self.hub.reevaluate(node);
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

async fn serve_stream(
    hub: &Hub,
    node: &str,
    inbound: &mut Streaming<AgentMessage>,
    tx: &mpsc::Sender<Result<CollectorMessage, Status>>,
    ended: &tokio::sync::Notify,
) -> Result<(), Status> {
    use std::sync::atomic::Ordering::Relaxed;
    // Whether the agent said its spool cannot be written. A recovered
    // agent's first batch is a full state, which also clears the finding.
    let mut spool_failing = false;
    loop {
        let message = tokio::select! {
            m = inbound.message() => m?,
            _ = ended.notified() => {
                return Err(Status::aborted("a newer stream of this node replaced this one"));
            }
        };
        let Some(message) = message else { break };
        hub.heartbeat(node, now_ms());
        // The report chain links each sequenced message to the hash of
        // the one before it.
        let hash = if message.seq > 0 {
            Sha256::digest(message.encode_to_vec()).to_vec()
        } else {
            Vec::new()
        };
        match message.body {
            Some(agent_message::Body::Heartbeat(hb)) => {
                check_len(
                    "heartbeat.spool_error",
                    &hb.spool_error,
                    plumb_proto::MAX_STATE_BYTES,
                )?;
                let failing = !hb.spool_error.is_empty();
                if failing != spool_failing {
                    spool_failing = failing;
                    let now = now_ms();
                    let stored = if failing {
                        tracing::warn!(node, error = %hb.spool_error, "agent cannot write its spool");
                        hub.store
                            .record_unverified(node, "spool", &hb.spool_error, now)
                            .await
                    } else {
                        tracing::info!(node, "agent's spool writable again");
                        hub.store
                            .clear_deviation(node, "scan_error", "spool", now)
                            .await
                            .map(|_| ())
                    };
                    if let Err(e) = stored {
                        tracing::error!(node, error = %e, "recording the spool state failed");
                    }
                    hub.reevaluate(node);
                }
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
                        hub.retired_spoke(node, &format!("batch seq {seq} after retirement"))
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
                if tx
                    .send(msg(collector_message::Body::Ack(Ack { seq: message.seq })))
                    .await
                    .is_err()
                {
                    return Ok(());
                }
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
                        hub.retired_spoke(node, &format!("summary seq {seq} after retirement"))
                            .await;
                        return Err(Status::permission_denied(
                            "node is retired: its reports are refused",
                        ));
                    }
                    let _ = tx
                        .send(msg(collector_message::Body::Ack(Ack { seq: message.seq })))
                        .await;
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
        }
    }
    Ok(())
}

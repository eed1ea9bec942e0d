//! The agent-facing gRPC services: the long-lived agent stream and the
//! manifest registry. Every message is validated against the limits in
//! `agent.proto` before it touches the store.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use plumb_proto::v1::{
    agent_message, collector_message, Ack, AgentMessage, CollectorMessage, DeviationBatch,
    FetchManifestRequest, FetchManifestResponse, Hello, HelloAck, Manifest, PushManifestRequest,
    PushManifestResponse,
};
use plumb_proto::{AgentService, ManifestRegistry};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

use crate::hub::Hub;
use crate::model::now_ms;
use crate::store::{BatchJob, BatchOutcome, HelloInfo};

/// How long a new stream may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Ingest {
    pub hub: Arc<Hub>,
}

type Outbound = Pin<Box<dyn Stream<Item = Result<CollectorMessage, Status>> + Send>>;

fn check_len(what: &str, value: &str, max: usize) -> Result<(), Status> {
    if value.len() > max {
        return Err(Status::invalid_argument(format!(
            "{what} is {} bytes, limit {max}",
            value.len()
        )));
    }
    Ok(())
}

fn validate_hello(h: &Hello) -> Result<(), Status> {
    if h.node_id.is_empty() {
        return Err(Status::invalid_argument("hello: node_id is empty"));
    }
    if h.node_id.chars().any(|c| c.is_control()) {
        return Err(Status::invalid_argument(
            "hello: node_id contains control characters",
        ));
    }
    check_len("hello.node_id", &h.node_id, plumb_proto::MAX_ID_BYTES)?;
    check_len("hello.image_id", &h.image_id, plumb_proto::MAX_ID_BYTES)?;
    check_len("hello.hostname", &h.hostname, plumb_proto::MAX_ID_BYTES)?;
    check_len(
        "hello.agent_version",
        &h.agent_version,
        plumb_proto::MAX_ID_BYTES,
    )?;
    check_len("hello.boot_id", &h.boot_id, plumb_proto::MAX_ID_BYTES)?;
    if h.image_id.is_empty() {
        return Err(Status::invalid_argument("hello: image_id is empty"));
    }
    Ok(())
}

fn validate_batch(b: &DeviationBatch) -> Result<(), Status> {
    let max = plumb_proto::MAX_BATCH_DEVIATIONS;
    if b.added.len() > max || b.resolved.len() > max {
        return Err(Status::invalid_argument(format!(
            "batch has {} added and {} resolved deviations, limit {max} each",
            b.added.len(),
            b.resolved.len()
        )));
    }
    for d in &b.added {
        if d.kind <= 0 || d.kind > 8 {
            return Err(Status::invalid_argument(format!(
                "deviation {:?}: unknown kind {}",
                d.key, d.kind
            )));
        }
        if d.key.is_empty() {
            return Err(Status::invalid_argument("deviation with an empty key"));
        }
        check_len("deviation key", &d.key, plumb_proto::MAX_KEY_BYTES)?;
        check_len(
            "deviation expected",
            &d.expected,
            plumb_proto::MAX_STATE_BYTES,
        )?;
        check_len("deviation actual", &d.actual, plumb_proto::MAX_STATE_BYTES)?;
    }
    for r in &b.resolved {
        check_len("resolved key", &r.key, plumb_proto::MAX_KEY_BYTES)?;
    }
    Ok(())
}

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
        let peer = request
            .remote_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
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
        let info = HelloInfo {
            node_id: hello.node_id.clone(),
            hostname: hello.hostname.clone(),
            image_id: hello.image_id.clone(),
            manifest_digest: plumb_proto::hex(&hello.manifest_digest),
            agent_version: hello.agent_version.clone(),
            boot_id: hello.boot_id.clone(),
            heartbeat_secs: i64::from(hello.heartbeat_secs.clamp(1, 3600)),
        };
        let (last_seq, _) = self.hub.store.hello(&info, now_ms()).await.map_err(|e| {
            tracing::error!(error = %e, "storing hello failed");
            Status::unavailable("collector database unavailable")
        })?;
        let (tx, rx) = mpsc::channel(256);
        tx.send(msg(collector_message::Body::HelloAck(HelloAck {
            last_seq: last_seq as u64,
        })))
        .await
        .map_err(|_| Status::cancelled("stream closed"))?;
        let conn = self.hub.connect(&hello.node_id, tx.clone());
        self.hub.reevaluate(&hello.node_id);
        tracing::info!(node = %hello.node_id, image = %hello.image_id, %peer, last_seq, "agent connected");

        let hub = self.hub.clone();
        let node = hello.node_id;
        tokio::spawn(async move {
            let result = serve_stream(&hub, &node, &mut inbound, &tx).await;
            hub.disconnect(&node, conn);
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

async fn serve_stream(
    hub: &Hub,
    node: &str,
    inbound: &mut Streaming<AgentMessage>,
    tx: &mpsc::Sender<Result<CollectorMessage, Status>>,
) -> Result<(), Status> {
    use std::sync::atomic::Ordering::Relaxed;
    while let Some(message) = inbound.message().await? {
        hub.heartbeat(node, now_ms());
        match message.body {
            Some(agent_message::Body::Heartbeat(_)) => {}
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
                let job = BatchJob {
                    node_id: node.to_string(),
                    seq: message.seq as i64,
                    added: batch.added,
                    resolved: batch.resolved,
                    full_state: batch.full_state,
                };
                match hub.submit(job).await {
                    Ok(BatchOutcome::Applied | BatchOutcome::Duplicate) => {}
                    Ok(BatchOutcome::UnknownNode) => {
                        return Err(Status::failed_precondition("node is not registered"))
                    }
                    Err(e) => {
                        return Err(Status::unavailable(format!("storing batch failed: {e}")))
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
            Some(agent_message::Body::Summary(summary)) => {
                tracing::debug!(node, scan = %summary.scan, files = summary.files, open = summary.open_deviations, "scan summary");
                if summary.events_lost {
                    tracing::warn!(node, "agent lost file events and rescanned");
                }
                if message.seq > 0 {
                    // Summaries share the sequence: store an empty batch so
                    // the node's last_seq advances and acks stay in order.
                    let job = BatchJob {
                        node_id: node.into(),
                        seq: message.seq as i64,
                        added: vec![],
                        resolved: vec![],
                        full_state: false,
                    };
                    hub.submit(job).await.map_err(Status::unavailable)?;
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

/// The manifest registry: the image pipeline pushes, agents fetch.
pub struct Registry {
    pub hub: Arc<Hub>,
}

#[tonic::async_trait]
impl ManifestRegistry for Registry {
    async fn push(
        &self,
        request: Request<PushManifestRequest>,
    ) -> Result<Response<PushManifestResponse>, Status> {
        let bytes = request.into_inner().manifest;
        let manifest = Manifest::decode_verified(&bytes)
            .map_err(|e| Status::invalid_argument(format!("refusing manifest: {e}")))?;
        let replaced = self
            .hub
            .store
            .put_manifest(
                &manifest.image_id,
                &manifest.digest_hex(),
                &bytes,
                manifest.files.len() as i64,
                manifest.packages.len() as i64,
                now_ms(),
            )
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        tracing::info!(image = %manifest.image_id, digest = %manifest.digest_hex(), replaced, "manifest pushed");
        Ok(Response::new(PushManifestResponse {
            image_id: manifest.image_id,
            digest: manifest.digest,
            replaced,
        }))
    }

    async fn fetch(
        &self,
        request: Request<FetchManifestRequest>,
    ) -> Result<Response<FetchManifestResponse>, Status> {
        let image = request.into_inner().image_id;
        match self
            .hub
            .store
            .manifest(&image)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?
        {
            Some(manifest) => Ok(Response::new(FetchManifestResponse { manifest })),
            None => Err(Status::not_found(format!(
                "no manifest for image {image:?}"
            ))),
        }
    }
}

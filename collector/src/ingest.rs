//! The agent-facing gRPC services: the long-lived agent stream and the
//! manifest registry. Every message is validated against the limits in
//! `agent.proto` before it touches the store.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use plumb_proto::v1::{
    agent_message, collector_message, Ack, AgentMessage, CollectorMessage, DeviationBatch,
    DeviationKind, EnrollRequest, EnrollResponse, FetchManifestRequest, FetchManifestResponse,
    Hello, HelloAck, Manifest, PushManifestRequest, PushManifestResponse, Severity,
};
use plumb_proto::{AgentService, ManifestRegistry};
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
use crate::store::{BatchJob, BatchOutcome, HelloInfo, PushOutcome};

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

/// A kind an agent may send: any of the schema's but unspecified and
/// integrity (the collector's own finding).
fn agent_kind(kind: i32) -> bool {
    matches!(
        DeviationKind::try_from(kind),
        Ok(k) if k != DeviationKind::Unspecified && k != DeviationKind::Integrity
    )
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
        // Kind 9 (integrity) is the collector's own finding: never an agent's.
        if !agent_kind(d.kind) {
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
        check_len("deviation package", &d.package, plumb_proto::MAX_ID_BYTES)?;
        check_len(
            "deviation explained_by",
            &d.explained_by,
            plumb_proto::MAX_KEY_BYTES + 64,
        )?;
        if d.changes.len() > 16 {
            return Err(Status::invalid_argument(format!(
                "deviation {:?} lists {} changes, limit 16",
                d.key,
                d.changes.len()
            )));
        }
        for c in &d.changes {
            check_len("deviation change", c, 32)?;
        }
        if !(Severity::Low as i32..=Severity::Critical as i32).contains(&d.severity) {
            return Err(Status::invalid_argument(format!(
                "deviation {:?}: unknown severity {}",
                d.key, d.severity
            )));
        }
    }
    for r in &b.resolved {
        check_len("resolved key", &r.key, plumb_proto::MAX_KEY_BYTES)?;
    }
    Ok(())
}

/// Checks one message from an agent the way a stream does before acting
/// on it: sizes, kinds and sequence rules. The fuzz target in
/// `collector/fuzz` drives it with arbitrary bytes.
pub fn validate_message(message: &AgentMessage) -> Result<(), Status> {
    match &message.body {
        Some(agent_message::Body::Hello(h)) => validate_hello(h),
        Some(agent_message::Body::Heartbeat(hb)) => check_len(
            "heartbeat.spool_error",
            &hb.spool_error,
            plumb_proto::MAX_STATE_BYTES,
        ),
        Some(agent_message::Body::Batch(b)) => {
            if message.seq == 0 {
                return Err(Status::invalid_argument(
                    "a batch needs a sequence number above 0",
                ));
            }
            validate_batch(b)
        }
        _ => Ok(()),
    }
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
            if hub.disconnect(&node, conn) {
                if let Err(e) = hub.store.stream_closed(&node, &hub.instance).await {
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
        let who = principal_of(
            request.extensions().get::<Principal>(),
            request.extensions().get::<Peer>(),
        );
        let audit = &self.hub.trust.auth.audit;
        let PushManifestRequest {
            manifest: bytes,
            replace,
        } = request.into_inner();
        // Verified one file entry at a time: a push costs its encoded size
        // in memory, not the decoded manifest's.
        let mut files = 0i64;
        let manifest = Manifest::decode_streaming(&bytes, |_| {
            files += 1;
            Ok(())
        })
        .map_err(|e| {
            audit.refused(&who, "manifest push", "", &e.to_string());
            Status::invalid_argument(format!("refusing manifest: {e}"))
        })?;
        let image = manifest.image_id.clone();
        let digest = manifest.digest_hex();
        let keys = &self.hub.trust.trusted_keys;
        if !keys.is_empty() {
            match plumb_proto::signature::verify_manifest(&manifest, keys) {
                Ok(key) => tracing::info!(image = %image, key, "manifest signature verified"),
                Err(e) => {
                    audit.refused(&who, "manifest push", &image, &e.to_string());
                    return Err(Status::permission_denied(format!("refusing manifest: {e}")));
                }
            }
        }
        let outcome = self
            .hub
            .store
            .put_manifest(
                &image,
                &digest,
                &bytes,
                files,
                manifest.packages.len() as i64,
                &manifest
                    .labels
                    .iter()
                    .map(|l| (l.key.clone(), l.value.clone()))
                    .collect::<Vec<_>>(),
                replace,
                now_ms(),
            )
            .await?;
        let replaced = match outcome {
            PushOutcome::Refused { existing } => {
                let why = format!(
                    "image {image:?} is registered with digest {existing}; a different digest ({digest}) replaces it only when an admin asks explicitly (plumbctl manifest push --replace)"
                );
                audit.refused(&who, "manifest push", &image, &why);
                return Err(Status::already_exists(why));
            }
            PushOutcome::Replaced { old } => {
                audit.ok(
                    &who,
                    "manifest replace",
                    &image,
                    &format!("digest {old} -> {digest}"),
                );
                true
            }
            PushOutcome::New => {
                audit.ok(&who, "manifest push", &image, &format!("digest {digest}"));
                false
            }
            PushOutcome::Unchanged => false,
        };
        tracing::info!(image = %image, digest = %digest, replaced, "manifest pushed");
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
        let who = principal_of(
            request.extensions().get::<Principal>(),
            request.extensions().get::<Peer>(),
        );
        let image = request.into_inner().image_id;
        // The guard refused revoked certificates; a retired node's agent
        // has no business fetching either, and that it tried is a finding.
        if let Some(node) = &who.node_id {
            let status = self
                .hub
                .store
                .node(node)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "reading the node failed");
                    Status::unavailable("collector database unavailable")
                })?
                .map(|n| n.status);
            if status.as_deref() == Some(NodeStatus::Retired.as_str()) {
                self.hub
                    .retired_spoke(
                        node,
                        &format!("fetched the manifest of {image:?} after retirement"),
                    )
                    .await;
                self.hub
                    .trust
                    .auth
                    .audit
                    .refused(&who, "manifest fetch", node, "node is retired");
                return Err(Status::permission_denied(format!(
                    "node {node:?} is retired: it may not fetch manifests"
                )));
            }
        }
        match self.hub.store.manifest(&image).await? {
            Some(manifest) => Ok(Response::new(FetchManifestResponse { manifest })),
            None => Err(Status::not_found(format!(
                "no manifest for image {image:?}"
            ))),
        }
    }
}

/// Enrollment: a one-time token and a CSR become a node certificate.
pub struct Enroll {
    pub hub: Arc<Hub>,
}

#[tonic::async_trait]
impl plumb_proto::Enrollment for Enroll {
    async fn enroll(
        &self,
        request: Request<EnrollRequest>,
    ) -> Result<Response<EnrollResponse>, Status> {
        use crate::security::auth::secret_hash;
        let who = principal_of(
            request.extensions().get::<Principal>(),
            request.extensions().get::<Peer>(),
        );
        let source = request.extensions().get::<Peer>().map(|p| p.addr.ip());
        let trust = &self.hub.trust;
        let audit = &trust.auth.audit;
        let r = request.into_inner();
        let Some(ca) = &trust.enroll_ca else {
            return Err(Status::failed_precondition(
                "enrollment is off: the collector has no --enroll-ca-cert/--enroll-ca-key",
            ));
        };
        let now = now_ms();
        // A source that keeps failing is refused before any work: no
        // token lookup, no CSR parsing, no signature.
        if let Some(ip) = source {
            if !trust.enroll_refusals.allows(ip, now) {
                audit.refused(
                    &who,
                    "enroll",
                    &r.node_id,
                    "too many refused enrollments from this source",
                );
                return Err(Status::resource_exhausted(format!(
                    "too many refused enrollments from {ip}: try again in a minute"
                )));
            }
        }
        let refuse = |status: Status| {
            if let Some(ip) = source {
                trust.enroll_refusals.refused(ip, now_ms());
            }
            audit.refused(&who, "enroll", &r.node_id, status.message());
            status
        };
        check_len("enroll.token", &r.token, 256).map_err(refuse)?;
        check_len("enroll.image_id", &r.image_id, plumb_proto::MAX_ID_BYTES).map_err(refuse)?;
        crate::security::pki::check_node_id(&r.node_id)
            .map_err(|e| refuse(Status::invalid_argument(e.to_string())))?;
        let token = secret_hash(&r.token);
        let unavailable = |e: crate::store::StoreError| {
            tracing::error!(error = %e, "enrollment lookup failed");
            Status::unavailable("collector database unavailable")
        };
        // The token, its image and uses are checked before the CSR is
        // parsed or anything is signed.
        if let Err(refusal) = self
            .hub
            .store
            .check_enrollment(&token, &r.image_id, &r.node_id, now)
            .await
            .map_err(unavailable)?
        {
            return Err(refuse(Status::permission_denied(refusal.to_string())));
        }
        let (cert, serial) = ca
            .sign_csr(&r.csr_pem, &r.node_id, trust.cert_days)
            .map_err(|e| refuse(Status::invalid_argument(e.to_string())))?;
        match self
            .hub
            .store
            .redeem_enrollment(&token, &r.image_id, &r.node_id, &serial, now_ms())
            .await
            .map_err(unavailable)?
        {
            Ok(()) => {
                audit.ok(
                    &who,
                    "enroll",
                    &r.node_id,
                    &format!("image {} certificate {serial}", r.image_id),
                );
                Ok(Response::new(EnrollResponse {
                    certificate_pem: cert,
                    ca_pem: ca.cert_pem.clone(),
                    node_id: r.node_id,
                }))
            }
            // Used up between the check and now (two enrollments at once).
            Err(refusal) => Err(refuse(Status::permission_denied(refusal.to_string()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Whatever bytes arrive, validation answers without panicking,
        /// and what it accepts is within the documented limits.
        #[test]
        fn message_validation_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
            if let Ok(m) = AgentMessage::decode(bytes.as_slice()) {
                match m.body {
                    Some(agent_message::Body::Hello(h)) if validate_hello(&h).is_ok() => {
                        prop_assert!(!h.node_id.is_empty() && h.node_id.len() <= plumb_proto::MAX_ID_BYTES);
                    }
                    Some(agent_message::Body::Batch(b)) if validate_batch(&b).is_ok() => {
                        for d in &b.added {
                            prop_assert!(agent_kind(d.kind));
                            prop_assert!(d.kind != 9 && d.kind != 0);
                            prop_assert!(d.key.len() <= plumb_proto::MAX_KEY_BYTES);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The fuzz target's committed corpus and regression inputs
    /// (`collector/fuzz`), replayed with the suite.
    #[test]
    fn fuzz_corpus_replays_cleanly() {
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut replayed = 0;
        for kind in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join("agent_message")) else {
                continue;
            };
            for entry in entries {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                if let Ok(m) = AgentMessage::decode(bytes.as_slice()) {
                    let _ = validate_message(&m);
                }
                replayed += 1;
            }
        }
        assert!(replayed > 0, "no fuzz inputs under {}", fuzz.display());
    }

    /// Writes the seed corpus (run by `scripts/fuzz.sh seed`, with
    /// `PLUMB_FUZZ_SEEDS` naming the corpus directory).
    #[test]
    #[ignore = "writes files; run by scripts/fuzz.sh"]
    fn write_fuzz_seeds() {
        use plumb_proto::v1::{DeviationRef, Heartbeat, Severity};
        let dir = std::path::PathBuf::from(std::env::var("PLUMB_FUZZ_SEEDS").unwrap())
            .join("agent_message");
        std::fs::create_dir_all(&dir).unwrap();
        let hello = AgentMessage {
            seq: 0,
            body: Some(agent_message::Body::Hello(Hello {
                node_id: "node-1".into(),
                image_id: "img-1".into(),
                hostname: "web-1".into(),
                agent_version: "0.1.0".into(),
                boot_id: "b0".into(),
                manifest_digest: vec![7; 32],
                heartbeat_secs: 30,
            })),
            ..Default::default()
        };
        let batch = AgentMessage {
            seq: 1,
            prev_hash: vec![1; 32],
            body: Some(agent_message::Body::Batch(DeviationBatch {
                added: vec![plumb_proto::v1::Deviation {
                    kind: DeviationKind::FileModified as i32,
                    key: "/usr/bin/ls".into(),
                    expected: "sha256:aa".into(),
                    actual: "sha256:bb".into(),
                    severity: Severity::Critical as i32,
                    package: "coreutils".into(),
                    changes: vec!["content".into()],
                    ..Default::default()
                }],
                resolved: vec![DeviationRef {
                    kind: DeviationKind::FileAdded as i32,
                    key: "/tmp/x".into(),
                }],
                full_state: true,
                observed_unix_ms: 1_700_000_000_000,
            })),
        };
        let heartbeat = AgentMessage {
            body: Some(agent_message::Body::Heartbeat(Heartbeat {
                spool_error: "No space left on device".into(),
                ..Default::default()
            })),
            ..Default::default()
        };
        for (i, m) in [hello, batch, heartbeat].iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), m.encode_to_vec()).unwrap();
        }
    }

    #[test]
    fn agents_cannot_send_collector_findings() {
        let b = DeviationBatch {
            added: vec![plumb_proto::v1::Deviation {
                kind: DeviationKind::Integrity as i32,
                key: "report_chain".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(validate_batch(&b)
            .unwrap_err()
            .message()
            .contains("unknown kind 9"));
    }

    #[test]
    fn agents_cannot_send_unknown_severities() {
        for severity in [0, 5, -1, i32::MAX] {
            let b = DeviationBatch {
                added: vec![plumb_proto::v1::Deviation {
                    kind: DeviationKind::FileModified as i32,
                    key: "/usr/bin/ls".into(),
                    severity,
                    ..Default::default()
                }],
                ..Default::default()
            };
            let e = validate_batch(&b).unwrap_err();
            assert!(
                e.message()
                    .contains(&format!("\"/usr/bin/ls\": unknown severity {severity}")),
                "{e}"
            );
        }
    }
}

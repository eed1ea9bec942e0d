//! The collector's shared state: the store, the policy, connected agents,
//! their liveness (`liveness`), the group-commit writer and the event fan-out that
//! the watch stream, the dashboard and the alert sinks subscribe to.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plumb_proto::v1::CollectorMessage;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::lifecycle::{self, Event};
use crate::model::{now_ms, NodeStatus, Transition};
use crate::policy::{Policy, Verdict};
use crate::store::{BatchJob, BatchOutcome, Store, StoreError};

/// What an output queues, in the transition's own transaction, when a
/// node changes status: outbox rows `(sink, payload)`. The alert outputs
/// install one; the hub knows no sink.
pub trait OutboxWriter: Send + Sync {
    fn rows(
        &self,
        node: &crate::model::Node,
        from: NodeStatus,
        to: NodeStatus,
        reasons: &[String],
        now: i64,
    ) -> Vec<(String, String)>;

    /// The rows of a container alert firing (`ends_at` none) or resolved.
    fn container_rows(
        &self,
        node: &crate::model::Node,
        container: &crate::model::ContainerLabels,
        state: &str,
        reasons: &[String],
        starts_at: i64,
        ends_at: Option<i64>,
    ) -> Vec<(String, String)>;
}

/// A lifecycle transition with the node's image, as fanned out.
#[derive(Clone, Debug)]
pub struct NodeEvent {
    pub transition: Transition,
    pub image_id: String,
    pub hostname: String,
}

/// Counters exported on `/metrics`.
#[derive(Default)]
pub struct Counters {
    pub batches: AtomicU64,
    pub duplicate_batches: AtomicU64,
    pub deviations_ingested: AtomicU64,
    pub resolutions_ingested: AtomicU64,
    pub heartbeats: AtomicU64,
    /// Nodes' last contact written to the database (see `liveness`).
    pub liveness_rows: AtomicU64,
    pub rejected_messages: AtomicU64,
    pub webhook_failures: AtomicU64,
    pub webhook_deliveries: AtomicU64,
    pub alertmanager_failures: AtomicU64,
}

struct WriteJob {
    job: BatchJob,
    reply: oneshot::Sender<Result<BatchOutcome, String>>,
}

/// A connected agent: connection id, outbound channel, end signal.
type Connection = (u64, AgentTx, Arc<tokio::sync::Notify>);

/// The outbound half of a connected agent's stream.
pub type AgentTx = mpsc::Sender<Result<CollectorMessage, tonic::Status>>;

/// Shared collector state.
pub struct Hub {
    pub store: Store,
    pub policy: Policy,
    pub trust: crate::security::Trust,
    /// What transitions queue for the outputs (none: nothing queued).
    outbox: Option<Arc<dyn OutboxWriter>>,
    /// Wakes the outputs' delivery tasks when a transition queued rows.
    pub outbox_queued: tokio::sync::Notify,
    /// This replica's name in leases: its host and gRPC port, unique among
    /// the replicas of one database and the same after a restart, so a
    /// restarted replica takes its leases back at once.
    pub instance: String,
    pub counters: Counters,
    events: broadcast::Sender<NodeEvent>,
    /// Per node: connection id, outbound channel, and the signal that ends
    /// the stream (a newer stream replaced it, or the node was revoked).
    connected: Mutex<HashMap<String, Connection>>,
    next_conn: AtomicU64,
    /// The nodes whose streams this replica holds, and when each spoke.
    pub live: crate::liveness::Liveness,
    /// Paces hellos in a reconnect storm.
    pub admission: crate::admission::Admission,
    /// The group-commit writers, each owning the nodes hashed to it: one
    /// on SQLite (a single writer connection), several on PostgreSQL so
    /// that one transaction's round trips do not hold up the others.
    writers: Vec<mpsc::Sender<WriteJob>>,
    evaluate: mpsc::UnboundedSender<String>,
    /// Transitions already fanned out (by id, with when), so the replica
    /// loop announces only those other replicas made.
    announced: Mutex<HashMap<i64, i64>>,
    /// When each retired node that spoke last raised its alert.
    retired_alerted: Mutex<HashMap<String, i64>>,
}

/// Hellos handled at once, per group-commit writer (each hello is a few
/// round trips to the database, which the writers share).
const HELLO_SLOTS_PER_WRITER: usize = 16;

/// A retired node that keeps speaking raises its alert at most this often.
const RETIRED_ALERT_EVERY_MS: i64 = 10 * 60 * 1000;

impl Hub {
    /// Creates the hub and starts its background tasks (writers,
    /// evaluator, replica loop); `housekeeping` runs beside it. They stop
    /// when `shutdown` fires.
    pub fn start(
        store: Store,
        policy: Policy,
        outbox: Option<Arc<dyn OutboxWriter>>,
        trust: crate::security::Trust,
        instance: String,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Arc<Hub> {
        let lanes = match store.backend {
            crate::store::Backend::Sqlite => 1,
            crate::store::Backend::Postgres => POSTGRES_WRITERS,
        };
        let (writers, writer_rxs): (Vec<_>, Vec<_>) =
            (0..lanes).map(|_| mpsc::channel(4096 / lanes)).unzip();
        let (eval_tx, eval_rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(4096);
        let hub = Arc::new(Hub {
            store,
            policy,
            trust,
            outbox,
            outbox_queued: tokio::sync::Notify::new(),
            instance,
            counters: Counters::default(),
            events,
            connected: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            live: crate::liveness::Liveness::default(),
            admission: crate::admission::Admission::new(lanes * HELLO_SLOTS_PER_WRITER),
            writers,
            evaluate: eval_tx,
            announced: Mutex::new(HashMap::new()),
            retired_alerted: Mutex::new(HashMap::new()),
        });
        for rx in writer_rxs {
            tokio::spawn(writer_loop(hub.clone(), rx));
        }
        tokio::spawn(evaluator_loop(hub.clone(), eval_rx));
        tokio::spawn(replica_loop(hub.clone(), shutdown));
        hub
    }

    pub fn subscribe(&self) -> broadcast::Receiver<NodeEvent> {
        self.events.subscribe()
    }

    /// Queues a batch for the group-commit writer; resolves once it is
    /// durable (or known to be a duplicate).
    pub async fn submit(&self, job: BatchJob) -> Result<BatchOutcome, String> {
        let (reply, rx) = oneshot::channel();
        // A node always goes to the same writer: its batches stay in order.
        let lane = {
            use std::hash::{BuildHasher, BuildHasherDefault};
            let h = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
                .hash_one(&job.node_id);
            (h % self.writers.len() as u64) as usize
        };
        self.writers[lane]
            .send(WriteJob { job, reply })
            .await
            .map_err(|_| "collector is shutting down".to_string())?;
        rx.await
            .map_err(|_| "collector is shutting down".to_string())?
    }

    /// A held node spoke: memory only (see [`crate::liveness`]).
    pub fn heartbeat(&self, node_id: &str, at: i64) {
        self.counters.heartbeats.fetch_add(1, Ordering::Relaxed);
        self.live.contact(node_id, at);
    }

    /// Registers a connected agent's outbound channel; returns its
    /// connection id for [`Hub::disconnect`] and the signal that ends it.
    /// A node has one stream: an older one is ended, so one certificate
    /// cannot hold many streams (and many places in the write queue).
    pub fn connect(
        &self,
        node_id: &str,
        tx: mpsc::Sender<Result<CollectorMessage, tonic::Status>>,
    ) -> (u64, Arc<tokio::sync::Notify>) {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let ended = Arc::new(tokio::sync::Notify::new());
        let old = lock(&self.connected).insert(node_id.to_string(), (id, tx, ended.clone()));
        if let Some((_, _, old_ended)) = old {
            old_ended.notify_one();
        }
        (id, ended)
    }

    /// Forgets connection `conn` of `node_id`; false when a newer
    /// stream of the node replaced it already.
    pub fn disconnect(&self, node_id: &str, conn: u64) -> bool {
        let mut map = lock(&self.connected);
        if map.get(node_id).is_some_and(|(id, _, _)| *id == conn) {
            map.remove(node_id);
            return true;
        }
        false
    }

    /// Ends a node's stream (revocation, retirement) with `why`: its
    /// agent must say hello again, and is judged then.
    pub fn disconnect_node(&self, node_id: &str, why: &str) {
        if let Some((_, tx, ended)) = lock(&self.connected).remove(node_id) {
            let _ = tx.try_send(Err(tonic::Status::permission_denied(why.to_string())));
            ended.notify_one();
        }
    }

    /// Ends a node's stream wherever it is held: here at once, on another
    /// replica through the command relay (`command` is `revoke` or
    /// `retire`).
    pub async fn end_stream(&self, node_id: &str, command: &str) -> Result<(), StoreError> {
        self.disconnect_node(node_id, &format!("node {command}d"));
        if let Ok(Some(holder)) = self.store.stream_holder(node_id).await {
            if holder != self.instance {
                self.store
                    .relay_command(node_id, &holder, command, now_ms())
                    .await?;
            }
        }
        Ok(())
    }

    /// A retired node spoke (`how`: a hello, a batch, a heartbeat, a
    /// manifest fetch): recorded as a finding at once, with its alert
    /// (at most one per node every ten minutes, so a node that keeps
    /// retrying cannot flood the sinks).
    pub async fn retired_spoke(&self, node_id: &str, how: &str) {
        tracing::warn!(node = %node_id, how, "retired node still alive");
        let now = now_ms();
        if let Err(e) = self
            .store
            .record_finding(
                node_id,
                "retired_node_alive",
                "retired: no agent reports",
                how,
                now,
            )
            .await
        {
            tracing::error!(node = %node_id, error = %e, "recording a retired node alive failed");
        }
        let due = {
            let mut alerted = lock(&self.retired_alerted);
            alerted.retain(|_, at| now - *at < RETIRED_ALERT_EVERY_MS);
            match alerted.entry(node_id.to_string()) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(now);
                    true
                }
            }
        };
        if due {
            self.retired_alive(node_id).await;
        }
    }

    pub fn connected_count(&self) -> usize {
        lock(&self.connected).len()
    }

    pub fn is_connected(&self, node_id: &str) -> bool {
        lock(&self.connected).contains_key(node_id)
    }

    /// Sends a command to a connected agent; false when it is not connected.
    pub fn command(&self, node_id: &str, msg: CollectorMessage) -> bool {
        let tx = lock(&self.connected)
            .get(node_id)
            .map(|(_, tx, _)| tx.clone());
        tx.is_some_and(|tx| tx.try_send(Ok(msg)).is_ok())
    }

    /// Asks the evaluator to re-judge a node.
    pub fn reevaluate(&self, node_id: &str) {
        let _ = self.evaluate.send(node_id.to_string());
    }

    /// Applies a lifecycle event to a node and records the transition.
    pub async fn apply(
        &self,
        node_id: &str,
        event: Event<'_>,
        cause: &str,
    ) -> Result<Option<Transition>, StoreError> {
        let Some(node) = self.store.node(node_id).await? else {
            return Ok(None);
        };
        let current = node.status;
        let reasons = match &event {
            Event::Evaluated(Verdict::Drifted { reasons } | Verdict::Flagged { reasons }) => {
                reasons.clone()
            }
            Event::Silence => vec![format!(
                "no heartbeat since {}",
                crate::rfc3339(node.last_seen)
            )],
            Event::Cleared => Vec::new(),
            _ => node.reasons.clone(),
        };
        let Some(to) = lifecycle::next(current, &event) else {
            if matches!(event, Event::Evaluated(_))
                && reasons != node.reasons
                && current != NodeStatus::Silent
            {
                self.store.set_reasons(node_id, &reasons).await?;
            }
            return Ok(None);
        };
        let now = now_ms();
        let alerts = self.outbox_rows(&node, current, to, &reasons, now);
        let hold = match &event {
            Event::Evaluated(Verdict::Flagged { .. }) if self.policy.sticky(&node.image_id) => {
                crate::store::Hold::Take
            }
            Event::Cleared => crate::store::Hold::Release,
            _ => crate::store::Hold::Keep,
        };
        let transition = self
            .store
            .set_status(
                node_id,
                &crate::store::StatusChange {
                    from: current,
                    to,
                    cause,
                    reasons: &reasons,
                    at: now,
                    alerts: &alerts,
                    hold,
                },
            )
            .await?;
        if transition.is_some() && !alerts.is_empty() {
            self.outbox_queued.notify_waiters();
        }
        if let Some(t) = &transition {
            lock(&self.announced).insert(t.id, t.at);
            tracing::info!(node = %node_id, from = %t.from, to = %t.to, cause, "node status changed");
            let _ = self.events.send(NodeEvent {
                transition: t.clone(),
                image_id: node.image_id,
                hostname: node.hostname,
            });
        }
        Ok(transition)
    }

    /// A retired node spoke again: its status cannot change, so the alert
    /// goes out on its own (as a flag: the node needs attention).
    pub async fn retired_alive(&self, node_id: &str) {
        let Ok(Some(node)) = self.store.node(node_id).await else {
            return;
        };
        let now = now_ms();
        let reasons = vec!["retired node still alive".to_string()];
        let alerts = self.outbox_rows(
            &node,
            NodeStatus::Retired,
            NodeStatus::Flagged,
            &reasons,
            now,
        );
        if alerts.is_empty() {
            return;
        }
        match self.store.queue_alerts(&alerts, now).await {
            Ok(()) => self.outbox_queued.notify_waiters(),
            Err(e) => {
                tracing::error!(node = %node_id, error = %e, "queueing the retired-node alert failed")
            }
        }
    }

    /// Takes or renews the lease `name` for `ttl_ms`: whether this
    /// replica does that work now (an unreachable database: no).
    pub async fn holds_lease(&self, name: &str, ttl_ms: i64) -> bool {
        let now = now_ms();
        match self
            .store
            .take_lease(name, &self.instance, now, now + ttl_ms)
            .await
        {
            Ok(held) => held,
            Err(e) => {
                tracing::error!(lease = name, error = %e, "lease unavailable");
                false
            }
        }
    }

    fn outbox_rows(
        &self,
        node: &crate::model::Node,
        from: NodeStatus,
        to: NodeStatus,
        reasons: &[String],
        now: i64,
    ) -> Vec<(String, String)> {
        self.outbox
            .as_ref()
            .map(|o| o.rows(node, from, to, reasons, now))
            .unwrap_or_default()
    }

    /// Judges a node's open deviations and moves it accordingly.
    pub async fn evaluate_now(&self, node_id: &str) -> Result<(), StoreError> {
        let Some(node) = self.store.node(node_id).await? else {
            return Ok(());
        };
        // Without key-dependent rules, per-severity counts and the most
        // severe few are enough: evaluation then costs the same whether the
        // node has ten open deviations or a million.
        let verdict = if self.policy.needs_keys() {
            let open = self.store.open_for_policy(node_id).await?;
            self.policy
                .evaluate(node_id, &node.image_id, &open, now_ms())
        } else {
            let (counts, top) = self.store.open_summary(node_id).await?;
            self.policy.verdict(&node.image_id, &counts, &top)
        };
        let verdict = self.policy.held(&node, verdict);
        self.apply(node_id, Event::Evaluated(&verdict), "policy")
            .await?;
        if node.sees_containers {
            self.reconcile_container_alerts(&node).await?;
        }
        Ok(())
    }

    /// Fires an alert for each container of the node that drifted or
    /// cannot be verified, and resolves those of containers that are
    /// clean again or gone (with the labels they fired with).
    async fn reconcile_container_alerts(
        &self,
        node: &crate::model::Node,
    ) -> Result<(), StoreError> {
        let Some(outbox) = self.outbox.as_ref() else {
            return Ok(());
        };
        let now = now_ms();
        let fired = self.store.fired_containers(&node.node_id).await?;
        let containers = self
            .store
            .containers(&crate::store::ContainerFilter {
                node_id: Some(node.node_id.clone()),
                ..Default::default()
            })
            .await?;
        let plan = crate::lifecycle::container_alerts(&fired, &containers, now);
        if plan.unchanged(fired.len()) {
            return Ok(());
        }
        let rows: Vec<_> = plan
            .send
            .iter()
            .flat_map(|a| {
                outbox.container_rows(node, &a.container, &a.state, &a.reasons, a.since, a.ends_at)
            })
            .collect();
        self.store
            .set_fired_containers(&node.node_id, &plan.firing, &rows, now)
            .await?;
        if !rows.is_empty() {
            self.outbox_queued.notify_waiters();
        }
        Ok(())
    }

    /// Writes the liveness that is due (see [`crate::liveness`]; `all`:
    /// every held node's); returns the silent and retired nodes among
    /// them. What could not be written is written at the next flush.
    pub(crate) async fn flush_heartbeats(
        &self,
        all: bool,
    ) -> Result<crate::store::Touched, StoreError> {
        let due = self.live.due(now_ms(), all);
        if due.is_empty() {
            return Ok(crate::store::Touched::default());
        }
        match self.store.touch(&due, &self.instance).await {
            Ok(touched) => {
                self.counters
                    .liveness_rows
                    .fetch_add(due.len() as u64, Ordering::Relaxed);
                Ok(touched)
            }
            Err(e) => {
                self.live.unwritten(due);
                Err(e)
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writers on PostgreSQL (see [`Hub::writers`]).
const POSTGRES_WRITERS: usize = 4;

/// Group commit: drains every queued batch into one transaction.
async fn writer_loop(hub: Arc<Hub>, mut rx: mpsc::Receiver<WriteJob>) {
    const MAX_GROUP: usize = 512;
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<BatchJob>, Vec<_>) =
            group.into_iter().map(|j| (j.job, j.reply)).unzip();
        match hub.store.apply_batches(&jobs, now_ms()).await {
            Ok(outcomes) => {
                let mut nodes = HashSet::new();
                for ((job, reply), outcome) in jobs.into_iter().zip(replies).zip(outcomes) {
                    match outcome {
                        BatchOutcome::Applied => {
                            hub.counters.batches.fetch_add(1, Ordering::Relaxed);
                            hub.counters
                                .deviations_ingested
                                .fetch_add(job.added.len() as u64, Ordering::Relaxed);
                            hub.counters
                                .resolutions_ingested
                                .fetch_add(job.resolved.len() as u64, Ordering::Relaxed);
                            nodes.insert(job.node_id);
                        }
                        BatchOutcome::Duplicate => {
                            hub.counters
                                .duplicate_batches
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        BatchOutcome::Forked | BatchOutcome::Gap => {
                            hub.counters
                                .rejected_messages
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        BatchOutcome::UnknownNode | BatchOutcome::Retired => {}
                    }
                    let _ = reply.send(Ok(outcome));
                }
                for n in nodes {
                    hub.reevaluate(&n);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batches = jobs.len(), "storing batches failed; agents will resend");
                for reply in replies {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

async fn evaluator_loop(hub: Arc<Hub>, mut rx: mpsc::UnboundedReceiver<String>) {
    while let Some(first) = rx.recv().await {
        let mut nodes = HashSet::from([first]);
        while let Ok(n) = rx.try_recv() {
            nodes.insert(n);
        }
        // A few nodes at once on PostgreSQL (each evaluation is a few
        // round trips); one node is never evaluated twice at once.
        let lanes = hub.writers.len();
        let mut running = tokio::task::JoinSet::new();
        for n in nodes {
            if running.len() >= lanes {
                running.join_next().await;
            }
            let hub = hub.clone();
            running.spawn(async move {
                if let Err(e) = hub.evaluate_now(&n).await {
                    tracing::error!(node = %n, error = %e, "policy evaluation failed");
                }
            });
        }
        while running.join_next().await.is_some() {}
    }
}

/// How far back the replica loop looks for transitions other replicas
/// made: far longer than any transaction stays uncommitted.
const ANNOUNCE_WINDOW_MS: i64 = 30_000;
/// Commands for an agent older than this are dropped unsent.
const COMMAND_TTL_MS: i64 = 60_000;

/// What makes replicas of one database one collector, twice a second:
/// commands other replicas relayed for the agents this one holds
/// (rescans, revocations) go out, and transitions other replicas made
/// are fanned out here too (watch streams, the dashboard's live view).
async fn replica_loop(hub: Arc<Hub>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    use plumb_proto::v1::{collector_message, Command, CommandKind};
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        let now = now_ms();
        match hub
            .store
            .take_commands(&hub.instance, now - COMMAND_TTL_MS)
            .await
        {
            Ok(commands) => {
                for (node, kind) in commands {
                    let command = match kind.as_str() {
                        "revoke" | "retire" => {
                            hub.disconnect_node(&node, &format!("node {kind}d"));
                            continue;
                        }
                        "full_rescan" => CommandKind::FullRescan,
                        _ => CommandKind::Rescan,
                    };
                    let msg = CollectorMessage {
                        body: Some(collector_message::Body::Command(Command {
                            kind: command as i32,
                            policy_toml: String::new(),
                        })),
                    };
                    if !hub.command(&node, msg) {
                        tracing::warn!(node = %node, kind, "relayed command for an agent no longer connected here");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "reading relayed commands failed"),
        }
        match hub
            .store
            .transitions_since(now - ANNOUNCE_WINDOW_MS, 10_000)
            .await
        {
            Ok(rows) => {
                let fresh: Vec<_> = {
                    let mut announced = lock(&hub.announced);
                    announced.retain(|_, at| *at >= now - 2 * ANNOUNCE_WINDOW_MS);
                    rows.into_iter()
                        .filter(|(t, _, _)| announced.insert(t.id, t.at).is_none())
                        .collect()
                };
                for (transition, image_id, hostname) in fresh {
                    let _ = hub.events.send(NodeEvent {
                        transition,
                        image_id,
                        hostname,
                    });
                }
            }
            Err(e) => tracing::error!(error = %e, "reading other replicas' transitions failed"),
        }
    }
}

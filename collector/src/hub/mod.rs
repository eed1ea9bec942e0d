//! The collector's services, composed: [`agents`] (connected streams,
//! commands, liveness, hello pacing), [`hellos`] (hellos written
//! together), [`ingest`] (the group-commit writers,
//! the one write path for what agents report), [`judge`] (evaluation,
//! lifecycle, alerts, the event fan-out), [`replicas`] (what replicas of
//! one database share, twice a second) and `housekeeping` (by the clock,
//! beside them). Each service owns its state; none knows the hub.

pub mod agents;
pub mod counters;
pub mod hellos;
pub mod ingest;
pub mod judge;
pub mod replicas;

use std::sync::Arc;

pub use agents::{AgentTx, Agents};
pub use counters::Counters;
pub use ingest::Ingest;
pub use judge::{Judge, NodeEvent, OutboxWriter};

use crate::policy::Policy;
use crate::store::{BatchJob, BatchOutcome, Store};

/// Hellos handled at once, per group-commit writer (each hello is a few
/// round trips to the database, which the writers share).
const HELLO_SLOTS_PER_WRITER: usize = 32;

/// The collector's services and what they share.
pub struct Hub {
    pub store: Store,
    /// What the read-only surfaces (REST, dashboard, gRPC queries,
    /// `/metrics`) read, and all they read.
    pub reads: crate::reads::Reads,
    pub trust: crate::security::Trust,
    /// This replica's name in leases: its host and gRPC port, unique among
    /// the replicas of one database and the same after a restart, so a
    /// restarted replica takes its leases back at once.
    pub instance: String,
    pub counters: Arc<Counters>,
    pub agents: Arc<Agents>,
    pub hellos: hellos::Hellos,
    pub ingest: Ingest,
    pub judge: Arc<Judge>,
    /// Advisories or a manifest arrived on this replica: patch posture is
    /// judged again at the next housekeeping tick, not a minute later.
    posture_changed: std::sync::atomic::AtomicBool,
}

impl Hub {
    /// Creates the hub and starts its services' background tasks
    /// (writers, evaluator, replica loop); `housekeeping` runs beside
    /// them. They stop when `shutdown` fires.
    pub fn start(
        store: Store,
        policy: Policy,
        outbox: Option<Arc<dyn OutboxWriter>>,
        trust: crate::security::Trust,
        instance: String,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Arc<Hub> {
        let lanes = Ingest::lanes(store.backend);
        let counters = Arc::new(Counters::default());
        let judge = Judge::start(store.clone(), policy, outbox, lanes);
        let ingest = Ingest::start(&store, counters.clone(), judge.queue());
        let agents = Arc::new(Agents::new(
            store.clone(),
            instance.clone(),
            counters.clone(),
            lanes * HELLO_SLOTS_PER_WRITER,
        ));
        tokio::spawn(replicas::replica_loop(
            store.clone(),
            instance.clone(),
            agents.clone(),
            judge.clone(),
            shutdown,
        ));
        let hellos = hellos::Hellos::start(store.clone(), instance.clone());
        Arc::new(Hub {
            reads: crate::reads::Reads::new(store.clone()),
            hellos,
            store,
            trust,
            instance,
            counters,
            agents,
            ingest,
            judge,
            posture_changed: std::sync::atomic::AtomicBool::new(true),
        })
    }

    /// Asks for patch posture to be judged again soon (advisories
    /// imported, a manifest registered).
    pub fn posture_changed(&self) {
        self.posture_changed
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether patch posture was asked to be judged again (and no longer).
    pub fn take_posture_changed(&self) -> bool {
        self.posture_changed
            .swap(false, std::sync::atomic::Ordering::Relaxed)
    }

    pub fn policy(&self) -> &Policy {
        &self.judge.policy
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<NodeEvent> {
        self.judge.subscribe()
    }

    /// Asks the judge to re-judge a node.
    pub fn reevaluate(&self, node_id: &str) {
        self.judge.reevaluate(node_id);
    }

    /// Queues a batch for its group-commit writer.
    pub async fn submit(&self, job: BatchJob) -> Result<BatchOutcome, String> {
        self.ingest.submit(job).await
    }

    /// Takes or renews the lease `name` for `ttl_ms`: whether this
    /// replica does that work now (an unreachable database: no).
    pub async fn holds_lease(&self, name: &str, ttl_ms: i64) -> bool {
        let now = crate::model::now_ms();
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
}

//! The judge: evaluation of a node's open deviations against the policy,
//! the lifecycle transitions that follow (recorded with their alerts in
//! one transaction), and the fan-out of transitions to watchers, the
//! dashboard and the alert outputs.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};

use crate::lifecycle::{self, Event};
use crate::model::{now_ms, NodeStatus, Transition};
use crate::policy::{Policy, Verdict};
use crate::store::{Store, StoreError};

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

    /// The rows of an image that became due for replacement, or is no
    /// longer due (`resolved`), with the nodes running it.
    fn due_rows(
        &self,
        due: &crate::store::DueRow,
        nodes: &[String],
        resolved: bool,
        now: i64,
    ) -> Vec<(String, String)>;
}

/// A lifecycle transition with the node's image, as fanned out.
#[derive(Clone, Debug)]
pub struct NodeEvent {
    pub transition: Transition,
    pub image_id: String,
    pub hostname: String,
}

/// A retired node that keeps speaking raises its alert at most this often.
const RETIRED_ALERT_EVERY_MS: i64 = 10 * 60 * 1000;

/// Judges nodes and fans out their transitions.
pub struct Judge {
    store: Store,
    pub policy: Policy,
    /// What transitions queue for the outputs (none: nothing queued).
    outbox: Option<Arc<dyn OutboxWriter>>,
    /// Wakes the outputs' delivery tasks when a transition queued rows.
    pub outbox_queued: tokio::sync::Notify,
    events: broadcast::Sender<NodeEvent>,
    evaluate: mpsc::UnboundedSender<String>,
    /// Transitions already fanned out (by id, with when), so the replica
    /// loop announces only those other replicas made.
    announced: Mutex<HashMap<i64, i64>>,
    /// When each retired node that spoke last raised its alert.
    retired_alerted: Mutex<HashMap<String, i64>>,
}

impl Judge {
    /// Starts the evaluator, judging up to `lanes` nodes at once.
    pub fn start(
        store: Store,
        policy: Policy,
        outbox: Option<Arc<dyn OutboxWriter>>,
        lanes: usize,
    ) -> Arc<Judge> {
        let (evaluate, rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(4096);
        let judge = Arc::new(Judge {
            store,
            policy,
            outbox,
            outbox_queued: tokio::sync::Notify::new(),
            events,
            evaluate,
            announced: Mutex::new(HashMap::new()),
            retired_alerted: Mutex::new(HashMap::new()),
        });
        tokio::spawn(evaluator_loop(judge.clone(), rx, lanes));
        judge
    }

    /// Where to send the nodes to re-judge (the ingest writers use it).
    pub fn queue(&self) -> mpsc::UnboundedSender<String> {
        self.evaluate.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<NodeEvent> {
        self.events.subscribe()
    }

    /// Asks the evaluator to re-judge a node.
    pub fn reevaluate(&self, node_id: &str) {
        let _ = self.evaluate.send(node_id.to_string());
    }

    /// Fans out a transition this replica made, unless the replica loop
    /// already did: it may read the row between its commit and this call.
    /// Whichever comes first announces it; each transition goes out once.
    fn announce_own(&self, transition: Transition, image_id: String, hostname: String) {
        if lock(&self.announced)
            .insert(transition.id, transition.at)
            .is_none()
        {
            let _ = self.events.send(NodeEvent {
                transition,
                image_id,
                hostname,
            });
        }
    }

    /// Fans out transitions other replicas made (those not yet announced
    /// here), forgetting those older than `forget_before`.
    pub fn announce_others(&self, rows: Vec<(Transition, String, String)>, forget_before: i64) {
        let fresh: Vec<_> = {
            let mut announced = lock(&self.announced);
            announced.retain(|_, at| *at >= forget_before);
            rows.into_iter()
                .filter(|(t, _, _)| announced.insert(t.id, t.at).is_none())
                .collect()
        };
        for (transition, image_id, hostname) in fresh {
            let _ = self.events.send(NodeEvent {
                transition,
                image_id,
                hostname,
            });
        }
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
            tracing::info!(node = %node_id, from = %t.from, to = %t.to, cause, "node status changed");
            self.announce_own(t.clone(), node.image_id, node.hostname);
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

    /// The outbox rows telling that `due` became due for replacement, or
    /// is no longer due (`resolved`); none without alert outputs.
    pub fn due_rows(
        &self,
        due: &crate::store::DueRow,
        nodes: &[String],
        resolved: bool,
        now: i64,
    ) -> Vec<(String, String)> {
        self.outbox
            .as_ref()
            .map(|o| o.due_rows(due, nodes, resolved, now))
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
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

async fn evaluator_loop(judge: Arc<Judge>, mut rx: mpsc::UnboundedReceiver<String>, lanes: usize) {
    while let Some(first) = rx.recv().await {
        let mut nodes = HashSet::from([first]);
        while let Ok(n) = rx.try_recv() {
            nodes.insert(n);
        }
        // A few nodes at once on PostgreSQL (each evaluation is a few
        // round trips); one node is never evaluated twice at once.
        let mut running = tokio::task::JoinSet::new();
        for n in nodes {
            if running.len() >= lanes {
                running.join_next().await;
            }
            let judge = judge.clone();
            running.spawn(async move {
                if let Err(e) = judge.evaluate_now(&n).await {
                    tracing::error!(node = %n, error = %e, "policy evaluation failed");
                }
            });
        }
        while running.join_next().await.is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transition(id: i64) -> Transition {
        Transition {
            id,
            node_id: "n1".into(),
            from: NodeStatus::Clean,
            to: NodeStatus::Flagged,
            cause: "policy".into(),
            reasons: vec![],
            at: 1_000,
        }
    }

    /// A transition this replica made goes out once, whether the replica
    /// loop reads its row before the judge announces it or after.
    #[tokio::test]
    async fn own_transitions_are_announced_once_whoever_sees_them_first() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("plumb.db").display());
        let store = Store::connect(&url).await.unwrap();
        let judge = Judge::start(store, Policy::load(None).unwrap(), None, 1);
        let mut events = judge.subscribe();
        let row = |id| vec![(transition(id), "img".to_string(), "host".to_string())];

        // The replica loop first (the row committed, not yet noted here).
        judge.announce_others(row(1), 0);
        judge.announce_own(transition(1), "img".into(), "host".into());
        // The judge first.
        judge.announce_own(transition(2), "img".into(), "host".into());
        judge.announce_others(row(2), 0);

        let mut ids = vec![];
        while let Ok(e) = events.try_recv() {
            ids.push(e.transition.id);
        }
        assert_eq!(ids, vec![1, 2]);
    }
}

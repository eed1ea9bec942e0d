//! Work a replica does by the clock, in two tasks. Liveness every second
//! (its lease, what is due to be written, its own quiet nodes from
//! memory, and on one replica the unheld quiet nodes from the database:
//! see [`crate::liveness`]) runs alone, so that slow work never delays a
//! lease renewal. Beside it: patch posture (the images due for
//! replacement, each family's rollout) and pruning history past the
//! retention period. Started by `serve` beside the hub; it reaches the
//! hub, never the other way round.

use std::sync::Arc;
use std::time::Duration;

use crate::hub::Hub;
use crate::liveness::{REPLICA_LEASE_MS, REPLICA_LEASE_PREFIX, REPLICA_RENEW_MS};
use crate::model::now_ms;

/// Releases what an earlier run of this replica held and takes its lease,
/// then starts the replica's clocked work, which stops when `shutdown`
/// fires. Awaited before the ports accept anything: a release after an
/// agent's hello would take its fresh stream out of this replica's hands.
pub async fn start(hub: Arc<Hub>, shutdown: tokio::sync::watch::Receiver<bool>) {
    let watch = Watch::start(&hub).await;
    tokio::spawn(slow_loop(hub.clone(), shutdown.clone()));
    tokio::spawn(housekeeping_loop(hub, shutdown, watch));
}

/// How often history past the retention period is pruned.
const PRUNE_EVERY_MS: i64 = 600_000;

/// Makes the coming days' history partitions and prunes history past
/// the retention period, on one replica.
async fn prune(hub: &Hub) {
    let now = now_ms();
    if !hub.holds_lease("retention", 2 * PRUNE_EVERY_MS).await {
        return;
    }
    if let Err(e) = hub.store.ensure_partitions(now).await {
        tracing::error!(error = %e, "making history partitions failed");
    }
    let started = std::time::Instant::now();
    match hub
        .store
        .prune_history(now - hub.store.retention_ms, 5_000)
        .await
    {
        Ok(crate::store::Pruned {
            rows: 0,
            partitions: 0,
        }) => {}
        Ok(pruned) => tracing::info!(
            rows = pruned.rows,
            partitions = pruned.partitions,
            ms = started.elapsed().as_millis() as u64,
            "pruned history past the retention period"
        ),
        Err(e) => tracing::error!(error = %e, "pruning history failed"),
    }
}

/// How often patch posture is judged again when nothing asked for it
/// (grace periods run out, nodes move between images).
const POSTURE_EVERY_MS: i64 = 60_000;

/// Judges patch posture on one replica: the images due for replacement
/// now against those stored, each change told once (webhooks,
/// Alertmanager) in the transaction that stores it.
async fn judge_posture(hub: &Hub, now: i64) {
    if !hub.holds_lease("posture", 2 * POSTURE_EVERY_MS).await {
        return;
    }
    if let Err(e) = posture_once(hub, now).await {
        tracing::error!(error = %e, "judging patch posture failed");
    }
}

async fn posture_once(hub: &Hub, now: i64) -> Result<(), crate::store::StoreError> {
    let rules = &hub.policy().file.posture;
    // Each family's rollout, one point per ten minutes.
    let families = hub.store.families().await?;
    hub.store.record_rollout(&families, now).await?;
    let current = crate::posture::due_in(&hub.store, &families, rules, now).await?;
    let stored = hub.store.due_images().await?;
    let change = crate::posture::compare(&stored, &current, now);
    let mut rows = Vec::new();
    for d in &change.became {
        let nodes = current
            .iter()
            .find(|c| c.image_id == d.image_id)
            .map(|c| c.nodes.clone())
            .unwrap_or_default();
        tracing::info!(image = %d.image_id, nodes = d.nodes, containers = d.containers, reasons = ?d.reasons, "image due for replacement");
        rows.extend(hub.judge.due_rows(d, &nodes, false, now));
    }
    for d in &change.gone {
        let (nodes, _, _) = hub
            .store
            .running_image(&d.image_id, crate::posture::MAX_DUE_NODES)
            .await?;
        tracing::info!(image = %d.image_id, "image no longer due for replacement");
        rows.extend(hub.judge.due_rows(d, &nodes, true, now));
    }
    let gone: Vec<String> = change.gone.iter().map(|d| d.image_id.clone()).collect();
    hub.store.record_due(&change.due, &gone, &rows, now).await?;
    if !rows.is_empty() {
        hub.judge.outbox_queued.notify_waiters();
    }
    Ok(())
}

/// Liveness every second (see [`Watch`]), alone: nothing slow may delay
/// the lease renewals and silence checks.
async fn housekeeping_loop(
    hub: Arc<Hub>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut watch: Watch,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => {
                watch.stop(&hub).await;
                return;
            }
        }
        watch.tick(&hub).await;
    }
}

/// The work whose time grows with the fleet and its history, beside
/// liveness: patch posture every minute, or at the next second after
/// advisories or a manifest arrived on this replica; pruning every ten
/// minutes.
async fn slow_loop(hub: Arc<Hub>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_prune = 0;
    let mut last_posture = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        let now = now_ms();
        if hub.take_posture_changed() || now - last_posture >= POSTURE_EVERY_MS {
            last_posture = now;
            judge_posture(&hub, now).await;
        }
        if now - last_prune >= PRUNE_EVERY_MS {
            last_prune = now;
            prune(&hub).await;
        }
    }
}

/// The replica's side of liveness, run every second: it renews this replica's lease, writes what is due, finds its
/// own quiet nodes from memory and, on the replica holding the `silence`
/// lease, the unheld quiet nodes from the database.
pub struct Watch {
    /// This replica's lease, renewed by a task of its own.
    renewal: Renewal,
    /// When the unheld nodes were last looked for.
    looked: i64,
}

/// The task that renews this replica's lease every
/// [`REPLICA_RENEW_MS`], apart from the liveness tick: a slow tick (many
/// nodes found silent, a storm of hellos holding every pooled
/// connection) must not let the lease lapse and the other replicas take
/// this one for dead. Its statement runs on the store's control
/// connection.
struct Renewal {
    /// Set when a renewal found the lease had lapsed (the replica was
    /// paused or cut off past it): the tick claims its nodes again.
    lapsed: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

/// How often the unheld nodes are looked for.
const UNHELD_EVERY_MS: i64 = 2_000;

impl Watch {
    /// Releases what a crashed run of this replica held (as alive until
    /// its lease was last renewed) and takes the lease.
    pub async fn start(hub: &Arc<Hub>) -> Watch {
        let lease = format!("{REPLICA_LEASE_PREFIX}{}", hub.instance);
        let now = now_ms();
        let alive_at = match hub.store.lease_until(&lease).await {
            Ok(Some(until)) => (until - REPLICA_LEASE_MS).min(now),
            _ => now,
        };
        match hub.store.release_holder(&hub.instance, alive_at).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                nodes = n,
                "released the nodes an earlier run of this replica held"
            ),
            Err(e) => tracing::error!(error = %e, "forgetting this replica's old streams failed"),
        }
        let mut renewed = 0;
        renew(hub, &lease, &mut renewed, now).await;
        let lapsed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let task = {
            let (hub, lapsed) = (hub.clone(), lapsed.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_millis(1_000));
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    every.tick().await;
                    if renew(&hub, &lease, &mut renewed, now_ms()).await {
                        lapsed.store(true, std::sync::atomic::Ordering::Release);
                    }
                }
            })
        };
        Watch {
            renewal: Renewal { lapsed, task },
            looked: 0,
        }
    }

    pub async fn tick(&mut self, hub: &Hub) {
        let now = now_ms();
        let reclaim = self
            .renewal
            .lapsed
            .swap(false, std::sync::atomic::Ordering::AcqRel);
        if reclaim {
            tracing::warn!("this replica's lease had lapsed: claiming its nodes again");
        }
        match hub.agents.flush_heartbeats(reclaim).await {
            Ok(touched) => {
                // A silent node that speaks again is judged afresh.
                for n in touched.silent {
                    hub.reevaluate(&n);
                }
                // A retired node that spoke (its stream was being ended
                // when it did) is a finding, and the stream ends.
                for n in touched.retired {
                    hub.judge
                        .retired_spoke(&n, "heartbeat after retirement")
                        .await;
                    if let Err(e) = hub
                        .agents
                        .end_stream(&n, crate::model::Relayed::Retire)
                        .await
                    {
                        tracing::error!(node = %n, error = %e, "ending a retired node's stream failed");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "recording heartbeats failed"),
        }
        // Streams that ended here: released, all in one statement.
        let released = hub.agents.live.take_released();
        if !released.is_empty() {
            if let Err(e) = hub.store.streams_closed(&released, &hub.instance).await {
                tracing::error!(nodes = released.len(), error = %e, "releasing ended streams failed; retried at the next flush");
                hub.agents.live.unreleased(released);
            }
        }
        // This replica's own nodes: from memory. Connected but not
        // speaking is a hung agent.
        for (node, contact) in hub
            .agents
            .live
            .quiet(now, |hb| hub.policy().silent_after_ms(hb))
        {
            let recorded = async {
                hub.store
                    .touch(&[(node.clone(), contact)], &hub.instance)
                    .await?;
                hub.judge
                    .apply(
                        &node,
                        crate::lifecycle::Event::Silence,
                        "heartbeat timeout (stream open)",
                    )
                    .await
            };
            if let Err(e) = recorded.await {
                hub.agents.live.not_silent(&node);
                tracing::error!(node = %node, error = %e, "marking node silent failed");
            }
        }
        // Nodes no live replica holds: one replica looks, every few seconds.
        if now - self.looked < UNHELD_EVERY_MS || !hub.holds_lease("silence", 10_000).await {
            return;
        }
        self.looked = now;
        self.release_dead(hub, now).await;
        match hub.store.quiet_nodes(now, hub.policy().silence()).await {
            Ok(quiet) => {
                for (node, _status, last_seen, hb) in quiet {
                    if now - last_seen <= hub.policy().silent_after_ms(hb) {
                        continue;
                    }
                    if let Err(e) = hub
                        .judge
                        .apply(&node, crate::lifecycle::Event::Silence, "heartbeat timeout")
                        .await
                    {
                        tracing::error!(node = %node, error = %e, "marking node silent failed");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "silence check failed"),
        }
    }

    /// Releases the nodes of replicas whose lease lapsed: they died, and
    /// their nodes were alive until the lease's last renewal.
    async fn release_dead(&self, hub: &Hub, now: i64) {
        let lapsed = match hub.store.lapsed_leases(REPLICA_LEASE_PREFIX, now).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "reading the replicas' leases failed");
                return;
            }
        };
        for (name, until) in lapsed {
            let Some(replica) = name.strip_prefix(REPLICA_LEASE_PREFIX) else {
                continue;
            };
            if replica == hub.instance {
                continue;
            }
            let released = hub
                .store
                .release_holder(replica, until - REPLICA_LEASE_MS)
                .await;
            match released {
                Ok(nodes) => {
                    tracing::warn!(
                        replica,
                        nodes,
                        "replica's lease lapsed: its nodes are watched from the database"
                    );
                    if let Err(e) = hub.store.drop_lapsed_lease(&name, until).await {
                        tracing::error!(error = %e, "dropping a lapsed replica lease failed");
                    }
                }
                Err(e) => {
                    tracing::error!(replica, error = %e, "releasing a dead replica's nodes failed")
                }
            }
        }
    }

    /// A clean shutdown: what is held is written, the nodes released as
    /// heard from now (their agents reconnect to another replica at once),
    /// and the leases given up.
    pub async fn stop(&mut self, hub: &Hub) {
        self.renewal.task.abort();
        let _ = hub.agents.flush_heartbeats(true).await;
        let _ = hub.store.release_holder(&hub.instance, now_ms()).await;
        // Another replica takes over this one's work at once.
        let _ = hub.store.release_leases(&hub.instance).await;
    }
}

/// Renews `lease` when due (`renewed`: when it last was); true when it
/// had lapsed (the replica was paused or cut off from the database past
/// it): the other replicas may have released its nodes, which it then
/// claims again.
async fn renew(hub: &Hub, lease: &str, renewed: &mut i64, now: i64) -> bool {
    if now - *renewed < REPLICA_RENEW_MS {
        return false;
    }
    let lapsed = *renewed > 0 && now - *renewed > REPLICA_LEASE_MS;
    match hub
        .store
        .take_lease(lease, &hub.instance, now, now + REPLICA_LEASE_MS)
        .await
    {
        Ok(true) => {
            *renewed = now;
            lapsed
        }
        Ok(false) => {
            tracing::error!(lease = %lease, "another replica holds this replica's lease: two replicas share one name");
            false
        }
        Err(e) => {
            tracing::error!(error = %e, "renewing this replica's lease failed");
            false
        }
    }
}

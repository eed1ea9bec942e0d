//! Liveness lives with the stream. The replica holding a node's agent
//! stream is the authority on whether the node is alive: each message
//! touches memory only, and silence of a connected node is decided here
//! from an in-memory deadline. `last_seen` reaches the database in
//! batches: when the node's stream ends, when its status changes (a
//! silent node speaking again, a node found silent), and otherwise at most
//! once per [`PERSIST_EVERY_MS`] per node. Zero SQL writes per heartbeat
//! in the steady state.
//!
//! Nodes no live replica holds are the database's to watch
//! (`Store::quiet_nodes`, through an index of unheld nodes only): those
//! whose stream ended, and those of a replica that died (its replica
//! lease lapsed: [`crate::hub`] releases them as last heard from when the
//! lease was last renewed).

use std::collections::HashMap;
use std::sync::Mutex;

/// A connected node's `last_seen` is written at most this often.
pub const PERSIST_EVERY_MS: i64 = 300_000;
/// A replica renews its own lease this often, for this long: the other
/// replicas take its nodes over once it lapses.
pub const REPLICA_RENEW_MS: i64 = 5_000;
pub const REPLICA_LEASE_MS: i64 = 20_000;
/// The lease a replica holds while it is alive.
pub const REPLICA_LEASE_PREFIX: &str = "replica:";

/// What one held node's liveness is.
#[derive(Clone, Copy, Debug)]
struct Live {
    /// When the node last spoke (any message of its stream).
    contact: i64,
    /// The contact time last written to the database.
    persisted: i64,
    heartbeat_secs: i64,
    /// This replica marked it silent; its next message is written at once.
    silent: bool,
}

/// The nodes whose streams this replica holds, and when each last spoke.
#[derive(Default)]
pub struct Liveness {
    nodes: Mutex<HashMap<String, Live>>,
    /// Silent nodes that spoke again, to write at the next flush.
    urgent: Mutex<HashMap<String, i64>>,
}

impl Liveness {
    /// The node's stream opened here at `now` (its hello wrote `last_seen`).
    pub fn opened(&self, node: &str, heartbeat_secs: i64, now: i64) {
        lock(&self.nodes).insert(
            node.to_string(),
            Live {
                contact: now,
                persisted: now,
                heartbeat_secs,
                silent: false,
            },
        );
    }

    /// The node spoke at `at`. Memory only, unless this replica had found
    /// it silent: then it is written at the next flush.
    pub fn contact(&self, node: &str, at: i64) {
        let woke = match lock(&self.nodes).get_mut(node) {
            Some(live) => {
                live.contact = live.contact.max(at);
                std::mem::take(&mut live.silent)
            }
            // A stream not registered here (it is being opened or closed):
            // written, as before streams were held in memory.
            None => true,
        };
        if woke {
            lock(&self.urgent).insert(node.to_string(), at);
        }
    }

    /// The node's stream ended: when it last spoke, to persist.
    pub fn closed(&self, node: &str) -> Option<i64> {
        lock(&self.urgent).remove(node);
        lock(&self.nodes).remove(node).map(|l| l.contact)
    }

    /// What the next flush writes: silent nodes that spoke again, and
    /// nodes whose last write is `PERSIST_EVERY_MS` old (or all of them,
    /// with `all`: a replica reclaiming its nodes after a pause). Marked
    /// written; [`Liveness::unwritten`] queues them again when the write
    /// fails.
    pub fn due(&self, now: i64, all: bool) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = lock(&self.urgent).drain().collect();
        let mut nodes = lock(&self.nodes);
        for (node, live) in nodes.iter_mut() {
            let stale = live.contact > live.persisted && now - live.persisted >= PERSIST_EVERY_MS;
            if all || stale {
                live.persisted = now;
                out.push((node.clone(), live.contact));
            }
        }
        out
    }

    /// A flush failed: what it held is written at the next one.
    pub fn unwritten(&self, rows: Vec<(String, i64)>) {
        let mut urgent = lock(&self.urgent);
        for (node, at) in rows {
            let e = urgent.entry(node).or_insert(at);
            *e = (*e).max(at);
        }
    }

    /// Held nodes past their silence at `now` that this replica has not
    /// found silent yet: (node, last contact). Marked silent: each is
    /// reported once, until it speaks again.
    pub fn quiet(&self, now: i64, silent_after_ms: impl Fn(i64) -> i64) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for (node, live) in lock(&self.nodes).iter_mut() {
            if !live.silent && now - live.contact > silent_after_ms(live.heartbeat_secs) {
                live.silent = true;
                out.push((node.clone(), live.contact));
            }
        }
        out
    }

    /// A node marked silent in [`Liveness::quiet`] could not be recorded
    /// so: found again at the next check.
    pub fn not_silent(&self, node: &str) {
        if let Some(live) = lock(&self.nodes).get_mut(node) {
            live.silent = false;
        }
    }

    pub fn held(&self) -> usize {
        lock(&self.nodes).len()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The replica's side of liveness, run by the hub's housekeeping every
/// second: it renews this replica's lease, writes what is due, finds its
/// own quiet nodes from memory and, on the replica holding the `silence`
/// lease, the unheld quiet nodes from the database.
pub struct Watch {
    lease: String,
    /// When this replica's lease was last renewed.
    renewed: i64,
    /// When the unheld nodes were last looked for.
    looked: i64,
}

/// How often the unheld nodes are looked for.
const UNHELD_EVERY_MS: i64 = 2_000;

impl Watch {
    /// Releases what a crashed run of this replica held (as alive until
    /// its lease was last renewed) and takes the lease.
    pub async fn start(hub: &crate::hub::Hub) -> Watch {
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
        let mut watch = Watch {
            lease,
            renewed: 0,
            looked: 0,
        };
        watch.renew(hub, now).await;
        watch
    }

    /// Renews the lease when due; true when it had lapsed (the replica was
    /// paused or cut off from the database past it): the other replicas
    /// may have released its nodes, which it then claims again.
    async fn renew(&mut self, hub: &crate::hub::Hub, now: i64) -> bool {
        if now - self.renewed < REPLICA_RENEW_MS {
            return false;
        }
        let lapsed = self.renewed > 0 && now - self.renewed > REPLICA_LEASE_MS;
        match hub
            .store
            .take_lease(&self.lease, &hub.instance, now, now + REPLICA_LEASE_MS)
            .await
        {
            Ok(true) => {
                self.renewed = now;
                lapsed
            }
            Ok(false) => {
                tracing::error!(lease = %self.lease, "another replica holds this replica's lease: two replicas share one name");
                false
            }
            Err(e) => {
                tracing::error!(error = %e, "renewing this replica's lease failed");
                false
            }
        }
    }

    pub async fn tick(&mut self, hub: &crate::hub::Hub) {
        let now = now_ms();
        let reclaim = self.renew(hub, now).await;
        if reclaim {
            tracing::warn!("this replica's lease had lapsed: claiming its nodes again");
        }
        match hub.flush_heartbeats(reclaim).await {
            Ok(touched) => {
                // A silent node that speaks again is judged afresh.
                for n in touched.silent {
                    hub.reevaluate(&n);
                }
                // A retired node that spoke (its stream was being ended
                // when it did) is a finding, and the stream ends.
                for n in touched.retired {
                    hub.retired_spoke(&n, "heartbeat after retirement").await;
                    if let Err(e) = hub.end_stream(&n, "retire").await {
                        tracing::error!(node = %n, error = %e, "ending a retired node's stream failed");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "recording heartbeats failed"),
        }
        // This replica's own nodes: from memory. Connected but not
        // speaking is a hung agent.
        for (node, contact) in hub.live.quiet(now, |hb| hub.policy.silent_after_ms(hb)) {
            let recorded = async {
                hub.store
                    .touch(&[(node.clone(), contact)], &hub.instance)
                    .await?;
                hub.apply(
                    &node,
                    crate::lifecycle::Event::Silence,
                    "heartbeat timeout (stream open)",
                )
                .await
            };
            if let Err(e) = recorded.await {
                hub.live.not_silent(&node);
                tracing::error!(node = %node, error = %e, "marking node silent failed");
            }
        }
        // Nodes no live replica holds: one replica looks, every few seconds.
        if now - self.looked < UNHELD_EVERY_MS || !hub.holds_lease("silence", 10_000).await {
            return;
        }
        self.looked = now;
        self.release_dead(hub, now).await;
        match hub.store.quiet_nodes(now, hub.policy.silence()).await {
            Ok(quiet) => {
                for (node, _status, last_seen, hb) in quiet {
                    if now - last_seen <= hub.policy.silent_after_ms(hb) {
                        continue;
                    }
                    if let Err(e) = hub
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
    async fn release_dead(&self, hub: &crate::hub::Hub, now: i64) {
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
    pub async fn stop(&mut self, hub: &crate::hub::Hub) {
        let _ = hub.flush_heartbeats(true).await;
        let _ = hub.store.release_holder(&hub.instance, now_ms()).await;
        // Another replica takes over this one's work at once.
        let _ = hub.store.release_leases(&hub.instance).await;
    }
}

fn now_ms() -> i64 {
    crate::model::now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_touch_memory_until_the_node_is_due() {
        let l = Liveness::default();
        l.opened("n", 10, 1_000);
        for t in 1..30 {
            l.contact("n", 1_000 + t * 10_000);
        }
        assert!(l.due(200_000, false).is_empty(), "nothing to write yet");
        let due = l.due(1_000 + PERSIST_EVERY_MS, false);
        assert_eq!(due, vec![("n".to_string(), 291_000)]);
        assert!(l.due(1_000 + PERSIST_EVERY_MS + 1, false).is_empty());
    }

    #[test]
    fn a_quiet_node_is_found_once_and_written_at_once_when_it_speaks() {
        let l = Liveness::default();
        l.opened("n", 10, 0);
        l.opened("m", 10, 0);
        l.contact("m", 29_000);
        let after = |hb: i64| hb * 3 * 1000;
        assert!(l.quiet(30_000, after).is_empty());
        assert_eq!(l.quiet(30_001, after), vec![("n".to_string(), 0)]);
        assert!(l.quiet(31_000, after).is_empty(), "reported once");
        l.contact("n", 40_000);
        assert_eq!(l.due(40_001, false), vec![("n".to_string(), 40_000)]);
        assert_eq!(l.closed("n"), Some(40_000));
        assert_eq!(l.held(), 1);
    }

    #[test]
    fn a_failed_write_is_retried() {
        let l = Liveness::default();
        l.opened("n", 10, 0);
        l.contact("n", 5_000);
        let due = l.due(PERSIST_EVERY_MS, false);
        assert_eq!(due.len(), 1);
        l.unwritten(due);
        assert_eq!(l.due(PERSIST_EVERY_MS + 1, false).len(), 1);
        // All of them, when the replica reclaims its nodes.
        assert_eq!(l.due(PERSIST_EVERY_MS + 2, true).len(), 1);
    }
}

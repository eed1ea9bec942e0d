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
//! lease lapsed: `housekeeping` releases them as last heard from when the
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
    /// Nodes whose stream ended here, and when each last spoke: released
    /// (no longer held by this replica) at the next flush, all in one
    /// statement. A mass disconnect (a network cut, a load balancer
    /// restart) is then one write a second, not one per stream, none of
    /// them lost to a busy pool.
    released: Mutex<HashMap<String, i64>>,
}

impl Liveness {
    /// The node's stream opened here at `now` (its hello wrote `last_seen`).
    pub fn opened(&self, node: &str, heartbeat_secs: i64, now: i64) {
        // Held here again: no longer to release.
        lock(&self.released).remove(node);
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

    /// The node's stream ended at `now`: released at the next flush, as
    /// last heard from when it last spoke (or `now`, had it never).
    pub fn closed(&self, node: &str, now: i64) {
        lock(&self.urgent).remove(node);
        let contact = lock(&self.nodes).remove(node).map_or(now, |l| l.contact);
        lock(&self.released).insert(node.to_string(), contact);
    }

    /// The nodes to release at this flush: (node, last contact).
    pub fn take_released(&self) -> Vec<(String, i64)> {
        lock(&self.released).drain().collect()
    }

    /// Releasing failed: tried again at the next flush, unless the node's
    /// stream is held here again meanwhile.
    pub fn unreleased(&self, rows: Vec<(String, i64)>) {
        let nodes = lock(&self.nodes);
        let mut released = lock(&self.released);
        for (node, at) in rows {
            if !nodes.contains_key(&node) {
                let e = released.entry(node).or_insert(at);
                *e = (*e).max(at);
            }
        }
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
        l.closed("n", 45_000);
        assert_eq!(l.take_released(), vec![("n".to_string(), 40_000)]);
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

    #[test]
    fn an_ended_stream_is_released_at_the_next_flush_unless_held_again() {
        let live = Liveness::default();
        live.opened("a", 10, 1_000);
        live.contact("a", 5_000);
        live.opened("b", 10, 1_000);
        live.closed("a", 9_000);
        live.closed("b", 9_000);
        live.closed("never-held", 9_000);
        live.opened("b", 10, 9_500);
        let mut released = live.take_released();
        released.sort();
        assert_eq!(
            released,
            vec![("a".to_string(), 5_000), ("never-held".to_string(), 9_000)]
        );
        assert!(live.take_released().is_empty(), "taken once");
        // A failed write is tried again, unless the stream came back.
        live.opened("never-held", 10, 9_800);
        live.unreleased(released);
        assert_eq!(live.take_released(), vec![("a".to_string(), 5_000)]);
    }
}

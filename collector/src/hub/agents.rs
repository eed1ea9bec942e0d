//! Connected agents: one stream per node, the commands sent down it, the
//! signal that ends it, its liveness ([`Liveness`]) and the pacing of
//! hellos ([`Admission`]). Memory only, but for ending a stream another
//! replica holds (through the command relay) and writing the liveness
//! that is due.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use plumb_proto::v1::CollectorMessage;
use tokio::sync::mpsc;

use super::counters::Counters;
use crate::admission::Admission;
use crate::liveness::Liveness;
use crate::model::{now_ms, Relayed};
use crate::store::{Store, StoreError, Touched};

/// The outbound half of a connected agent's stream: commands (and the
/// error that ends it).
pub type AgentTx = mpsc::Sender<Result<CollectorMessage, tonic::Status>>;

/// A connected agent: connection id, command channel, end signal.
type Connection = (u64, AgentTx, Arc<tokio::sync::Notify>);

/// The agents whose streams this replica holds.
pub struct Agents {
    store: Store,
    instance: String,
    counters: Arc<Counters>,
    /// Per node: connection id, command channel, and the signal that ends
    /// the stream (a newer stream replaced it, or the node was revoked).
    connected: Mutex<HashMap<String, Connection>>,
    next_conn: AtomicU64,
    /// The nodes whose streams this replica holds, and when each spoke.
    pub live: Liveness,
    /// Paces hellos in a reconnect storm.
    pub admission: Admission,
}

impl Agents {
    pub fn new(
        store: Store,
        instance: String,
        counters: Arc<Counters>,
        hello_slots: usize,
    ) -> Agents {
        Agents {
            store,
            instance,
            counters,
            connected: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            live: Liveness::default(),
            admission: Admission::new(hello_slots),
        }
    }

    /// A message of `node_id`'s stream arrived at `at`: memory only.
    pub fn heartbeat(&self, node_id: &str, at: i64) {
        self.counters.heartbeats.fetch_add(1, Ordering::Relaxed);
        self.live.contact(node_id, at);
    }

    /// Registers a connected agent's command channel; returns its
    /// connection id for [`Agents::disconnect`] and the signal that ends
    /// it. A node has one stream: an older one is ended, so one
    /// certificate cannot hold many streams (and many places in the write
    /// queue).
    pub fn connect(&self, node_id: &str, tx: AgentTx) -> (u64, Arc<tokio::sync::Notify>) {
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
    /// replica through the command relay (`command` is `Revoke` or
    /// `Retire`).
    pub async fn end_stream(&self, node_id: &str, command: Relayed) -> Result<(), StoreError> {
        self.disconnect_node(node_id, &format!("node {}d", command.as_str()));
        if let Ok(Some(holder)) = self.store.stream_holder(node_id).await {
            if holder != self.instance {
                self.store
                    .relay_command(node_id, &holder, command, now_ms())
                    .await?;
            }
        }
        Ok(())
    }

    pub fn connected_count(&self) -> usize {
        lock(&self.connected).len()
    }

    pub fn is_connected(&self, node_id: &str) -> bool {
        lock(&self.connected).contains_key(node_id)
    }

    /// Sends a command to a connected agent; false when it is not
    /// connected here or its queue is full.
    pub fn command(&self, node_id: &str, msg: CollectorMessage) -> bool {
        let tx = lock(&self.connected)
            .get(node_id)
            .map(|(_, tx, _)| tx.clone());
        tx.is_some_and(|tx| tx.try_send(Ok(msg)).is_ok())
    }

    /// Writes the liveness that is due (see [`crate::liveness`]; `all`:
    /// every held node's); returns the silent and retired nodes among
    /// them. What could not be written is written at the next flush.
    pub(crate) async fn flush_heartbeats(&self, all: bool) -> Result<Touched, StoreError> {
        let due = self.live.due(now_ms(), all);
        if due.is_empty() {
            return Ok(Touched::default());
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

//! Hellos written together. In a reconnect storm thousands of agents say
//! hello within seconds, and each hello alone is a transaction: a commit
//! waiting for its WAL flush, for one row. The hellos admitted here queue
//! for one writer, which takes every hello waiting (distinct nodes, at
//! most [`MAX_BATCH`]) into one statement ([`Store::hellos`]); a lone
//! hello is written at once, as before. If a batch fails (one hello the
//! database refuses, or the database gone), each of its hellos is written
//! on its own, so one agent's bad hello fails only its own.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::model::now_ms;
use crate::store::{Greeting, HelloInfo, Store, StoreError};

/// Hellos in one statement at most.
pub const MAX_BATCH: usize = 256;
/// Batches written at once (their nodes are locked in node order, so two
/// at once never deadlock).
const IN_FLIGHT: usize = 2;

type Reply = oneshot::Sender<Result<Option<Greeting>, StoreError>>;

/// The queue to the hello writer (see the module documentation).
pub struct Hellos {
    tx: mpsc::UnboundedSender<(HelloInfo, Reply)>,
    /// Hellos written, and the statements (batches) that wrote them.
    pub counts: Arc<HelloCounts>,
}

/// What the hello writer did (for `/metrics`).
#[derive(Default)]
pub struct HelloCounts {
    pub hellos: AtomicU64,
    pub batches: AtomicU64,
}

impl Hellos {
    /// Starts the writer for hellos held by `holder` (this replica). It
    /// stops when the queue is dropped. The queue is bounded by hello
    /// admission, which lets only so many hellos in at a time.
    pub fn start(store: Store, holder: String) -> Hellos {
        let (tx, rx) = mpsc::unbounded_channel();
        let counts = Arc::new(HelloCounts::default());
        tokio::spawn(writer(store, holder, rx, counts.clone()));
        Hellos { tx, counts }
    }

    /// Registers or refreshes the node that said `hello`, held here:
    /// what [`Store::hello`] does, written with the hellos waiting beside
    /// it.
    pub async fn hello(&self, hello: HelloInfo) -> Result<Option<Greeting>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((hello, reply))
            .map_err(|_| StoreError::Sql(sqlx::Error::PoolClosed))?;
        answer
            .await
            .map_err(|_| StoreError::Sql(sqlx::Error::PoolClosed))?
    }
}

async fn writer(
    store: Store,
    holder: String,
    mut rx: mpsc::UnboundedReceiver<(HelloInfo, Reply)>,
    counts: Arc<HelloCounts>,
) {
    // Hellos taken from the queue, not yet in a batch (a node's second
    // hello waits for the next batch: one statement writes a row once).
    let mut waiting: VecDeque<(HelloInfo, Reply)> = VecDeque::new();
    let mut running = tokio::task::JoinSet::new();
    loop {
        if waiting.is_empty() {
            tokio::select! {
                next = rx.recv() => match next {
                    Some(h) => waiting.push_back(h),
                    None => break,
                },
                Some(_) = running.join_next(), if !running.is_empty() => continue,
            }
        }
        while waiting.len() < 2 * MAX_BATCH {
            match rx.try_recv() {
                Ok(h) => waiting.push_back(h),
                Err(_) => break,
            }
        }
        if running.len() >= IN_FLIGHT {
            running.join_next().await;
            continue;
        }
        let mut nodes = HashSet::new();
        let mut batch = Vec::new();
        let mut later = VecDeque::new();
        for h in waiting.drain(..) {
            if batch.len() < MAX_BATCH && nodes.insert(h.0.node_id.clone()) {
                batch.push(h);
            } else {
                later.push_back(h);
            }
        }
        waiting = later;
        counts.batches.fetch_add(1, Relaxed);
        counts.hellos.fetch_add(batch.len() as u64, Relaxed);
        running.spawn(write(store.clone(), holder.clone(), batch));
    }
    while running.join_next().await.is_some() {}
}

/// Writes one batch and answers each hello in it.
async fn write(store: Store, holder: String, batch: Vec<(HelloInfo, Reply)>) {
    let (hellos, replies): (Vec<HelloInfo>, Vec<Reply>) = batch.into_iter().unzip();
    match store.hellos(&hellos, &holder, now_ms()).await {
        Ok(found) => {
            for (reply, greeting) in replies.into_iter().zip(found) {
                let _ = reply.send(Ok(greeting));
            }
        }
        Err(e) if hellos.len() == 1 => {
            let _ = replies.into_iter().next().map(|r| r.send(Err(e)));
        }
        Err(e) => {
            tracing::warn!(hellos = hellos.len(), error = %e, "a batch of hellos failed: each is written on its own");
            for (h, reply) in hellos.iter().zip(replies) {
                let _ = reply.send(store.hello(h, &holder, now_ms()).await);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{hello, stores};

    /// Hellos sent at once are each answered, the same node twice
    /// included; and on PostgreSQL, which refuses a NUL in text, one bad
    /// hello fails only itself, not the hellos written beside it.
    #[tokio::test]
    async fn hellos_at_once_are_each_answered_and_a_bad_one_fails_alone() {
        for (store, _dir) in stores().await {
            let hellos = std::sync::Arc::new(Hellos::start(store.clone(), "r:1".into()));
            let mut asked = tokio::task::JoinSet::new();
            for k in 0..200 {
                let hellos = hellos.clone();
                asked.spawn(async move {
                    let mut h = hello(&format!("n{}", k % 150));
                    if k == 7 {
                        h.hostname = "bad\0host".into();
                    }
                    (k, hellos.hello(h).await)
                });
            }
            let mut answered = 0;
            while let Some(done) = asked.join_next().await {
                let (k, answer) = done.unwrap();
                match (k, store.backend) {
                    (7, crate::store::Backend::Postgres) => {
                        assert!(answer.is_err(), "the bad hello fails: {answer:?}");
                    }
                    _ => {
                        let g = answer.unwrap().unwrap();
                        assert_eq!(g.status, crate::model::NodeStatus::Clean);
                        answered += 1;
                    }
                }
            }
            assert!(answered >= 199, "{answered}");
            // Written together: fewer statements than hellos.
            let batches = hellos.counts.batches.load(Relaxed);
            assert_eq!(hellos.counts.hellos.load(Relaxed), 200);
            assert!(batches < 100, "{batches} batches for 200 hellos");
            let streams: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM streams WHERE holder = 'r:1'")
                    .fetch_one(&store.writer)
                    .await
                    .unwrap();
            assert_eq!(streams, 150, "every node held once");
        }
    }
}

//! The single write path for what agents report: batches (and the empty
//! batches that carry a summary's sequence number) go through group-commit
//! writers, each owning the nodes hashed to it: one on SQLite (a single
//! writer connection), several on PostgreSQL so that one transaction's
//! round trips do not hold up the others. Every node a group changed is
//! handed to the judge.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::counters::Counters;
use crate::model::now_ms;
use crate::store::{Backend, BatchJob, BatchOutcome, Store};

/// Writers on PostgreSQL.
pub const POSTGRES_WRITERS: usize = 4;
/// A group commit holds at most this many batches.
const MAX_GROUP: usize = 512;

struct WriteJob {
    job: BatchJob,
    reply: oneshot::Sender<Result<BatchOutcome, String>>,
}

/// The group-commit writers.
pub struct Ingest {
    writers: Vec<mpsc::Sender<WriteJob>>,
}

impl Ingest {
    /// Starts the writers; each node a group changed is sent to `judge`.
    pub fn start(
        store: &Store,
        counters: Arc<Counters>,
        judge: mpsc::UnboundedSender<String>,
    ) -> Ingest {
        let lanes = Ingest::lanes(store.backend);
        let (writers, receivers): (Vec<_>, Vec<_>) =
            (0..lanes).map(|_| mpsc::channel(4096 / lanes)).unzip();
        for rx in receivers {
            tokio::spawn(writer_loop(
                store.clone(),
                counters.clone(),
                judge.clone(),
                rx,
            ));
        }
        Ingest { writers }
    }

    /// How many writers a backend gets.
    pub fn lanes(backend: Backend) -> usize {
        match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        }
    }

    /// Queues a batch for the node's writer; resolves once it is
    /// committed (or refused).
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

    /// How many writers there are (the judge evaluates as many nodes at
    /// once).
    pub fn lanes_running(&self) -> usize {
        self.writers.len()
    }
}

/// Group commit: drains every queued batch into one transaction.
async fn writer_loop(
    store: Store,
    counters: Arc<Counters>,
    judge: mpsc::UnboundedSender<String>,
    mut rx: mpsc::Receiver<WriteJob>,
) {
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
        match store.apply_batches(&jobs, now_ms()).await {
            Ok(outcomes) => {
                let mut nodes = HashSet::new();
                for ((job, reply), outcome) in jobs.into_iter().zip(replies).zip(outcomes) {
                    match outcome {
                        BatchOutcome::Applied => {
                            counters.batches.fetch_add(1, Ordering::Relaxed);
                            counters
                                .deviations_ingested
                                .fetch_add(job.added.len() as u64, Ordering::Relaxed);
                            counters
                                .resolutions_ingested
                                .fetch_add(job.resolved.len() as u64, Ordering::Relaxed);
                            nodes.insert(job.node_id);
                        }
                        BatchOutcome::Duplicate => {
                            counters.duplicate_batches.fetch_add(1, Ordering::Relaxed);
                        }
                        BatchOutcome::Forked | BatchOutcome::Gap => {
                            counters.rejected_messages.fetch_add(1, Ordering::Relaxed);
                        }
                        BatchOutcome::UnknownNode | BatchOutcome::Retired => {}
                    }
                    let _ = reply.send(Ok(outcome));
                }
                for n in nodes {
                    let _ = judge.send(n);
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

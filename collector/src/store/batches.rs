//! Deviation batches from agents, applied in groups: the report chain's
//! checks, resolutions and additions in a handful of statements per
//! group, and the per-severity open counts kept by deltas.

use std::collections::{HashMap, HashSet};

use plumb_proto::v1::{Deviation, DeviationKind, DeviationRef};

use super::db::{Backend, Store, StoreError};
use super::deviations::{
    bucket, finding, kind_name, refresh_counts, resolve_many, to_json, upsert_many,
};
use crate::model::NodeStatus;

/// One sequenced deviation batch from one node.
#[derive(Clone, Debug)]
pub struct BatchJob {
    pub node_id: String,
    pub seq: i64,
    pub added: Vec<Deviation>,
    pub resolved: Vec<DeviationRef>,
    pub full_state: bool,
    /// The message's `prev_hash`: SHA-256 of the node's previous
    /// sequenced message.
    pub prev_hash: Vec<u8>,
    /// SHA-256 of this message's encoding.
    pub hash: Vec<u8>,
}

/// What became of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchOutcome {
    Applied,
    /// Already stored (seq not above the node's last): acked, not re-applied.
    Duplicate,
    /// The node's last sequence number with other content: a replay or a
    /// fork of the report chain. Refused, and recorded as a finding.
    Forked,
    UnknownNode,
    /// The node is retired: nothing it sends is stored, and that it spoke
    /// is a finding.
    Retired,
    /// The seq jumps further than any agent's spool can hold: refused,
    /// and recorded as a finding (a forged number would otherwise make
    /// every real report after it look like a duplicate).
    Gap,
}

/// A transaction that lost a race and may simply be run again: a unique
/// violation (a row stored concurrently), a deadlock or a serialization
/// failure (PostgreSQL's 40P01 and 40001).
pub(super) fn retryable(e: &dyn sqlx::error::DatabaseError) -> bool {
    e.kind() == sqlx::error::ErrorKind::UniqueViolation
        || matches!(e.code().as_deref(), Some("40P01" | "40001"))
}

/// A node while a group of batches is applied: its last stored message
/// and its open deviations per severity bucket (low, medium, high,
/// critical) as stored, plus what the group changed.
#[derive(Debug, Default)]
pub(super) struct Tally {
    seq: i64,
    hash: String,
    counts: [i64; 4],
    delta: [i64; 4],
    /// Stored anything this group: its row is updated.
    touched: bool,
    /// A full-state batch: its counts are recounted from the rows.
    recount: bool,
    /// The node is retired: its batches are refused.
    retired: bool,
    /// What the group changed per container (by id) of the node.
    containers: HashMap<String, [i64; 4]>,
}

impl Tally {
    fn open(&self) -> i64 {
        (0..4).map(|i| self.counts[i] + self.delta[i]).sum()
    }

    /// Moves the open count of `severity` by `by`, the node's and, for a
    /// deviation in a container, the container's.
    fn count(&mut self, container: &str, severity: i64, by: i64) {
        self.delta[bucket(severity)] += by;
        if container.is_empty() {
            return;
        }
        // Looked up before it is copied: a batch's deviations share a few
        // containers.
        match self.containers.get_mut(container) {
            Some(d) => d[bucket(severity)] += by,
            None => {
                let mut d = [0; 4];
                d[bucket(severity)] = by;
                self.containers.insert(container.to_string(), d);
            }
        }
    }
}

/// Moves a row's open counts per severity by the deltas `r.l`, `r.m`,
/// `r.h`, `r.c`, and its total and worst severity with them: nodes and
/// containers keep the same columns.
const MOVE_COUNTS: &str = "open_low = open_low + r.l, open_medium = open_medium + r.m, \
     open_high = open_high + r.h, open_critical = open_critical + r.c, \
     open_count = open_low + r.l + open_medium + r.m + open_high + r.h + open_critical + r.c, \
     max_severity = CASE WHEN open_critical + r.c > 0 THEN 4 WHEN open_high + r.h > 0 THEN 3 \
       WHEN open_medium + r.m > 0 THEN 2 WHEN open_low + r.l > 0 THEN 1 ELSE 0 END";

/// The chain state and open counts of these nodes (unknown ones absent).
pub(super) async fn load_tallies(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    nodes: &[&str],
) -> Result<HashMap<String, Tally>, sqlx::Error> {
    let unique: HashSet<&str> = nodes.iter().copied().collect();
    let list = match backend {
        Backend::Sqlite => "SELECT value FROM json_each($1)",
        Backend::Postgres => "SELECT json_array_elements_text($1::json)",
    };
    #[allow(clippy::type_complexity)]
    let rows: Vec<(String, i64, String, i64, i64, i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT node_id, last_seq, last_hash, open_low, open_medium, open_high, open_critical, status \
         FROM nodes WHERE node_id IN ({list})"
    ))
    .bind(to_json(&unique)?)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(node, seq, hash, l, m, h, c, status)| {
            let t = Tally {
                seq,
                hash,
                counts: [l, m, h, c],
                retired: status == NodeStatus::Retired.as_str(),
                ..Tally::default()
            };
            (node, t)
        })
        .collect())
}

/// Writes the touched nodes' chain state, last-seen time and open counts
/// (moved by the group's deltas, so a concurrent recount is not undone).
pub(super) async fn store_tallies(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    tallies: &HashMap<String, Tally>,
    now: i64,
) -> Result<(), sqlx::Error> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        n: &'a str,
        seq: i64,
        hash: &'a str,
        l: i64,
        m: i64,
        h: i64,
        c: i64,
    }
    // In node order, as heartbeats are: two statements locking the same
    // rows in the same order do not deadlock.
    let mut touched: Vec<(&String, &Tally)> = tallies.iter().filter(|(_, t)| t.touched).collect();
    touched.sort_unstable_by_key(|(n, _)| *n);
    let rows: Vec<Row<'_>> = touched
        .into_iter()
        .map(|(n, t)| Row {
            n,
            seq: t.seq,
            hash: &t.hash,
            l: t.delta[0],
            m: t.delta[1],
            h: t.delta[2],
            c: t.delta[3],
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let source = match backend {
        Backend::Sqlite => {
            "(SELECT j.value ->> 'n' AS n, j.value ->> 'seq' AS seq, j.value ->> 'hash' AS hash, \
             j.value ->> 'l' AS l, j.value ->> 'm' AS m, j.value ->> 'h' AS h, j.value ->> 'c' AS c \
             FROM (SELECT value FROM json_each($2) LIMIT -1 OFFSET 0) AS j) AS r"
        }
        Backend::Postgres => {
            "json_to_recordset($2::json) AS r(n TEXT, seq BIGINT, hash TEXT, l BIGINT, m BIGINT, h BIGINT, c BIGINT)"
        }
    };
    sqlx::query(&format!(
        "UPDATE nodes SET last_seq = r.seq, last_hash = r.hash, last_seen = $1, {MOVE_COUNTS} \
         FROM {source} WHERE nodes.node_id = r.n"
    ))
    .bind(now)
    .bind(to_json(&rows)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves the open counts of the containers the group's deviations are in
/// (containers not listed yet are counted when their list arrives). Runs
/// after [`store_tallies`]: a node's row is locked first, by the batch
/// writer and by a container list alike, so a list stored meanwhile is
/// either counted here or counts these rows itself.
pub(super) async fn store_container_tallies(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    tallies: &HashMap<String, Tally>,
) -> Result<(), sqlx::Error> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        n: &'a str,
        t: &'a str,
        l: i64,
        m: i64,
        h: i64,
        c: i64,
    }
    let mut rows: Vec<Row<'_>> = tallies
        .iter()
        .flat_map(|(n, t)| {
            t.containers
                .iter()
                .filter(|(_, d)| d.iter().any(|&x| x != 0))
                .map(move |(c, d)| Row {
                    n,
                    t: c,
                    l: d[0],
                    m: d[1],
                    h: d[2],
                    c: d[3],
                })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    rows.sort_unstable_by(|a, b| (a.n, a.t).cmp(&(b.n, b.t)));
    let source = match backend {
        Backend::Sqlite => {
            "(SELECT j.value ->> 'n' AS n, j.value ->> 't' AS t, j.value ->> 'l' AS l, j.value ->> 'm' AS m, \
             j.value ->> 'h' AS h, j.value ->> 'c' AS c FROM (SELECT value FROM json_each($1) LIMIT -1 OFFSET 0) AS j) AS r"
        }
        Backend::Postgres => {
            "json_to_recordset($1::json) AS r(n TEXT, t TEXT, l BIGINT, m BIGINT, h BIGINT, c BIGINT)"
        }
    };
    sqlx::query(&format!(
        "UPDATE containers SET {MOVE_COUNTS} \
         FROM {source} WHERE containers.node_id = r.n AND containers.container_id = r.t"
    ))
    .bind(to_json(&rows)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Applies batches from any number of nodes in one transaction (group
    /// commit), de-duplicating by (node, seq). A group costs a handful of
    /// statements whatever its size: the nodes' chain state in one read,
    /// then per round (at most one batch per node, in arrival order) the
    /// resolutions in one statement and the additions in one upsert, and
    /// the nodes' new state in one update. Per-severity open counts move
    /// by what the group changed; a full-state batch recounts its node.
    pub async fn apply_batches(
        &self,
        jobs: &[BatchJob],
        now: i64,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut attempt = 1;
        loop {
            match self.apply_group(jobs, now).await {
                // Another transaction stored one of these deviations first
                // (a finding, or the node's previous replica), or took a
                // node's row in another order (heartbeats): once more.
                Err(StoreError::Sql(sqlx::Error::Database(e))) if attempt < 3 && retryable(&*e) => {
                    tracing::debug!(error = %e, attempt, "group of batches lost a race; retrying");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    pub(super) async fn apply_group(
        &self,
        jobs: &[BatchJob],
        now: i64,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let ids: Vec<&str> = jobs.iter().map(|j| j.node_id.as_str()).collect();
        let mut tallies = load_tallies(&mut tx, self.backend, &ids).await?;
        let mut outcomes = vec![BatchOutcome::UnknownNode; jobs.len()];
        let mut pending: Vec<usize> = (0..jobs.len()).collect();
        while !pending.is_empty() {
            let mut in_round = HashSet::new();
            let (round, later): (Vec<usize>, Vec<usize>) = pending
                .iter()
                .partition(|&&i| in_round.insert(jobs[i].node_id.as_str()));
            self.apply_round(&mut tx, jobs, &round, &mut tallies, &mut outcomes, now)
                .await?;
            pending = later;
        }
        store_tallies(&mut tx, self.backend, &tallies, now).await?;
        store_container_tallies(&mut tx, self.backend, &tallies).await?;
        for (node, t) in &tallies {
            if t.recount {
                refresh_counts(&mut tx, node).await?;
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// One round of a group: at most one batch per node.
    pub(super) async fn apply_round(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        jobs: &[BatchJob],
        round: &[usize],
        tallies: &mut HashMap<String, Tally>,
        outcomes: &mut [BatchOutcome],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut resolves: Vec<(&str, &str, &str, &str)> = Vec::new();
        let mut adds: Vec<(&str, &Deviation)> = Vec::new();
        // Collector findings, added after the batches' own deviations.
        let mut findings: Vec<(&str, Deviation)> = Vec::new();
        let mut full_state_keys: HashMap<&str, Vec<(String, String, String)>> = HashMap::new();
        for &i in round {
            let job = &jobs[i];
            if job.full_state && tallies.contains_key(&job.node_id) {
                let open: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT container, kind, dkey FROM deviations WHERE node_id = $1 AND resolved_at IS NULL AND kind <> 'integrity'",
                )
                .bind(&job.node_id)
                .fetch_all(&mut **tx)
                .await?;
                full_state_keys.insert(&job.node_id, open);
            }
        }
        for &i in round {
            let job = &jobs[i];
            let node = job.node_id.as_str();
            let Some(t) = tallies.get_mut(node) else {
                outcomes[i] = BatchOutcome::UnknownNode;
                continue;
            };
            if t.retired {
                outcomes[i] = BatchOutcome::Retired;
                continue;
            }
            let hash = plumb_proto::hex(&job.hash);
            if job.seq <= t.seq {
                // The agent resends what it has not seen acked; the same
                // last message again is harmless. Other content under the
                // last stored number is a replay or a fork of the chain.
                if job.seq == t.seq && hash != t.hash && !t.hash.is_empty() {
                    findings.push((
                        node,
                        finding(
                            "report_chain",
                            &format!("seq {} with hash {}", t.seq, t.hash),
                            &format!("another message with seq {} (hash {hash}): replayed or forked report chain", job.seq),
                        ),
                    ));
                    t.touched = true;
                    outcomes[i] = BatchOutcome::Forked;
                } else {
                    outcomes[i] = BatchOutcome::Duplicate;
                }
                continue;
            }
            let gap = job.seq - t.seq - 1;
            if t.seq > 0 && gap > plumb_proto::MAX_SPOOL_MESSAGES as i64 {
                findings.push((
                    node,
                    finding(
                        "report_chain",
                        &format!("seq at most {} after {}", t.seq + 1 + plumb_proto::MAX_SPOOL_MESSAGES as i64, t.seq),
                        &format!(
                            "seq jumped from {} to {}: more messages than any agent can have spooled; refused",
                            t.seq, job.seq
                        ),
                    ),
                ));
                t.touched = true;
                outcomes[i] = BatchOutcome::Gap;
                continue;
            }
            // A new node's first message may follow any history; after
            // that, every message must follow the last one stored.
            let prev = plumb_proto::hex(&job.prev_hash);
            let broken = if job.seq != t.seq + 1 && t.seq > 0 {
                Some(format!(
                    "seq jumped from {} to {}: {} message(s) never arrived",
                    t.seq,
                    job.seq,
                    job.seq - t.seq - 1
                ))
            } else if t.seq > 0 && prev != t.hash && !t.hash.is_empty() {
                Some(format!(
                    "seq {} follows hash {prev}, not the stored {}: the agent's state was reset or altered",
                    job.seq, t.hash
                ))
            } else {
                None
            };
            if let Some(open) = full_state_keys.get(node) {
                let keep: HashSet<(&str, &str, &str)> = job
                    .added
                    .iter()
                    .map(|d| (d.container.as_str(), kind_name(d.kind), d.key.as_str()))
                    .collect();
                for (container, kind, key) in open {
                    if !keep.contains(&(container.as_str(), kind.as_str(), key.as_str())) {
                        resolves.push((node, container, kind, key));
                    }
                }
                t.recount = true;
            }
            for r in &job.resolved {
                // Collector findings are not the agent's to resolve.
                if r.kind != DeviationKind::Integrity as i32 {
                    resolves.push((node, &r.container, kind_name(r.kind), &r.key));
                }
            }
            // A node cannot grow the database without bound: past the
            // ceiling its new deviations are counted, not stored, and the
            // count is a critical finding (the node is flagged either way).
            // The open count here is an upper bound: this round's
            // resolutions are not subtracted yet.
            let room = (self.max_open_per_node - t.open()).max(0) as usize;
            let stored = if job.full_state {
                job.added.len()
            } else {
                job.added.len().min(room)
            };
            let stored = stored.min(self.max_open_per_node as usize);
            adds.extend(job.added[..stored].iter().map(|d| (node, d)));
            if stored < job.added.len() {
                findings.push((
                    node,
                    finding(
                        "deviation_ceiling",
                        &format!(
                            "at most {} open deviations per node",
                            self.max_open_per_node
                        ),
                        &format!(
                            "{} more deviations reported in batch {} were not stored",
                            job.added.len() - stored,
                            job.seq
                        ),
                    ),
                ));
            }
            if let Some(why) = broken {
                findings.push((
                    node,
                    finding(
                        "report_chain",
                        &format!("seq {} after hash {}", t.seq + 1, t.hash),
                        &why,
                    ),
                ));
            }
            t.seq = job.seq;
            t.hash = hash;
            t.touched = true;
            outcomes[i] = BatchOutcome::Applied;
        }
        for (node, container, severity) in resolve_many(tx, self.backend, &resolves, now).await? {
            if let Some(t) = tallies.get_mut(&node) {
                t.count(&container, severity, -1);
            }
        }
        adds.extend(findings.iter().map(|(n, d)| (*n, d)));
        for u in upsert_many(tx, self.backend, &adds, false, now).await? {
            if let Some(t) = tallies.get_mut(u.node) {
                if let Some(old) = u.old {
                    t.count(u.container, old, -1);
                }
                t.count(u.container, u.new, 1);
            }
        }
        Ok(())
    }
}

//! Every SQL statement the collector runs.

use std::collections::{HashMap, HashSet};

use plumb_proto::v1::{Deviation, DeviationKind, DeviationRef, Severity};
use plumb_proto::{kind_snake, severity_snake};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Backend, Store, StoreError};
use crate::model::{Correlation, Image, Node, NodeDetail, NodeStatus, StoredDeviation, Transition};
use crate::policy::{OpenDeviation, SeverityCounts, Silence};

/// What an agent says about itself when it connects.
#[derive(Clone, Debug, Default)]
pub struct HelloInfo {
    pub node_id: String,
    pub hostname: String,
    pub image_id: String,
    pub manifest_digest: String,
    pub agent_version: String,
    pub boot_id: String,
    pub heartbeat_secs: i64,
}

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

/// Nodes whose heartbeats were recorded and that need attention.
#[derive(Debug, Default)]
pub struct Touched {
    /// Silent nodes that spoke again: judged afresh.
    pub silent: Vec<String>,
    /// Retired nodes that spoke: a finding.
    pub retired: Vec<String>,
}

/// Where a page of the flag queue continues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagCursor {
    pub since: i64,
    pub node_id: String,
}

impl FlagCursor {
    /// `<status_since>.<node id>`: opaque to clients.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.since, self.node_id)
    }

    pub fn decode(s: &str) -> Option<FlagCursor> {
        let (since, node) = s.split_once('.')?;
        Some(FlagCursor {
            since: since.parse().ok()?,
            node_id: node.to_string(),
        })
    }
}

/// A page of the flag queue.
#[derive(Clone, Debug)]
pub struct FlagPage {
    pub nodes: Vec<Node>,
    pub total: i64,
    pub next: Option<FlagCursor>,
}

/// Filters for listing nodes.
#[derive(Clone, Debug, Default)]
pub struct NodeFilter {
    pub status: Option<String>,
    pub image_id: Option<String>,
    /// Minimum max-severity (`high` lists nodes with high or critical).
    pub severity: Option<String>,
    /// Substring of node id or hostname.
    pub q: Option<String>,
    pub sort: NodeSort,
    pub desc: bool,
    pub limit: i64,
    pub offset: i64,
    /// Keyset paging: the page starts after this node (a [`NodeCursor`]
    /// from the previous page); `offset` is then ignored.
    pub after: Option<NodeCursor>,
    /// Only nodes whose image's manifest has every one of these (key,
    /// value) labels.
    pub labels: Vec<(String, String)>,
}

/// Where a page of a node's deviations ends: (severity, row id) of its
/// last deviation, as `SEVERITY.ID` in the API.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeviationCursor {
    pub severity: i64,
    pub id: i64,
}

impl DeviationCursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.severity, self.id)
    }

    pub fn decode(text: &str) -> Option<DeviationCursor> {
        let (severity, id) = text.split_once('.')?;
        Some(DeviationCursor {
            severity: severity.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// What a node list is sorted by: its name in the API, its column, and
/// the value a page's cursor carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NodeSort {
    #[default]
    NodeId,
    LastSeen,
    Deviations,
    Status,
    Severity,
    StatusSince,
}

impl NodeSort {
    pub const ALL: [NodeSort; 6] = [
        NodeSort::NodeId,
        NodeSort::LastSeen,
        NodeSort::Deviations,
        NodeSort::Status,
        NodeSort::Severity,
        NodeSort::StatusSince,
    ];

    /// The name the API and the dashboard use (`sort=`).
    pub fn name(self) -> &'static str {
        match self {
            NodeSort::NodeId => "node_id",
            NodeSort::LastSeen => "last_seen",
            NodeSort::Deviations => "deviations",
            NodeSort::Status => "status",
            NodeSort::Severity => "severity",
            NodeSort::StatusSince => "status_since",
        }
    }

    pub fn parse(name: &str) -> Option<NodeSort> {
        NodeSort::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The `nodes` column it orders by.
    fn column(self) -> &'static str {
        match self {
            NodeSort::NodeId => "node_id",
            NodeSort::LastSeen => "last_seen",
            NodeSort::Deviations => "open_count",
            NodeSort::Status => "status",
            NodeSort::Severity => "max_severity",
            NodeSort::StatusSince => "status_since",
        }
    }

    /// Whether the column is a number (its cursors must be numbers).
    pub fn numeric(self) -> bool {
        !matches!(self, NodeSort::NodeId | NodeSort::Status)
    }

    /// The cursor a page ending at `node` hands on.
    pub fn cursor(self, node: &Node) -> NodeCursor {
        let value = match self {
            NodeSort::NodeId => String::new(),
            NodeSort::LastSeen => node.last_seen.to_string(),
            NodeSort::Deviations => node.deviation_count.to_string(),
            NodeSort::Status => node.status.clone(),
            NodeSort::Severity => plumb_proto::severity_from_snake(&node.max_severity)
                .map_or(0, |s| s as i64)
                .to_string(),
            NodeSort::StatusSince => node.status_since.to_string(),
        };
        NodeCursor {
            value,
            node_id: node.node_id.clone(),
        }
    }
}

/// Where a page of nodes ends: the sort column's value and the node id of
/// its last node. Paging by cursor costs the same on page 1,000 as on
/// page 1, and a node inserted meanwhile shifts nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeCursor {
    pub value: String,
    pub node_id: String,
}

impl NodeCursor {
    pub fn encode(&self) -> String {
        format!("{}|{}", self.value, self.node_id)
    }

    pub fn decode(s: &str) -> Option<NodeCursor> {
        let (value, node_id) = s.split_once('|')?;
        (!node_id.is_empty()).then(|| NodeCursor {
            value: value.to_string(),
            node_id: node_id.to_string(),
        })
    }
}

const NODE_COLUMNS: &str =
    "node_id, hostname, image_id, manifest_digest, agent_version, status, reasons, \
     open_count, max_severity, first_seen, last_seen, status_since, heartbeat_secs, \
     held_since, held_reasons";

fn node_from_row(r: &AnyRow) -> Result<Node, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let reasons: String = r.try_get("reasons")?;
    let sev: i64 = r.try_get("max_severity")?;
    Ok(Node {
        node_id: r.try_get("node_id")?,
        hostname: r.try_get("hostname")?,
        image_id: r.try_get("image_id")?,
        manifest_digest: r.try_get("manifest_digest")?,
        agent_version: r.try_get("agent_version")?,
        flagged: status == "flagged",
        status,
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        deviation_count: r.try_get("open_count")?,
        max_severity: if sev == 0 {
            String::new()
        } else {
            severity_name(sev)
        },
        first_seen: r.try_get("first_seen")?,
        last_seen: r.try_get("last_seen")?,
        status_since: r.try_get("status_since")?,
        heartbeat_secs: r.try_get("heartbeat_secs")?,
        held_since: r.try_get("held_since")?,
        held_reasons: serde_json::from_str(&r.try_get::<String, _>("held_reasons")?)
            .unwrap_or_default(),
    })
}

fn severity_name(s: i64) -> String {
    severity_snake(Severity::try_from(s as i32).unwrap_or(Severity::Unspecified)).to_string()
}

fn deviation_from_row(r: &AnyRow) -> Result<StoredDeviation, sqlx::Error> {
    let changes: String = r.try_get("changes")?;
    Ok(StoredDeviation {
        kind: r.try_get("kind")?,
        key: r.try_get("dkey")?,
        severity: severity_name(r.try_get("severity")?),
        expected: r.try_get("expected")?,
        actual: r.try_get("actual")?,
        changes: if changes.is_empty() {
            Vec::new()
        } else {
            changes.split(',').map(String::from).collect()
        },
        package: r.try_get("package")?,
        explained_by: r.try_get("explained_by")?,
        first_seen: r.try_get("first_seen")?,
        resolved_at: r.try_get("resolved_at")?,
    })
}

fn kind_name(k: i32) -> &'static str {
    kind_snake(DeviationKind::try_from(k).unwrap_or(DeviationKind::Unspecified))
}

impl Store {
    /// Registers or refreshes a node; returns its last stored sequence
    /// number and status.
    pub async fn hello(&self, h: &HelloInfo, now: i64) -> Result<(i64, NodeStatus), StoreError> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query("SELECT last_seq, status FROM nodes WHERE node_id = $1")
            .bind(&h.node_id)
            .fetch_optional(&mut *tx)
            .await?;
        let result = match row {
            Some(r) => {
                sqlx::query(
                    "UPDATE nodes SET hostname = $1, image_id = $2, manifest_digest = $3, agent_version = $4, \
                     boot_id = $5, heartbeat_secs = $6, last_seen = $7 WHERE node_id = $8",
                )
                .bind(&h.hostname)
                .bind(&h.image_id)
                .bind(&h.manifest_digest)
                .bind(&h.agent_version)
                .bind(&h.boot_id)
                .bind(h.heartbeat_secs)
                .bind(now)
                .bind(&h.node_id)
                .execute(&mut *tx)
                .await?;
                let status: String = r.try_get("status")?;
                (
                    r.try_get("last_seq")?,
                    NodeStatus::parse(&status).unwrap_or(NodeStatus::Clean),
                )
            }
            None => {
                sqlx::query(
                    "INSERT INTO nodes (node_id, hostname, image_id, manifest_digest, agent_version, boot_id, status, \
                     status_since, reasons, first_seen, last_seen, last_seq, heartbeat_secs, open_count, max_severity) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'clean', $7, '[]', $7, $7, 0, $8, 0, 0)",
                )
                .bind(&h.node_id)
                .bind(&h.hostname)
                .bind(&h.image_id)
                .bind(&h.manifest_digest)
                .bind(&h.agent_version)
                .bind(&h.boot_id)
                .bind(now)
                .bind(h.heartbeat_secs)
                .execute(&mut *tx)
                .await?;
                (0, NodeStatus::Clean)
            }
        };
        tx.commit().await?;
        Ok(result)
    }

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

    async fn apply_group(
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
        for (node, t) in &tallies {
            if t.recount {
                refresh_counts(&mut tx, node).await?;
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// One round of a group: at most one batch per node.
    async fn apply_round(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        jobs: &[BatchJob],
        round: &[usize],
        tallies: &mut HashMap<String, Tally>,
        outcomes: &mut [BatchOutcome],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut resolves: Vec<(&str, &str, &str)> = Vec::new();
        let mut adds: Vec<(&str, &Deviation)> = Vec::new();
        // Collector findings, added after the batches' own deviations.
        let mut findings: Vec<(&str, Deviation)> = Vec::new();
        let mut full_state_keys: HashMap<&str, Vec<(String, String)>> = HashMap::new();
        for &i in round {
            let job = &jobs[i];
            if job.full_state && tallies.contains_key(&job.node_id) {
                let open: Vec<(String, String)> = sqlx::query_as(
                    "SELECT kind, dkey FROM deviations WHERE node_id = $1 AND resolved_at IS NULL AND kind <> 'integrity'",
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
                        super::security::finding(
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
                    super::security::finding(
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
                let keep: HashSet<(&str, &str)> = job
                    .added
                    .iter()
                    .map(|d| (kind_name(d.kind), d.key.as_str()))
                    .collect();
                for (kind, key) in open {
                    if !keep.contains(&(kind.as_str(), key.as_str())) {
                        resolves.push((node, kind, key));
                    }
                }
                t.recount = true;
            }
            for r in &job.resolved {
                // Collector findings are not the agent's to resolve.
                if r.kind != DeviationKind::Integrity as i32 {
                    resolves.push((node, kind_name(r.kind), &r.key));
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
                    super::security::finding(
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
                    super::security::finding(
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
        for (node, severity) in resolve_many(tx, self.backend, &resolves, now).await? {
            if let Some(t) = tallies.get_mut(&node) {
                t.delta[bucket(severity)] -= 1;
            }
        }
        adds.extend(findings.iter().map(|(n, d)| (*n, d)));
        for (node, old, new) in upsert_many(tx, self.backend, &adds, false, now).await? {
            if let Some(t) = tallies.get_mut(node) {
                if let Some(old) = old {
                    t.delta[bucket(old)] -= 1;
                }
                t.delta[bucket(new)] += 1;
            }
        }
        Ok(())
    }

    /// Records heartbeats (node id, time) in one statement; returns the
    /// nodes among them that are silent (to be judged afresh).
    pub async fn touch(&self, seen: &[(String, i64)]) -> Result<Touched, StoreError> {
        if seen.is_empty() {
            return Ok(Touched::default());
        }
        #[derive(serde::Serialize)]
        struct Seen<'a> {
            n: &'a str,
            at: i64,
        }
        // In node order, as the batch writer's node updates are.
        let mut rows: Vec<Seen<'_>> = seen.iter().map(|(n, at)| Seen { n, at: *at }).collect();
        rows.sort_unstable_by_key(|r| r.n);
        let json = serde_json::to_string(&rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let sql = match self.backend {
            Backend::Sqlite => {
                "UPDATE nodes SET last_seen = r.at FROM (SELECT j.value ->> 'n' AS n, j.value ->> 'at' AS at \
                 FROM json_each($1) AS j) AS r WHERE nodes.node_id = r.n AND nodes.last_seen < r.at \
                 RETURNING nodes.node_id, nodes.status"
            }
            Backend::Postgres => {
                "UPDATE nodes SET last_seen = r.at FROM json_to_recordset($1::json) AS r(n TEXT, at BIGINT) \
                 WHERE nodes.node_id = r.n AND nodes.last_seen < r.at RETURNING nodes.node_id, nodes.status"
            }
        };
        let rows: Vec<(String, String)> = sqlx::query_as(sql)
            .bind(json)
            .fetch_all(&self.writer)
            .await?;
        let mut touched = Touched::default();
        for (node, status) in rows {
            if status == NodeStatus::Silent.as_str() {
                touched.silent.push(node);
            } else if status == NodeStatus::Retired.as_str() {
                touched.retired.push(node);
            }
        }
        Ok(touched)
    }

    /// The open deviations of a node, as the policy needs them.
    pub async fn open_for_policy(&self, node_id: &str) -> Result<Vec<OpenDeviation>, StoreError> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT kind, dkey, severity FROM deviations WHERE node_id = $1 AND resolved_at IS NULL")
                .bind(node_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(kind, key, s)| OpenDeviation {
                kind,
                key,
                severity: Severity::try_from(s as i32).unwrap_or(Severity::Low),
            })
            .collect())
    }

    /// Per-severity counts of a node's open deviations and the ten most
    /// severe ones (newest first within a severity): what a
    /// key-independent policy needs. The counts are the node's own
    /// columns and the ten come off the index `deviations_node`, so this
    /// costs the same for ten open deviations as for a million.
    pub async fn open_summary(
        &self,
        node_id: &str,
    ) -> Result<(SeverityCounts, Vec<OpenDeviation>), StoreError> {
        let top: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT kind, dkey, severity FROM deviations WHERE node_id = $1 AND resolved_at IS NULL ORDER BY severity DESC, id DESC LIMIT 10",
        )
        .bind(node_id)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = self.open_counts(node_id).await?;
        // The counts are kept by deltas; rows they disagree with (an open
        // deviation of a severity counted as none, or none open while some
        // are counted) are recounted rather than judged: a node with an
        // open deviation is never judged on counts that say it has none.
        let missing = top.iter().any(|(_, _, s)| counts[bucket(*s)] < 1);
        if missing || (top.is_empty() && counts.iter().any(|&n| n != 0)) {
            tracing::warn!(
                node = node_id,
                ?counts,
                "open counts disagree with the rows; recounting"
            );
            let mut tx = self.writer.begin().await?;
            refresh_counts(&mut tx, node_id).await?;
            tx.commit().await?;
            counts = self.open_counts(node_id).await?;
        }
        let mut summary = SeverityCounts::default();
        for (s, n) in [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .zip(counts)
        {
            summary.add(s, n);
        }
        let top = top
            .into_iter()
            .map(|(kind, key, s)| OpenDeviation {
                kind,
                key,
                severity: Severity::try_from(s as i32).unwrap_or(Severity::Low),
            })
            .collect();
        Ok((summary, top))
    }

    /// A node's open deviations per count bucket (low, medium, high,
    /// critical), as its row keeps them.
    async fn open_counts(&self, node_id: &str) -> Result<[i64; 4], StoreError> {
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT open_low, open_medium, open_high, open_critical FROM nodes WHERE node_id = $1",
        )
        .bind(node_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or([0; 4], |(l, m, h, c)| [l, m, h, c]))
    }

    pub async fn node(&self, node_id: &str) -> Result<Option<Node>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {NODE_COLUMNS} FROM nodes WHERE node_id = $1"
        ))
        .bind(node_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(node_from_row).transpose()?)
    }

    /// Nodes matching a filter, one page of them, and the total count.
    pub async fn nodes(&self, f: &NodeFilter) -> Result<(Vec<Node>, i64), StoreError> {
        let mut clauses = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if let Some(s) = &f.status {
            args.push(s.clone());
            clauses.push(format!("status = ${}", args.len()));
        }
        if let Some(i) = &f.image_id {
            args.push(i.clone());
            clauses.push(format!("image_id = ${}", args.len()));
        }
        for (key, value) in &f.labels {
            args.push(key.clone());
            args.push(value.clone());
            clauses.push(format!(
                "image_id IN (SELECT image_id FROM image_labels WHERE key = ${} AND value = ${})",
                args.len() - 1,
                args.len()
            ));
        }
        let min_sev = f
            .severity
            .as_deref()
            .and_then(plumb_proto::severity_from_snake)
            .map(|s| s as i64);
        if let Some(s) = min_sev {
            clauses.push(format!("max_severity >= {s}"));
        }
        if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
            let pattern = format!(
                "%{}%",
                q.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            args.push(pattern);
            clauses.push(format!(
                "(node_id LIKE ${n} ESCAPE '\\' OR hostname LIKE ${n} ESCAPE '\\')",
                n = args.len()
            ));
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let (order, numeric) = (f.sort.column(), f.sort.numeric());
        let dir = if f.desc { "DESC" } else { "ASC" };
        let limit = if f.limit <= 0 { 100 } else { f.limit.min(1000) };
        // The page: after the cursor's (value, node id) in the sort order.
        enum Arg<'a> {
            Text(&'a str),
            Int(i64),
        }
        let mut page_args: Vec<Arg> = args.iter().map(|a| Arg::Text(a)).collect();
        let mut page_clauses = clauses.clone();
        if let Some(c) = &f.after {
            let cmp = if f.desc { "<" } else { ">" };
            if order == "node_id" {
                page_args.push(Arg::Text(&c.node_id));
                page_clauses.push(format!("node_id {cmp} ${}", page_args.len()));
            } else {
                // Checked by the caller: numeric sorts have numeric cursors.
                page_args.push(if numeric {
                    Arg::Int(c.value.parse().unwrap_or_default())
                } else {
                    Arg::Text(&c.value)
                });
                page_args.push(Arg::Text(&c.node_id));
                let n = page_args.len();
                page_clauses.push(format!("({order}, node_id) {cmp} (${}, ${n})", n - 1));
            }
        }
        let page_filter = if page_clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", page_clauses.join(" AND "))
        };
        let offset = if f.after.is_some() {
            0
        } else {
            f.offset.max(0)
        };
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM nodes {page_filter} ORDER BY {order} {dir}, node_id {dir} LIMIT {limit} OFFSET {offset}"
        );
        let mut q = sqlx::query(&sql);
        for a in page_args {
            q = match a {
                Arg::Text(t) => q.bind(t),
                Arg::Int(n) => q.bind(n),
            };
        }
        let rows = q.fetch_all(&self.pool).await?;
        let nodes = rows
            .iter()
            .map(node_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let count_sql = format!("SELECT COUNT(*) FROM nodes {filter}");
        let mut q = sqlx::query_scalar::<_, i64>(&count_sql);
        for a in &args {
            q = q.bind(a);
        }
        let total = q.fetch_one(&self.pool).await?;
        Ok((nodes, total))
    }

    /// A node with its open deviations, up to `history` resolved ones and
    /// its transitions; `None` for an unknown node.
    pub async fn node_detail(
        &self,
        node_id: &str,
        history: i64,
    ) -> Result<Option<NodeDetail>, StoreError> {
        let Some(node) = self.node(node_id).await? else {
            return Ok(None);
        };
        Ok(Some(NodeDetail {
            node,
            open: self.deviations(node_id, Some(true), 10_000).await?,
            history: self.deviations(node_id, Some(false), history).await?,
            transitions: self.transitions(Some(node_id), 1_000).await?,
        }))
    }

    /// The flag queue: flagged and recycling nodes, oldest first.
    /// One page of the flag queue (flagged and recycling nodes, oldest
    /// flag first), the queue's total, and the cursor of the next page.
    /// Nothing is ever cut off silently: callers page until no cursor.
    pub async fn flag_queue(
        &self,
        cursor: Option<&FlagCursor>,
        limit: i64,
    ) -> Result<FlagPage, StoreError> {
        let limit = limit.clamp(1, 1_000);
        let (since, node) = cursor.map_or((i64::MIN, ""), |c| (c.since, c.node_id.as_str()));
        let rows = sqlx::query(&format!(
            "SELECT {NODE_COLUMNS} FROM nodes WHERE status IN ('flagged', 'recycling') \
             AND (status_since > $1 OR (status_since = $1 AND node_id > $2)) \
             ORDER BY status_since ASC, node_id ASC LIMIT {}",
            limit + 1
        ))
        .bind(since)
        .bind(node)
        .fetch_all(&self.pool)
        .await?;
        let mut nodes: Vec<Node> = rows.iter().map(node_from_row).collect::<Result<_, _>>()?;
        let next = if nodes.len() as i64 > limit {
            nodes.truncate(limit as usize);
            nodes.last().map(|n| FlagCursor {
                since: n.status_since,
                node_id: n.node_id.clone(),
            })
        } else {
            None
        };
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM nodes WHERE status IN ('flagged', 'recycling')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(FlagPage { nodes, total, next })
    }

    /// A node's deviations: open ones (`Some(true)`), resolved ones
    /// (`Some(false)`), or all, newest first.
    pub async fn deviations(
        &self,
        node_id: &str,
        open: Option<bool>,
        limit: i64,
    ) -> Result<Vec<StoredDeviation>, StoreError> {
        Ok(self.deviations_page(node_id, open, limit, None).await?.0)
    }

    /// A node's deviations, most severe and newest first, one page at a
    /// time: after `after` (the cursor of the previous page), and the
    /// cursor of the next page when the page is full.
    pub async fn deviations_page(
        &self,
        node_id: &str,
        open: Option<bool>,
        limit: i64,
        after: Option<DeviationCursor>,
    ) -> Result<(Vec<StoredDeviation>, Option<DeviationCursor>), StoreError> {
        let limit = limit.clamp(1, 100_000);
        let page = if after.is_some() {
            "AND (severity < $2 OR (severity = $2 AND id < $3))"
        } else {
            ""
        };
        // Open and resolved deviations each have their own index in this
        // order; all of them is the two merged.
        let mut rows = Vec::new();
        for (state, wanted) in [
            ("AND resolved_at IS NULL", open != Some(false)),
            ("AND resolved_at IS NOT NULL", open != Some(true)),
        ] {
            if !wanted {
                continue;
            }
            let sql = format!(
                "SELECT id, kind, dkey, severity, expected, actual, changes, package, explained_by, first_seen, resolved_at \
                 FROM deviations WHERE node_id = $1 {state} {page} ORDER BY severity DESC, id DESC LIMIT {limit}"
            );
            let mut q = sqlx::query(&sql).bind(node_id);
            if let Some(c) = &after {
                q = q.bind(c.severity).bind(c.id);
            }
            rows.extend(q.fetch_all(&self.pool).await?);
        }
        if open.is_none() {
            let rank = |r: &AnyRow| -> (i64, i64) {
                (
                    r.try_get("severity").unwrap_or_default(),
                    r.try_get("id").unwrap_or_default(),
                )
            };
            rows.sort_by_key(|r| std::cmp::Reverse(rank(r)));
            rows.truncate(limit as usize);
        }
        let next = match rows.last() {
            Some(last) if rows.len() as i64 == limit => Some(DeviationCursor {
                severity: last.try_get("severity")?,
                id: last.try_get("id")?,
            }),
            _ => None,
        };
        let devs = rows
            .iter()
            .map(deviation_from_row)
            .collect::<Result<_, _>>()?;
        Ok((devs, next))
    }

    /// Records a status change, its cause and the alerts it causes;
    /// returns the transition, or `None` when the node was no longer in
    /// `change.from` (a concurrent change won).
    pub async fn set_status(
        &self,
        node_id: &str,
        change: &StatusChange<'_>,
    ) -> Result<Option<Transition>, StoreError> {
        let StatusChange {
            from,
            to,
            cause,
            reasons,
            at: now,
            alerts,
            hold,
        } = *change;
        let reasons_json = serde_json::to_string(reasons).unwrap_or_else(|_| "[]".into());
        let mut tx = self.writer.begin().await?;
        // Compare-and-set: a concurrent change wins and this one is dropped.
        let changed = sqlx::query(
            "UPDATE nodes SET status = $1, status_since = $2, reasons = $3 WHERE node_id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(&reasons_json)
        .bind(node_id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        match hold {
            Hold::Keep => {}
            Hold::Take => {
                sqlx::query(
                    "UPDATE nodes SET held_since = $1, held_reasons = $2 WHERE node_id = $3 AND held_since = 0",
                )
                .bind(now)
                .bind(&reasons_json)
                .bind(node_id)
                .execute(&mut *tx)
                .await?;
            }
            Hold::Release => {
                sqlx::query(
                    "UPDATE nodes SET held_since = 0, held_reasons = '[]' WHERE node_id = $1",
                )
                .bind(node_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO transitions (node_id, from_status, to_status, cause, reasons, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(node_id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(cause)
        .bind(&reasons_json)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        // Alerts commit with the transition: a crash cannot lose one.
        queue_outbox(&mut tx, alerts, now).await?;
        tx.commit().await?;
        Ok(Some(Transition {
            id,
            node_id: node_id.to_string(),
            from: from.as_str().into(),
            to: to.as_str().into(),
            cause: cause.into(),
            reasons: reasons.to_vec(),
            at: now,
        }))
    }

    /// Releases a node's held flag without a transition (a node held while
    /// silent); whether one was held.
    pub async fn release_hold(&self, node_id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE nodes SET held_since = 0, held_reasons = '[]' WHERE node_id = $1 AND held_since <> 0",
        )
        .bind(node_id)
        .execute(&self.writer)
        .await?
        .rows_affected()
            > 0)
    }

    /// Updates the reasons of a node whose status did not change.
    pub async fn set_reasons(&self, node_id: &str, reasons: &[String]) -> Result<(), StoreError> {
        let reasons_json = serde_json::to_string(reasons).unwrap_or_else(|_| "[]".into());
        sqlx::query("UPDATE nodes SET reasons = $1 WHERE node_id = $2")
            .bind(reasons_json)
            .bind(node_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// A node's transitions, oldest first; or the fleet's newest ones.
    pub async fn transitions(
        &self,
        node_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Transition>, StoreError> {
        let rows = match node_id {
            Some(n) => {
                sqlx::query(&format!(
                    "SELECT id, node_id, from_status, to_status, cause, reasons, at FROM transitions WHERE node_id = $1 ORDER BY id ASC LIMIT {}",
                    limit.clamp(1, 10_000)
                ))
                .bind(n)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT id, node_id, from_status, to_status, cause, reasons, at FROM transitions ORDER BY id DESC LIMIT {}",
                    limit.clamp(1, 10_000)
                ))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(transition_from_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Nodes that may have gone silent: not silent/retired/recycling and
    /// not seen since `before`. Returns (node, status, last_seen, heartbeat).
    /// Nodes heard from longer ago than `silence` allows at `now`, and
    /// not already silent, retired or recycling: (node, status, last
    /// seen, heartbeat period). Only those come back, not every node
    /// between two heartbeats (a 100,000-node fleet is mostly that).
    pub async fn quiet_nodes(
        &self,
        now: i64,
        silence: Silence,
    ) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
        // Silent once last_seen + periods × per_period < before: a fixed
        // silence is a zero per-period part.
        let (before, per_period) = match silence {
            Silence::After(ms) => (now - ms, 0),
            Silence::Heartbeats(n) => (now, n * 1000),
        };
        Ok(sqlx::query_as(
            "SELECT node_id, status, last_seen, heartbeat_secs FROM nodes \
             WHERE last_seen + (CASE WHEN heartbeat_secs < 1 THEN 1 ELSE heartbeat_secs END) * $2 < $1 \
             AND status NOT IN ('silent', 'retired', 'recycling')",
        )
        .bind(before)
        .bind(per_period)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Counts of nodes by status.
    pub async fn status_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT status, COUNT(*) FROM nodes GROUP BY status")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Counts of nodes by (image, status).
    pub async fn image_status_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(
            sqlx::query_as(
                "SELECT image_id, status, COUNT(*) FROM nodes GROUP BY image_id, status",
            )
            .fetch_all(&self.pool)
            .await?,
        )
    }

    /// Open deviations by severity across the fleet, retired nodes left
    /// out (their deviations stay for history, not as work).
    pub async fn open_by_severity(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT d.severity, COUNT(*) FROM deviations d JOIN nodes n ON n.node_id = d.node_id \
             WHERE d.resolved_at IS NULL AND n.status <> 'retired' GROUP BY d.severity",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(s, n)| (severity_name(s), n))
            .collect())
    }

    /// Stores a verified manifest; returns whether it replaced another.
    pub async fn manifest(&self, image_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT body FROM manifests WHERE image_id = $1")
                .bind(image_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Images known from the registry or from nodes, with fleet figures.
    pub async fn images(&self) -> Result<Vec<Image>, StoreError> {
        let manifests: Vec<(String, String, i64, i64, i64)> =
            sqlx::query_as("SELECT image_id, digest, files, packages, pushed_at FROM manifests")
                .fetch_all(&self.pool)
                .await?;
        let mut images: HashMap<String, Image> = manifests
            .into_iter()
            .map(|(image_id, digest, files, packages, pushed_at)| {
                (
                    image_id.clone(),
                    Image {
                        image_id,
                        digest,
                        files,
                        packages,
                        pushed_at,
                        nodes: 0,
                        drifted_nodes: 0,
                        flagged_nodes: 0,
                        labels: Default::default(),
                    },
                )
            })
            .collect();
        for (image_id, status, n) in self.image_status_counts().await? {
            let img = images.entry(image_id.clone()).or_insert_with(|| Image {
                image_id,
                digest: String::new(),
                files: 0,
                packages: 0,
                pushed_at: 0,
                nodes: 0,
                drifted_nodes: 0,
                flagged_nodes: 0,
                labels: Default::default(),
            });
            if status == "retired" {
                continue;
            }
            img.nodes += n;
            if status != "clean" && status != "silent" {
                img.drifted_nodes += n;
            }
            if status == "flagged" || status == "recycling" {
                img.flagged_nodes += n;
            }
        }
        let labels: Vec<(String, String, String)> =
            sqlx::query_as("SELECT image_id, key, value FROM image_labels ORDER BY image_id, key")
                .fetch_all(&self.pool)
                .await?;
        for (image_id, key, value) in labels {
            if let Some(img) = images.get_mut(&image_id) {
                img.labels.insert(key, value);
            }
        }
        let mut out: Vec<Image> = images.into_values().collect();
        out.sort_by(|a, b| a.image_id.cmp(&b.image_id));
        Ok(out)
    }

    /// The provenance labels of one image's manifest, sorted by key.
    pub async fn image_labels(&self, image_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT key, value FROM image_labels WHERE image_id = $1 ORDER BY key")
                .bind(image_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Open changes shared by nodes of one image: the same (kind, key,
    /// actual) on several nodes, largest groups first, then single-node
    /// changes.
    pub async fn correlations(
        &self,
        image_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Correlation>, StoreError> {
        let (filter, arg) = match image_id {
            Some(i) => ("AND n.image_id = $1", Some(i)),
            None => ("", None),
        };
        let sql = format!(
            "SELECT n.image_id, d.kind, d.dkey, d.actual, MAX(d.severity), COUNT(DISTINCT d.node_id), MIN(d.node_id), MAX(d.node_id) \
             FROM deviations d JOIN nodes n ON n.node_id = d.node_id \
             WHERE d.resolved_at IS NULL AND n.status <> 'retired' {filter} \
             GROUP BY n.image_id, d.kind, d.dkey, d.actual \
             ORDER BY COUNT(DISTINCT d.node_id) DESC, MAX(d.severity) DESC LIMIT {}",
            limit.clamp(1, 10_000)
        );
        let mut q =
            sqlx::query_as::<_, (String, String, String, String, i64, i64, String, String)>(&sql);
        if let Some(a) = arg {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut image_nodes: HashMap<String, i64> = HashMap::new();
        for (image, status, n) in self.image_status_counts().await? {
            if status != "retired" {
                *image_nodes.entry(image).or_insert(0) += n;
            }
        }
        Ok(rows
            .into_iter()
            .map(|(image_id, kind, key, actual, sev, nodes, first, last)| {
                let total = image_nodes
                    .get(&image_id)
                    .copied()
                    .unwrap_or(nodes)
                    .max(nodes);
                let scope = if nodes == 1 {
                    "single"
                } else if nodes * 2 > total {
                    "fleet"
                } else {
                    "several"
                };
                let mut sample = vec![first.clone()];
                if last != first {
                    sample.push(last);
                }
                Correlation {
                    image_id,
                    kind,
                    key,
                    actual,
                    severity: severity_name(sev),
                    nodes,
                    image_nodes: total,
                    scope,
                    sample_nodes: sample,
                }
            })
            .collect())
    }

    /// Counts of deviations first seen and flags raised per time bucket
    /// since `since` (ms), bucketed by `bucket_ms`.
    pub async fn timeline(
        &self,
        since: i64,
        bucket_ms: i64,
    ) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        let devs: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT (first_seen / {b}) * {b} AS t, COUNT(*) FROM deviations WHERE first_seen >= $1 GROUP BY t ORDER BY t",
            b = bucket_ms.max(1)
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let flags: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT (at / {b}) * {b} AS t, COUNT(*) FROM transitions WHERE at >= $1 AND to_status = 'flagged' GROUP BY t ORDER BY t",
            b = bucket_ms.max(1)
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
        for (t, n) in devs {
            out.entry(t).or_default().0 += n;
        }
        for (t, n) in flags {
            out.entry(t).or_default().1 += n;
        }
        let mut v: Vec<(i64, i64, i64)> = out.into_iter().map(|(t, (d, f))| (t, d, f)).collect();
        v.sort();
        Ok(v)
    }
}

/// A transaction that lost a race and may simply be run again: a unique
/// violation (a row stored concurrently), a deadlock or a serialization
/// failure (PostgreSQL's 40P01 and 40001).
fn retryable(e: &dyn sqlx::error::DatabaseError) -> bool {
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
}

impl Tally {
    fn open(&self) -> i64 {
        (0..4).map(|i| self.counts[i] + self.delta[i]).sum()
    }
}

/// The count bucket of a stored severity (unknown values count as the
/// nearest known one).
fn bucket(severity: i64) -> usize {
    (severity.clamp(1, 4) - 1) as usize
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// The chain state and open counts of these nodes (unknown ones absent).
async fn load_tallies(
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
async fn store_tallies(
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
             FROM json_each($2) AS j) AS r"
        }
        Backend::Postgres => {
            "json_to_recordset($2::json) AS r(n TEXT, seq BIGINT, hash TEXT, l BIGINT, m BIGINT, h BIGINT, c BIGINT)"
        }
    };
    sqlx::query(&format!(
        "UPDATE nodes SET last_seq = r.seq, last_hash = r.hash, last_seen = $1, \
         open_low = open_low + r.l, open_medium = open_medium + r.m, \
         open_high = open_high + r.h, open_critical = open_critical + r.c, \
         open_count = open_low + r.l + open_medium + r.m + open_high + r.h + open_critical + r.c, \
         max_severity = CASE WHEN open_critical + r.c > 0 THEN 4 WHEN open_high + r.h > 0 THEN 3 \
           WHEN open_medium + r.m > 0 THEN 2 WHEN open_low + r.l > 0 THEN 1 ELSE 0 END \
         FROM {source} WHERE nodes.node_id = r.n"
    ))
    .bind(now)
    .bind(to_json(&rows)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Recounts a node's open deviations from its rows.
pub(super) async fn refresh_counts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    node_id: &str,
) -> Result<(), sqlx::Error> {
    let open = "FROM deviations WHERE node_id = $1 AND resolved_at IS NULL";
    sqlx::query(&format!(
        "UPDATE nodes SET \
         open_low = (SELECT COUNT(*) {open} AND severity <= 1), \
         open_medium = (SELECT COUNT(*) {open} AND severity = 2), \
         open_high = (SELECT COUNT(*) {open} AND severity = 3), \
         open_critical = (SELECT COUNT(*) {open} AND severity >= 4), \
         open_count = (SELECT COUNT(*) {open}), \
         max_severity = (SELECT COALESCE(MAX(severity), 0) {open}) \
         WHERE node_id = $1"
    ))
    .bind(node_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Resolves open deviations (node, kind, key) in one statement; returns
/// the node and severity of each one resolved.
async fn resolve_many(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    keys: &[(&str, &str, &str)],
    now: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(serde::Serialize, PartialEq, Eq, Hash)]
    struct Key<'a> {
        n: &'a str,
        k: &'a str,
        d: &'a str,
    }
    let unique: HashSet<Key<'_>> = keys.iter().map(|&(n, k, d)| Key { n, k, d }).collect();
    let source = match backend {
        Backend::Sqlite => {
            "(SELECT j.value ->> 'n' AS n, j.value ->> 'k' AS k, j.value ->> 'd' AS d FROM json_each($2) AS j) AS r"
        }
        Backend::Postgres => "json_to_recordset($2::json) AS r(n TEXT, k TEXT, d TEXT)",
    };
    let rows = sqlx::query_as(&format!(
        "UPDATE deviations SET resolved_at = $1 FROM {source} \
         WHERE deviations.node_id = r.n AND deviations.kind = r.k AND deviations.dkey = r.d \
         AND deviations.resolved_at IS NULL RETURNING deviations.node_id, deviations.severity"
    ))
    .bind(now)
    .bind(to_json(&unique)?)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

#[derive(serde::Serialize)]
struct JsonRow<'a> {
    n: &'a str,
    k: &'static str,
    d: &'a str,
    s: i64,
    e: &'a str,
    a: &'a str,
    c: String,
    p: &'a str,
    x: &'a str,
}

/// Upserts deviations of any number of nodes with one statement whose
/// rows arrive as a single JSON parameter (per-parameter overhead through
/// sqlx dominated multi-row VALUES; see `examples/store_bench.rs`).
/// Returns, per row stored, its node, the severity it replaced (none for
/// a new row) and its severity. A (node, kind, key) given twice is stored
/// once, the last one winning. `racing`: other writers may store the same
/// rows at the same time (the upsert then settles it).
async fn upsert_many<'a>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    added: &[(&'a str, &'a Deviation)],
    racing: bool,
    now: i64,
) -> Result<Vec<(&'a str, Option<i64>, i64)>, sqlx::Error> {
    if added.is_empty() {
        return Ok(Vec::new());
    }
    // PostgreSQL refuses to upsert a row twice in one statement.
    let mut last: HashMap<(&'a str, i32, &'a str), &'a Deviation> =
        HashMap::with_capacity(added.len());
    for &(n, d) in added {
        last.insert((n, d.kind, d.key.as_str()), d);
    }
    let rows: Vec<JsonRow<'a>> = last
        .into_iter()
        .map(|((n, _, _), d)| JsonRow {
            n,
            k: kind_name(d.kind),
            d: &d.key,
            s: i64::from(d.severity),
            e: &d.expected,
            a: &d.actual,
            c: d.changes.join(","),
            p: &d.package,
            x: &d.explained_by,
        })
        .collect();
    let json = to_json(&rows)?;
    let old: Vec<Option<i64>> = match (backend, racing) {
        // One statement: the rows parsed once, looked up once, existing
        // ones updated and new ones inserted without a second probe of
        // the unique index (the upsert's conflict check). A row another
        // transaction inserted meanwhile makes the insert fail with a
        // unique violation: the caller retries the group.
        (Backend::Postgres, false) => {
            let found: Vec<(i64, i64)> = sqlx::query_as(
                "WITH r AS MATERIALIZED (SELECT * FROM ROWS FROM (json_to_recordset($1::json) \
                   AS (n TEXT, k TEXT, d TEXT, s BIGINT, e TEXT, a TEXT, c TEXT, p TEXT, x TEXT)) WITH ORDINALITY \
                   AS r(n, k, d, s, e, a, c, p, x, ord)), \
                 old AS MATERIALIZED (SELECT r.ord, v.id, v.severity FROM r JOIN deviations v \
                   ON v.node_id = r.n AND v.kind = r.k AND v.dkey = r.d AND v.resolved_at IS NULL), \
                 upd AS (UPDATE deviations SET severity = r.s, expected = r.e, actual = r.a, changes = r.c, \
                   package = r.p, explained_by = r.x FROM old JOIN r ON r.ord = old.ord WHERE deviations.id = old.id), \
                 ins AS (INSERT INTO deviations (node_id, kind, dkey, severity, expected, actual, changes, package, \
                   explained_by, first_seen, resolved_at) SELECT r.n, r.k, r.d, r.s, r.e, r.a, r.c, r.p, r.x, $2::BIGINT, NULL::BIGINT \
                   FROM r WHERE NOT EXISTS (SELECT 1 FROM old WHERE old.ord = r.ord)) \
                 SELECT ord, severity FROM old",
            )
            .bind(&json)
            .bind(now)
            .fetch_all(&mut **tx)
            .await?;
            let mut old = vec![None; rows.len()];
            for (ord, severity) in found {
                if let Some(slot) = old.get_mut((ord - 1) as usize) {
                    *slot = Some(severity);
                }
            }
            old
        }
        _ => {
            // What the upsert replaces, for the counts: the same rows, read first.
            let (keys, source) = match backend {
                Backend::Sqlite => (
                    "(SELECT j.value ->> 'n' AS n, j.value ->> 'k' AS k, j.value ->> 'd' AS d FROM json_each($1) AS j) AS r",
                    "SELECT j.value ->> 'n', j.value ->> 'k', j.value ->> 'd', j.value ->> 's', j.value ->> 'e', \
                     j.value ->> 'a', j.value ->> 'c', j.value ->> 'p', j.value ->> 'x', $2, NULL FROM json_each($1) AS j WHERE true",
                ),
                Backend::Postgres => (
                    "json_to_recordset($1::json) AS r(n TEXT, k TEXT, d TEXT)",
                    "SELECT r.n, r.k, r.d, r.s, r.e, r.a, r.c, r.p, r.x, $2::BIGINT, NULL::BIGINT FROM \
                     json_to_recordset($1::json) AS r(n TEXT, k TEXT, d TEXT, s BIGINT, e TEXT, a TEXT, c TEXT, p TEXT, x TEXT)",
                ),
            };
            let before: Vec<(String, String, String, i64)> = sqlx::query_as(&format!(
                "SELECT v.node_id, v.kind, v.dkey, v.severity FROM {keys} JOIN deviations v \
                 ON v.node_id = r.n AND v.kind = r.k AND v.dkey = r.d AND v.resolved_at IS NULL"
            ))
            .bind(&json)
            .fetch_all(&mut **tx)
            .await?;
            let before: HashMap<(String, String, String), i64> = before
                .into_iter()
                .map(|(n, k, d, s)| ((n, k, d), s))
                .collect();
            sqlx::query(&format!(
                "INSERT INTO deviations (node_id, kind, dkey, severity, expected, actual, changes, package, explained_by, first_seen, resolved_at) \
                 {source} ON CONFLICT (node_id, kind, dkey) WHERE resolved_at IS NULL DO UPDATE SET severity = excluded.severity, \
                 expected = excluded.expected, actual = excluded.actual, changes = excluded.changes, \
                 package = excluded.package, explained_by = excluded.explained_by"
            ))
            .bind(&json)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            rows.iter()
                .map(|r| {
                    before
                        .get(&(r.n.to_string(), r.k.to_string(), r.d.to_string()))
                        .copied()
                })
                .collect()
        }
    };
    Ok(rows
        .iter()
        .zip(old)
        .map(|(r, old)| (r.n, old, r.s))
        .collect())
}

/// Upserts one node's deviations outside the batch writer (collector
/// findings); the caller recounts the node.
pub(super) async fn upsert_deviations(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    node: &str,
    added: &[Deviation],
    now: i64,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(&str, &Deviation)> = added.iter().map(|d| (node, d)).collect();
    upsert_many(tx, backend, &rows, true, now).await?;
    Ok(())
}

/// Queues alert payloads (sink, body) for delivery.
pub(super) async fn queue_outbox(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    alerts: &[(String, String)],
    now: i64,
) -> Result<(), sqlx::Error> {
    for (sink, payload) in alerts {
        sqlx::query(
            "INSERT INTO outbox (sink, payload, created_at, attempts, next_attempt, delivered_at, last_error) \
             VALUES ($1, $2, $3, 0, $3, NULL, '')",
        )
        .bind(sink)
        .bind(payload)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// What a transition does to the node's held flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// Leaves it as it is.
    Keep,
    /// Holds the flag (with the transition's reasons) unless one is held.
    Take,
    /// Releases it (an operator cleared the node).
    Release,
}

/// A lifecycle transition to record.
#[derive(Clone, Copy, Debug)]
pub struct StatusChange<'a> {
    pub from: NodeStatus,
    pub to: NodeStatus,
    pub cause: &'a str,
    pub reasons: &'a [String],
    pub at: i64,
    /// Outbox rows (sink, payload) committed with the transition.
    pub alerts: &'a [(String, String)],
    pub hold: Hold,
}

/// A `transitions` row (id, node_id, from_status, to_status, cause,
/// reasons, at).
fn transition_from_row(r: &AnyRow) -> Result<Transition, sqlx::Error> {
    let reasons: String = r.try_get("reasons")?;
    Ok(Transition {
        id: r.try_get("id")?,
        node_id: r.try_get("node_id")?,
        from: r.try_get("from_status")?,
        to: r.try_get("to_status")?,
        cause: r.try_get("cause")?,
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        at: r.try_get("at")?,
    })
}

/// An alert waiting in the outbox.
#[derive(Clone, Debug)]
pub struct OutboxItem {
    pub id: i64,
    pub sink: String,
    pub payload: String,
    pub attempts: i64,
}

impl Store {
    /// Pending outbox items due at `now`, oldest first.
    pub async fn outbox_due(&self, now: i64, limit: i64) -> Result<Vec<OutboxItem>, StoreError> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(&format!(
            "SELECT id, sink, payload, attempts FROM outbox WHERE delivered_at IS NULL AND next_attempt <= $1 ORDER BY id LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, sink, payload, attempts)| OutboxItem {
                id,
                sink,
                payload,
                attempts,
            })
            .collect())
    }

    /// The oldest undelivered alerts of one sink, in order: delivery
    /// stops at the first that is not due, so a sink receives its alerts
    /// in the order they were queued (a resolve never overtakes its fire).
    pub async fn outbox_head(
        &self,
        sink: &str,
        limit: i64,
    ) -> Result<Vec<(OutboxItem, i64)>, StoreError> {
        let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT id, sink, payload, attempts, next_attempt FROM outbox \
             WHERE sink = $1 AND delivered_at IS NULL ORDER BY id LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(sink)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, sink, payload, attempts, next)| {
                (
                    OutboxItem {
                        id,
                        sink,
                        payload,
                        attempts,
                    },
                    next,
                )
            })
            .collect())
    }

    /// Transitions recorded at or after `since` (by any replica), with
    /// the node's image and hostname, oldest first.
    pub async fn transitions_since(
        &self,
        since: i64,
        limit: i64,
    ) -> Result<Vec<(Transition, String, String)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT t.id, t.node_id, t.from_status, t.to_status, t.cause, t.reasons, t.at, \
             n.image_id, n.hostname FROM transitions t JOIN nodes n ON n.node_id = t.node_id \
             WHERE t.at >= $1 ORDER BY t.id LIMIT {}",
            limit.clamp(1, 10_000)
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    transition_from_row(r)?,
                    r.try_get("image_id")?,
                    r.try_get("hostname")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Records that `holder` holds `node`'s stream now.
    pub async fn stream_opened(
        &self,
        node: &str,
        holder: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO streams (node_id, holder, since) VALUES ($1, $2, $3) \
             ON CONFLICT (node_id) DO UPDATE SET holder = excluded.holder, since = excluded.since",
        )
        .bind(node)
        .bind(holder)
        .bind(now)
        .execute(&self.writer)
        .await?;
        // Commands queued for the replica that held it before follow it.
        sqlx::query("UPDATE node_commands SET holder = $1 WHERE node_id = $2")
            .bind(holder)
            .bind(node)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// `holder` no longer holds `node`'s stream (unless another replica
    /// took it since).
    pub async fn stream_closed(&self, node: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM streams WHERE node_id = $1 AND holder = $2")
            .bind(node)
            .bind(holder)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Forgets every stream `holder` held (at start: a crashed replica
    /// of the same name held none of them any more).
    pub async fn streams_reset(&self, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM streams WHERE holder = $1")
            .bind(holder)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The replica holding `node`'s stream, if any.
    pub async fn stream_holder(&self, node: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT holder FROM streams WHERE node_id = $1")
                .bind(node)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Queues `kind` (`rescan`, `full_rescan`, `revoke`) for the replica
    /// holding `node`'s stream.
    pub async fn relay_command(
        &self,
        node: &str,
        holder: &str,
        kind: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO node_commands (node_id, holder, kind, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(node)
        .bind(holder)
        .bind(kind)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Takes the commands queued for `holder`: (node, kind), oldest first.
    /// Commands older than `expired_before` are dropped unsent.
    pub async fn take_commands(
        &self,
        holder: &str,
        expired_before: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "DELETE FROM node_commands WHERE holder = $1 RETURNING node_id, kind, created_at",
        )
        .bind(holder)
        .fetch_all(&self.writer)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, at)| *at >= expired_before)
            .map(|(n, k, _)| (n, k))
            .collect())
    }

    /// Deletes history older than `cutoff`: resolved deviations,
    /// transitions, delivered alerts, audit entries, and retired nodes
    /// (with everything they left) retired before it. Works in batches of
    /// `batch` rows so no transaction grows with the backlog; returns the
    /// rows deleted.
    pub async fn prune_history(&self, cutoff: i64, batch: i64) -> Result<i64, StoreError> {
        let batch = batch.clamp(1, 100_000);
        let statements = [
            "DELETE FROM deviations WHERE id IN (SELECT id FROM deviations \
             WHERE resolved_at IS NOT NULL AND resolved_at < $1 LIMIT $2)",
            "DELETE FROM transitions WHERE id IN (SELECT id FROM transitions WHERE at < $1 LIMIT $2)",
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox \
             WHERE delivered_at IS NOT NULL AND delivered_at < $1 LIMIT $2)",
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 LIMIT $2)",
        ];
        let mut total = 0;
        for sql in statements {
            loop {
                let n = sqlx::query(sql)
                    .bind(cutoff)
                    .bind(batch)
                    .execute(&self.writer)
                    .await?
                    .rows_affected() as i64;
                total += n;
                if n < batch {
                    break;
                }
            }
        }
        loop {
            let retired: Vec<String> = sqlx::query_scalar(
                "SELECT node_id FROM nodes WHERE status = 'retired' AND status_since < $1 LIMIT $2",
            )
            .bind(cutoff)
            .bind(batch.min(1000))
            .fetch_all(&self.pool)
            .await?;
            if retired.is_empty() {
                break;
            }
            let mut tx = self.writer.begin().await?;
            for node in &retired {
                // A node's deviations in two halves: each half has its
                // own partial index by node.
                for (table, only) in [
                    ("deviations", "AND resolved_at IS NULL"),
                    ("deviations", "AND resolved_at IS NOT NULL"),
                    ("transitions", ""),
                    ("streams", ""),
                    ("node_commands", ""),
                    ("nodes", ""),
                ] {
                    let n = sqlx::query(&format!("DELETE FROM {table} WHERE node_id = $1 {only}"))
                        .bind(node)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    total += n as i64;
                }
            }
            tx.commit().await?;
        }
        Ok(total)
    }

    /// Takes or renews the lease `name` for `holder` until `until`:
    /// true when `holder` holds it now. A lease held by another replica
    /// is taken only once it has lapsed.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms \
             WHERE leases.holder = excluded.holder OR leases.until_ms < $4",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives up `holder`'s leases (a clean shutdown), so another replica
    /// takes over at once instead of after they lapse.
    pub async fn release_leases(&self, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE holder = $1")
            .bind(holder)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn outbox_delivered(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn outbox_failed(
        &self,
        id: i64,
        next_attempt: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt = $1, last_error = $2 WHERE id = $3")
            .bind(next_attempt)
            .bind(error)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn outbox_pending(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

//! Nodes: registration at hello, heartbeats, the node list and its
//! paging, one node's detail, and the fleet's counts.

use plumb_proto::severity_snake;
use plumb_proto::v1::Severity;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{decode, Backend, Store, StoreError};
use super::snapshot::{ImageStatusCounts, SeverityCounts};
use crate::model::{Node, NodeDetail, NodeStatus};
use crate::policy::Silence;

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
    pub exec_monitor: plumb_proto::v1::ExecMonitor,
    pub sees_containers: bool,
}

/// What a node's hello found (see [`Store::hello`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Greeting {
    /// The node's last stored sequence number.
    pub last_seq: i64,
    /// Its status as it was.
    pub status: NodeStatus,
    /// The registry's manifest digest for the image it says it runs.
    pub registry_digest: Option<String>,
    /// Whether its "manifest differs from the registry's" finding is open.
    pub digest_finding_open: bool,
    /// Its open deviations.
    pub open_count: i64,
}

/// Nodes whose heartbeats were recorded and that need attention.
#[derive(Debug, Default)]
pub struct Touched {
    /// Silent nodes that spoke again: judged afresh.
    pub silent: Vec<String>,
    /// Retired nodes that spoke: a finding.
    pub retired: Vec<String>,
}

/// Filters for listing nodes.
#[derive(Clone, Debug, Default)]
pub struct NodeFilter {
    pub status: Option<NodeStatus>,
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
            NodeSort::Status => node.status.as_str().to_string(),
            NodeSort::Severity => node.max_severity.map_or(0, |s| s as i64).to_string(),
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

pub(super) const NODE_COLUMNS: &str =
    "node_id, hostname, image_id, manifest_digest, agent_version, status, reasons, \
     open_count, max_severity, first_seen, last_seen, status_since, heartbeat_secs, \
     held_since, held_reasons, exec_monitor, sees_containers";

pub(super) fn node_from_row(r: &AnyRow) -> Result<Node, sqlx::Error> {
    let node_id: String = r.try_get("node_id")?;
    let row = format!("node {node_id:?}");
    let status = decode::status(&row, "status", &r.try_get::<String, _>("status")?)?;
    let reasons = decode::strings(&row, "reasons", &r.try_get::<String, _>("reasons")?)?;
    let held_reasons = decode::strings(
        &row,
        "held_reasons",
        &r.try_get::<String, _>("held_reasons")?,
    )?;
    let exec_monitor = decode::exec_monitor(&row, &r.try_get::<String, _>("exec_monitor")?)?;
    let max_severity = decode::max_severity(&row, r.try_get("max_severity")?)?;
    Ok(Node {
        node_id,
        hostname: r.try_get("hostname")?,
        image_id: r.try_get("image_id")?,
        manifest_digest: r.try_get("manifest_digest")?,
        agent_version: r.try_get("agent_version")?,
        flagged: status == NodeStatus::Flagged,
        status,
        reasons,
        deviation_count: r.try_get("open_count")?,
        max_severity,
        first_seen: r.try_get("first_seen")?,
        last_seen: r.try_get("last_seen")?,
        status_since: r.try_get("status_since")?,
        heartbeat_secs: r.try_get("heartbeat_secs")?,
        held_since: r.try_get("held_since")?,
        held_reasons,
        exec_monitor,
        sees_containers: r.try_get::<i64, _>("sees_containers")? != 0,
    })
}

/// (node, time) rows as the JSON the batched statements expand
/// (`[{"n": node, "at": ms}, ...]`), in node order, as the batch writer
/// updates nodes: statements that lock node rows take them in one order.
pub(super) fn node_times_json(rows: &[(String, i64)]) -> Result<String, sqlx::Error> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        n: &'a str,
        at: i64,
    }
    let mut list: Vec<Row<'_>> = rows.iter().map(|(n, at)| Row { n, at: *at }).collect();
    list.sort_unstable_by_key(|r| r.n);
    serde_json::to_string(&list).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// What a hello's statement returned for `node`, decoded strictly: a
/// status the schema does not allow is an error naming the row, never a
/// default (never `clean`).
fn greeting(node: &str, row: &AnyRow) -> Result<Greeting, sqlx::Error> {
    Ok(Greeting {
        last_seq: row.try_get("last_seq")?,
        status: decode::status(
            &format!("node {node:?}"),
            "status",
            &row.try_get::<String, _>("status")?,
        )?,
        registry_digest: row.try_get("registry_digest")?,
        digest_finding_open: row.try_get::<i64, _>("digest_findings")? > 0,
        open_count: row.try_get("open_count")?,
    })
}

pub(super) fn severity_name(s: i64) -> String {
    severity_snake(Severity::try_from(s as i32).unwrap_or(Severity::Unspecified)).to_string()
}

impl Store {
    /// Registers or refreshes a node said hello to `holder`, in one round
    /// trip on PostgreSQL: the node's row, its stream held by `holder`
    /// (unless it is retired), and what the hello needs back. `None`
    /// when the node's standing refuses it (revoked, or enrolled for
    /// another image; [`Store::standing`] says which): nothing written.
    pub async fn hello(
        &self,
        h: &HelloInfo,
        holder: &str,
        now: i64,
    ) -> Result<Option<Greeting>, StoreError> {
        if self.backend == Backend::Postgres {
            let mut found = self
                .hellos_statement(std::slice::from_ref(h), holder, now)
                .await?;
            return Ok(found.pop().flatten());
        }
        // The node registered or updated, held by `holder` (out of the
        // silence check's index) unless it is retired, provided it is
        // neither revoked nor enrolled for another image; back come its
        // chain position and status as they were, the registry's digest
        // for its image and whether a digest finding is open. The stream
        // is recorded after (in process: no round trip to save).
        let upsert = "INSERT INTO nodes (node_id, hostname, image_id, manifest_digest, agent_version, boot_id, status, \
             status_since, reasons, first_seen, last_seen, last_seq, heartbeat_secs, open_count, max_severity, \
             exec_monitor, sees_containers, holder) \
             SELECT $1, $2, $3, $4, $5, $6, 'clean', $7, '[]', $7, $7, 0, $8, 0, 0, $9, $10, $11 \
             WHERE NOT EXISTS (SELECT 1 FROM revoked_nodes WHERE node_id = $1) \
             AND COALESCE((SELECT image_id FROM node_certs WHERE node_id = $1 LIMIT 1), $3) = $3 \
             ON CONFLICT (node_id) DO UPDATE SET hostname = excluded.hostname, image_id = excluded.image_id, \
             manifest_digest = excluded.manifest_digest, agent_version = excluded.agent_version, \
             boot_id = excluded.boot_id, heartbeat_secs = excluded.heartbeat_secs, last_seen = excluded.last_seen, \
             exec_monitor = excluded.exec_monitor, sees_containers = excluded.sees_containers, \
             holder = CASE WHEN nodes.status = 'retired' THEN nodes.holder ELSE excluded.holder END \
             RETURNING last_seq, status, open_count, \
             (SELECT digest FROM manifests WHERE image_id = $3) AS registry_digest, \
             (SELECT COUNT(*) FROM deviations WHERE node_id = $1 AND kind = 'integrity' \
              AND dkey = 'manifest_digest' AND cref = 0 AND resolved_at IS NULL) AS digest_findings";
        let row = sqlx::query(upsert)
            .bind(&h.node_id)
            .bind(&h.hostname)
            .bind(&h.image_id)
            .bind(&h.manifest_digest)
            .bind(&h.agent_version)
            .bind(&h.boot_id)
            .bind(now)
            .bind(h.heartbeat_secs)
            .bind(plumb_proto::exec_monitor_snake(h.exec_monitor))
            .bind(i64::from(h.sees_containers))
            .bind(holder)
            .fetch_optional(&self.writer)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let greeting = greeting(&h.node_id, &row)?;
        if greeting.status != NodeStatus::Retired {
            self.stream_opened(&h.node_id, holder, now).await?;
        }
        Ok(Some(greeting))
    }

    /// [`Store::hello`] for several nodes (each once) in one statement on
    /// PostgreSQL, one transaction: what each hello found, in the order
    /// given (`None`: refused for its standing, nothing written for it).
    /// One bad hello fails them all; the caller writes them one by one
    /// then (see `hub::hellos`). SQLite (in process) writes them in turn.
    pub async fn hellos(
        &self,
        hellos: &[HelloInfo],
        holder: &str,
        now: i64,
    ) -> Result<Vec<Option<Greeting>>, StoreError> {
        let distinct: std::collections::HashSet<&str> =
            hellos.iter().map(|h| h.node_id.as_str()).collect();
        if self.backend == Backend::Sqlite || distinct.len() < hellos.len() {
            let mut out = Vec::with_capacity(hellos.len());
            for h in hellos {
                out.push(self.hello(h, holder, now).await?);
            }
            return Ok(out);
        }
        self.hellos_statement(hellos, holder, now).await
    }

    /// The hellos of distinct nodes in one statement (PostgreSQL): the
    /// nodes registered or updated and held by `holder` (out of the
    /// silence check's index) unless retired, provided each is neither
    /// revoked nor enrolled for another image; their streams recorded and
    /// their queued commands moved here; back come each one's chain
    /// position and status as they were, the registry's digest for its
    /// image and whether a digest finding is open.
    async fn hellos_statement(
        &self,
        hellos: &[HelloInfo],
        holder: &str,
        now: i64,
    ) -> Result<Vec<Option<Greeting>>, StoreError> {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            n: &'a str,
            host: &'a str,
            image: &'a str,
            digest: &'a str,
            ver: &'a str,
            boot: &'a str,
            hb: i64,
            em: &'a str,
            sc: i64,
        }
        let rows: Vec<Row<'_>> = hellos
            .iter()
            .map(|h| Row {
                n: &h.node_id,
                host: &h.hostname,
                image: &h.image_id,
                digest: &h.manifest_digest,
                ver: &h.agent_version,
                boot: &h.boot_id,
                hb: h.heartbeat_secs,
                em: plumb_proto::exec_monitor_snake(h.exec_monitor),
                sc: i64::from(h.sees_containers),
            })
            .collect();
        let json = serde_json::to_string(&rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        // Rows locked in node order, as every statement that writes
        // several nodes does.
        let sql = "WITH r AS MATERIALIZED (SELECT * FROM json_to_recordset($1::json) AS r(n TEXT, host TEXT, \
             image TEXT, digest TEXT, ver TEXT, boot TEXT, hb BIGINT, em TEXT, sc BIGINT)), \
             n AS (INSERT INTO nodes (node_id, hostname, image_id, manifest_digest, agent_version, boot_id, status, \
             status_since, reasons, first_seen, last_seen, last_seq, heartbeat_secs, open_count, max_severity, \
             exec_monitor, sees_containers, holder) \
             SELECT r.n, r.host, r.image, r.digest, r.ver, r.boot, 'clean', $3, '[]', $3, $3, 0, r.hb, 0, 0, r.em, r.sc, $2 \
             FROM r WHERE NOT EXISTS (SELECT 1 FROM revoked_nodes WHERE node_id = r.n) \
             AND COALESCE((SELECT image_id FROM node_certs WHERE node_id = r.n LIMIT 1), r.image) = r.image \
             ORDER BY r.n \
             ON CONFLICT (node_id) DO UPDATE SET hostname = excluded.hostname, image_id = excluded.image_id, \
             manifest_digest = excluded.manifest_digest, agent_version = excluded.agent_version, \
             boot_id = excluded.boot_id, heartbeat_secs = excluded.heartbeat_secs, last_seen = excluded.last_seen, \
             exec_monitor = excluded.exec_monitor, sees_containers = excluded.sees_containers, \
             holder = CASE WHEN nodes.status = 'retired' THEN nodes.holder ELSE excluded.holder END \
             RETURNING node_id, image_id, last_seq, status, open_count), \
             s AS (INSERT INTO streams (node_id, holder, since) SELECT node_id, $2, $3 FROM n \
             WHERE n.status <> 'retired' ORDER BY node_id \
             ON CONFLICT (node_id) DO UPDATE SET holder = excluded.holder, since = excluded.since), \
             c AS (UPDATE node_commands SET holder = $2 \
             WHERE node_id IN (SELECT node_id FROM n WHERE n.status <> 'retired')) \
             SELECT n.node_id, n.last_seq, n.status, n.open_count, \
             (SELECT digest FROM manifests WHERE image_id = n.image_id) AS registry_digest, \
             (SELECT COUNT(*) FROM deviations d WHERE d.node_id = n.node_id AND d.kind = 'integrity' \
              AND d.dkey = 'manifest_digest' AND d.cref = 0 AND d.resolved_at IS NULL) AS digest_findings \
             FROM n";
        let found = sqlx::query(sql)
            .bind(json)
            .bind(holder)
            .bind(now)
            .fetch_all(&self.writer)
            .await?;
        let mut by_node = std::collections::HashMap::with_capacity(found.len());
        for row in &found {
            let node: String = row.try_get("node_id")?;
            let g = greeting(&node, row)?;
            by_node.insert(node, g);
        }
        Ok(hellos.iter().map(|h| by_node.remove(&h.node_id)).collect())
    }

    /// Records heartbeats (node id, time) in one statement; returns the
    /// nodes among them that are silent (to be judged afresh).
    /// Persists when the nodes `seen` were last heard from, as held by
    /// `holder` (the replica whose memory has it: written in a batch every
    /// few minutes per node, or at once for a silent node that spoke).
    /// Returns the silent and retired nodes among them.
    pub async fn touch(&self, seen: &[(String, i64)], holder: &str) -> Result<Touched, StoreError> {
        if seen.is_empty() {
            return Ok(Touched::default());
        }
        let json = node_times_json(seen)?;
        // The holder is claimed again too: a replica that was paused past
        // its lease finds its nodes released, and takes them back.
        let sql = match self.backend {
            Backend::Sqlite => {
                "UPDATE nodes SET last_seen = MAX(nodes.last_seen, r.at), holder = $2 FROM (SELECT j.value ->> 'n' AS n, j.value ->> 'at' AS at \
                 FROM (SELECT value FROM json_each($1) LIMIT -1 OFFSET 0) AS j) AS r WHERE nodes.node_id = r.n \
                 AND (nodes.last_seen < r.at OR nodes.holder IS NOT $2) \
                 RETURNING nodes.node_id, nodes.status"
            }
            Backend::Postgres => {
                "UPDATE nodes SET last_seen = GREATEST(nodes.last_seen, r.at), holder = $2 FROM json_to_recordset($1::json) AS r(n TEXT, at BIGINT) \
                 WHERE nodes.node_id = r.n AND (nodes.last_seen < r.at OR nodes.holder IS DISTINCT FROM $2) \
                 RETURNING nodes.node_id, nodes.status"
            }
        };
        let rows: Vec<(String, String)> = sqlx::query_as(sql)
            .bind(json)
            .bind(holder)
            .fetch_all(&self.writer)
            .await?;
        let mut touched = Touched::default();
        for (node, status) in rows {
            match decode::status(&format!("node {node:?}"), "status", &status)? {
                NodeStatus::Silent => touched.silent.push(node),
                NodeStatus::Retired => touched.retired.push(node),
                _ => {}
            }
        }
        Ok(touched)
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
        if let Some(s) = f.status {
            args.push(s.as_str().to_string());
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
    /// its transitions; `None` for an unknown node. The five reads are
    /// independent and run at once, each on a connection of its own: the
    /// page waits for the slowest, not for their sum (under load each
    /// round trip also waits its turn for a core).
    pub async fn node_detail(
        &self,
        node_id: &str,
        history: i64,
    ) -> Result<Option<NodeDetail>, StoreError> {
        let containers = super::ContainerFilter {
            node_id: Some(node_id.to_string()),
            ..Default::default()
        };
        let (node, open, history, transitions, containers) = tokio::try_join!(
            self.node(node_id),
            self.deviations(node_id, Some(true), 10_000),
            self.deviations(node_id, Some(false), history),
            self.transitions(Some(node_id), 1_000),
            self.containers(&containers),
        )?;
        Ok(node.map(|node| NodeDetail {
            node,
            open,
            history,
            transitions,
            containers,
        }))
    }

    /// Nodes no live replica holds (disconnected, or released by a
    /// replica that died) heard from longer ago than `silence` allows at
    /// `now`, and not already silent, retired or recycling: (node, status,
    /// last seen, heartbeat period). Read through `nodes_unheld`, which
    /// holds only unheld nodes that may still go silent: the cost follows
    /// them, never the connected fleet.
    pub async fn quiet_nodes(
        &self,
        now: i64,
        silence: Silence,
    ) -> Result<Vec<(String, String, i64, i64)>, StoreError> {
        // The index range: the shortest silence any node can have (a
        // one-second heartbeat), then each node's own.
        let (cutoff, per_period) = match silence {
            Silence::After(ms) => (now - ms, 0),
            Silence::Heartbeats(n) => (now - n * 1000, n * 1000),
        };
        let before = match silence {
            Silence::After(ms) => now - ms,
            Silence::Heartbeats(_) => now,
        };
        Ok(sqlx::query_as(
            "SELECT node_id, status, last_seen, heartbeat_secs FROM nodes \
             WHERE holder IS NULL AND status NOT IN ('silent', 'retired', 'recycling') \
             AND last_seen < $3 \
             AND last_seen + (CASE WHEN heartbeat_secs < 1 THEN 1 ELSE heartbeat_secs END) * $2 < $1",
        )
        .bind(before)
        .bind(per_period)
        .bind(cutoff)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Counts of nodes by status (decoded: a status the schema does not
    /// allow is an error naming it).
    pub async fn status_counts(&self) -> Result<Vec<(NodeStatus, i64)>, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM nodes GROUP BY status")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(s, n)| Ok((decode::status("nodes by status", "status", &s)?, n)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Open deviations by severity across the fleet, retired nodes left
    /// out (their deviations stay for history, not as work): from a
    /// snapshot (see `snapshot`).
    pub async fn open_by_severity(&self) -> Result<SeverityCounts, StoreError> {
        let store = self.clone();
        self.severities
            .serve("open deviations by severity", move || async move {
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT d.severity, COUNT(*) FROM deviations d JOIN nodes n ON n.node_id = d.node_id \
                     WHERE d.resolved_at IS NULL AND n.status <> 'retired' GROUP BY d.severity",
                )
                .fetch_all(&store.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(s, n)| (severity_name(s), n))
                    .collect())
            })
            .await
    }
}

/// Nodes per image and status, from the snapshot (`snapshot`).
impl Store {
    /// Counts of nodes by (image, status), decoded: from the snapshot
    /// (see the module documentation).
    pub async fn image_status_counts(&self) -> Result<ImageStatusCounts, StoreError> {
        let store = self.clone();
        self.snapshot
            .serve("nodes per image", move || async move {
                store.count_images().await
            })
            .await
    }

    /// Counts nodes by (image, status) now, and keeps the answer.
    pub async fn count_images_now(&self) -> Result<std::sync::Arc<ImageStatusCounts>, StoreError> {
        let at = std::time::Instant::now();
        let counts = std::sync::Arc::new(self.count_images().await?);
        self.snapshot.put(at, counts.clone());
        Ok(counts)
    }

    /// Counts nodes by (image, status).
    async fn count_images(&self) -> Result<ImageStatusCounts, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT image_id, status, COUNT(*) FROM nodes GROUP BY image_id, status",
        )
        .fetch_all(&self.pool)
        .await?;
        let counts: ImageStatusCounts = rows
            .into_iter()
            .map(|(image, s, n)| {
                let status = decode::status(&format!("nodes of image {image:?}"), "status", &s)?;
                Ok((image, status, n))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(counts)
    }
}

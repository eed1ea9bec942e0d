//! Stored deviations: the statements that add and resolve them, their
//! counts, a node's open set as the policy reads it, its pages, and the
//! collector's own findings.

use std::collections::{HashMap, HashSet};

use plumb_proto::kind_snake;
use plumb_proto::v1::{Deviation, DeviationKind, Severity};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{decode, Backend, Store, StoreError};
pub(crate) use super::keys::container_key;
use crate::model::StoredDeviation;
use crate::policy::{OpenDeviation, SeverityCounts};

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

pub(super) fn deviation_from_row(r: &AnyRow) -> Result<StoredDeviation, sqlx::Error> {
    let changes: String = r.try_get("changes")?;
    let key: String = r.try_get("dkey")?;
    let row = format!("deviation {key:?}");
    Ok(StoredDeviation {
        kind: decode::kind(&row, &r.try_get::<String, _>("kind")?)?,
        severity: decode::severity(&row, r.try_get("severity")?)?,
        key,
        expected: r.try_get("expected")?,
        actual: r.try_get("actual")?,
        changes: if changes.is_empty() {
            Vec::new()
        } else {
            changes.split(',').map(String::from).collect()
        },
        package: r.try_get("package")?,
        explained_by: r.try_get("explained_by")?,
        container: r.try_get("container")?,
        first_seen: r.try_get("first_seen")?,
        resolved_at: r.try_get("resolved_at")?,
    })
}

pub(super) fn kind_name(k: i32) -> &'static str {
    kind_snake(DeviationKind::try_from(k).unwrap_or(DeviationKind::Unspecified))
}

pub(super) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
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
    refresh_container_counts(tx, node_id, None).await
}

/// Recounts the open deviations of a node's containers (of `only` those
/// given as a JSON array of ids, or all) in one pass over the node's open
/// deviations: zeroes, then the counts of those that have any.
pub(super) async fn refresh_container_counts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    node_id: &str,
    only: Option<(Backend, &str)>,
) -> Result<(), sqlx::Error> {
    let ids = match only {
        None => None,
        Some((Backend::Sqlite, ids)) => Some(("SELECT value FROM json_each($2)", ids)),
        Some((Backend::Postgres, ids)) => Some(("SELECT json_array_elements_text($2::json)", ids)),
    };
    let (mine, theirs) = match ids {
        None => (String::new(), String::new()),
        Some((list, _)) => (
            format!("AND container_id IN ({list})"),
            format!("AND container IN ({list})"),
        ),
    };
    let zero = format!(
        "UPDATE containers SET open_low = 0, open_medium = 0, open_high = 0, open_critical = 0, \
         open_count = 0, max_severity = 0 WHERE node_id = $1 {mine}"
    );
    let count = format!(
        "UPDATE containers SET open_low = a.l, open_medium = a.m, open_high = a.h, open_critical = a.c, \
         open_count = a.n, max_severity = a.w \
         FROM (SELECT container AS t, \
           SUM(CASE WHEN severity <= 1 THEN 1 ELSE 0 END) AS l, SUM(CASE WHEN severity = 2 THEN 1 ELSE 0 END) AS m, \
           SUM(CASE WHEN severity = 3 THEN 1 ELSE 0 END) AS h, SUM(CASE WHEN severity >= 4 THEN 1 ELSE 0 END) AS c, \
           COUNT(*) AS n, MAX(severity) AS w \
           FROM deviations WHERE node_id = $1 AND resolved_at IS NULL AND container <> '' {theirs} \
           GROUP BY container) AS a \
         WHERE containers.node_id = $1 AND containers.container_id = a.t"
    );
    for sql in [zero, count] {
        let mut q = sqlx::query(&sql).bind(node_id);
        if let Some((_, ids)) = ids {
            q = q.bind(ids);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Resolves open deviations (node, container, kind, key): moves them
/// from `deviations` to `resolved_deviations` (one statement on
/// PostgreSQL, two on SQLite); returns the node, container and severity
/// of each one resolved.
pub(super) async fn resolve_many(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    keys: &[(&str, &str, &str, &str)],
    now: i64,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(serde::Serialize, PartialEq, Eq, Hash)]
    struct Key<'a> {
        n: &'a str,
        r: i64,
        k: &'a str,
        d: &'a str,
    }
    let unique: HashSet<Key<'_>> = keys
        .iter()
        .map(|&(n, t, k, d)| Key {
            n,
            r: container_key(t),
            k,
            d,
        })
        .collect();
    let source = match backend {
        Backend::Sqlite => {
            "(SELECT j.value ->> 'n' AS n, j.value ->> 'r' AS r, j.value ->> 'k' AS k, j.value ->> 'd' AS d FROM (SELECT value FROM json_each($2) LIMIT -1 OFFSET 0) AS j) AS r"
        }
        Backend::Postgres => "json_to_recordset($2::json) AS r(n TEXT, r BIGINT, k TEXT, d TEXT)",
    };
    let matched = "deviations.node_id = r.n AND deviations.kind = r.k AND deviations.dkey = r.d \
         AND deviations.cref = r.r AND deviations.resolved_at IS NULL";
    match backend {
        Backend::Postgres => Ok(sqlx::query_as(&format!(
            "WITH moved AS (DELETE FROM deviations USING {source} WHERE {matched} RETURNING deviations.*) \
             INSERT INTO resolved_deviations ({RESOLVED_COLUMNS}) SELECT {MOVED_COLUMNS} FROM moved \
             RETURNING node_id, container, severity"
        ))
        .bind(now)
        .bind(to_json(&unique)?)
        .fetch_all(&mut **tx)
        .await?),
        Backend::Sqlite => {
            let moved: Vec<(i64, String, String, i64)> = sqlx::query_as(&format!(
                "INSERT INTO resolved_deviations ({RESOLVED_COLUMNS}) \
                 SELECT {MOVED_COLUMNS} FROM deviations JOIN {source} ON {matched} \
                 RETURNING id, node_id, container, severity"
            ))
            .bind(now)
            .bind(to_json(&unique)?)
            .fetch_all(&mut **tx)
            .await?;
            let ids: Vec<i64> = moved.iter().map(|m| m.0).collect();
            sqlx::query("DELETE FROM deviations WHERE id IN (SELECT value FROM json_each($1))")
                .bind(to_json(&ids)?)
                .execute(&mut **tx)
                .await?;
            Ok(moved.into_iter().map(|(_, n, t, s)| (n, t, s)).collect())
        }
    }
}

/// The columns of `resolved_deviations`, in the order of
/// [`MOVED_COLUMNS`].
const RESOLVED_COLUMNS: &str =
    "id, node_id, container, cref, kind, dkey, severity, expected, actual, \
     changes, package, explained_by, first_seen, resolved_at";
/// An open deviation's columns as a resolved row, resolved at `$1`.
const MOVED_COLUMNS: &str =
    "id, node_id, container, cref, kind, dkey, severity, expected, actual, \
     changes, package, explained_by, first_seen, $1";

#[derive(serde::Serialize)]
pub(super) struct JsonRow<'a> {
    n: &'a str,
    t: &'a str,
    /// The container's key ([`container_key`]).
    r: i64,
    k: &'static str,
    d: &'a str,
    s: i64,
    e: &'a str,
    a: &'a str,
    c: String,
    p: &'a str,
    x: &'a str,
}

/// A stored deviation's identity: what looking it up needs.
#[derive(serde::Serialize)]
pub(super) struct JsonKey<'a> {
    n: &'a str,
    r: i64,
    k: &'static str,
    d: &'a str,
}

impl<'a> JsonRow<'a> {
    fn key(&self) -> JsonKey<'a> {
        JsonKey {
            n: self.n,
            r: self.r,
            k: self.k,
            d: self.d,
        }
    }
}

/// Upserts deviations of any number of nodes with one statement whose
/// rows arrive as a single JSON parameter (per-parameter overhead through
/// sqlx dominated multi-row VALUES; see `examples/store_bench.rs`).
/// On SQLite the rows come from `(SELECT value FROM json_each($1) LIMIT
/// -1 OFFSET 0)`, as in every batched statement: the OFFSET keeps SQLite
/// from flattening the subquery, and flattened, each of the eleven
/// `j.value ->> 'x'` made `json_each` render the element as text again
/// (the upsert took twice as long).
/// Returns, per row stored, its node and container, the severity it
/// replaced (none for a new row) and its severity. A (node, kind, key) given twice is stored
/// once, the last one winning. `racing`: other writers may store the same
/// rows at the same time (the upsert then settles it).
pub(super) async fn upsert_many<'a>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    added: &[(&'a str, &'a Deviation)],
    racing: bool,
    now: i64,
) -> Result<Vec<Upserted<'a>>, sqlx::Error> {
    if added.is_empty() {
        return Ok(Vec::new());
    }
    // PostgreSQL refuses to upsert a row twice in one statement.
    let mut last: HashMap<(&'a str, &'a str, i32, &'a str), &'a Deviation> =
        HashMap::with_capacity(added.len());
    for &(n, d) in added {
        last.insert((n, d.container.as_str(), d.kind, d.key.as_str()), d);
    }
    // A batch's deviations are in a few containers: each keyed once.
    let mut keys: HashMap<&'a str, i64> = HashMap::new();
    let rows: Vec<JsonRow<'a>> = last
        .into_iter()
        .map(|((n, _, _, _), d)| JsonRow {
            n,
            t: &d.container,
            r: *keys
                .entry(d.container.as_str())
                .or_insert_with(|| container_key(&d.container)),
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
                   AS (n TEXT, t TEXT, r BIGINT, k TEXT, d TEXT, s BIGINT, e TEXT, a TEXT, c TEXT, p TEXT, x TEXT)) WITH ORDINALITY \
                   AS r(n, t, r, k, d, s, e, a, c, p, x, ord)), \
                 old AS MATERIALIZED (SELECT r.ord, v.id, v.severity FROM r JOIN deviations v \
                   ON v.node_id = r.n AND v.kind = r.k AND v.dkey = r.d AND v.cref = r.r AND v.resolved_at IS NULL), \
                 upd AS (UPDATE deviations SET severity = r.s, expected = r.e, actual = r.a, changes = r.c, \
                   package = r.p, explained_by = r.x FROM old JOIN r ON r.ord = old.ord WHERE deviations.id = old.id), \
                 ins AS (INSERT INTO deviations (node_id, container, cref, kind, dkey, severity, expected, actual, changes, package, \
                   explained_by, first_seen, resolved_at) SELECT r.n, r.t, r.r, r.k, r.d, r.s, r.e, r.a, r.c, r.p, r.x, $2::BIGINT, NULL::BIGINT \
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
                    "(SELECT j.value ->> 'n' AS n, j.value ->> 'r' AS r, j.value ->> 'k' AS k, j.value ->> 'd' AS d FROM (SELECT value FROM json_each($1) LIMIT -1 OFFSET 0) AS j) AS r",
                    "SELECT j.value ->> 'n', j.value ->> 't', j.value ->> 'r', j.value ->> 'k', j.value ->> 'd', j.value ->> 's', j.value ->> 'e', \
                     j.value ->> 'a', j.value ->> 'c', j.value ->> 'p', j.value ->> 'x', $2, NULL FROM (SELECT value FROM json_each($1) LIMIT -1 OFFSET 0) AS j WHERE true",
                ),
                Backend::Postgres => (
                    "json_to_recordset($1::json) AS r(n TEXT, r BIGINT, k TEXT, d TEXT)",
                    "SELECT r.n, r.t, r.r, r.k, r.d, r.s, r.e, r.a, r.c, r.p, r.x, $2::BIGINT, NULL::BIGINT FROM \
                     json_to_recordset($1::json) AS r(n TEXT, t TEXT, r BIGINT, k TEXT, d TEXT, s BIGINT, e TEXT, a TEXT, c TEXT, p TEXT, x TEXT)",
                ),
            };
            let before: Vec<(String, i64, String, String, i64)> = sqlx::query_as(&format!(
                "SELECT v.node_id, v.cref, v.kind, v.dkey, v.severity FROM {keys} JOIN deviations v \
                 ON v.node_id = r.n AND v.kind = r.k AND v.dkey = r.d AND v.cref = r.r AND v.resolved_at IS NULL"
            ))
            // The keys alone: SQLite's JSON functions cost what they read.
            .bind(to_json(&rows.iter().map(JsonRow::key).collect::<Vec<_>>())?)
            .fetch_all(&mut **tx)
            .await?;
            let before: HashMap<(String, i64, String, String), i64> = before
                .into_iter()
                .map(|(n, t, k, d, s)| ((n, t, k, d), s))
                .collect();
            sqlx::query(&format!(
                "INSERT INTO deviations (node_id, container, cref, kind, dkey, severity, expected, actual, changes, package, explained_by, first_seen, resolved_at) \
                 {source} ON CONFLICT (node_id, kind, dkey, cref) WHERE resolved_at IS NULL DO UPDATE SET severity = excluded.severity, \
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
                        .get(&(r.n.to_string(), r.r, r.k.to_string(), r.d.to_string()))
                        .copied()
                })
                .collect()
        }
    };
    Ok(rows
        .iter()
        .zip(old)
        .map(|(r, old)| Upserted {
            node: r.n,
            container: r.t,
            old,
            new: r.s,
        })
        .collect())
}

/// A deviation [`upsert_many`] stored.
pub(super) struct Upserted<'a> {
    pub node: &'a str,
    pub container: &'a str,
    /// The severity of the open row it replaced, if any.
    pub old: Option<i64>,
    pub new: i64,
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

/// A collector finding as a deviation (kind `integrity`, critical).
pub fn finding(key: &str, expected: &str, actual: &str) -> Deviation {
    Deviation {
        kind: DeviationKind::Integrity as i32,
        key: key.to_string(),
        severity: Severity::Critical as i32,
        expected: expected.to_string(),
        actual: actual.to_string(),
        ..Default::default()
    }
}

impl Store {
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
    pub(super) async fn open_counts(&self, node_id: &str) -> Result<[i64; 4], StoreError> {
        let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT open_low, open_medium, open_high, open_critical FROM nodes WHERE node_id = $1",
        )
        .bind(node_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or([0; 4], |(l, m, h, c)| [l, m, h, c]))
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
        // Open and resolved deviations are in tables of their own, each
        // with an index in this order; all of them is the two merged.
        let mut rows = Vec::new();
        // (`deviations` holds open ones only; its indexes are partial,
        // on `resolved_at IS NULL`, which the query must say to use them.)
        // (Resolved ones are history, read on its own connections.)
        for (table, wanted, pool) in [
            (
                "deviations WHERE resolved_at IS NULL AND",
                open != Some(false),
                &self.pool,
            ),
            (
                "resolved_deviations WHERE",
                open != Some(true),
                &self.history,
            ),
        ] {
            if !wanted {
                continue;
            }
            let sql = format!(
                "SELECT id, kind, dkey, severity, expected, actual, changes, package, explained_by, container, first_seen, resolved_at \
                 FROM {table} node_id = $1 {page} ORDER BY severity DESC, id DESC LIMIT {limit}"
            );
            let mut q = sqlx::query(&sql).bind(node_id);
            if let Some(c) = &after {
                q = q.bind(c.severity).bind(c.id);
            }
            rows.extend(q.fetch_all(pool).await?);
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

    /// Records (or refreshes) a critical integrity finding on a node.
    pub async fn record_finding(
        &self,
        node_id: &str,
        key: &str,
        expected: &str,
        actual: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        let dev = finding(key, expected, actual);
        upsert_deviations(&mut tx, self.backend, node_id, &[dev], now).await?;
        refresh_counts(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves an integrity finding (e.g. the manifest digest matches
    /// again).
    pub async fn clear_finding(
        &self,
        node_id: &str,
        key: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.clear_deviation(node_id, DeviationKind::Integrity, key, now)
            .await
    }

    /// Records that the node cannot report completely (its agent cannot
    /// write its spool): a critical `scan_error` kept by the collector.
    pub async fn record_unverified(
        &self,
        node_id: &str,
        key: &str,
        why: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        let dev = Deviation {
            kind: DeviationKind::ScanError as i32,
            key: key.to_string(),
            severity: Severity::Critical as i32,
            actual: why.chars().take(plumb_proto::MAX_STATE_BYTES).collect(),
            ..Default::default()
        };
        upsert_deviations(&mut tx, self.backend, node_id, &[dev], now).await?;
        refresh_counts(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves one open deviation the collector keeps.
    pub async fn clear_deviation(
        &self,
        node_id: &str,
        kind: DeviationKind,
        key: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let n = resolve_many(
            &mut tx,
            self.backend,
            &[(node_id, "", plumb_proto::kind_snake(kind), key)],
            now,
        )
        .await?
        .len();
        if n > 0 {
            refresh_counts(&mut tx, node_id).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }
}

/// The count bucket of a stored severity (unknown values count as the
/// nearest known one).
pub(super) fn bucket(severity: i64) -> usize {
    (severity.clamp(1, 4) - 1) as usize
}

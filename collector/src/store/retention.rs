//! Retention: history older than the cutoff goes.
//!
//! On PostgreSQL the two largest histories, resolved deviations and
//! transitions, are partitioned by UTC day (migration 0015): the
//! collector makes each day's partition ahead of time
//! ([`Store::ensure_partitions`]) and retention drops the days wholly
//! before the cutoff, then deletes the rows before it in the one day the
//! cutoff falls in (and in the default partition). Elsewhere, and for the
//! smaller histories, rows are deleted in batches.

use super::db::{Backend, Store, StoreError};

/// The width of one history partition: a UTC day.
pub const PARTITION_MS: i64 = 86_400_000;
/// Days made ahead of today, so that rows never wait for their
/// partition (a collector stopped for longer sends new rows to the
/// default partition, and they move when their day is made).
const DAYS_AHEAD: i64 = 3;
/// The tables partitioned by day, and the column they are partitioned by.
const PARTITIONED: [(&str, &str); 2] = [
    ("resolved_deviations", "resolved_at"),
    ("transitions", "at"),
];

/// What a prune removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Rows deleted one by one (in batches).
    pub rows: i64,
    /// Day partitions dropped whole.
    pub partitions: usize,
}

impl Store {
    /// Makes the day partitions of partitioned history from yesterday to
    /// [`DAYS_AHEAD`] days after `now` that do not exist yet, moving into
    /// each the default partition's rows of its day; returns how many were
    /// made. Nothing to do on SQLite. Replicas may run it at once: an
    /// advisory lock takes them in turn.
    pub async fn ensure_partitions(&self, now: i64) -> Result<usize, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(0);
        }
        let today = now.div_euclid(PARTITION_MS);
        let mut made = 0;
        for (table, column) in PARTITIONED {
            for day in today - 1..=today + DAYS_AHEAD {
                let name = format!("{table}_d{day}");
                let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
                    .bind(&name)
                    .fetch_one(&self.writer)
                    .await?;
                if exists.is_some() {
                    continue;
                }
                let (lo, hi) = (day * PARTITION_MS, (day + 1) * PARTITION_MS);
                let mut tx = self.writer.begin().await?;
                // One maker at a time, across replicas; the loser finds
                // the partition made.
                sqlx::query("SELECT pg_advisory_xact_lock(7346021)")
                    .execute(&mut *tx)
                    .await?;
                let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
                    .bind(&name)
                    .fetch_one(&mut *tx)
                    .await?;
                if exists.is_some() {
                    continue;
                }
                // Made beside the table and attached once it holds its
                // day: a partition cannot be attached while the default
                // one holds rows of its range.
                for sql in [
                    format!("CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)"),
                    format!(
                        "INSERT INTO {name} SELECT * FROM {table}_default \
                         WHERE {column} >= {lo} AND {column} < {hi}"
                    ),
                    format!("DELETE FROM {table}_default WHERE {column} >= {lo} AND {column} < {hi}"),
                    format!("ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ({lo}) TO ({hi})"),
                ] {
                    sqlx::query(&sql).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                made += 1;
            }
        }
        if made > 0 {
            tracing::debug!(partitions = made, "history partitions made");
        }
        Ok(made)
    }

    /// Deletes history older than `cutoff`: resolved deviations,
    /// transitions, delivered alerts, audit entries, family rollout
    /// points, and retired nodes
    /// (with everything they left) retired before it. Day partitions
    /// wholly before the cutoff are dropped; other rows go in batches of
    /// `batch` so no transaction grows with the backlog.
    pub async fn prune_history(&self, cutoff: i64, batch: i64) -> Result<Pruned, StoreError> {
        let batch = batch.clamp(1, 100_000);
        let mut pruned = Pruned {
            partitions: self.drop_partitions(cutoff).await?,
            ..Pruned::default()
        };
        // On PostgreSQL the resolved-deviation and transition deletes
        // reach only the day the cutoff falls in and the default
        // partition: the others are pruned away by the condition on
        // their partition key.
        let statements = [
            "DELETE FROM resolved_deviations WHERE id IN (SELECT id FROM resolved_deviations \
             WHERE resolved_at < $1 LIMIT $2)",
            "DELETE FROM transitions WHERE id IN (SELECT id FROM transitions WHERE at < $1 LIMIT $2)",
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox \
             WHERE delivered_at IS NOT NULL AND delivered_at < $1 LIMIT $2)",
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 LIMIT $2)",
            "DELETE FROM family_rollout WHERE (family, at) IN \
             (SELECT family, at FROM family_rollout WHERE at < $1 LIMIT $2)",
        ];
        for sql in statements {
            loop {
                let n = sqlx::query(sql)
                    .bind(cutoff)
                    .bind(batch)
                    .execute(&self.writer)
                    .await?
                    .rows_affected() as i64;
                pruned.rows += n;
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
                // `deviations` is read through its partial indexes,
                // which need their condition said.
                for table in [
                    "deviations WHERE resolved_at IS NULL AND",
                    "resolved_deviations WHERE",
                    "transitions WHERE",
                    "streams WHERE",
                    "node_commands WHERE",
                    "nodes WHERE",
                ] {
                    let n = sqlx::query(&format!("DELETE FROM {table} node_id = $1"))
                        .bind(node)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    pruned.rows += n as i64;
                }
            }
            tx.commit().await?;
        }
        Ok(pruned)
    }

    /// Drops the day partitions that end at or before `cutoff`; how many.
    async fn drop_partitions(&self, cutoff: i64) -> Result<usize, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(0);
        }
        let mut dropped = 0;
        for (table, _) in PARTITIONED {
            let children: Vec<String> = sqlx::query_scalar(
                "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                 WHERE i.inhparent = to_regclass($1)",
            )
            .bind(table)
            .fetch_all(&self.writer)
            .await?;
            for child in children {
                let Some(day) = partition_day(table, &child) else {
                    continue;
                };
                if (day + 1) * PARTITION_MS <= cutoff {
                    sqlx::query(&format!("DROP TABLE IF EXISTS {child}"))
                        .execute(&self.writer)
                        .await?;
                    dropped += 1;
                }
            }
        }
        Ok(dropped)
    }
}

/// The day a partition of `table` named `{table}_d{day}` holds; none for
/// the default partition or a table not named so.
fn partition_day(table: &str, child: &str) -> Option<i64> {
    child.strip_prefix(table)?.strip_prefix("_d")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::partition_day;

    #[test]
    fn partition_names_give_their_day() {
        assert_eq!(
            partition_day("transitions", "transitions_d20430"),
            Some(20430)
        );
        assert_eq!(partition_day("transitions", "transitions_default"), None);
        assert_eq!(partition_day("transitions", "resolved_deviations_d1"), None);
        assert_eq!(partition_day("transitions", "transitions_d-1"), Some(-1));
    }
}

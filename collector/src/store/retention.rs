//! Retention: history older than the cutoff is deleted in batches.

use super::db::{Store, StoreError};

impl Store {
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
}

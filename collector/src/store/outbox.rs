//! The alert outbox: rows committed with transitions, delivered in order
//! per sink and retried.

use super::db::{Store, StoreError};

/// An alert waiting in the outbox.
#[derive(Clone, Debug)]
pub struct OutboxItem {
    pub id: i64,
    pub sink: String,
    pub payload: String,
    pub attempts: i64,
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

impl Store {
    /// Queues alert payloads outside a transition (e.g. a retired node
    /// that is still alive, whose status cannot change any more).
    pub async fn queue_alerts(
        &self,
        alerts: &[(String, String)],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        queue_outbox(&mut tx, alerts, now).await?;
        tx.commit().await?;
        Ok(())
    }

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

//! What replicas of one database share: which holds each agent's stream,
//! commands relayed to it, and leases on fleet-wide work.

use super::db::{Store, StoreError};

impl Store {
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
}

//! What replicas of one database share: which holds each agent's stream,
//! commands relayed to it, and leases on fleet-wide work.

use super::db::{Backend, Store, StoreError};
use crate::model::Relayed;

impl Store {
    /// Records that `holder` holds `node`'s stream now.
    pub async fn stream_opened(
        &self,
        node: &str,
        holder: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        // Commands queued for the replica that held it before follow it.
        // (`nodes.holder`, which keeps the node out of the silence check's
        // index, is set by the hello itself.)
        let opened = "INSERT INTO streams (node_id, holder, since) VALUES ($1, $2, $3) \
             ON CONFLICT (node_id) DO UPDATE SET holder = excluded.holder, since = excluded.since";
        let commands = "UPDATE node_commands SET holder = $2 WHERE node_id = $1";
        match self.backend {
            Backend::Postgres => {
                sqlx::query(&format!("WITH c AS ({commands}) {opened}"))
                    .bind(node)
                    .bind(holder)
                    .bind(now)
                    .execute(&self.writer)
                    .await?;
            }
            Backend::Sqlite => {
                sqlx::query(opened)
                    .bind(node)
                    .bind(holder)
                    .bind(now)
                    .execute(&self.writer)
                    .await?;
                sqlx::query(commands)
                    .bind(node)
                    .bind(holder)
                    .execute(&self.writer)
                    .await?;
            }
        }
        Ok(())
    }

    /// `holder` no longer holds `node`'s stream (unless another replica
    /// took it since); the node was last heard from at `last_contact`.
    pub async fn stream_closed(
        &self,
        node: &str,
        holder: &str,
        last_contact: i64,
    ) -> Result<(), StoreError> {
        self.streams_closed(&[(node.to_string(), last_contact)], holder)
            .await
    }

    /// [`Store::stream_closed`] for many nodes (node, last contact) in one
    /// statement (two on SQLite), in node order.
    pub async fn streams_closed(
        &self,
        rows: &[(String, i64)],
        holder: &str,
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let json = super::nodes::node_times_json(rows)?;
        match self.backend {
            Backend::Postgres => {
                sqlx::query(
                    "WITH r AS (SELECT * FROM json_to_recordset($1::json) AS r(n TEXT, at BIGINT)), \
                     f AS (DELETE FROM streams USING r WHERE streams.node_id = r.n AND streams.holder = $2) \
                     UPDATE nodes SET holder = NULL, last_seen = GREATEST(nodes.last_seen, r.at) FROM r \
                     WHERE nodes.node_id = r.n AND nodes.holder = $2",
                )
                .bind(&json)
                .bind(holder)
                .execute(&self.writer)
                .await?;
            }
            Backend::Sqlite => {
                sqlx::query(
                    "DELETE FROM streams WHERE holder = $2 AND node_id IN \
                     (SELECT j.value ->> 'n' FROM json_each($1) AS j)",
                )
                .bind(&json)
                .bind(holder)
                .execute(&self.writer)
                .await?;
                sqlx::query(
                    "UPDATE nodes SET holder = NULL, last_seen = MAX(nodes.last_seen, r.at) FROM \
                     (SELECT j.value ->> 'n' AS n, j.value ->> 'at' AS at \
                      FROM (SELECT value FROM json_each($1) LIMIT -1 OFFSET 0) AS j) AS r \
                     WHERE nodes.node_id = r.n AND nodes.holder = $2",
                )
                .bind(&json)
                .bind(holder)
                .execute(&self.writer)
                .await?;
            }
        }
        Ok(())
    }

    /// Forgets every stream `holder` held: at its start (a crashed replica
    /// of the same name holds none of them any more), at its clean
    /// shutdown, or when its replica lease lapsed (it died). Its nodes
    /// were alive until `alive_at` at least (the last renewal of its
    /// lease): from then on the silence check counts their silence.
    pub async fn release_holder(&self, holder: &str, alive_at: i64) -> Result<u64, StoreError> {
        sqlx::query("DELETE FROM streams WHERE holder = $1")
            .bind(holder)
            .execute(&self.writer)
            .await?;
        let done = sqlx::query(&format!(
            "UPDATE nodes SET holder = NULL, last_seen = {} WHERE holder = $1",
            self.greatest("last_seen", "$2")
        ))
        .bind(holder)
        .bind(alive_at)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// The larger of two SQL values.
    fn greatest(&self, a: &str, b: &str) -> String {
        match self.backend {
            super::Backend::Sqlite => format!("MAX({a}, {b})"),
            super::Backend::Postgres => format!("GREATEST({a}, {b})"),
        }
    }

    /// When `name`'s lease runs out, if anyone holds it.
    pub async fn lease_until(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT until_ms FROM leases WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.control)
                .await?,
        )
    }

    /// Leases named `prefix…` that lapsed before `now`: (name, until).
    /// `prefix` holds no `%` or `_`.
    pub async fn lapsed_leases(
        &self,
        prefix: &str,
        now: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(
            sqlx::query_as(
                "SELECT name, until_ms FROM leases WHERE name LIKE $1 AND until_ms < $2",
            )
            .bind(format!("{prefix}%"))
            .bind(now)
            .fetch_all(&self.pool)
            .await?,
        )
    }

    /// Drops the lease `name` if it is still the lapsed one (`until`): a
    /// replica that renewed it meanwhile keeps it.
    pub async fn drop_lapsed_lease(&self, name: &str, until: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM leases WHERE name = $1 AND until_ms = $2")
            .bind(name)
            .bind(until)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
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

    /// Queues `kind` for the replica holding `node`'s stream.
    pub async fn relay_command(
        &self,
        node: &str,
        holder: &str,
        kind: Relayed,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO node_commands (node_id, holder, kind, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(node)
        .bind(holder)
        .bind(kind.as_str())
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
    ) -> Result<Vec<(String, Relayed)>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "DELETE FROM node_commands WHERE holder = $1 RETURNING node_id, kind, created_at",
        )
        .bind(holder)
        .fetch_all(&self.writer)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, at)| *at >= expired_before)
            .filter_map(|(node, kind, _)| match Relayed::parse(&kind) {
                Some(k) => Some((node, k)),
                // Taken off the queue either way: said, never guessed.
                None => {
                    tracing::error!(node = %node, kind = %kind, "a relayed command of an unknown kind was dropped");
                    None
                }
            })
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
        .execute(&self.control)
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

impl Store {
    /// The TLS ticket keys of `periods` (hex, 32 bytes each), each made
    /// from `fresh` by whichever replica asks first; keys of periods
    /// before the first are erased.
    pub async fn ticket_keys(
        &self,
        periods: &[i64],
        fresh: impl Fn() -> String,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let Some(&oldest) = periods.iter().min() else {
            return Ok(Vec::new());
        };
        for &period in periods {
            sqlx::query(
                "INSERT INTO ticket_keys (period, key_hex) VALUES ($1, $2) ON CONFLICT (period) DO NOTHING",
            )
            .bind(period)
            .bind(fresh())
            .execute(&self.writer)
            .await?;
        }
        sqlx::query("DELETE FROM ticket_keys WHERE period < $1")
            .bind(oldest)
            .execute(&self.writer)
            .await?;
        let keys: Vec<(i64, String)> =
            sqlx::query_as("SELECT period, key_hex FROM ticket_keys WHERE period >= $1")
                .bind(oldest)
                .fetch_all(&self.writer)
                .await?;
        Ok(keys)
    }
}

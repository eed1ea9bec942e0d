//! The audit log: rows written in batches, read newest first, pruned
//! within separate budgets for actions and refusals.

use serde::Serialize;
use sqlx::Row;

use super::db::{Store, StoreError};

/// One audit log row.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub source: String,
    /// `ok` or `refused`.
    pub outcome: String,
    pub detail: String,
}

impl Store {
    pub async fn insert_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        for e in entries {
            sqlx::query(
                "INSERT INTO audit (at, actor, role, action, target, source, outcome, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(e.at)
            .bind(&e.actor)
            .bind(&e.role)
            .bind(&e.action)
            .bind(&e.target)
            .bind(&e.source)
            .bind(&e.outcome)
            .bind(&e.detail)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Newest first; only entries about `target` when given.
    pub async fn audit(
        &self,
        target: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = "SELECT at, actor, role, action, target, source, outcome, detail FROM audit";
        let rows = match target {
            Some(t) => {
                sqlx::query(&format!(
                    "{sql} WHERE target = $1 ORDER BY id DESC LIMIT $2"
                ))
                .bind(t)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{sql} ORDER BY id DESC LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    role: r.try_get("role")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    source: r.try_get("source")?,
                    outcome: r.try_get("outcome")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Keeps the newest `keep` actions and, apart, the newest `keep`
    /// refusals of the audit log (a flood of refusals cannot push an
    /// action out), and drops expired sessions.
    pub async fn prune_audit(&self, keep: i64, now: i64) -> Result<(), StoreError> {
        for budget in ["outcome = 'ok'", "outcome <> 'ok'"] {
            sqlx::query(&format!(
                "DELETE FROM audit WHERE {budget} AND id <= \
                 (SELECT id FROM audit WHERE {budget} ORDER BY id DESC LIMIT 1 OFFSET $1)"
            ))
            .bind(keep)
            .execute(&self.writer)
            .await?;
        }
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

//! The audit log: rows written in batches, read newest first, pruned
//! within separate budgets for actions and refusals.

use serde::Serialize;
use sqlx::Row;

use super::db::{Store, StoreError};

/// Who made an audited call: a token's role, a node certificate, or no
/// credentials at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Caller {
    None,
    Node,
    Read,
    Operator,
    Admin,
}

/// What came of an audited call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Refused,
}

const CALLERS: [(Caller, &str); 5] = [
    (Caller::None, "none"),
    (Caller::Node, "node"),
    (Caller::Read, "read"),
    (Caller::Operator, "operator"),
    (Caller::Admin, "admin"),
];

impl Caller {
    pub fn as_str(self) -> &'static str {
        CALLERS
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("none", |(_, s)| s)
    }

    pub fn parse(s: &str) -> Option<Caller> {
        CALLERS.iter().find(|(_, n)| *n == s).map(|(c, _)| *c)
    }
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "ok" => Some(Outcome::Ok),
            "refused" => Some(Outcome::Refused),
            _ => None,
        }
    }
}

/// One audit log row.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub role: Caller,
    pub action: String,
    pub target: String,
    pub source: String,
    pub outcome: Outcome,
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
            .bind(e.role.as_str())
            .bind(&e.action)
            .bind(&e.target)
            .bind(&e.source)
            .bind(e.outcome.as_str())
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
                // Decoded strictly: a value the schema does not allow is an
                // error naming the row.
                let at: i64 = r.try_get("at")?;
                let bad = |column: &str, value: &str| {
                    sqlx::Error::Decode(Box::new(super::db::InvalidRow(format!(
                        "audit entry at {at}: unknown {column} {value:?}"
                    ))))
                };
                let role: String = r.try_get("role")?;
                let outcome: String = r.try_get("outcome")?;
                Ok(AuditEntry {
                    at,
                    actor: r.try_get("actor")?,
                    role: Caller::parse(&role).ok_or_else(|| bad("role", &role))?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    source: r.try_get("source")?,
                    outcome: Outcome::parse(&outcome).ok_or_else(|| bad("outcome", &outcome))?,
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

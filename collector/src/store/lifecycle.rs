//! Node lifecycle: status changes (with the alerts they commit and the
//! held flag), transitions, reasons, and the flag queue.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{decode, Backend, Store, StoreError};
use super::nodes::{node_from_row, NODE_COLUMNS};
use super::outbox::queue_outbox;
use crate::model::{Node, NodeStatus, Transition};

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
pub(super) fn transition_from_row(r: &AnyRow) -> Result<Transition, sqlx::Error> {
    let reasons: String = r.try_get("reasons")?;
    let id: i64 = r.try_get("id")?;
    let row = format!("transition {id}");
    Ok(Transition {
        id,
        node_id: r.try_get("node_id")?,
        from: decode::status(&row, "from_status", &r.try_get::<String, _>("from_status")?)?,
        to: decode::status(&row, "to_status", &r.try_get::<String, _>("to_status")?)?,
        cause: r.try_get("cause")?,
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        at: r.try_get("at")?,
    })
}

impl Store {
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
            from,
            to,
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
                .fetch_all(&self.history)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT id, node_id, from_status, to_status, cause, reasons, at FROM transitions ORDER BY id DESC LIMIT {}",
                    limit.clamp(1, 10_000)
                ))
                .fetch_all(&self.history)
                .await?
            }
        };
        rows.iter()
            .map(transition_from_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Transitions recorded after id `after` (by any replica), oldest
    /// first, at most `limit`, each with its node's image and hostname
    /// (`None` for a node no longer stored).
    pub async fn transitions_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<FollowedTransition>, StoreError> {
        let rows = sqlx::query(&format!(
            "{FOLLOWED} WHERE t.id > $1 ORDER BY t.id LIMIT {}",
            limit.clamp(1, 10_000)
        ))
        .bind(after)
        .fetch_all(&self.history)
        .await?;
        followed_from_rows(&rows)
    }

    /// Those of the transitions `ids` that are recorded now, oldest first
    /// (ids a replica read past while their transactions were open).
    pub async fn transitions_with_ids(
        &self,
        ids: &[i64],
    ) -> Result<Vec<FollowedTransition>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = match self.backend {
            Backend::Sqlite => "SELECT value FROM json_each($1)",
            Backend::Postgres => "SELECT json_array_elements_text($1::json)::bigint",
        };
        let json = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let rows = sqlx::query(&format!("{FOLLOWED} WHERE t.id IN ({list}) ORDER BY t.id"))
            .bind(json)
            .fetch_all(&self.history)
            .await?;
        followed_from_rows(&rows)
    }

    /// Where a replica starts following transitions: the highest id
    /// recorded (0 when none), and the ids recorded at or after `since`,
    /// in order (the gaps between them may be transactions still open).
    pub async fn transitions_start(&self, since: i64) -> Result<(i64, Vec<i64>), StoreError> {
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM transitions")
            .fetch_one(&self.pool)
            .await?;
        let recent: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM transitions WHERE at >= $1 ORDER BY id")
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
        Ok((last, recent))
    }
}

/// A transition as another replica follows it: with its node's image and
/// hostname, `None` when the node is no longer stored.
pub type FollowedTransition = (Transition, Option<(String, String)>);

const FOLLOWED: &str =
    "SELECT t.id, t.node_id, t.from_status, t.to_status, t.cause, t.reasons, t.at, \
     n.image_id, n.hostname FROM transitions t LEFT JOIN nodes n ON n.node_id = t.node_id";

fn followed_from_rows(rows: &[AnyRow]) -> Result<Vec<FollowedTransition>, StoreError> {
    rows.iter()
        .map(|r| {
            let image: Option<String> = r.try_get("image_id")?;
            let hostname: Option<String> = r.try_get("hostname")?;
            Ok((transition_from_row(r)?, image.zip(hostname)))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

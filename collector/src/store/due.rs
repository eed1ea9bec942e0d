//! The images due for replacement, as last judged ([`crate::posture`]):
//! kept so that an image becoming due, or no longer due, is told once,
//! and so that the flag queue shows them without judging the fleet again.

use super::db::{Store, StoreError};
use super::outbox::queue_outbox;

/// An image judged due, as stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DueRow {
    pub image_id: String,
    pub family: Option<String>,
    /// When it was first judged due.
    pub since: i64,
    pub reasons: Vec<String>,
    pub advisories: Vec<String>,
    /// Nodes (not retired) and containers running it when last judged.
    pub nodes: i64,
    pub containers: i64,
}

impl Store {
    /// The images judged due, most nodes and containers first.
    pub async fn due_images(&self) -> Result<Vec<DueRow>, StoreError> {
        let rows: Vec<(String, String, i64, String, String, i64, i64)> = sqlx::query_as(
            "SELECT image_id, family, since, reasons, advisories, nodes, containers FROM due_images \
             ORDER BY nodes + containers DESC, image_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(
                |(image_id, family, since, reasons, advisories, nodes, containers)| {
                    let list = |column: &str, text: &str| {
                        serde_json::from_str::<Vec<String>>(text).map_err(|e| {
                            StoreError::InvalidRow(format!("due image {image_id}: {column}: {e}"))
                        })
                    };
                    Ok(DueRow {
                        reasons: list("reasons", &reasons)?,
                        advisories: list("advisories", &advisories)?,
                        family: (!family.is_empty()).then_some(family),
                        image_id,
                        since,
                        nodes,
                        containers,
                    })
                },
            )
            .collect()
    }

    /// Replaces the stored judgement with `due` (each keeps the `since`
    /// it was stored with), drops `gone`, and queues `alerts` (outbox
    /// rows `(sink, payload)`) in the same transaction: a crash cannot
    /// tell a change twice or lose it.
    pub async fn record_due(
        &self,
        due: &[DueRow],
        gone: &[String],
        alerts: &[(String, String)],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        for image in gone {
            sqlx::query("DELETE FROM due_images WHERE image_id = $1")
                .bind(image)
                .execute(&mut *tx)
                .await?;
        }
        for d in due {
            let json = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "INSERT INTO due_images (image_id, family, since, reasons, advisories, nodes, containers) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (image_id) DO UPDATE SET family = excluded.family, reasons = excluded.reasons, \
                 advisories = excluded.advisories, nodes = excluded.nodes, containers = excluded.containers",
            )
            .bind(&d.image_id)
            .bind(d.family.as_deref().unwrap_or(""))
            .bind(d.since)
            .bind(json(&d.reasons))
            .bind(json(&d.advisories))
            .bind(d.nodes)
            .bind(d.containers)
            .execute(&mut *tx)
            .await?;
        }
        queue_outbox(&mut tx, alerts, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

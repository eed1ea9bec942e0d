//! Images and their manifests: the append-only registry, provenance
//! labels, per-image counts, fleet correlation and the drift timeline.

use std::collections::HashMap;

use super::db::{decode, Store, StoreError};
use crate::model::{Correlation, Image, NodeStatus};

/// What a manifest push did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    New,
    /// The same digest was already registered.
    Unchanged,
    Replaced {
        old: String,
    },
    /// A different digest is registered and no replacement was asked for.
    Refused {
        existing: String,
    },
}

impl Store {
    /// Registers a manifest. The registry is append-only per image id: a
    /// different digest replaces the registered one only with `replace`.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_manifest(
        &self,
        image_id: &str,
        digest: &str,
        body: &[u8],
        files: i64,
        packages: &[plumb_proto::v1::Package],
        container: bool,
        labels: &[(String, String)],
        replace: bool,
        now: i64,
    ) -> Result<PushOutcome, StoreError> {
        let mut tx = self.writer.begin().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT digest FROM manifests WHERE image_id = $1")
                .bind(image_id)
                .fetch_optional(&mut *tx)
                .await?;
        let outcome = match existing {
            Some(d) if d == digest => return Ok(PushOutcome::Unchanged),
            Some(d) if !replace => return Ok(PushOutcome::Refused { existing: d }),
            Some(d) => PushOutcome::Replaced { old: d },
            None => PushOutcome::New,
        };
        sqlx::query(
            "INSERT INTO manifests (image_id, digest, body, files, packages, pushed_at, indexed, container) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) \
             ON CONFLICT (image_id) DO UPDATE SET digest = excluded.digest, body = excluded.body, files = excluded.files, \
             packages = excluded.packages, pushed_at = excluded.pushed_at, indexed = 1, container = excluded.container",
        )
        .bind(image_id)
        .bind(digest)
        .bind(body)
        .bind(files)
        .bind(packages.len() as i64)
        .bind(now)
        .bind(i64::from(container))
        .execute(&mut *tx)
        .await?;
        super::packages::index(&mut tx, image_id, packages).await?;
        sqlx::query("DELETE FROM image_labels WHERE image_id = $1")
            .bind(image_id)
            .execute(&mut *tx)
            .await?;
        for (key, value) in labels {
            sqlx::query("INSERT INTO image_labels (image_id, key, value) VALUES ($1, $2, $3)")
                .bind(image_id)
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The registered digest (hex) of an image.
    pub async fn manifest_digest(&self, image_id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT digest FROM manifests WHERE image_id = $1")
                .bind(image_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Stores a verified manifest; returns whether it replaced another.
    pub async fn manifest(&self, image_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT body FROM manifests WHERE image_id = $1")
                .bind(image_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Images known from the registry or from nodes, with fleet figures.
    pub async fn images(&self) -> Result<Vec<Image>, StoreError> {
        let manifests: Vec<(String, String, i64, i64, i64)> =
            sqlx::query_as("SELECT image_id, digest, files, packages, pushed_at FROM manifests")
                .fetch_all(&self.pool)
                .await?;
        let mut images: HashMap<String, Image> = manifests
            .into_iter()
            .map(|(image_id, digest, files, packages, pushed_at)| {
                (
                    image_id.clone(),
                    Image {
                        image_id,
                        digest,
                        files,
                        packages,
                        pushed_at,
                        nodes: 0,
                        drifted_nodes: 0,
                        flagged_nodes: 0,
                        labels: Default::default(),
                    },
                )
            })
            .collect();
        for (image_id, status, n) in self.image_status_counts().await? {
            let img = images.entry(image_id.clone()).or_insert_with(|| Image {
                image_id,
                digest: String::new(),
                files: 0,
                packages: 0,
                pushed_at: 0,
                nodes: 0,
                drifted_nodes: 0,
                flagged_nodes: 0,
                labels: Default::default(),
            });
            if status == NodeStatus::Retired {
                continue;
            }
            img.nodes += n;
            if !matches!(status, NodeStatus::Clean | NodeStatus::Silent) {
                img.drifted_nodes += n;
            }
            if matches!(status, NodeStatus::Flagged | NodeStatus::Recycling) {
                img.flagged_nodes += n;
            }
        }
        let labels: Vec<(String, String, String)> =
            sqlx::query_as("SELECT image_id, key, value FROM image_labels ORDER BY image_id, key")
                .fetch_all(&self.pool)
                .await?;
        for (image_id, key, value) in labels {
            if let Some(img) = images.get_mut(&image_id) {
                img.labels.insert(key, value);
            }
        }
        let mut out: Vec<Image> = images.into_values().collect();
        out.sort_by(|a, b| a.image_id.cmp(&b.image_id));
        Ok(out)
    }

    /// The provenance labels of one image's manifest, sorted by key.
    pub async fn image_labels(&self, image_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT key, value FROM image_labels WHERE image_id = $1 ORDER BY key")
                .bind(image_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Open changes shared by nodes of one image: the same (kind, key,
    /// actual) on several nodes, largest groups first, then single-node
    /// changes.
    pub async fn correlations(
        &self,
        image_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Correlation>, StoreError> {
        let (filter, arg) = match image_id {
            Some(i) => ("AND n.image_id = $1", Some(i)),
            None => ("", None),
        };
        let sql = format!(
            "SELECT n.image_id, d.kind, d.dkey, d.actual, MAX(d.severity), COUNT(DISTINCT d.node_id), MIN(d.node_id), MAX(d.node_id) \
             FROM deviations d JOIN nodes n ON n.node_id = d.node_id \
             WHERE d.resolved_at IS NULL AND n.status <> 'retired' {filter} \
             GROUP BY n.image_id, d.kind, d.dkey, d.actual \
             ORDER BY COUNT(DISTINCT d.node_id) DESC, MAX(d.severity) DESC LIMIT {}",
            limit.clamp(1, 10_000)
        );
        let mut q =
            sqlx::query_as::<_, (String, String, String, String, i64, i64, String, String)>(&sql);
        if let Some(a) = arg {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut image_nodes: HashMap<String, i64> = HashMap::new();
        for (image, status, n) in self.image_status_counts().await? {
            if status != NodeStatus::Retired {
                *image_nodes.entry(image).or_insert(0) += n;
            }
        }
        rows.into_iter()
            .map(|(image_id, kind, key, actual, sev, nodes, first, last)| {
                let row = format!("correlation of {key:?} on image {image_id:?}");
                let kind = decode::kind(&row, &kind)?;
                let severity = decode::severity(&row, sev)?;
                let total = image_nodes
                    .get(&image_id)
                    .copied()
                    .unwrap_or(nodes)
                    .max(nodes);
                let scope = if nodes == 1 {
                    "single"
                } else if nodes * 2 > total {
                    "fleet"
                } else {
                    "several"
                };
                let mut sample = vec![first.clone()];
                if last != first {
                    sample.push(last);
                }
                Ok(Correlation {
                    image_id,
                    kind,
                    key,
                    actual,
                    severity,
                    nodes,
                    image_nodes: total,
                    scope,
                    sample_nodes: sample,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Counts of deviations first seen and flags raised per time bucket
    /// since `since` (ms), bucketed by `bucket_ms`.
    pub async fn timeline(
        &self,
        since: i64,
        bucket_ms: i64,
    ) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        let devs: Vec<(i64, i64)> = sqlx::query_as(&format!(
            // Open and resolved ones; a deviation first seen after
            // `since` was resolved after it too, which confines the
            // resolved ones to the partitions since then.
            "SELECT (first_seen / {b}) * {b} AS t, COUNT(*) FROM ( \
               SELECT first_seen FROM deviations WHERE first_seen >= $1 \
               UNION ALL SELECT first_seen FROM resolved_deviations WHERE resolved_at >= $1 AND first_seen >= $1 \
             ) AS d GROUP BY t ORDER BY t",
            b = bucket_ms.max(1)
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let flags: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT (at / {b}) * {b} AS t, COUNT(*) FROM transitions WHERE at >= $1 AND to_status = 'flagged' GROUP BY t ORDER BY t",
            b = bucket_ms.max(1)
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
        for (t, n) in devs {
            out.entry(t).or_default().0 += n;
        }
        for (t, n) in flags {
            out.entry(t).or_default().1 += n;
        }
        let mut v: Vec<(i64, i64, i64)> = out.into_iter().map(|(t, (d, f))| (t, d, f)).collect();
        v.sort();
        Ok(v)
    }
}

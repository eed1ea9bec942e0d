//! Image families and their rollout. An image belongs to the family its
//! manifest's `family` label names (`--label family=web` at build time),
//! or, for a container image without one, its OCI title
//! (`org.opencontainers.image.title`). The newest image of a family (the
//! last registered) supersedes the older ones, each from the moment the
//! next image of its family was registered; a family's rollout is the
//! share of its nodes and containers that run the newest image.

use std::collections::{BTreeMap, HashMap};

use super::db::{Store, StoreError};

/// The labels that name an image's family, in order of preference.
pub const FAMILY_LABELS: [&str; 2] = ["family", "org.opencontainers.image.title"];

/// One image of a family.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FamilyImage {
    pub image_id: String,
    pub pushed_at: i64,
    /// When a newer image of the family was registered (none: the newest).
    pub superseded_since: Option<i64>,
    pub nodes: i64,
    pub containers: i64,
}

/// A family of images and how far its newest image has rolled out.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Family {
    pub family: String,
    pub newest: String,
    /// Newest first.
    pub images: Vec<FamilyImage>,
    pub nodes: i64,
    pub containers: i64,
    /// The share (0 to 1) of the family's nodes and containers that run
    /// the newest image; 1 when nothing runs any of them.
    pub newest_share: f64,
}

/// The family an image's labels name, if any.
pub fn family_of(labels: &BTreeMap<String, String>) -> Option<&str> {
    FAMILY_LABELS
        .iter()
        .find_map(|k| labels.get(*k))
        .map(String::as_str)
        .filter(|f| !f.is_empty())
}

impl Store {
    /// The nodes running `image` (not retired; at most `limit` listed, by
    /// id), how many there are, and how many containers run it.
    pub async fn running_image(
        &self,
        image: &str,
        limit: i64,
    ) -> Result<(Vec<String>, i64, i64), StoreError> {
        let nodes: Vec<String> = sqlx::query_scalar(
            "SELECT node_id FROM nodes WHERE image_id = $1 AND status <> 'retired' ORDER BY node_id LIMIT $2",
        )
        .bind(image)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let counts = self.running([image]).await?;
        let (n, c) = counts.get(image).copied().unwrap_or((0, 0));
        Ok((nodes, n, c))
    }

    /// Every family, most nodes and containers first.
    pub async fn families(&self) -> Result<Vec<Family>, StoreError> {
        let containers: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
            "SELECT image_id, COUNT(*) FROM containers GROUP BY image_id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        let mut families: BTreeMap<String, Vec<FamilyImage>> = BTreeMap::new();
        for image in self.images().await? {
            let Some(family) = family_of(&image.labels) else {
                continue;
            };
            // Only registered images (a node may run an image whose
            // manifest is not in the registry).
            if image.pushed_at == 0 {
                continue;
            }
            families
                .entry(family.to_string())
                .or_default()
                .push(FamilyImage {
                    containers: containers.get(&image.image_id).copied().unwrap_or(0),
                    image_id: image.image_id,
                    pushed_at: image.pushed_at,
                    superseded_since: None,
                    nodes: image.nodes,
                });
        }
        let mut out: Vec<Family> = families
            .into_iter()
            .map(|(family, mut images)| {
                images.sort_by(|a, b| (b.pushed_at, &b.image_id).cmp(&(a.pushed_at, &a.image_id)));
                // Each older image is superseded from when the next one
                // (the one registered just after it) came.
                for i in 1..images.len() {
                    images[i].superseded_since = Some(images[i - 1].pushed_at);
                }
                let nodes: i64 = images.iter().map(|i| i.nodes).sum();
                let containers: i64 = images.iter().map(|i| i.containers).sum();
                let newest = &images[0];
                let total = nodes + containers;
                Family {
                    newest_share: if total == 0 {
                        1.0
                    } else {
                        (newest.nodes + newest.containers) as f64 / total as f64
                    },
                    newest: newest.image_id.clone(),
                    family,
                    nodes,
                    containers,
                    images,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (b.nodes + b.containers, &a.family).cmp(&(a.nodes + a.containers, &b.family))
        });
        Ok(out)
    }
}

/// A family's rollout at one time: the share of its nodes and containers
/// on the image that was its newest then.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RolloutPoint {
    pub at: i64,
    pub newest: String,
    /// 0 to 1; 1 when nothing ran any image of the family.
    pub newest_share: f64,
    /// Nodes and containers running any image of the family.
    pub units: i64,
}

/// One rollout point per family per this long (the last judgement in the
/// bucket wins).
pub const ROLLOUT_BUCKET_MS: i64 = 600_000;

/// Rollout points listed per family at most (70 days of buckets).
pub const MAX_ROLLOUT_POINTS: i64 = 10_080;

impl Store {
    /// Records each family's rollout at `now`, in its ten-minute bucket.
    pub async fn record_rollout(&self, families: &[Family], now: i64) -> Result<(), StoreError> {
        let at = now.div_euclid(ROLLOUT_BUCKET_MS) * ROLLOUT_BUCKET_MS;
        let mut tx = self.writer.begin().await?;
        for f in families {
            let Some(newest) = f.images.first() else {
                continue;
            };
            sqlx::query(
                "INSERT INTO family_rollout (family, at, newest, newest_units, total_units) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (family, at) DO UPDATE SET \
                 newest = excluded.newest, newest_units = excluded.newest_units, total_units = excluded.total_units",
            )
            .bind(&f.family)
            .bind(at)
            .bind(&newest.image_id)
            .bind(newest.nodes + newest.containers)
            .bind(f.nodes + f.containers)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A family's rollout from `since`, oldest first.
    pub async fn rollout(&self, family: &str, since: i64) -> Result<Vec<RolloutPoint>, StoreError> {
        let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(&format!(
            "SELECT at, newest, newest_units, total_units FROM family_rollout \
             WHERE family = $1 AND at >= $2 ORDER BY at LIMIT {MAX_ROLLOUT_POINTS}"
        ))
        .bind(family)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, newest, on_newest, units)| RolloutPoint {
                at,
                newest,
                newest_share: if units == 0 {
                    1.0
                } else {
                    on_newest as f64 / units as f64
                },
                units,
            })
            .collect())
    }
}

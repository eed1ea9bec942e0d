//! Containers: each node's running containers as its agent last listed
//! them, with their open deviations, and the fleet per container image.

use plumb_proto::v1::{ContainerInfo, ContainerState, ContainerStatus};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::{decode, Backend, Store, StoreError};
use super::deviations::refresh_container_counts;
use crate::model::{Container, ContainerImage, FiredContainer};

/// Which containers a listing returns.
#[derive(Clone, Debug, Default)]
pub struct ContainerFilter {
    pub node_id: Option<String>,
    pub image_id: Option<String>,
    /// Only containers in this state (`drifted` is verified with open
    /// deviations, `verified` without).
    pub state: Option<ContainerState>,
    /// At most this many (and never more than [`MAX_CONTAINERS_LISTED`]).
    pub limit: Option<i64>,
}

/// Most containers listed at once.
pub const MAX_CONTAINERS_LISTED: i64 = 50_000;

/// Each container with its open deviations' count and worst severity,
/// kept on its row by the batch writer. A listed container was last seen
/// when its node was: an agent sends its list whenever it changes, so the
/// list stands until the node's last contact (an unchanged list is not
/// written again).
const SELECT: &str =
    "SELECT c.node_id, n.hostname, c.container_id, c.name, c.runtime, c.image, c.image_id, \
     c.pod, c.namespace, c.pod_container, c.status, c.started, c.processes, c.first_seen, \
     CASE WHEN n.last_seen > c.last_seen THEN n.last_seen ELSE c.last_seen END AS last_seen, \
     c.open_count AS open, c.max_severity AS worst \
     FROM containers c JOIN nodes n ON n.node_id = c.node_id";

fn container_from_row(r: &AnyRow) -> Result<Container, sqlx::Error> {
    let open: i64 = r.try_get("open")?;
    let worst: i64 = r.try_get("worst")?;
    let id: String = r.try_get("container_id")?;
    let row = format!("container {id:?}");
    let status = decode::container_status(&row, &r.try_get::<String, _>("status")?)?;
    Ok(Container {
        node_id: r.try_get("node_id")?,
        hostname: r.try_get("hostname")?,
        container_id: id,
        name: r.try_get("name")?,
        runtime: r.try_get("runtime")?,
        image: r.try_get("image")?,
        image_id: r.try_get("image_id")?,
        pod: r.try_get("pod")?,
        namespace: r.try_get("namespace")?,
        pod_container: r.try_get("pod_container")?,
        drifted: status == ContainerStatus::Verified && open > 0,
        status,
        started: r.try_get("started")?,
        processes: r.try_get("processes")?,
        first_seen: r.try_get("first_seen")?,
        last_seen: r.try_get("last_seen")?,
        open_deviations: open,
        max_severity: if open > 0 {
            decode::max_severity(&row, worst)?
        } else {
            None
        },
    })
}

impl Store {
    /// Replaces a node's container list with what its agent sees now.
    /// Returns whether anything changed: a list the same as the stored one
    /// (an agent reconnecting) is not written at all, and new or changed
    /// containers are written a hundred to a statement, so a fleet's cold
    /// start does not hold the writer from the deviation batches.
    pub async fn replace_containers(
        &self,
        node_id: &str,
        list: &[ContainerInfo],
        now: i64,
    ) -> Result<bool, StoreError> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            i64,
            i64,
        );
        let known: Vec<Row> = sqlx::query_as(
            "SELECT container_id, name, runtime, image, image_id, pod, namespace, pod_container, status, \
             started, processes FROM containers WHERE node_id = $1",
        )
        .bind(node_id)
        .fetch_all(&self.pool)
        .await?;
        let row = |c: &ContainerInfo| -> Row {
            (
                c.id.clone(),
                c.name.clone(),
                c.runtime.clone(),
                c.image.clone(),
                c.image_id.clone(),
                c.pod.clone(),
                c.namespace.clone(),
                c.pod_container.clone(),
                plumb_proto::container_status_snake(c.status()).to_string(),
                c.started_unix_ms,
                i64::from(c.processes),
            )
        };
        let known_set: std::collections::HashSet<&Row> = known.iter().collect();
        let gone: Vec<&str> = known
            .iter()
            .map(|r| r.0.as_str())
            .filter(|id| !list.iter().any(|c| c.id == *id))
            .collect();
        let changed: Vec<&ContainerInfo> = list
            .iter()
            .filter(|c| !known_set.contains(&row(c)))
            .collect();
        if gone.is_empty() && changed.is_empty() {
            return Ok(false);
        }
        let mut tx = self.writer.begin().await?;
        // The node's row first, as the batch writer takes it before it
        // moves container counts: the two never miss each other's rows.
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT node_id FROM nodes WHERE node_id = $1 FOR UPDATE")
                .bind(node_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        for id in gone {
            sqlx::query("DELETE FROM containers WHERE node_id = $1 AND container_id = $2")
                .bind(node_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        const COLUMNS: usize = 13;
        for chunk in changed.chunks(100) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p: Vec<String> = (1..=COLUMNS)
                        .map(|k| format!("${}", i * COLUMNS + k))
                        .collect();
                    // first_seen and last_seen are both `now` ($13).
                    format!("({}, {})", p.join(", "), p[COLUMNS - 1])
                })
                .collect();
            let sql = format!(
                "INSERT INTO containers (node_id, container_id, name, runtime, image, image_id, pod, namespace, \
                 pod_container, status, started, processes, first_seen, last_seen) VALUES {} \
                 ON CONFLICT (node_id, container_id) DO UPDATE SET name = excluded.name, runtime = excluded.runtime, \
                 image = excluded.image, image_id = excluded.image_id, pod = excluded.pod, namespace = excluded.namespace, \
                 pod_container = excluded.pod_container, status = excluded.status, started = excluded.started, \
                 processes = excluded.processes, last_seen = excluded.last_seen",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for c in chunk {
                q = q
                    .bind(node_id)
                    .bind(&c.id)
                    .bind(&c.name)
                    .bind(&c.runtime)
                    .bind(&c.image)
                    .bind(&c.image_id)
                    .bind(&c.pod)
                    .bind(&c.namespace)
                    .bind(&c.pod_container)
                    .bind(plumb_proto::container_status_snake(c.status()))
                    .bind(c.started_unix_ms)
                    .bind(i64::from(c.processes))
                    .bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        // Deviations may have come before the list that names their
        // container: new rows start from what is stored.
        let ids: Vec<&str> = changed.iter().map(|c| c.id.as_str()).collect();
        if !ids.is_empty() {
            let ids = super::deviations::to_json(&ids)?;
            refresh_container_counts(&mut tx, node_id, Some((self.backend, &ids))).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Containers matching `filter`, by node then name.
    pub async fn containers(&self, filter: &ContainerFilter) -> Result<Vec<Container>, StoreError> {
        let mut sql = format!("{SELECT} WHERE 1 = 1");
        let mut binds: Vec<&str> = Vec::new();
        if let Some(n) = &filter.node_id {
            binds.push(n);
            sql.push_str(&format!(" AND c.node_id = ${}", binds.len()));
        }
        if let Some(i) = &filter.image_id {
            binds.push(i);
            sql.push_str(&format!(" AND c.image_id = ${}", binds.len()));
        }
        match filter.state {
            // Off the drifted containers' own index (`containers_drifted`).
            Some(ContainerState::Drifted) => {
                sql.push_str(" AND c.status = 'verified' AND c.open_count > 0")
            }
            Some(ContainerState::Verified) => {
                sql.push_str(" AND c.status = 'verified' AND c.open_count = 0")
            }
            Some(ContainerState::Unverified) => sql.push_str(" AND c.status = 'unverified'"),
            Some(ContainerState::Error) => sql.push_str(" AND c.status = 'error'"),
            Some(ContainerState::Unspecified) | None => {}
        }
        let limit = filter
            .limit
            .unwrap_or(MAX_CONTAINERS_LISTED)
            .clamp(1, MAX_CONTAINERS_LISTED);
        sql.push_str(&format!(
            " ORDER BY c.node_id, c.name, c.container_id LIMIT {limit}"
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(container_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The fleet per container image: how many of its containers run,
    /// drifted or unverified, on how many nodes, and whether its manifest
    /// is registered.
    pub async fn container_images(&self) -> Result<Vec<ContainerImage>, StoreError> {
        // Both off covering indexes: every container by image
        // (`containers_image`), the drifted ones by theirs
        // (`containers_drifted`, which holds only them).
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT c.image_id, MIN(c.image), COUNT(*), \
             SUM(CASE WHEN c.status <> 'verified' THEN 1 ELSE 0 END), \
             COUNT(DISTINCT c.node_id), \
             (SELECT COUNT(*) FROM manifests m WHERE m.image_id = c.image_id) \
             FROM containers c GROUP BY c.image_id ORDER BY COUNT(*) DESC, c.image_id",
        )
        .fetch_all(&self.pool)
        .await?;
        // SQLite, without statistics, would rather read every container
        // in image order than the few drifted ones.
        let drifted_only = match self.backend {
            Backend::Sqlite => "INDEXED BY containers_drifted",
            Backend::Postgres => "",
        };
        let drifted: std::collections::HashMap<String, i64> = sqlx::query_as(&format!(
            "SELECT image_id, COUNT(*) FROM containers {drifted_only} \
             WHERE status = 'verified' AND open_count > 0 GROUP BY image_id"
        ))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        Ok(rows
            .into_iter()
            .map(
                |(image_id, image, running, unverified, nodes, manifests)| ContainerImage {
                    drifted: drifted.get(&image_id).copied().unwrap_or(0),
                    image_id,
                    image,
                    running,
                    unverified,
                    nodes,
                    has_manifest: manifests > 0,
                },
            )
            .collect())
    }
}

impl Store {
    /// The container alerts of a node that fired and are not resolved.
    pub async fn fired_containers(
        &self,
        node_id: &str,
    ) -> Result<std::collections::HashMap<String, FiredContainer>, StoreError> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT container_id, state, container, since FROM container_alerts WHERE node_id = $1",
        )
        .bind(node_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, state, json, since)| {
                let container = serde_json::from_str(&json).ok()?;
                Some((
                    id,
                    FiredContainer {
                        state,
                        container,
                        since,
                    },
                ))
            })
            .collect())
    }

    /// Records which container alerts now fire for a node (`firing`
    /// replaces the node's set) and queues `alerts`, in one transaction.
    pub async fn set_fired_containers(
        &self,
        node_id: &str,
        firing: &[(String, FiredContainer)],
        alerts: &[(String, String)],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM container_alerts WHERE node_id = $1")
            .bind(node_id)
            .execute(&mut *tx)
            .await?;
        for (id, f) in firing {
            let json = serde_json::to_string(&f.container)
                .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query(
                "INSERT INTO container_alerts (node_id, container_id, state, container, since) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(node_id)
            .bind(id)
            .bind(&f.state)
            .bind(json)
            .bind(f.since)
            .execute(&mut *tx)
            .await?;
        }
        super::outbox::queue_outbox(&mut tx, alerts, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

//! The package inventory: every package of every registered image, from
//! the manifests (no agent traffic), and for each image how many nodes
//! and containers run it now.

use plumb_proto::v1::Package;
use prost::Message as _;

use super::db::{Store, StoreError};
use crate::versions::{self, Ecosystem};

/// What kind of image a manifest describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    /// Built from a root: machines boot it.
    Machine,
    /// Built from an image archive: containers run it.
    Container,
}

/// One image carrying a package, and what runs that image.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ImagePackage {
    pub image_id: String,
    pub image_kind: ImageKind,
    pub manager: Ecosystem,
    pub name: String,
    pub version: String,
    pub arch: String,
    /// The source package (its own name when the database does not say).
    pub source: String,
    /// The source package's version (the package's own when the same).
    pub source_version: String,
    /// Nodes running the image now (retired ones left out).
    pub nodes: i64,
    /// Containers running the image now.
    pub containers: i64,
}

/// Which versions a package query returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionFilter {
    Any,
    /// Exactly this version (in the ecosystem's order: `1.0` is `1.00`).
    Exactly(String),
    /// Strictly older than this version.
    Below(String),
}

/// A package query from its parts as a client sends them: a name, and at
/// most one of an exact version and a version to be below; the error says
/// what is wrong with them.
pub fn package_query(
    name: Option<String>,
    version: Option<String>,
    below: Option<String>,
) -> Result<(String, VersionFilter), String> {
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let name = nonempty(name).ok_or("a package name is required (name=...)")?;
    let too_long = |what: &str, v: &str| {
        (v.len() > versions::MAX_VERSION_BYTES).then(|| {
            format!(
                "{what} is longer than {} bytes",
                versions::MAX_VERSION_BYTES
            )
        })
    };
    if let Some(e) = too_long("the package name", &name) {
        return Err(e);
    }
    let filter = match (nonempty(version), nonempty(below)) {
        (Some(_), Some(_)) => {
            return Err("give a version or a version to be below, not both".into())
        }
        (Some(v), None) => VersionFilter::Exactly(v),
        (None, Some(v)) => VersionFilter::Below(v),
        (None, None) => VersionFilter::Any,
    };
    if let VersionFilter::Exactly(v) | VersionFilter::Below(v) = &filter {
        if let Some(e) = too_long("the version", v) {
            return Err(e);
        }
    }
    Ok((name, filter))
}

/// Most rows a package query returns.
pub const MAX_PACKAGE_ROWS: usize = 10_000;

/// A package's manager as stored; one plumb does not know is refused
/// (pushes refuse such manifests before they get here).
fn manager_name(image_id: &str, p: &Package) -> Result<&'static str, sqlx::Error> {
    Ecosystem::from_wire(p.manager)
        .map(Ecosystem::as_str)
        .ok_or_else(|| {
            sqlx::Error::Decode(Box::new(super::db::InvalidRow(format!(
                "image {image_id}: package {:?} has an unknown manager ({})",
                p.name, p.manager
            ))))
        })
}

/// Writes `image_id`'s package rows (replacing any), in `tx`.
pub(super) async fn index(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    image_id: &str,
    packages: &[Package],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM image_packages WHERE image_id = $1")
        .bind(image_id)
        .execute(&mut **tx)
        .await?;
    for chunk in packages.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=7).map(|k| format!("${}", i * 7 + k)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO image_packages (image_id, manager, name, version, arch, source, source_version) \
             VALUES {} ON CONFLICT DO NOTHING",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for p in chunk {
            let source = if p.source.is_empty() {
                &p.name
            } else {
                &p.source
            };
            let source_version = if p.source_version.is_empty() {
                &p.version
            } else {
                &p.source_version
            };
            q = q
                .bind(image_id)
                .bind(manager_name(image_id, p)?)
                .bind(&p.name)
                .bind(&p.version)
                .bind(&p.arch)
                .bind(source)
                .bind(source_version);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Indexes the packages of manifests registered before the inventory
    /// existed (once each); returns how many manifests it indexed.
    /// Records the operating system a registered manifest names (its
    /// os-release `PRETTY_NAME`), for releases no package tells.
    pub async fn set_image_os(&self, image_id: &str, os: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE manifests SET os = $2 WHERE image_id = $1")
            .bind(image_id)
            .bind(os)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn index_packages(&self) -> Result<usize, StoreError> {
        let pending: Vec<String> =
            sqlx::query_scalar("SELECT image_id FROM manifests WHERE indexed = 0")
                .fetch_all(&self.writer)
                .await?;
        for image_id in &pending {
            let body: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT body FROM manifests WHERE image_id = $1")
                    .bind(image_id)
                    .fetch_optional(&self.writer)
                    .await?;
            let (packages, container, os) = match body
                .map(|b| plumb_proto::v1::Manifest::decode(b.as_slice()))
            {
                Some(Ok(m)) => (
                    m.packages,
                    m.container.is_some(),
                    m.builder.map(|b| b.image_os).unwrap_or_default(),
                ),
                Some(Err(e)) => {
                    tracing::error!(image = %image_id, error = %e, "a registered manifest does not decode: its packages are not in the inventory");
                    continue;
                }
                None => continue,
            };
            let mut tx = self.writer.begin().await?;
            index(&mut tx, image_id, &packages).await?;
            sqlx::query(
                "UPDATE manifests SET indexed = 1, container = $2, os = $3 WHERE image_id = $1",
            )
            .bind(image_id)
            .bind(i64::from(container))
            .bind(&os)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(pending.len())
    }

    /// The images that carry package `name` (or packages built from the
    /// source package `name`), with the versions `filter` keeps, compared
    /// in each package manager's own order.
    pub async fn packages(
        &self,
        name: &str,
        filter: &VersionFilter,
    ) -> Result<Vec<ImagePackage>, StoreError> {
        let mut out = self.packages_uncounted(name, filter).await?;
        let counts = self
            .running(out.iter().map(|p| p.image_id.as_str()))
            .await?;
        for p in &mut out {
            (p.nodes, p.containers) = counts.get(&p.image_id).copied().unwrap_or((0, 0));
        }
        Ok(out)
    }

    /// How many nodes (not retired) and containers run each of `images`:
    /// one grouped count per table and 500 images.
    pub(super) async fn running<'a>(
        &self,
        images: impl IntoIterator<Item = &'a str>,
    ) -> Result<std::collections::HashMap<String, (i64, i64)>, StoreError> {
        let images: std::collections::BTreeSet<&str> = images.into_iter().collect();
        let mut out: std::collections::HashMap<String, (i64, i64)> =
            images.iter().map(|i| (i.to_string(), (0, 0))).collect();
        let images: Vec<&str> = images.into_iter().collect();
        for chunk in images.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let list = marks.join(", ");
            for (table, filter, slot) in [
                ("nodes", " AND status <> 'retired'", 0),
                ("containers", "", 1),
            ] {
                let sql = format!(
                    "SELECT image_id, COUNT(*) FROM {table} WHERE image_id IN ({list}){filter} GROUP BY image_id"
                );
                let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
                for i in chunk {
                    q = q.bind(*i);
                }
                for (image, n) in q.fetch_all(&self.pool).await? {
                    if let Some(c) = out.get_mut(&image) {
                        if slot == 0 {
                            c.0 = n;
                        } else {
                            c.1 = n;
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// [`Store::packages`] without the counts of what runs each image.
    pub(super) async fn packages_uncounted(
        &self,
        name: &str,
        filter: &VersionFilter,
    ) -> Result<Vec<ImagePackage>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.image_id, p.manager, p.name, p.version, p.arch, p.source, p.source_version, \
                 (SELECT MAX(m.container) FROM manifests m WHERE m.image_id = p.image_id) \
                 FROM image_packages p WHERE p.name = $1 OR p.source = $1 \
                 ORDER BY p.image_id, p.name, p.arch LIMIT $2",
        )
        .bind(name)
        .bind(MAX_PACKAGE_ROWS as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            use sqlx::Row as _;
            let image_id: String = r.try_get(0)?;
            let manager: String = r.try_get(1)?;
            let name_: String = r.try_get(2)?;
            let version: String = r.try_get(3)?;
            let arch: String = r.try_get(4)?;
            let source: String = r.try_get(5)?;
            let source_version: String = r.try_get(6)?;
            let (nodes, containers) = (0, 0);
            let oci: Option<i64> = r.try_get(7)?;
            // A query by source name compares the source's version.
            let by_source = name_ != name;
            let compared = if by_source { &source_version } else { &version };
            let manager = Ecosystem::parse(&manager).ok_or_else(|| {
                StoreError::InvalidRow(format!(
                    "image {image_id}: package {name_:?}: unknown manager {manager:?}"
                ))
            })?;
            let e = manager;
            let keep = match filter {
                VersionFilter::Any => true,
                VersionFilter::Exactly(v) => {
                    matches!(
                        versions::compare(e, compared, v),
                        Ok(std::cmp::Ordering::Equal)
                    )
                }
                VersionFilter::Below(v) => {
                    matches!(
                        versions::compare(e, compared, v),
                        Ok(std::cmp::Ordering::Less)
                    )
                }
            };
            if keep {
                out.push(ImagePackage {
                    image_kind: if oci.unwrap_or(0) > 0 {
                        ImageKind::Container
                    } else {
                        ImageKind::Machine
                    },
                    image_id,
                    manager,
                    name: name_,
                    version,
                    arch,
                    source,
                    source_version,
                    nodes,
                    containers,
                });
            }
        }
        Ok(out)
    }
}

//! Advisories and exposure: which registered images carry a package an
//! advisory affects, at an affected version, and what runs them.

use std::collections::{HashMap, HashSet};

use sqlx::Row as _;

use super::db::{Store, StoreError};
use crate::advisories::{Advisory, AdvisorySeverity, Affected, Range};
use crate::versions::Ecosystem;

/// An advisory as listed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AdvisorySummary {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub severity: AdvisorySeverity,
    pub modified: String,
    pub packages: Vec<String>,
    /// Images exposed, and the nodes and containers running them.
    pub images: i64,
    pub nodes: i64,
    pub containers: i64,
}

/// One image exposed to one advisory through one package.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Exposure {
    pub advisory_id: String,
    pub aliases: Vec<String>,
    pub severity: AdvisorySeverity,
    pub image_id: String,
    pub image_kind: super::ImageKind,
    /// The image's distribution release, as its packages tell it
    /// (`Debian:12`), when they do.
    pub release: Option<String>,
    pub package: String,
    pub version: String,
    /// The advisory's fixed version above this one, if it names one.
    pub fixed: Option<String>,
    /// Registered images that carry the package at a version the advisory
    /// does not affect (the image to move to, if one exists): the first
    /// [`MAX_FIXED_IMAGES`] by id.
    pub fixed_images: Vec<String>,
    pub nodes: i64,
    pub containers: i64,
}

/// Fixed images named per exposure row at most.
pub const MAX_FIXED_IMAGES: usize = 10;

/// What an import stored.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Imported {
    pub advisories: usize,
    pub packages: usize,
    /// Affected entries of ecosystems plumb does not read.
    pub skipped_packages: usize,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAffected {
    ranges: Vec<(String, Option<String>, Option<String>)>,
    versions: Vec<String>,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// The distribution release an image's packages name, as OSV spells its
/// ecosystems: `Debian:12` (base-files 12.x), `Alpine:v3.20`
/// (alpine-release 3.20.x), `Rocky Linux:9`, `AlmaLinux:9`.
fn release_of(packages: &[(String, String)]) -> Option<String> {
    let major = |v: &str, n: usize| -> String {
        let v = v.split_once(':').map_or(v, |(_, r)| r);
        v.split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .take(n)
            .collect::<Vec<_>>()
            .join(".")
    };
    for (name, version) in packages {
        let release = match name.as_str() {
            "base-files" if !version.contains("ubuntu") => format!("Debian:{}", major(version, 1)),
            "alpine-release" | "alpine-base" => format!("Alpine:v{}", major(version, 2)),
            "rocky-release" => format!("Rocky Linux:{}", major(version, 1)),
            "almalinux-release" => format!("AlmaLinux:{}", major(version, 1)),
            _ => continue,
        };
        if !release.ends_with(':') && !release.ends_with('v') {
            return Some(release);
        }
    }
    None
}

/// The release an image's os-release name (`PRETTY_NAME`) tells, as OSV
/// spells it: `Ubuntu 22.04.4 LTS` is `Ubuntu:22.04`, `Debian GNU/Linux
/// 12 (bookworm)` is `Debian:12`, `Alpine Linux v3.20` is
/// `Alpine:v3.20`, `Rocky Linux 9.3 (Blue Onyx)` is `Rocky Linux:9`,
/// `AlmaLinux 9.3 (...)` is `AlmaLinux:9`. A name without a numbered
/// release (`Debian GNU/Linux trixie/sid`) tells none.
fn os_release(os: &str) -> Option<String> {
    let numbered = |rest: &str, parts: usize| -> Option<String> {
        let version = rest.split_whitespace().next()?;
        let numbers: Vec<&str> = version.split('.').take(parts).collect();
        (numbers.len() == parts
            && numbers
                .iter()
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())))
        .then(|| numbers.join("."))
    };
    if let Some(rest) = os.strip_prefix("Ubuntu ") {
        return numbered(rest, 2).map(|v| format!("Ubuntu:{v}"));
    }
    if let Some(rest) = os.strip_prefix("Debian GNU/Linux ") {
        return numbered(rest, 1).map(|v| format!("Debian:{v}"));
    }
    if let Some(rest) = os.strip_prefix("Alpine Linux v") {
        return numbered(rest, 2).map(|v| format!("Alpine:v{v}"));
    }
    if let Some(rest) = os.strip_prefix("Rocky Linux ") {
        return numbered(rest, 1).map(|v| format!("Rocky Linux:{v}"));
    }
    if let Some(rest) = os.strip_prefix("AlmaLinux ") {
        return numbered(rest, 1).map(|v| format!("AlmaLinux:{v}"));
    }
    None
}

/// Whether an advisory's ecosystem speaks of `release`: the same, or (as
/// Ubuntu's ecosystems are spelled) the release with a `:LTS` suffix or a
/// `Pro:` stream, e.g. `Ubuntu:22.04:LTS`, `Ubuntu:Pro:22.04:LTS`.
fn same_release(release: &str, ecosystem: &str) -> bool {
    if release == ecosystem {
        return true;
    }
    let ecosystem = ecosystem.replacen(":Pro:", ":", 1);
    ecosystem == release || ecosystem.strip_suffix(":LTS") == Some(release)
}

impl Store {
    /// Stores `advisories` in one transaction (a record already imported
    /// is replaced): all of them, or none.
    pub async fn import_advisories(
        &self,
        advisories: &[Advisory],
        skipped_packages: usize,
        now: i64,
    ) -> Result<Imported, StoreError> {
        let mut tx = self.writer.begin().await?;
        let mut packages = 0;
        for a in advisories {
            sqlx::query("DELETE FROM advisory_packages WHERE advisory_id = $1")
                .bind(&a.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO advisories (id, aliases, summary, severity, modified, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET aliases = excluded.aliases, \
                 summary = excluded.summary, severity = excluded.severity, modified = excluded.modified, \
                 imported_at = excluded.imported_at",
            )
            .bind(&a.id)
            .bind(json(&a.aliases)?)
            .bind(&a.summary)
            .bind(a.severity.as_str())
            .bind(&a.modified)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for p in &a.affected {
                let stored = StoredAffected {
                    ranges: p
                        .ranges
                        .iter()
                        .map(|r| {
                            (
                                r.introduced.clone(),
                                r.fixed.clone(),
                                r.last_affected.clone(),
                            )
                        })
                        .collect(),
                    versions: p.versions.clone(),
                };
                sqlx::query(
                    "INSERT INTO advisory_packages (advisory_id, manager, ecosystem, name, affected) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&a.id)
                .bind(p.manager.as_str())
                .bind(&p.ecosystem)
                .bind(&p.name)
                .bind(json(&stored)?)
                .execute(&mut *tx)
                .await?;
                packages += 1;
            }
        }
        tx.commit().await?;
        Ok(Imported {
            advisories: advisories.len(),
            packages,
            skipped_packages,
        })
    }

    /// Every image exposed: to `advisory` (or any), on `image` (or any).
    pub async fn exposure(
        &self,
        advisory: Option<&str>,
        image: Option<&str>,
    ) -> Result<Vec<Exposure>, StoreError> {
        let row = |a: &str| format!("advisory {a:?}");
        // Without an advisory, first the packages that the image (or some
        // registered image) carries: most advisories name none of them.
        let carried: Option<HashSet<String>> = match (advisory, image) {
            (Some(_), _) => None,
            (None, Some(image)) => Some(
                sqlx::query("SELECT name, source FROM image_packages WHERE image_id = $1")
                    .bind(image)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .flat_map(|r| [r.try_get::<String, _>(0), r.try_get::<String, _>(1)])
                    .collect::<Result<_, _>>()?,
            ),
            (None, None) => Some(
                sqlx::query("SELECT DISTINCT name FROM image_packages UNION SELECT DISTINCT source FROM image_packages")
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(|r| r.try_get::<String, _>(0))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let mut q = String::from(
            "SELECT ap.advisory_id, ap.manager, ap.ecosystem, ap.name, ap.affected, a.aliases, a.severity \
             FROM advisory_packages ap JOIN advisories a ON a.id = ap.advisory_id",
        );
        if advisory.is_some() {
            q.push_str(" WHERE ap.advisory_id = $1");
        }
        q.push_str(" ORDER BY ap.advisory_id");
        let mut query = sqlx::query(&q);
        if let Some(a) = advisory {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut inventory: HashMap<(String, String), Vec<super::ImagePackage>> = HashMap::new();
        // Per package: its distinct versions, and each carrier's.
        let mut distinct: HashMap<(String, String), (Vec<String>, Vec<usize>)> = HashMap::new();
        let mut releases: HashMap<String, Option<String>> = HashMap::new();
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.try_get(0)?;
            let name: String = r.try_get(3)?;
            if carried.as_ref().is_some_and(|c| !c.contains(&name)) {
                continue;
            }
            let bad = |what: &str, v: &dyn std::fmt::Debug| {
                StoreError::InvalidRow(format!("{}: unknown {what} {v:?}", row(&id)))
            };
            let manager_s: String = r.try_get(1)?;
            let manager = Ecosystem::parse(&manager_s).ok_or_else(|| bad("manager", &manager_s))?;
            let ecosystem: String = r.try_get(2)?;
            let stored: StoredAffected = serde_json::from_str(&r.try_get::<String, _>(4)?)
                .map_err(|e| bad("affected ranges", &e.to_string()))?;
            let aliases: Vec<String> = serde_json::from_str(&r.try_get::<String, _>(5)?)
                .map_err(|e| bad("aliases", &e.to_string()))?;
            let severity_s: String = r.try_get(6)?;
            let severity =
                AdvisorySeverity::parse(&severity_s).ok_or_else(|| bad("severity", &severity_s))?;
            let affected = Affected {
                manager,
                ecosystem: ecosystem.clone(),
                name: name.clone(),
                ranges: stored
                    .ranges
                    .into_iter()
                    .map(|(introduced, fixed, last_affected)| Range {
                        introduced,
                        fixed,
                        last_affected,
                    })
                    .collect(),
                versions: stored.versions,
            };
            let key = (manager_s.clone(), name.clone());
            if !inventory.contains_key(&key) {
                let carriers = self
                    .packages_uncounted(&name, &super::VersionFilter::Any)
                    .await?
                    .into_iter()
                    .filter(|p| p.manager.as_str() == manager_s)
                    .collect();
                inventory.insert(key.clone(), carriers);
            }
            let carriers = &inventory[&key];
            // The version the advisory speaks of: the source package's
            // when it names the source (Debian's advisories do). Images
            // share versions: each distinct one is judged once.
            let versions = distinct.entry(key.clone()).or_insert_with(|| {
                let mut index: HashMap<&str, usize> = HashMap::new();
                let mut list: Vec<String> = Vec::new();
                let of: Vec<usize> = carriers
                    .iter()
                    .map(|p| {
                        let v = if p.name == name {
                            p.version.as_str()
                        } else {
                            p.source_version.as_str()
                        };
                        *index.entry(v).or_insert_with(|| {
                            list.push(v.to_string());
                            list.len() - 1
                        })
                    })
                    .collect();
                (list, of)
            });
            let hits: Vec<bool> = versions.0.iter().map(|v| affected.affects(v)).collect();
            if !hits.iter().any(|h| *h) {
                continue;
            }
            let verdicts: Vec<(String, bool)> = versions
                .1
                .iter()
                .map(|i| (versions.0[*i].clone(), hits[*i]))
                .collect();
            let fixed_images: Vec<String> = carriers
                .iter()
                .zip(&verdicts)
                .filter(|(_, (_, hit))| !hit)
                .map(|(p, _)| p.image_id.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .take(MAX_FIXED_IMAGES)
                .collect();
            for (p, (version, hit)) in carriers.iter().zip(verdicts) {
                if image.is_some_and(|i| i != p.image_id) || !hit {
                    continue;
                }
                if !releases.contains_key(&p.image_id) {
                    let pkgs: Vec<(String, String)> = sqlx::query_as(
                        "SELECT name, version FROM image_packages WHERE image_id = $1 AND name IN \
                         ('base-files', 'alpine-release', 'alpine-base', 'rocky-release', 'almalinux-release')",
                    )
                    .bind(&p.image_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut release = release_of(&pkgs);
                    if release.is_none() {
                        // Ubuntu's base-files does not tell its release,
                        // nor does an image without its release package:
                        // the manifest's os-release name does.
                        let os: Option<String> =
                            sqlx::query_scalar("SELECT os FROM manifests WHERE image_id = $1")
                                .bind(&p.image_id)
                                .fetch_optional(&self.pool)
                                .await?;
                        release = os.as_deref().and_then(os_release);
                    }
                    releases.insert(p.image_id.clone(), release);
                }
                let release = releases[&p.image_id].clone();
                // An advisory for one release does not speak of another's
                // packages (the same version string means another build).
                if release
                    .as_deref()
                    .is_some_and(|r| !same_release(r, &ecosystem))
                {
                    continue;
                }
                out.push(Exposure {
                    advisory_id: id.clone(),
                    aliases: aliases.clone(),
                    severity,
                    image_id: p.image_id.clone(),
                    image_kind: p.image_kind,
                    release,
                    package: p.name.clone(),
                    fixed: affected.fixed_after(&version).map(String::from),
                    version,
                    fixed_images: fixed_images.clone(),
                    nodes: p.nodes,
                    containers: p.containers,
                });
            }
        }
        // What runs each exposed image: counted once per image.
        let images: Vec<String> = out.iter().map(|e| e.image_id.clone()).collect();
        let counts = self.running(images.iter().map(String::as_str)).await?;
        for e in &mut out {
            (e.nodes, e.containers) = counts.get(&e.image_id).copied().unwrap_or((0, 0));
        }
        Ok(out)
    }

    /// The imported advisories, most severe first, with what each exposes.
    pub async fn advisories(&self) -> Result<Vec<AdvisorySummary>, StoreError> {
        // What each advisory exposes, grouped once: (images, nodes,
        // containers), each image counted once.
        let mut exposed: HashMap<String, (HashSet<String>, i64, i64)> = HashMap::new();
        for e in self.exposure(None, None).await? {
            let a = exposed.entry(e.advisory_id).or_default();
            if a.0.insert(e.image_id) {
                a.1 += e.nodes;
                a.2 += e.containers;
            }
        }
        // Every advisory's package names, in one query.
        let mut packages: HashMap<String, std::collections::BTreeSet<String>> = HashMap::new();
        for (id, name) in
            sqlx::query_as::<_, (String, String)>("SELECT advisory_id, name FROM advisory_packages")
                .fetch_all(&self.pool)
                .await?
        {
            packages.entry(id).or_default().insert(name);
        }
        let rows = sqlx::query(
            "SELECT id, aliases, summary, severity, modified FROM advisories ORDER BY id LIMIT 10000",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.try_get(0)?;
            let bad = |what: &str| StoreError::InvalidRow(format!("advisory {id:?}: bad {what}"));
            let severity_s: String = r.try_get(3)?;
            let (images, nodes, containers) = exposed
                .remove(&id)
                .map_or((0, 0, 0), |(i, n, c)| (i.len() as i64, n, c));
            out.push(AdvisorySummary {
                aliases: serde_json::from_str(&r.try_get::<String, _>(1)?)
                    .map_err(|_| bad("aliases"))?,
                summary: r.try_get(2)?,
                severity: AdvisorySeverity::parse(&severity_s).ok_or_else(|| bad("severity"))?,
                modified: r.try_get(4)?,
                packages: packages
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                images,
                nodes,
                containers,
                id,
            });
        }
        out.sort_by(|a, b| {
            (b.severity, b.nodes + b.containers, &a.id).cmp(&(
                a.severity,
                a.nodes + a.containers,
                &b.id,
            ))
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_come_from_the_os_name_and_match_their_ecosystems() {
        for (os, release) in [
            ("Ubuntu 22.04.4 LTS", Some("Ubuntu:22.04")),
            ("Ubuntu 24.10", Some("Ubuntu:24.10")),
            ("Ubuntu noble", None),
            ("Debian GNU/Linux 12 (bookworm)", Some("Debian:12")),
            ("Debian GNU/Linux 11 (bullseye)", Some("Debian:11")),
            ("Debian GNU/Linux trixie/sid", None),
            ("Alpine Linux v3.20", Some("Alpine:v3.20")),
            ("Alpine Linux edge", None),
            ("Rocky Linux 9.3 (Blue Onyx)", Some("Rocky Linux:9")),
            ("AlmaLinux 9.3 (Shamrock Pampas Cat)", Some("AlmaLinux:9")),
            ("Fixture Linux 1", None),
            ("", None),
        ] {
            assert_eq!(os_release(os).as_deref(), release, "{os:?}");
        }
        assert!(same_release("Ubuntu:22.04", "Ubuntu:22.04:LTS"));
        assert!(same_release("Ubuntu:22.04", "Ubuntu:Pro:22.04:LTS"));
        assert!(same_release("Ubuntu:24.10", "Ubuntu:24.10"));
        assert!(!same_release("Ubuntu:22.04", "Ubuntu:20.04:LTS"));
        assert!(!same_release("Ubuntu:22.04", "Debian:12"));
        assert!(same_release("Debian:12", "Debian:12"));
        assert!(!same_release("Debian:12", "Debian:11"));
    }
}

//! Advisories: OSV records imported offline, and the exposure of the
//! fleet's images, nodes and containers to them.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use plumb_proto::v1::{
    AdvisorySeverity, ImportAdvisoriesRequest, ListAdvisoriesRequest, ListExposureRequest,
};
use plumb_proto::{AdminServiceClient, QueryServiceClient};
use serde_json::Value;

use crate::conn::{channel, status_error, Conn};
use crate::output::{print_as, table};

fn severity(s: i32) -> &'static str {
    match AdvisorySeverity::try_from(s) {
        Ok(AdvisorySeverity::Low) => "low",
        Ok(AdvisorySeverity::Medium) => "medium",
        Ok(AdvisorySeverity::High) => "high",
        Ok(AdvisorySeverity::Critical) => "critical",
        _ => "unknown",
    }
}

/// The OSV files of `path`: the file, or a directory's `*.json` files.
fn osv_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("{}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{}: no *.json files", path.display());
    }
    Ok(files)
}

/// Imports the OSV records of `path` (a file, or a directory of them) in
/// one request: all of them, or none.
pub async fn import(conn: &Conn, path: PathBuf, as_json: bool) -> Result<()> {
    const MAX: u64 = 32 * 1024 * 1024;
    let mut records: Vec<Value> = Vec::new();
    let mut total = 0u64;
    for f in osv_files(&path)? {
        let len = std::fs::metadata(&f)?.len();
        total += len;
        if total > MAX {
            bail!(
                "{}: the advisories given are more than 32 MiB in all; import them in parts",
                path.display()
            );
        }
        let text = std::fs::read(&f).with_context(|| format!("{}", f.display()))?;
        let v: Value =
            serde_json::from_slice(&text).with_context(|| format!("{}: not JSON", f.display()))?;
        match v {
            Value::Array(a) => records.extend(a),
            one => records.push(one),
        }
    }
    let osv = serde_json::to_vec(&records)?;
    let mut admin =
        AdminServiceClient::new(channel(conn).await?).max_encoding_message_size(64 * 1024 * 1024);
    let r = admin
        .import_advisories(ImportAdvisoriesRequest {
            osv,
            source_name: path.display().to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if as_json {
        crate::output::print_one::<_, plumb_collector::store::Imported>(&r)?;
    } else {
        println!(
            "imported {} advisories ({} affected packages; {} of ecosystems plumb does not read skipped)",
            r.advisories, r.packages, r.skipped_packages
        );
    }
    Ok(())
}

pub async fn list(conn: &Conn, as_json: bool) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let list = q
        .list_advisories(ListAdvisoriesRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .advisories;
    if as_json {
        return print_as::<_, plumb_collector::store::AdvisorySummary>(&list);
    }
    table(
        &[
            "ADVISORY",
            "ALIASES",
            "SEVERITY",
            "PACKAGES",
            "IMAGES",
            "NODES",
            "CONTAINERS",
        ],
        list.iter()
            .map(|a| {
                vec![
                    a.id.clone(),
                    a.aliases.join(","),
                    severity(a.severity).into(),
                    a.packages.join(","),
                    a.images.to_string(),
                    a.nodes.to_string(),
                    a.containers.to_string(),
                ]
            })
            .collect(),
    );
    Ok(())
}

pub async fn exposure(
    conn: &Conn,
    advisory: Option<String>,
    image: Option<String>,
    as_json: bool,
) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let list = q
        .list_exposure(ListExposureRequest {
            advisory: advisory.unwrap_or_default(),
            image_id: image.unwrap_or_default(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .exposure;
    let kind = crate::packages::kind;
    if as_json {
        return print_as::<_, plumb_collector::store::Exposure>(&list);
    }
    table(
        &[
            "ADVISORY",
            "SEVERITY",
            "IMAGE",
            "PACKAGE",
            "VERSION",
            "FIXED IN",
            "FIXED IMAGES",
            "NODES",
            "CONTAINERS",
        ],
        list.iter()
            .map(|e| {
                vec![
                    e.advisory_id.clone(),
                    severity(e.severity).into(),
                    // An image whose release is not recognised is matched
                    // against every release's advisories: said, not hidden.
                    if e.release.is_empty() {
                        format!("{} ({}, release unknown)", e.image_id, kind(e.image_kind))
                    } else {
                        format!("{} ({}, {})", e.image_id, kind(e.image_kind), e.release)
                    },
                    e.package.clone(),
                    e.version.clone(),
                    e.fixed.clone(),
                    if e.fixed_images.is_empty() {
                        "none yet".into()
                    } else {
                        e.fixed_images.join(",")
                    },
                    e.nodes.to_string(),
                    e.containers.to_string(),
                ]
            })
            .collect(),
    );
    Ok(())
}

/// Image families: each image's supersession, and the newest's rollout.
pub async fn families(conn: &Conn, as_json: bool) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let list = q
        .list_families(plumb_proto::v1::ListFamiliesRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .families;
    if as_json {
        return print_as::<_, plumb_collector::store::Family>(&list);
    }
    let mut rows = Vec::new();
    for f in &list {
        for i in &f.images {
            rows.push(vec![
                f.family.clone(),
                i.image_id.clone(),
                if i.superseded_since_unix_ms == 0 {
                    format!("newest ({:.0} % of the family)", f.newest_share * 100.0)
                } else {
                    format!(
                        "superseded {}",
                        crate::output::ago(i.superseded_since_unix_ms)
                    )
                },
                i.nodes.to_string(),
                i.containers.to_string(),
            ]);
        }
    }
    table(&["FAMILY", "IMAGE", "STATE", "NODES", "CONTAINERS"], rows);
    Ok(())
}

/// A family's rollout over time.
pub async fn rollout(
    conn: &Conn,
    as_json: bool,
    family: String,
    since: std::time::Duration,
) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let points = q
        .list_rollout(plumb_proto::v1::ListRolloutRequest {
            family,
            since_unix_ms: (now - since.as_millis() as i64).max(1),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .points;
    if as_json {
        return print_as::<_, plumb_collector::store::RolloutPoint>(&points);
    }
    let rows = points
        .iter()
        .map(|p| {
            vec![
                plumb_proto::cli::rfc3339(p.at_unix_ms),
                p.newest.clone(),
                format!("{:.0} %", p.newest_share * 100.0),
                p.units.to_string(),
            ]
        })
        .collect();
    table(&["AT", "NEWEST", "ON THE NEWEST", "NODES+CONTAINERS"], rows);
    Ok(())
}

/// The images due for replacement by the policy's posture rules.
pub async fn due(conn: &Conn, as_json: bool, by_node: bool) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let list = q
        .list_due(plumb_proto::v1::ListDueRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .images;
    if as_json {
        return print_as::<_, plumb_collector::posture::DueImage>(&list);
    }
    if by_node {
        for d in &list {
            let why = plumb_proto::printable(&d.reasons.join("; ")).replace('\t', " ");
            for n in &d.nodes {
                println!("{n}\t{}\t{why}", d.image_id);
            }
        }
        return Ok(());
    }
    let mut rows = Vec::new();
    for d in &list {
        for (k, r) in d.reasons.iter().enumerate() {
            rows.push(vec![
                if k == 0 {
                    d.image_id.clone()
                } else {
                    String::new()
                },
                if k == 0 {
                    d.node_count.to_string()
                } else {
                    String::new()
                },
                if k == 0 {
                    d.containers.to_string()
                } else {
                    String::new()
                },
                r.clone(),
            ]);
        }
    }
    table(&["IMAGE", "NODES", "CONTAINERS", "DUE BECAUSE"], rows);
    Ok(())
}

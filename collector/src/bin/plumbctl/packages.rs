//! Packages: which images carry a package (by name or by the source
//! package it was built from), at which version, and how many nodes and
//! containers run each of those images now.

use anyhow::Result;
use plumb_proto::v1::{ImageKind, ImagePackage, ListPackagesRequest};
use plumb_proto::QueryServiceClient;

use crate::conn::{channel, status_error, Conn};
use crate::output::table;

/// An image kind as plumbctl prints it.
pub fn kind(k: i32) -> &'static str {
    match ImageKind::try_from(k) {
        Ok(ImageKind::Container) => "container",
        _ => "machine",
    }
}

/// A package's manager as plumbctl prints it (`dpkg`, `rpm`, `apk`).
fn manager(p: &ImagePackage) -> &'static str {
    plumb_proto::package_manager_name(p.manager())
}

pub async fn packages(
    conn: &Conn,
    name: String,
    version: Option<String>,
    below: Option<String>,
    json: bool,
) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let list = q
        .list_packages(ListPackagesRequest {
            name,
            version: version.unwrap_or_default(),
            below: below.unwrap_or_default(),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .packages;
    if json {
        return crate::output::print_as::<_, plumb_collector::store::ImagePackage>(&list);
    }
    table(
        &[
            "IMAGE",
            "KIND",
            "PACKAGE",
            "VERSION",
            "SOURCE",
            "NODES",
            "CONTAINERS",
        ],
        list.iter()
            .map(|p| {
                let source = if p.source == p.name && p.source_version == p.version {
                    String::new()
                } else {
                    format!("{} {}", p.source, p.source_version)
                };
                vec![
                    p.image_id.clone(),
                    kind(p.image_kind).into(),
                    format!("{} ({})", p.name, manager(p)),
                    p.version.clone(),
                    source,
                    p.nodes.to_string(),
                    p.containers.to_string(),
                ]
            })
            .collect(),
    );
    Ok(())
}

//! The manifest registry: push (admin) and the images it holds.

use std::path::PathBuf;

use anyhow::{Context, Result};
use plumb_proto::v1::{ListImagesRequest, Manifest, PushManifestRequest};
use plumb_proto::{ManifestRegistryClient, QueryServiceClient};
use prost::Message;
use serde_json::json;

use crate::conn::{channel, status_error, Conn};
use crate::output::table;

pub async fn push(conn: &Conn, file: PathBuf, replace: bool, json: bool) -> Result<()> {
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let mut manifest: Manifest = if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{}: invalid JSON manifest", file.display()))?
    } else {
        Manifest::decode(bytes.as_slice())
            .with_context(|| format!("{}: not a plumb manifest", file.display()))?
    };
    manifest
        .verify()
        .with_context(|| format!("{}: refusing to push", file.display()))?;
    let mut r = ManifestRegistryClient::new(channel(conn).await?)
        .max_encoding_message_size(plumb_proto::MAX_MANIFEST_BYTES);
    let resp = r
        .push(PushManifestRequest {
            manifest: manifest.encode_to_vec(),
            replace,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if json {
        println!(
            "{}",
            json!({"image_id": resp.image_id, "digest": plumb_proto::hex(&resp.digest), "replaced": resp.replaced})
        );
    } else {
        println!(
            "pushed manifest for image {} (sha256:{}){}",
            resp.image_id,
            plumb_proto::hex(&resp.digest),
            if resp.replaced {
                ", replacing an older one"
            } else {
                ""
            }
        );
    }
    Ok(())
}

pub async fn images(conn: &Conn, json: bool) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let r = q
        .list_images(ListImagesRequest {})
        .await
        .map_err(status_error)?
        .into_inner();
    if json {
        return crate::output::print_as::<_, plumb_collector::model::Image>(&r.images);
    } else {
        table(
            &[
                "IMAGE", "DIGEST", "FILES", "PACKAGES", "NODES", "DRIFTED", "LABELS",
            ],
            r.images
                .iter()
                .map(|i| {
                    let d = plumb_proto::hex(&i.digest);
                    vec![
                        i.image_id.clone(),
                        d.chars().take(12).collect(),
                        i.files.to_string(),
                        i.packages.to_string(),
                        i.nodes.to_string(),
                        i.drifted_nodes.to_string(),
                        i.labels
                            .iter()
                            .map(|l| format!("{}={}", l.key, l.value))
                            .collect::<Vec<_>>()
                            .join(","),
                    ]
                })
                .collect(),
        );
    }
    Ok(())
}

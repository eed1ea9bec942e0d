//! The manifest registry (`ManifestRegistry`): the image pipeline pushes
//! (signed, append-only per image), agents fetch.

use std::sync::Arc;

use plumb_proto::v1::{
    FetchManifestRequest, FetchManifestResponse, Manifest, PushManifestRequest,
    PushManifestResponse,
};
use plumb_proto::ManifestRegistry;
use tonic::{Request, Response, Status};

use crate::hub::Hub;
use crate::model::{now_ms, NodeStatus};
use crate::security::principal::caller;
use crate::store::PushOutcome;

/// The manifest registry: the image pipeline pushes, agents fetch.
pub struct Registry {
    pub hub: Arc<Hub>,
}

#[tonic::async_trait]
impl ManifestRegistry for Registry {
    async fn push(
        &self,
        request: Request<PushManifestRequest>,
    ) -> Result<Response<PushManifestResponse>, Status> {
        let who = caller(&request);
        let audit = &self.hub.trust.auth.audit;
        let PushManifestRequest {
            manifest: bytes,
            replace,
        } = request.into_inner();
        // Verified one file entry at a time: a push costs its encoded size
        // in memory, not the decoded manifest's.
        let mut files = 0i64;
        let manifest = Manifest::decode_streaming(&bytes, |_| {
            files += 1;
            Ok(())
        })
        .map_err(|e| {
            audit.refused(&who, "manifest push", "", &e.to_string());
            Status::invalid_argument(format!("refusing manifest: {e}"))
        })?;
        // Packages are judged by their manager's version rules: one plumb
        // does not know cannot be judged, so the manifest is refused.
        if let Some((i, p)) = manifest
            .packages
            .iter()
            .enumerate()
            .find(|(_, p)| crate::versions::Ecosystem::from_wire(p.manager).is_none())
        {
            let why = format!(
                "package #{i} ({:?}) has an unknown package manager ({})",
                p.name, p.manager
            );
            audit.refused(&who, "manifest push", &manifest.image_id, &why);
            return Err(Status::invalid_argument(format!(
                "refusing manifest: {why}"
            )));
        }
        let image = manifest.image_id.clone();
        let digest = manifest.digest_hex();
        let keys = &self.hub.trust.trusted_keys;
        if !keys.is_empty() {
            match plumb_proto::signature::verify_manifest(&manifest, keys) {
                Ok(key) => tracing::info!(image = %image, key, "manifest signature verified"),
                Err(e) => {
                    audit.refused(&who, "manifest push", &image, &e.to_string());
                    return Err(Status::permission_denied(format!("refusing manifest: {e}")));
                }
            }
        }
        let outcome = self
            .hub
            .store
            .put_manifest(
                &image,
                &digest,
                &bytes,
                files,
                &manifest.packages,
                manifest.container.is_some(),
                &manifest
                    .labels
                    .iter()
                    .map(|l| (l.key.clone(), l.value.clone()))
                    .collect::<Vec<_>>(),
                replace,
                now_ms(),
            )
            .await?;
        let outcome_changed = !matches!(outcome, PushOutcome::Unchanged);
        let replaced = match outcome {
            PushOutcome::Refused { existing } => {
                let why = format!(
                    "image {image:?} is registered with digest {existing}; a different digest ({digest}) replaces it only when an admin asks explicitly (plumbctl manifest push --replace)"
                );
                audit.refused(&who, "manifest push", &image, &why);
                return Err(Status::already_exists(why));
            }
            PushOutcome::Replaced { old } => {
                audit.ok(
                    &who,
                    "manifest replace",
                    &image,
                    &format!("digest {old} -> {digest}"),
                );
                true
            }
            PushOutcome::New => {
                audit.ok(&who, "manifest push", &image, &format!("digest {digest}"));
                false
            }
            PushOutcome::Unchanged => false,
        };
        // The release no package tells (Ubuntu's), from the image's
        // os-release name.
        if outcome_changed {
            let os = manifest
                .builder
                .as_ref()
                .map_or("", |b| b.image_os.as_str());
            self.hub.store.set_image_os(&image, os).await?;
        }
        // A new image may supersede others or carry advisories' packages.
        self.hub.posture_changed();
        tracing::info!(image = %image, digest = %digest, replaced, "manifest pushed");
        Ok(Response::new(PushManifestResponse {
            image_id: manifest.image_id,
            digest: manifest.digest,
            replaced,
        }))
    }

    async fn fetch(
        &self,
        request: Request<FetchManifestRequest>,
    ) -> Result<Response<FetchManifestResponse>, Status> {
        let who = caller(&request);
        let image = request.into_inner().image_id;
        // The guard refused revoked certificates; a retired node's agent
        // has no business fetching either, and that it tried is a finding.
        if let Some(node) = &who.node_id {
            let status = self
                .hub
                .store
                .node(node)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "reading the node failed");
                    Status::unavailable("collector database unavailable")
                })?
                .map(|n| n.status);
            if status == Some(NodeStatus::Retired) {
                self.hub
                    .judge
                    .retired_spoke(
                        node,
                        &format!("fetched the manifest of {image:?} after retirement"),
                    )
                    .await;
                self.hub
                    .trust
                    .auth
                    .audit
                    .refused(&who, "manifest fetch", node, "node is retired");
                return Err(Status::permission_denied(format!(
                    "node {node:?} is retired: it may not fetch manifests"
                )));
            }
        }
        match self.hub.store.manifest(&image).await? {
            Some(manifest) => Ok(Response::new(FetchManifestResponse { manifest })),
            None => Err(Status::not_found(format!(
                "no manifest for image {image:?}"
            ))),
        }
    }
}

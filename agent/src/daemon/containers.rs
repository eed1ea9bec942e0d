//! The daemon's container pass: every quick interval (and when the exec
//! monitor sees a process in a mount namespace it does not know), the
//! node's containers are found and judged ([`crate::containers`]), their
//! deviations replace the containers' part of the deviation set, and the
//! list goes to the collector when it changed.
//!
//! Manifests of container images come from the collector by image id and
//! are kept in the state dir (`images/`), verified on every read, so a
//! restart judges known images while the collector is down.

use std::path::PathBuf;
use std::time::Duration;

use plumb_proto::transport::ClientTls;
use plumb_proto::v1::{ContainerInfo, ContainerList};
use plumb_proto::ManifestRegistryClient;
use tokio::sync::watch;

use super::outbox::{DevKey, DeviationSet};
use crate::containers::{Containers, ManifestSource, Report, RuntimeDirs};
use crate::manifest::{now_ms, Baseline};
use crate::policy::PolicyFile;

/// Fetches image manifests from the collector, through a cache in the
/// state dir.
pub struct CollectorSource {
    pub collectors: Vec<String>,
    pub tls: ClientTls,
    pub runtime: tokio::runtime::Handle,
    pub dir: PathBuf,
}

impl CollectorSource {
    fn cached(&self, image_id: &str) -> PathBuf {
        let name: String = image_id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        self.dir.join(format!("{name}.pb"))
    }
}

impl ManifestSource for CollectorSource {
    fn manifest(&mut self, image_id: &str) -> Result<Option<Baseline>, String> {
        let cached = self.cached(image_id);
        if let Ok(m) = crate::manifest::read(&cached) {
            if m.meta.image_id == image_id {
                return Ok(Some(m));
            }
        }
        let mut last = String::from("no collector");
        for url in &self.collectors {
            match self.runtime.block_on(fetch(url, &self.tls, image_id)) {
                Ok(None) => return Ok(None),
                Ok(Some(bytes)) => {
                    let m = Baseline::decode_binary(&bytes)
                        .map_err(|e| format!("manifest of image {image_id} from {url}: {e}"))?;
                    // A cache that cannot be written costs a fetch next time.
                    if let Err(e) = std::fs::create_dir_all(&self.dir)
                        .and_then(|()| crate::atomic::write(&cached, &bytes))
                    {
                        tracing::warn!(path = %cached.display(), error = %e, "image manifest not cached");
                    }
                    tracing::info!(image = %image_id, digest = %m.digest_hex(), "container image manifest fetched");
                    return Ok(Some(m));
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

async fn fetch(url: &str, tls: &ClientTls, image: &str) -> Result<Option<Vec<u8>>, String> {
    let channel = plumb_proto::transport::endpoint(url, tls)
        .map_err(|e| e.to_string())?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .connect()
        .await
        .map_err(|e| format!("connect {url}: {e}"))?;
    let mut client = ManifestRegistryClient::new(channel)
        .max_decoding_message_size(plumb_proto::MAX_MANIFEST_BYTES);
    match client
        .fetch(plumb_proto::v1::FetchManifestRequest {
            image_id: image.to_string(),
        })
        .await
    {
        Ok(r) => Ok(Some(r.into_inner().manifest)),
        Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
        Err(s) => Err(format!("{url}: {}", s.message())),
    }
}

/// The container part of the scanner.
pub struct ContainerWatch {
    pub containers: Containers,
    list: watch::Sender<Option<ContainerList>>,
    passes: u64,
}

impl ContainerWatch {
    pub fn new(
        proc_dir: PathBuf,
        dirs: RuntimeDirs,
        source: CollectorSource,
        overrides: Option<PolicyFile>,
        list: watch::Sender<Option<ContainerList>>,
    ) -> ContainerWatch {
        ContainerWatch {
            containers: Containers::new(proc_dir, dirs, Box::new(source), overrides),
            list,
            passes: 0,
        }
    }

    /// Judges every container; replaces the containers' deviations in
    /// `current`. Returns how many containers run, and the reports without
    /// their deviations (for the exec monitor).
    pub fn pass(&mut self, current: &mut DeviationSet, full: bool) -> (usize, Vec<Report>) {
        self.passes += 1;
        // Images without a manifest are asked for again now and then: one
        // may have been pushed since.
        if self.passes % 10 == 0 {
            self.containers.retry_missing();
        }
        let (reports, stats) = match self.containers.pass(full) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "containers could not be listed; their deviations stay as they were");
                return (0, Vec::new());
            }
        };
        tracing::debug!(
            containers = stats.containers,
            images_verified = stats.images_verified,
            elapsed_ms = stats.duration.as_millis() as u64,
            "container pass"
        );
        current.retain(|k, _| k.container.is_empty());
        let mut infos: Vec<ContainerInfo> = Vec::with_capacity(reports.len());
        let mut kept = Vec::with_capacity(reports.len());
        for mut r in reports {
            for d in std::mem::take(&mut r.deviations) {
                current.insert(DevKey::of(&d), d);
            }
            infos.push(r.info.clone());
            kept.push(r);
        }
        infos.sort_by(|a, b| a.id.cmp(&b.id));
        let n = infos.len();
        self.list.send_if_modified(|old| {
            let same = old.as_ref().is_some_and(|o| o.containers == infos);
            if !same {
                *old = Some(ContainerList {
                    containers: infos,
                    observed_unix_ms: now_ms(),
                });
            }
            !same
        });
        (n, kept)
    }
}

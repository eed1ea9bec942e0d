//! The collector, as a client sees it: the TLS settings of every
//! connection (from the daemon's configuration), and manifests fetched
//! from the registry by image id. Used by the daemon (its node's
//! manifest, its containers' images) and by `check --containers
//! --from-collector`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use plumb_proto::transport::ClientTls;
use plumb_proto::ManifestRegistryClient;

use crate::containers::ManifestSource;
use crate::daemon::config::RunConfig;
use crate::manifest::Baseline;

/// The bytes of `path`, or an error naming it as `what`.
pub(crate) fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {what} {}", path.display()))
}

/// TLS settings from the configuration; the node certificate is used when
/// both its files exist.
pub fn client_tls(cfg: &RunConfig) -> anyhow::Result<ClientTls> {
    let ca_pem = cfg.ca.as_deref().map(|p| read(p, "CA")).transpose()?;
    let identity = if cfg.cert.exists() && cfg.key.exists() {
        Some((
            read(&cfg.cert, "node certificate")?,
            read(&cfg.key, "node key")?,
        ))
    } else {
        None
    };
    Ok(ClientTls {
        ca_pem,
        identity,
        insecure_plaintext: cfg.insecure_plaintext,
    })
}

/// The encoded manifest of `image` from the registry at `url`; none when
/// the registry has no such image. Connecting is bounded by 5 s, the
/// whole call by 30 s, the manifest by [`plumb_proto::MAX_MANIFEST_BYTES`].
pub async fn fetch_manifest(
    url: &str,
    tls: &ClientTls,
    image: &str,
) -> Result<Option<Vec<u8>>, String> {
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

/// Container images' manifests from the collector, through a cache in the
/// state dir (`images/`, verified on every read, so a restart judges
/// known images while the collector is down).
pub struct CollectorSource {
    collectors: Vec<String>,
    tls: ClientTls,
    runtime: tokio::runtime::Handle,
    dir: PathBuf,
}

impl CollectorSource {
    /// The collectors and cache of `cfg`, reached with `tls`; fetches
    /// are driven by `runtime` (one whose workers run while the caller's
    /// thread blocks on a fetch).
    pub fn new(
        cfg: &RunConfig,
        tls: ClientTls,
        runtime: tokio::runtime::Handle,
    ) -> CollectorSource {
        CollectorSource {
            collectors: cfg.collectors.clone(),
            tls,
            runtime,
            dir: cfg.state_dir.join("images"),
        }
    }

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
            match self
                .runtime
                .block_on(fetch_manifest(url, &self.tls, image_id))
            {
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

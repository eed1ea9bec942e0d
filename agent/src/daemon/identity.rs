//! The node's identity towards the collector: first-start enrollment (a fresh key that never leaves the
//! node, a CSR, a one-time token), and the manifest signature check.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use plumb_proto::signature::{verify_manifest, TrustedKey};
use plumb_proto::transport::ClientTls;
use plumb_proto::v1::{EnrollRequest, Manifest};
use plumb_proto::EnrollmentClient;

use super::config::RunConfig;

/// Enrolls the node when it has no certificate and an enrollment token
/// was given: makes a key (written 0600 in the state dir), sends a CSR
/// over server-authenticated TLS, and stores the certificate it gets.
pub async fn enroll_if_needed(cfg: &RunConfig, image_id: &str) -> anyhow::Result<()> {
    if cfg.cert.exists() && cfg.key.exists() {
        return Ok(());
    }
    let Some(token) = &cfg.enroll_token else {
        if cfg.collectors.iter().any(|u| u.starts_with("https://")) {
            tracing::warn!(cert = %cfg.cert.display(), "no node certificate and no enrollment token: the collector will refuse this agent");
        }
        return Ok(());
    };
    let key = rcgen::KeyPair::generate().context("generating the node key")?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cfg.node_id.as_str());
    let csr = params
        .serialize_request(&key)
        .context("making the CSR")?
        .pem()?;
    let tls = ClientTls {
        identity: None,
        ..crate::client::client_tls(cfg)?
    };
    // The first replica that answers enrolls the node.
    let mut channel = None;
    let mut failures = Vec::new();
    for url in &cfg.collectors {
        let endpoint = plumb_proto::transport::endpoint(url, &tls)?;
        match endpoint
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
        {
            Ok(c) => {
                channel = Some(c);
                break;
            }
            Err(e) => failures.push(format!("{url}: {e}")),
        }
    }
    let channel =
        channel.ok_or_else(|| anyhow::anyhow!("connecting to enroll: {}", failures.join("; ")))?;
    let response = EnrollmentClient::new(channel)
        .enroll(EnrollRequest {
            token: token.clone(),
            csr_pem: csr,
            image_id: image_id.to_string(),
            node_id: cfg.node_id.clone(),
        })
        .await
        .map_err(|s| anyhow::anyhow!("enrollment refused: {}", s.message()))?
        .into_inner();
    write_private(&cfg.key, key.serialize_pem().as_bytes())?;
    crate::atomic::write(&cfg.cert, response.certificate_pem.as_bytes())
        .with_context(|| format!("writing {}", cfg.cert.display()))?;
    tracing::info!(node = %cfg.node_id, cert = %cfg.cert.display(), "enrolled: node certificate issued");
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("key.tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The configured trusted keys.
pub fn trusted_keys(cfg: &RunConfig) -> anyhow::Result<Vec<TrustedKey>> {
    cfg.trust_keys
        .iter()
        .map(|p| {
            let pem = String::from_utf8(crate::client::read(p, "trusted key")?)
                .with_context(|| format!("trusted key {} is not text", p.display()))?;
            TrustedKey::from_pem(&pem).with_context(|| format!("trusted key {}", p.display()))
        })
        .collect()
}

/// With trusted keys configured, a manifest is used only when one of them
/// signed it.
pub fn check_signature(meta: &Manifest, keys: &[TrustedKey]) -> anyhow::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let key = verify_manifest(meta, keys).context("refusing the manifest")?;
    tracing::info!(image = %meta.image_id, key, "manifest signature verified");
    Ok(())
}

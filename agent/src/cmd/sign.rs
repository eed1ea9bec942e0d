//! `manifest sign`: a manifest signed in place with an Ed25519 key.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use plumb_agent::manifest;
use plumb_proto::signature::ManifestSigner;

/// The signing key at `key` (PKCS#8 PEM), refused with its path when it
/// cannot be read or is not one.
pub fn load_signer(key: &Path) -> anyhow::Result<ManifestSigner> {
    let pem = std::fs::read_to_string(key)
        .with_context(|| format!("reading signing key {}", key.display()))?;
    ManifestSigner::from_pem(&pem).with_context(|| format!("signing key {}", key.display()))
}

/// Signs `file` with `key` and rewrites it; prints the digest.
pub fn sign(file: &Path, key: &Path) -> anyhow::Result<ExitCode> {
    let signer = load_signer(key)?;
    let mut m = manifest::read(file)?;
    signer.sign(&mut m.meta)?;
    manifest::write(file, &m)?;
    eprintln!(
        "manifest {} for image {} signed with key {}",
        file.display(),
        m.meta.image_id,
        signer.key_id()
    );
    println!("{}", m.digest_hex());
    Ok(ExitCode::SUCCESS)
}

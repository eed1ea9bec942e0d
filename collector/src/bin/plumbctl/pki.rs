//! What needs no collector: a development PKI and manifest signing keys.

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;

use crate::PkiCommand;

pub fn pki(command: &PkiCommand) -> Result<ExitCode> {
    use plumb_collector::security::pki::{self, Ca};
    match command {
        PkiCommand::Init { dir, hosts } => {
            let f = pki::init(dir, hosts)?;
            println!(
                "CA:         {} (key {})",
                f.ca_cert.display(),
                f.ca_key.display()
            );
            println!(
                "collector:  {} (key {})",
                f.server_cert.display(),
                f.server_key.display()
            );
            println!(
                "serve with: plumb-collector serve --tls-cert {} --tls-key {} --client-ca {} --enroll-ca-cert {} --enroll-ca-key {}",
                f.server_cert.display(),
                f.server_key.display(),
                f.ca_cert.display(),
                f.ca_cert.display(),
                f.ca_key.display()
            );
        }
        PkiCommand::IssueNode {
            node_id,
            dir,
            out,
            days,
        } => {
            let ca = Ca::load(&dir.join("ca.pem"), &dir.join("ca.key"))?;
            let (cert, key) = ca.issue_node(node_id, *days)?;
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            pki::write_file(&out.join(format!("{node_id}.key")), &key, true)?;
            pki::write_file(&out.join(format!("{node_id}.pem")), &cert, false)?;
            println!("{}", out.join(format!("{node_id}.pem")).display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn generate_keys(out: &std::path::Path, as_json: bool) -> Result<ExitCode> {
    use plumb_proto::signature::ManifestSigner;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    let signer = ManifestSigner::from_seed(seed);
    let private = out.with_extension("key");
    let public = out.with_extension("pub");
    plumb_collector::security::pki::write_file(&private, &signer.private_pem(), true)?;
    plumb_collector::security::pki::write_file(&public, &signer.public().public_pem(), false)?;
    if as_json {
        println!(
            "{}",
            json!({"key_id": signer.key_id(), "private": private, "public": public})
        );
    } else {
        println!(
            "key {}: {} (private), {} (public)",
            signer.key_id(),
            private.display(),
            public.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

//! `manifest show`: a manifest's summary, for people.

use std::path::Path;
use std::process::ExitCode;

use plumb_agent::manifest;
use plumb_proto::cli::rfc3339;

/// Prints the summary of the manifest in `file`.
pub fn show(file: &Path) -> anyhow::Result<ExitCode> {
    let manifest::Baseline { meta: m, files } = manifest::read(file)?;
    let b = m.builder.clone().unwrap_or_default();
    let count = |t: plumb_proto::v1::FileType| files.iter().filter(|f| f.file_type == t).count();
    println!("image id:     {}", m.image_id);
    println!("digest:       sha256:{}", m.digest_hex());
    println!("format:       {}", m.format_version);
    let signers: Vec<&str> = m.signatures.iter().map(|s| s.key_id.as_str()).collect();
    println!(
        "signed by:    {}",
        if signers.is_empty() {
            "(unsigned)".to_string()
        } else {
            signers.join(", ")
        }
    );
    println!("created:      {}", rfc3339(m.created_unix_ms));
    for l in &m.labels {
        println!(
            "label:        {}={}",
            l.key,
            plumb_proto::printable(&l.value)
        );
    }
    println!(
        "built on:     {} ({}, kernel {}), agent {}",
        b.hostname, b.os, b.kernel, b.agent_version
    );
    if !b.image_os.is_empty() {
        println!("image os:     {}", b.image_os);
    }
    if let Some(c) = &m.container {
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                plumb_proto::printable(&v.join(" ")).into_owned()
            }
        };
        println!(
            "container:    {}/{}, {} layers",
            c.os,
            c.architecture,
            c.layers.len()
        );
        println!("names:        {}", list(&c.names));
        println!("manifests:    {}", list(&c.manifest_digests));
        println!("entrypoint:   {}", list(&c.entrypoint));
        println!("cmd:          {}", list(&c.cmd));
        println!(
            "user:         {}",
            if c.user.is_empty() { "(root)" } else { &c.user }
        );
        println!(
            "workdir:      {}",
            list(std::slice::from_ref(&c.working_dir))
        );
        println!("ports:        {}", list(&c.exposed_ports));
        println!("volumes:      {}", list(&c.volumes));
    }
    println!(
        "files:        {} ({} regular, {} directories, {} symlinks, {} other)",
        files.len(),
        count(plumb_proto::v1::FileType::Regular),
        count(plumb_proto::v1::FileType::Directory),
        count(plumb_proto::v1::FileType::Symlink),
        files.len()
            - count(plumb_proto::v1::FileType::Regular)
            - count(plumb_proto::v1::FileType::Directory)
            - count(plumb_proto::v1::FileType::Symlink)
    );
    println!(
        "setuid/gid:   {}",
        files.iter().filter(|f| f.mode & 0o6000 != 0).count()
    );
    println!("packages:     {}", m.packages.len());
    match &m.listeners {
        Some(l) => println!(
            "listeners:    {} recorded, {} allowed rules",
            l.listeners.len(),
            l.allowed.len()
        ),
        None => println!("listeners:    not recorded"),
    }
    match &m.runtime {
        Some(r) => {
            let checked: Vec<&str> = [
                (r.processes, "processes"),
                (r.modules, "kernel modules"),
                (r.sessions, "logins"),
            ]
            .into_iter()
            .filter_map(|(on, what)| on.then_some(what))
            .collect();
            println!(
                "runtime:      on: {} (interpreters judged by their script: {})",
                checked.join(", "),
                r.interpreters.join(", ")
            );
        }
        None => println!("runtime:      off: processes, kernel modules and logins are not checked"),
    }
    if let Some(p) = &m.policy {
        println!(
            "policy:       {} ignore globs, {} severity rules",
            p.ignore.len(),
            p.severity.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

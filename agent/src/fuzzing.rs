//! Entry points for the fuzz targets in `agent/fuzz`: every parser of
//! input that comes from a node or an operator's file, fed raw bytes.
//! Each returns nothing; a target fails only by panicking, hanging or
//! exceeding its memory limit. Not an API: the functions exist so that
//! `cargo fuzz` reaches private parsers.

use std::path::Path;

use crate::packages::{self, PackageScan};

/// `var/lib/dpkg/status`.
pub fn dpkg_status(data: &[u8]) {
    let _ = packages::dpkg::parse_installed(data, Path::new("status"));
}

/// Alpine's `lib/apk/db/installed`.
pub fn apk_installed(data: &[u8]) {
    let _ = packages::apk::parse(data, Path::new("installed"), &mut PackageScan::default());
}

/// One rpm header blob, as stored in `Packages.blob`.
pub fn rpm_header(data: &[u8]) {
    let _ = packages::rpm::parse_package(1, data);
}

/// A whole `rpmdb.sqlite`, read through the package scan of a root that
/// holds it (SQLite reads a file, not a buffer).
pub fn rpm_database(data: &[u8]) {
    let root = std::env::temp_dir().join(format!("plumb-fuzz-rpm-{}", std::process::id()));
    let db_dir = root.join("var/lib/rpm");
    std::fs::create_dir_all(&db_dir).expect("rpm directory of the fuzzed root");
    std::fs::write(db_dir.join("rpmdb.sqlite"), data).expect("write the fuzzed database");
    let _ = packages::scan(&root);
}

/// A `/proc/net/{tcp,udp}` table.
pub fn proc_net(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for protocol in [
        plumb_proto::v1::Protocol::Tcp,
        plumb_proto::v1::Protocol::Udp,
    ] {
        let _ = crate::listeners::parse_table("net/tcp", text, protocol);
    }
}

/// A manifest, encoded as protobuf (both decoders) or as JSON.
pub fn manifest(data: &[u8]) {
    use plumb_proto::v1::Manifest;
    let _ = Manifest::decode_verified(data);
    let _ = Manifest::decode_streaming(data, |_| Ok(()));
    let _ = serde_json::from_slice::<Manifest>(data);
    let _ = crate::manifest::decode(data, Path::new("manifest.json"));
    let _ = crate::manifest::decode(data, Path::new("manifest.pb"));
}

/// The agent's TOML files: the policy (parsed and compiled) and the
/// daemon's configuration.
pub fn toml_files(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = crate::policy::PolicyFile::parse(text, "policy.toml") {
        let _ = crate::policy::Policy::compile(&crate::policy::default_policy(&[]), Some(&file));
    }
    let _ = toml::from_str::<crate::daemon::config::RunConfigFile>(text);
}

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// Every target, by the name of its `fuzz_targets/<name>.rs`.
pub const TARGETS: &[(&str, Target)] = &[
    ("dpkg_status", dpkg_status),
    ("apk_installed", apk_installed),
    ("rpm_header", rpm_header),
    ("rpm_database", rpm_database),
    ("proc_net", proc_net),
    ("manifest", manifest),
    ("toml_files", toml_files),
];

/// Valid inputs for each target, built from the test fixtures: the seed
/// corpora of `agent/fuzz/corpus` (written by `scripts/fuzz.sh seed`).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    use crate::fixture::{rpm_header, FixtureRoot};
    let dir = std::env::temp_dir().join(format!("plumb-fuzz-seeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let root = FixtureRoot::at(&dir);
    root.realistic()
        .apk_package(
            "busybox",
            "1.36.1-r2",
            &[("/bin/busybox", b"bb"), ("/etc/motd", b"hi")],
        )
        .rpm_blob(&rpm_header(
            "bash",
            "5.2.15",
            "3.el9",
            Some(1),
            &["/usr/bin/bash", "/etc/skel/.bashrc"],
        ));
    let read = |rel: &str| std::fs::read(dir.join(rel)).unwrap_or_default();
    let mut out = vec![
        ("dpkg_status", read("var/lib/dpkg/status")),
        ("apk_installed", read("lib/apk/db/installed")),
        ("rpm_database", read("var/lib/rpm/rpmdb.sqlite")),
        (
            "rpm_header",
            rpm_header("openssl", "3.0.7", "27.el9", None, &["/usr/lib64/libssl.so.3"]),
        ),
        (
            "proc_net",
            b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
              0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17043 1 0 100 0 0 10 0\n   \
              1: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 26201 2 0 0 0 0 0 0\n"
                .to_vec(),
        ),
        (
            "toml_files",
            b"ignore = [\"/var/cache/**\"]\n\n[[severity]]\npath = \"/etc/**\"\nkinds = [\"file_modified\"]\nseverity = \"high\"\n".to_vec(),
        ),
        (
            "toml_files",
            b"collector = \"https://collector.internal:7400\"\nimage_id = \"img-1\"\ninterval = \"1h\"\nheartbeat = \"30s\"\n".to_vec(),
        ),
    ];
    let built = crate::manifest::build(&crate::manifest::BuildOptions::new(dir.clone(), "seed"));
    if let Ok(built) = built {
        let baseline = built.manifest;
        out.push(("manifest", baseline.encode()));
        if let Ok(json) = serde_json::to_vec(&baseline.to_manifest()) {
            out.push(("manifest", json));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    out
}

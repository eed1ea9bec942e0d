//! Entry points for the fuzz targets in `agent/fuzz`: every parser of
//! input that comes from a node or an operator's file, fed raw bytes.
//! Each returns nothing; a target fails only by panicking, hanging or
//! exceeding its memory limit. Not an API: the functions exist so that
//! `cargo fuzz` reaches private parsers.

use std::path::Path;

use crate::scan::packages::{self, PackageScan};

/// One layer of a container image (tar, gzip or zstd), applied into an
/// image's tree as `manifest build --image-archive` applies it.
pub fn image_layer(data: &[u8]) {
    let layer = crate::image::archive::LayerRef {
        blob: "fuzz".into(),
        digest: Some(format!("sha256:{}", "1".repeat(64))),
        diff_id: format!("sha256:{}", "0".repeat(64)),
    };
    let mut tree = crate::image::layers::Tree::default();
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    let _ = tree.apply(reader, &layer, 64 << 20);
    tree.add_implicit_parents();
}

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
    // Nothing left behind by a replay in the test suite.
    let _ = std::fs::remove_dir_all(&root);
}

/// The ceiling the shaped targets run under, as the agent always does:
/// their inputs describe outputs far larger than themselves, which the
/// parsers must refuse before allocating, not after.
/// False when no ceiling could be set (the process already uses more):
/// the input is then skipped, not run without one.
fn under_ceiling() -> bool {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // A small one (64 MiB above what the process holds): inputs reach
        // it quickly, and what they allocate before it stays far below
        // the fuzzer's RSS limit, its allocator's quarantine included.
        if crate::memory::ceiling() == usize::MAX {
            let ceiling = (crate::memory::in_use() + (64 << 20)).max(crate::memory::MIN_CEILING);
            let _ = crate::memory::set_ceiling(ceiling);
        }
    });
    crate::memory::ceiling() != usize::MAX
}

/// Reads the shape descriptions of the shaped targets.
struct Shape<'a>(&'a [u8]);

impl Shape<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }

    fn number(&mut self, bytes: usize) -> usize {
        (0..bytes).fold(0, |n, _| n << 8 | usize::from(self.byte()))
    }
}

/// An rpm header built from a small description, so the fuzzer explores
/// what byte mutations of real headers rarely reach: shared-prefix
/// amplification (many base names under long directory names), out-of-
/// range indexes and counts that disagree. Up to four directory names of
/// up to 512 KiB, up to 200,000 base names, then the index pattern.
pub fn rpm_header_shaped(data: &[u8]) {
    if !under_ceiling() {
        return;
    }
    let mut shape = Shape(data);
    let dirs: Vec<String> = (0..1 + shape.byte() % 4)
        .map(|_| {
            let len = shape.number(2) * 8;
            let c = char::from(b'a' + shape.byte() % 26);
            format!("/{}/", c.to_string().repeat(len))
        })
        .collect();
    let count = shape.number(3) % 200_001;
    let name_len = 1 + usize::from(shape.byte() % 16);
    let drop_index = shape.byte() % 8 == 0;
    let pattern = shape.0;
    let bases: Vec<String> = (0..count).map(|i| format!("{i:0name_len$x}")).collect();
    let mut idx: Vec<i32> = (0..count)
        .map(|i| {
            let p = pattern.get(i % pattern.len().max(1)).copied().unwrap_or(0);
            i32::from(p) % (dirs.len() as i32 + 1)
        })
        .collect();
    if drop_index {
        idx.pop();
    }
    let blob = crate::fixture::rpm_header_lists("shaped", "1", "1", None, dirs, bases, idx);
    let _ = packages::rpm::parse_package(1, &blob);
}

/// An apk database built from a small description: stanzas whose `F:`
/// line is long (up to 64 KiB) followed by many short `R:` lines (up to
/// 200,000: up to 13 GB of paths), the apk form of shared-prefix
/// amplification.
pub fn apk_installed_shaped(data: &[u8]) {
    if !under_ceiling() {
        return;
    }
    let mut shape = Shape(data);
    let stanzas: Vec<(usize, usize)> = (0..1 + shape.byte() % 3)
        .map(|_| (shape.number(2), shape.number(3) % 200_001))
        .collect();
    // Sized at once: the harness's own buffer stays out of the way of the
    // ceiling the parser is held to.
    let size: usize = stanzas
        .iter()
        .map(|(dir, files)| 32 + dir + 4 * files)
        .sum();
    let mut db = Vec::with_capacity(size);
    for (stanza, (dir_len, files)) in stanzas.into_iter().enumerate() {
        db.extend_from_slice(format!("P:p{stanza}\nV:1\nF:").as_bytes());
        db.resize(db.len() + dir_len, b'd');
        db.push(b'\n');
        for _ in 0..files {
            db.extend_from_slice(b"R:x\n");
        }
        db.push(b'\n');
    }
    let _ = packages::apk::parse(&db, Path::new("installed"), &mut PackageScan::default());
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
        let _ = crate::scan::listeners::parse_table("net/tcp", text, protocol);
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
    ("image_layer", image_layer),
    ("dpkg_status", dpkg_status),
    ("apk_installed", apk_installed),
    ("rpm_header", rpm_header),
    ("rpm_database", rpm_database),
    ("proc_net", proc_net),
    ("manifest", manifest),
    ("toml_files", toml_files),
];

/// The shaped targets: they set a process-wide memory ceiling, so they are
/// replayed in a process of their own (`agent/tests/shaped_inputs.rs`).
pub const SHAPED_TARGETS: &[(&str, Target)] = &[
    ("rpm_header_shaped", rpm_header_shaped),
    ("apk_installed_shaped", apk_installed_shaped),
    ("image_archive_shaped", image_archive_shaped),
];

/// A whole image archive built from a small description, so the fuzzer
/// explores what mutating bytes of a compressed tar never reaches: the
/// documents that tie an image together (index, manifest, config, their
/// digests and counts) and layers of real structure (whiteouts, opaque
/// markers, hard links, GNU long names, PAX records, duplicate paths,
/// gzip, zstd or none), written as an OCI layout directory, its tar or a
/// `docker save` tar and built as `manifest build --image-archive` does.
/// Each byte of the description picks one choice; where it runs out,
/// zeros.
pub fn image_archive_shaped(data: &[u8]) {
    if !under_ceiling() {
        return;
    }
    let mut shape = Shape(data);
    let names = [
        "etc/passwd",
        "bin/sh",
        "usr/lib/libc.so",
        "var/lib/dpkg/status",
        "lib/apk/db/installed",
        "var/lib/rpm/rpmdb.sqlite",
        "etc",
        "usr",
        "a/b/c",
        "..",
        "../x",
        "/abs",
        ".wh..wh..opq",
        "etc/.wh.passwd",
        "usr/.wh.lib",
        "./.",
    ];
    let layers = (0..shape.byte() % 4)
        .map(|_| {
            let mut layer = crate::image_fixture::LayerBuilder::new();
            for _ in 0..shape.byte() % 12 {
                let pick = |b: u8| names[usize::from(b) % names.len()].as_bytes();
                let mut name = b"d/".repeat(usize::from(shape.byte() % 64));
                name.extend_from_slice(pick(shape.byte()));
                let link = pick(shape.byte()).to_vec();
                let content = vec![shape.byte(); shape.number(2) % 4096];
                let kind = match shape.byte() % 7 {
                    0 => tar::EntryType::Directory,
                    1 => tar::EntryType::Symlink,
                    2 => tar::EntryType::Link,
                    3 => tar::EntryType::Fifo,
                    4 => tar::EntryType::Char,
                    _ => tar::EntryType::Regular,
                };
                let flags = shape.byte();
                let mode = u32::from(shape.byte()) << 4 | 0o644;
                let long = match flags % 3 {
                    0 => crate::image_fixture::LongName::IfNeeded,
                    1 => crate::image_fixture::LongName::Gnu,
                    _ => crate::image_fixture::LongName::Pax,
                };
                layer = layer.raw_entry(kind, &name, &link, &content, mode, long);
            }
            layer.finish()
        })
        .collect::<Vec<_>>();
    let mut image = crate::image_fixture::ImageWriter::new("fuzz:1");
    image.compression = match shape.byte() % 3 {
        0 => crate::image_fixture::Compression::None,
        1 => crate::image_fixture::Compression::Gzip,
        _ => crate::image_fixture::Compression::Zstd,
    };
    for layer in layers {
        image = image.raw_layer(layer);
    }
    // The documents' own faults: a diff id or blob swapped, a layer
    // dropped from the config, a digest that is not one.
    image.fault = match shape.byte() % 8 {
        0 => Some(crate::image_fixture::Fault::DiffId(shape.byte())),
        1 => Some(crate::image_fixture::Fault::LayerMissing),
        2 => Some(crate::image_fixture::Fault::BadDigest),
        3 => Some(crate::image_fixture::Fault::Truncated(shape.number(2))),
        _ => None,
    };
    let dir = std::env::temp_dir().join(format!("plumb-fuzz-image-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the fuzzed archive's directory");
    let archive = match shape.byte() % 3 {
        0 => {
            image.write_oci_dir(&dir.join("oci"));
            dir.join("oci")
        }
        1 => {
            image.write_oci_tar(&dir.join("oci.tar"));
            dir.join("oci.tar")
        }
        _ => {
            image.write_docker_tar(&dir.join("docker.tar"));
            dir.join("docker.tar")
        }
    };
    let mut opts = crate::image::ImageBuildOptions::new(&archive);
    opts.max_size = 64 << 20;
    let _ = crate::image::build(&opts);
    let _ = std::fs::remove_dir_all(&dir);
}

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
        // 100,000 base names under one 200 kB directory (20 GB of paths);
        // four short names in two directories.
        ("rpm_header_shaped", vec![0, 0x61, 0xa8, 0, 0x01, 0x86, 0xa0, 1, 1, 0]),
        ("rpm_header_shaped", vec![1, 0, 1, 0, 0, 2, 1, 0, 0, 4, 3, 1, 0, 1]),
        // One 256 kB directory and a million files; two small stanzas.
        ("apk_installed_shaped", vec![0, 0x40, 0, 0x0f, 0x42, 0x40]),
        ("apk_installed_shaped", vec![1, 0, 1, 0, 0, 3, 0, 2, 0, 0, 1]),
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
    let layer = crate::image_fixture::LayerBuilder::new()
        .dir("etc", 0o755)
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644)
        .symlink("bin", "usr/bin")
        .hardlink("etc/passwd-", "etc/passwd")
        .whiteout("var/cache")
        .opaque("opt")
        .finish();
    out.push(("image_layer", layer));
    let _ = std::fs::remove_dir_all(&dir);
    out
}

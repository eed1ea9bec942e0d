//! Image archives and layout directories written by an attacker: every
//! blob checked against the digest that names it, every size from a
//! header charged to the memory ceiling before it is allocated, nothing
//! of a layout read through a symlink or from anything but a file.

mod support;

use std::io::Write;
use std::path::Path;

use plumb_agent::image::{self, ImageBuildOptions};
use plumb_agent::image_fixture::{Compression, ImageWriter, LayerBuilder};
use support::{agent, output_within};

fn build_error(archive: &Path) -> String {
    match image::build(&ImageBuildOptions::new(archive)) {
        Ok(_) => panic!("{} was accepted", archive.display()),
        Err(e) => e.to_string(),
    }
}

/// `manifest build --image-archive` as a process (an abort is a signal,
/// not an error), within `secs`: its exit code and standard error.
fn build_cli(archive: &Path, extra: &[&str], secs: u64) -> (Option<i32>, String) {
    let out_file = archive.with_extension("pb");
    let mut cmd = agent();
    cmd.args(extra)
        .args(["manifest", "build", "--image-archive"])
        .arg(archive)
        .arg("-o")
        .arg(&out_file);
    let out = output_within(&mut cmd, secs);
    assert!(!out_file.exists() || out.status.success());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The blob of the layout `dir` whose bytes satisfy `pick`.
fn blob_where(dir: &Path, pick: impl Fn(&[u8]) -> bool) -> std::path::PathBuf {
    std::fs::read_dir(dir.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| pick(&std::fs::read(p).unwrap()))
        .expect("a blob of that kind")
}

fn is_gzip(b: &[u8]) -> bool {
    b.starts_with(&[0x1f, 0x8b])
}

fn is_config(b: &[u8]) -> bool {
    b.windows(7).any(|w| w == b"diff_id")
}

#[test]
fn a_recompressed_layer_whose_blob_does_not_match_its_digest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let oci = dir.path().join("oci");
    let mut image = ImageWriter::new("app:1").layer(
        LayerBuilder::new()
            .file("etc/app.conf", b"port = 8080\n", 0o644)
            .file("usr/bin/app", &[7u8; 100_000], 0o755),
    );
    image.compression = Compression::Gzip;
    image.write_oci_dir(&oci);
    assert!(image::build(&ImageBuildOptions::new(&oci)).is_ok());
    // The same tar compressed again at another level: its diff id is still
    // right, its blob no longer hashes to the digest the manifest names.
    let layer = blob_where(&oci, is_gzip);
    let tar = {
        let mut d = flate2::read::GzDecoder::new(std::fs::File::open(&layer).unwrap());
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut d, &mut v).unwrap();
        v
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar).unwrap();
    let recompressed = gz.finish().unwrap();
    assert_ne!(recompressed, std::fs::read(&layer).unwrap());
    std::fs::write(&layer, &recompressed).unwrap();
    let err = build_error(&oci);
    assert!(err.contains("the blob hashes to sha256:"), "{err}");
    assert!(err.contains("the image manifest names it by"), "{err}");

    // Bytes appended after the compressed stream are part of the blob too.
    let mut image = ImageWriter::new("app:2").layer(LayerBuilder::new().file("a", b"a", 0o644));
    image.compression = Compression::Gzip;
    let oci = dir.path().join("oci2");
    image.write_oci_dir(&oci);
    let layer = blob_where(&oci, is_gzip);
    let mut bytes = std::fs::read(&layer).unwrap();
    bytes.extend_from_slice(&[0u8; 1024]);
    std::fs::write(&layer, &bytes).unwrap();
    let err = build_error(&oci);
    assert!(err.starts_with("layer blobs/sha256/"), "{err}");
}

/// A layer of one `var/lib/dpkg/status` entry whose tar header claims
/// `claimed` bytes, followed by `real` bytes of data and no end.
fn lying_status_layer(claimed: u64, real: usize) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path("var/lib/dpkg/status").unwrap();
    h.set_size(claimed);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut tar = h.as_bytes().to_vec();
    tar.extend(std::iter::repeat_n(b'x', real));
    tar
}

#[test]
fn a_package_database_whose_header_claims_a_gibibyte_is_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let mut image = ImageWriter::new("liar:1").raw_layer(lying_status_layer(1 << 30, 1 << 20));
    image.compression = Compression::Gzip;
    let archive = dir.path().join("liar.tar");
    image.write_oci_tar(&archive);
    assert!(std::fs::metadata(&archive).unwrap().len() < (1 << 20));
    let (code, err) = build_cli(&archive, &["--memory-limit", "256M"], 120);
    assert_eq!(code, Some(2), "an error, not a signal: {err}");
    assert!(err.contains("/var/lib/dpkg/status"), "{err}");
    assert!(err.contains("memory ceiling"), "{err}");
}

#[test]
fn hard_links_to_a_package_database_are_charged_to_the_memory_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    // A 24 MiB status and twelve hard links to it: 300 MiB of copies from
    // an archive of a few hundred KiB.
    let status = vec![b'\n'; 24 << 20];
    let mut layer = LayerBuilder::new().file("var/lib/dpkg/status", &status, 0o644);
    for i in 0..12 {
        layer = layer.hardlink(&format!("var/lib/rpm/copy{i}"), "var/lib/dpkg/status");
    }
    let mut image = ImageWriter::new("links:1").layer(layer);
    image.compression = Compression::Gzip;
    let archive = dir.path().join("links.tar");
    image.write_oci_tar(&archive);
    let (code, err) = build_cli(&archive, &["--memory-limit", "128M"], 120);
    assert_eq!(code, Some(2), "an error, not a signal: {err}");
    assert!(err.contains("a hard link to the package database"), "{err}");
    assert!(err.contains("memory ceiling"), "{err}");
}

#[test]
fn a_layout_directory_is_never_read_through_a_symlink_or_from_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let image = ImageWriter::new("app:1").layer(LayerBuilder::new().file("a", b"a", 0o644));

    // The config blob a symlink to a host file: refused, and nothing of
    // the host file (its digest) in the error.
    let oci = dir.path().join("config-link");
    image.write_oci_dir(&oci);
    let config = blob_where(&oci, is_config);
    let host = dir.path().join("host-secret");
    std::fs::write(&host, b"the host's secret").unwrap();
    std::fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink(&host, &config).unwrap();
    let host_digest = plumb_agent::image::archive::sha256_id(b"the host's secret");
    let (code, err) = build_cli(&oci, &[], 60);
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains(&host_digest[7..]), "{err}");
    assert!(
        err.contains(&*config.file_name().unwrap().to_string_lossy()),
        "{err}"
    );

    // A layer blob that is a FIFO: an error at once, never a hang.
    let oci = dir.path().join("fifo");
    image.write_oci_dir(&oci);
    let layer = blob_where(&oci, |b| b.len() >= 1024 && !is_config(b));
    std::fs::remove_file(&layer).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&layer)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, err) = build_cli(&oci, &[], 60);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");

    // A layer blob that is a symlink to /dev/zero: refused, not read.
    let oci = dir.path().join("zero");
    image.write_oci_dir(&oci);
    let layer = blob_where(&oci, |b| b.len() >= 1024 && !is_config(b));
    std::fs::remove_file(&layer).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &layer).unwrap();
    let (code, err) = build_cli(&oci, &[], 60);
    assert_eq!(code, Some(2), "{err}");

    // A blobs directory that is a symlink to elsewhere: refused too.
    let oci = dir.path().join("dir-link");
    image.write_oci_dir(&oci);
    let elsewhere = dir.path().join("elsewhere");
    std::fs::rename(oci.join("blobs"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, oci.join("blobs")).unwrap();
    let (code, err) = build_cli(&oci, &[], 60);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn an_archive_that_is_a_fifo_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("image.tar");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, err) = build_cli(&fifo, &[], 60);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn a_gibibyte_long_name_is_an_error_not_an_abort() {
    // A GNU long-name entry of 1 GiB: the tar parser would read it into
    // memory whole; gzipped it is about a megabyte.
    let dir = tempfile::tempdir().unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_path("././@LongLink").unwrap();
    h.set_entry_type(tar::EntryType::GNULongName);
    h.set_size(1 << 30);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_cksum();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(h.as_bytes()).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..1024 {
        gz.write_all(&chunk).unwrap();
    }
    let layer = gz.finish().unwrap();
    // The image names the gzipped blob; its diff id is the tar's.
    let mut sha = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut sha, h.as_bytes());
    for _ in 0..1024 {
        sha2::Digest::update(&mut sha, &chunk);
    }
    let diff_id = format!(
        "sha256:{}",
        plumb_agent::image::archive::hex(&sha2::Digest::finalize(sha))
    );
    let oci = dir.path().join("oci");
    let image = ImageWriter::new("long:1").layer(LayerBuilder::new().file("a", b"a", 0o644));
    image.write_oci_dir(&oci);
    // Swap the one layer for the long name, and its diff id in the config
    // (the config and manifest digests follow).
    let mut files = std::collections::HashMap::new();
    for e in std::fs::read_dir(oci.join("blobs/sha256")).unwrap() {
        let p = e.unwrap().path();
        files.insert(p.clone(), std::fs::read(&p).unwrap());
    }
    let put = |bytes: &[u8]| -> String {
        let id = plumb_agent::image::archive::sha256_id(bytes);
        std::fs::write(oci.join("blobs/sha256").join(&id[7..]), bytes).unwrap();
        id
    };
    let layer_id = put(&layer);
    let config = serde_json::json!({
        "architecture": match std::env::consts::ARCH { "x86_64" => "amd64", "aarch64" => "arm64", a => a },
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    });
    let config_bytes = serde_json::to_vec(&config).unwrap();
    let config_id = put(&config_bytes);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_id, "size": config_bytes.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_id, "size": layer.len()}],
    }))
    .unwrap();
    let manifest_id = put(&manifest);
    std::fs::write(
        oci.join("index.json"),
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_id, "size": manifest.len()}],
        }))
        .unwrap(),
    )
    .unwrap();
    let (code, err) = build_cli(&oci, &["--memory-limit", "128M"], 120);
    assert_eq!(code, Some(2), "an error, not a signal: {err}");
    assert!(err.contains("long names or PAX records"), "{err}");
}

//! `manifest build --image-archive`: container images read from OCI
//! layouts and `docker save` archives, layer by layer, with no daemon.

mod support;

use std::path::Path;

use plumb_agent::image::{self, ImageBuildOptions};
use plumb_agent::image_fixture::{Compression, ImageWriter, LayerBuilder};
use plumb_agent::manifest::{self, Baseline, BuildOptions};
use plumb_agent::record::FileRecord;
use plumb_proto::v1::FileType;
use support::{agent, FixtureRoot};

fn build(archive: &Path) -> Result<Baseline, image::ImageError> {
    image::build(&ImageBuildOptions::new(archive)).map(|b| b.manifest)
}

fn find<'a>(m: &'a Baseline, path: &str) -> Option<&'a FileRecord> {
    m.files.iter().find(|f| &*f.path == path.as_bytes())
}

/// Three layers: a base, a layer that deletes, hides and hard-links, and
/// one that adds on top of a directory made opaque.
fn layered() -> ImageWriter {
    ImageWriter::new("registry.example/app:1.4")
        .layer(
            LayerBuilder::new()
                .dir("etc", 0o755)
                .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644)
                .file("etc/shadow", b"root:*:1::::::\n", 0o640)
                .dir("usr/bin", 0o755)
                .file("usr/bin/app", b"\x7fELF app v1", 0o755)
                .file("usr/bin/helper", b"\x7fELF helper", 0o755)
                .dir("opt/plugins", 0o755)
                .file("opt/plugins/old.so", b"old plugin", 0o644)
                .dir("var/cache/app", 0o755)
                .file("var/cache/app/a", b"a", 0o644)
                .file("var/cache/app/b", b"b", 0o644)
                .symlink("bin", "usr/bin"),
        )
        .layer(
            LayerBuilder::new()
                .whiteout("usr/bin/helper")
                .whiteout("var/cache")
                .file("usr/bin/app", b"\x7fELF app v2", 0o755)
                .hardlink("usr/bin/app-link", "usr/bin/app")
                .owned_file("usr/bin/ping", b"\x7fELF ping", 0o4755, 0, 0)
                .owned_file("home/app/.profile", b"export A=1\n", 0o600, 1000, 1000),
        )
        .layer(
            LayerBuilder::new()
                .dir("opt/plugins", 0o750)
                .opaque("opt/plugins")
                .file("opt/plugins/new.so", b"new plugin", 0o644),
        )
}

#[test]
fn layers_apply_in_order_with_whiteouts_opaque_dirs_and_hard_links() {
    let dir = tempfile::tempdir().unwrap();
    let image = layered();
    image.write_oci_dir(&dir.path().join("oci"));
    let m = build(&dir.path().join("oci")).unwrap();

    assert_eq!(m.meta.image_id, image.image_id());
    let app = find(&m, "/usr/bin/app").unwrap();
    assert_eq!(
        app.sha256,
        Some(plumb_agent::scan::hash::sha256(b"\x7fELF app v2"))
    );
    assert_eq!(app.mode, 0o755);
    let link = find(&m, "/usr/bin/app-link").unwrap();
    assert_eq!((link.sha256, link.size), (app.sha256, app.size));
    assert!(find(&m, "/usr/bin/helper").is_none(), "whiteout deletes");
    assert!(find(&m, "/var/cache").is_none(), "whiteout of a directory");
    assert!(
        find(&m, "/var/cache/app/a").is_none(),
        "and everything in it"
    );
    assert!(
        find(&m, "/opt/plugins/old.so").is_none(),
        "opaque hides lower"
    );
    assert!(find(&m, "/opt/plugins/new.so").is_some(), "but not its own");
    assert_eq!(find(&m, "/opt/plugins").unwrap().mode, 0o750);
    assert_eq!(find(&m, "/usr/bin/ping").unwrap().mode, 0o4755);
    let profile = find(&m, "/home/app/.profile").unwrap();
    assert_eq!(
        (profile.uid, profile.gid, profile.mode),
        (1000, 1000, 0o600)
    );
    // Parents no layer listed are directories, as the runtime makes them.
    let home = find(&m, "/home").unwrap();
    assert_eq!((home.file_type, home.mode), (FileType::Directory, 0o755));
    let bin = find(&m, "/bin").unwrap();
    assert_eq!(bin.link_target.as_deref(), Some(&b"usr/bin"[..]));
    // No marker is ever a file of the image.
    assert!(m
        .files
        .iter()
        .all(|f| !f.path.windows(4).any(|w| w == b".wh.")));

    let c = m.meta.container.as_ref().unwrap();
    assert_eq!(c.layers.len(), 3);
    assert_eq!(c.entrypoint, ["/bin/app"]);
    assert_eq!(c.user, "1000");
    assert_eq!(c.exposed_ports, ["8080/tcp"]);
    assert_eq!(c.volumes, ["/data"]);
    assert_eq!(c.names, ["registry.example/app:1.4"]);
    assert_eq!(c.manifest_digests, [image.manifest_digest()]);
    let labels: Vec<(&str, &str)> = m
        .meta
        .labels
        .iter()
        .map(|l| (l.key.as_str(), l.value.as_str()))
        .collect();
    assert!(labels.contains(&("org.opencontainers.image.revision", "0123abc")));
    let rt = m.meta.runtime.as_ref().unwrap();
    assert!(rt.processes && !rt.modules && !rt.sessions);
}

#[test]
fn every_archive_format_and_compression_gives_the_same_files_and_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut image = layered();
    let reference = {
        image.write_oci_dir(&dir.path().join("plain"));
        build(&dir.path().join("plain")).unwrap()
    };
    image.compression = Compression::Gzip;
    image.write_oci_dir(&dir.path().join("gz"));
    image.write_oci_tar(&dir.path().join("oci.tar"));
    image.write_docker_tar(&dir.path().join("docker.tar"));
    for name in ["gz", "oci.tar", "docker.tar"] {
        let m = build(&dir.path().join(name)).unwrap();
        assert_eq!(m.meta.image_id, reference.meta.image_id, "{name}");
        assert_eq!(m.files, reference.files, "{name}");
    }
}

#[test]
fn an_image_of_a_root_records_what_a_host_manifest_of_it_records() {
    let dir = tempfile::tempdir().unwrap();
    let root = FixtureRoot::at(dir.path().join("root"));
    root.realistic();
    let host = manifest::build(&BuildOptions::new(root.path(), "host"))
        .unwrap()
        .manifest;
    let image = ImageWriter::new("app:1").layer(LayerBuilder::from_root(root.path()));
    image.write_docker_tar(&dir.path().join("image.tar"));
    let m = build(&dir.path().join("image.tar")).unwrap();
    assert_eq!(m.files, host.files);
    assert_eq!(m.meta.packages, host.meta.packages);
    assert!(find(&m, "/usr/bin/ls").unwrap().package.is_some());
}

#[test]
fn a_path_named_twice_in_one_layer_takes_its_later_entry() {
    // The bottom layer is built in bulk unless a path comes twice; then
    // the tar's order decides, as a runtime extracting it would.
    let dir = tempfile::tempdir().unwrap();
    let image = ImageWriter::new("twice:1").layer(
        LayerBuilder::new()
            .file("etc/app.conf", b"first", 0o644)
            .dir("srv/data", 0o755)
            .file("srv/data/x", b"x", 0o644)
            .file("srv/data", b"now a file", 0o600)
            .file("etc/app.conf", b"second", 0o640),
    );
    image.write_oci_dir(&dir.path().join("oci"));
    let m = build(&dir.path().join("oci")).unwrap();
    let conf = find(&m, "/etc/app.conf").unwrap();
    assert_eq!(conf.size, 6);
    assert_eq!(conf.mode, 0o640);
    let data = find(&m, "/srv/data").unwrap();
    assert_eq!(data.file_type, FileType::Regular);
    assert!(
        find(&m, "/srv/data/x").is_none(),
        "a directory replaced by a file takes what it held with it"
    );
}

#[test]
fn a_layer_that_does_not_hash_to_its_diff_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let image = ImageWriter::new("app:1").layer(LayerBuilder::new().file("a", b"a", 0o644));
    image.write_oci_dir(&dir.path().join("oci"));
    // Swap the layer's content for another of the same size.
    let blobs = dir.path().join("oci/blobs/sha256");
    let layer = std::fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read(p).unwrap().len() > 1024)
        .unwrap();
    let mut bytes = std::fs::read(&layer).unwrap();
    assert_eq!(bytes[512], b'a', "the content follows the first header");
    bytes[512] = b'b';
    std::fs::write(&layer, bytes).unwrap();
    let err = build(&dir.path().join("oci")).unwrap_err().to_string();
    assert!(err.contains("is corrupt or was altered"), "{err}");
}

#[test]
fn an_entry_climbing_out_of_the_root_is_an_error_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let tar = LayerBuilder::new()
        .raw_name_file(b"../../escaped", b"owned")
        .finish();
    let image = ImageWriter::new("evil:1").raw_layer(tar);
    image.write_oci_tar(&dir.path().join("evil.tar"));
    let err = build(&dir.path().join("evil.tar")).unwrap_err().to_string();
    assert!(err.contains("climbs out of the root"), "{err}");
    assert!(!dir.path().join("escaped").exists());
    assert!(!Path::new("/escaped").exists());
}

#[test]
fn a_layer_expanding_past_the_size_limit_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MiB of zeros: a few hundred KiB gzipped.
    let mut image = ImageWriter::new("bomb:1").layer(LayerBuilder::new().file(
        "zeros",
        &vec![0u8; 64 << 20],
        0o644,
    ));
    image.compression = Compression::Gzip;
    image.write_oci_dir(&dir.path().join("oci"));
    let mut opts = ImageBuildOptions::new(dir.path().join("oci"));
    opts.max_size = 16 << 20;
    let err = image::build(&opts).err().unwrap().to_string();
    assert!(err.contains("expands past 16777216 bytes"), "{err}");
    assert!(err.starts_with("layer blobs/sha256/"), "{err}");
}

#[test]
fn not_an_image_and_broken_documents_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.tar"), b"not a tar at all, surely").unwrap();
    let err = build(&dir.path().join("junk.tar")).unwrap_err().to_string();
    assert!(
        err.contains("not an image archive") || err.contains("not a readable tar"),
        "{err}"
    );

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = build(&empty).unwrap_err().to_string();
    assert!(err.contains("neither index.json"), "{err}");

    let oci = dir.path().join("oci");
    layered().write_oci_dir(&oci);
    std::fs::write(oci.join("index.json"), b"{\"manifests\": [{]").unwrap();
    let err = build(&oci).unwrap_err().to_string();
    assert!(err.contains("index.json: invalid JSON"), "{err}");

    let missing = dir.path().join("missing");
    std::fs::create_dir(&missing).unwrap();
    std::fs::write(
        missing.join("index.json"),
        format!(
            r#"{{"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}"}}]}}"#,
            "ab".repeat(32)
        ),
    )
    .unwrap();
    let err = build(&missing).unwrap_err().to_string();
    assert!(err.contains("not in the archive"), "{err}");
}

#[test]
fn the_command_line_records_an_image_archive_and_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let image = layered();
    image.write_oci_tar(&dir.path().join("app.tar"));
    let out_file = dir.path().join("app.pb");
    let out = agent()
        .args(["manifest", "build", "--image-archive"])
        .arg(dir.path().join("app.tar"))
        .arg("-o")
        .arg(&out_file)
        .args(["--label", "pipeline=42"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = manifest::read(&out_file).unwrap();
    assert_eq!(m.meta.image_id, image.image_id());
    let show = agent()
        .args(["manifest", "show"])
        .arg(&out_file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains(&format!("image id:     {}", image.image_id())),
        "{text}"
    );
    assert!(text.contains("entrypoint:   /bin/app"), "{text}");
    assert!(text.contains("volumes:      /data"), "{text}");
    assert!(text.contains("label:        pipeline=42"), "{text}");

    let both = agent()
        .args(["manifest", "build", "--image-id", "x", "--image-archive"])
        .arg(dir.path().join("app.tar"))
        .arg("-o")
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
}

#[test]
fn an_image_past_the_memory_ceiling_is_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let image = ImageWriter::new("many:1").layer(LayerBuilder::new().many_files("d", 200_000, b""));
    image.write_oci_dir(&dir.path().join("oci"));
    let out = agent()
        .args([
            "--memory-limit",
            "16M",
            "manifest",
            "build",
            "--image-archive",
        ])
        .arg(dir.path().join("oci"))
        .arg("-o")
        .arg(dir.path().join("m.pb"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("memory ceiling"), "{err}");
    assert!(!dir.path().join("m.pb").exists());
}

//! Container image archives for tests and benchmarks: layers built entry
//! by entry (whiteouts, opaque directories, hard links, hostile names
//! included) or from a root on disk, written as an OCI image layout
//! (directory or tar) or as a `docker save` archive.

use std::io::Write;
use std::path::Path;

use serde_json::json;

use crate::image::archive::sha256_id;

/// One layer's tar, built in memory.
pub struct LayerBuilder {
    tar: tar::Builder<Vec<u8>>,
}

impl Default for LayerBuilder {
    fn default() -> Self {
        LayerBuilder::new()
    }
}

impl LayerBuilder {
    pub fn new() -> LayerBuilder {
        let mut tar = tar::Builder::new(Vec::new());
        tar.mode(tar::HeaderMode::Complete);
        tar.follow_symlinks(false);
        LayerBuilder { tar }
    }

    /// A layer of everything under `root` (owners and modes kept,
    /// symlinks not followed).
    pub fn from_root(root: &Path) -> LayerBuilder {
        let mut layer = LayerBuilder::new();
        layer.tar.append_dir_all(".", root).expect("root archived");
        layer
    }

    fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_size(size);
        h.set_mtime(1_700_000_000);
        h
    }

    pub fn dir(mut self, path: &str, mode: u32) -> Self {
        let mut h = Self::header(tar::EntryType::Directory, mode, 0);
        self.tar
            .append_data(&mut h, path, std::io::empty())
            .unwrap();
        self
    }

    pub fn file(self, path: &str, content: &[u8], mode: u32) -> Self {
        self.owned_file(path, content, mode, 0, 0)
    }

    pub fn owned_file(mut self, path: &str, content: &[u8], mode: u32, uid: u64, gid: u64) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, mode, content.len() as u64);
        h.set_uid(uid);
        h.set_gid(gid);
        self.tar.append_data(&mut h, path, content).unwrap();
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Symlink, 0o777, 0);
        self.tar.append_link(&mut h, path, target).unwrap();
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Link, 0o644, 0);
        self.tar.append_link(&mut h, path, target).unwrap();
        self
    }

    /// A whiteout: `path` is deleted from the layers below.
    pub fn whiteout(self, path: &str) -> Self {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let marker = format!("{dir}/.wh.{name}");
        self.file(marker.trim_start_matches('/'), b"", 0o600)
    }

    /// An opaque marker: what the layers below have in `dir` is hidden.
    pub fn opaque(self, dir: &str) -> Self {
        let marker = format!("{}/.wh..wh..opq", dir.trim_end_matches('/'));
        self.file(marker.trim_start_matches('/'), b"", 0o600)
    }

    /// A regular file whose name is written into the header as is (the
    /// tar crate refuses `..` in names it sets, an attacker does not).
    pub fn raw_name_file(mut self, name: &[u8], content: &[u8]) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, 0o644, content.len() as u64);
        let field = &mut h.as_old_mut().name;
        field.fill(0);
        field[..name.len()].copy_from_slice(name);
        h.set_cksum();
        self.tar.append(&h, content).unwrap();
        self
    }

    /// An entry of any kind whose name and link target are written as
    /// given, whatever they hold, never refused: a name past a header's
    /// 100 bytes (or any name, as `long` says) goes before it in a GNU
    /// long name entry or a PAX path record. For fuzzing.
    pub fn raw_entry(
        mut self,
        kind: tar::EntryType,
        name: &[u8],
        link: &[u8],
        content: &[u8],
        mode: u32,
        long: LongName,
    ) -> Self {
        if long != LongName::IfNeeded || name.len() > 100 {
            if long == LongName::Pax {
                let mut record = format!(" path={}\n", String::from_utf8_lossy(name)).into_bytes();
                // The length counts its own digits.
                let mut len = record.len() + 1;
                while (len.to_string().len() + record.len()) != len {
                    len = len.to_string().len() + record.len();
                }
                let mut data = len.to_string().into_bytes();
                data.append(&mut record);
                let h = Self::header(tar::EntryType::XHeader, 0o644, data.len() as u64);
                let mut h = h;
                h.set_cksum();
                self.tar.append(&h, &data[..]).unwrap();
            } else {
                let mut data = name.to_vec();
                data.push(0);
                let mut h = Self::header(tar::EntryType::GNULongName, 0o644, data.len() as u64);
                let field = &mut h.as_old_mut().name;
                field[..13].copy_from_slice(b"././@LongLink");
                h.set_cksum();
                self.tar.append(&h, &data[..]).unwrap();
            }
        }
        let mut h = Self::header(kind, mode, content.len() as u64);
        let old = h.as_old_mut();
        let n = name.len().min(100);
        old.name[..n].copy_from_slice(&name[..n]);
        let l = link.len().min(100);
        old.linkname[..l].copy_from_slice(&link[..l]);
        h.set_cksum();
        self.tar.append(&h, content).unwrap();
        self
    }

    /// `count` empty files of one directory (many small entries).
    pub fn many_files(mut self, dir: &str, count: usize, content: &[u8]) -> Self {
        for i in 0..count {
            let mut h = Self::header(tar::EntryType::Regular, 0o644, content.len() as u64);
            self.tar
                .append_data(&mut h, format!("{dir}/f{i}"), content)
                .unwrap();
        }
        self
    }

    pub fn finish(self) -> Vec<u8> {
        self.tar.into_inner().unwrap()
    }
}

/// How [`LayerBuilder::raw_entry`] writes a name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LongName {
    /// In the header, or a GNU long name entry when it does not fit.
    IfNeeded,
    /// A GNU long name entry before the header, whatever its length.
    Gnu,
    /// A PAX path record before the header.
    Pax,
}

/// How a layer is stored in the archive.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// A fault in an image's documents, for fuzzing: the documents that name
/// it are digested after it, so it reaches past their checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    /// The config's diff id of layer `n` (mod the count) is another's.
    DiffId(u8),
    /// The config lists one diff id fewer than the layers.
    LayerMissing,
    /// The manifest names its config by a digest that is not one.
    BadDigest,
    /// The first layer's blob is cut to this many bytes.
    Truncated(usize),
}

/// An image: layers, bottom first, and a config.
pub struct ImageWriter {
    layers: Vec<Vec<u8>>,
    pub compression: Compression,
    pub config: serde_json::Value,
    pub name: String,
    pub annotations: serde_json::Map<String, serde_json::Value>,
    pub fault: Option<Fault>,
}

impl ImageWriter {
    pub fn new(name: &str) -> ImageWriter {
        ImageWriter {
            layers: Vec::new(),
            compression: Compression::None,
            config: json!({
                "Entrypoint": ["/bin/app"],
                "Cmd": ["--serve"],
                "User": "1000",
                "WorkingDir": "/srv",
                "ExposedPorts": {"8080/tcp": {}},
                "Volumes": {"/data": {}},
                "Labels": {
                    "org.opencontainers.image.revision": "0123abc",
                    "org.opencontainers.image.source": "https://git.example/app",
                },
            }),
            name: name.to_string(),
            annotations: Default::default(),
            fault: None,
        }
    }

    pub fn layer(mut self, layer: LayerBuilder) -> Self {
        self.layers.push(layer.finish());
        self
    }

    /// A layer's tar as given (a broken or hostile one).
    pub fn raw_layer(mut self, tar: Vec<u8>) -> Self {
        self.layers.push(tar);
        self
    }

    fn blob(&self, tar: &[u8]) -> Vec<u8> {
        let mut blob = match self.compression {
            Compression::None => tar.to_vec(),
            Compression::Gzip => {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                gz.write_all(tar).unwrap();
                gz.finish().unwrap()
            }
            Compression::Zstd => {
                ruzstd::encoding::compress_to_vec(tar, ruzstd::encoding::CompressionLevel::Fastest)
            }
        };
        if let (Some(Fault::Truncated(n)), Some(first)) = (self.fault, self.layers.first()) {
            if std::ptr::eq(first.as_slice(), tar) {
                blob.truncate(n);
            }
        }
        blob
    }

    /// The config document; its digest is the image's id.
    pub fn config_bytes(&self) -> Vec<u8> {
        let mut diff_ids: Vec<String> = self.layers.iter().map(|l| sha256_id(l)).collect();
        match self.fault {
            Some(Fault::DiffId(n)) if diff_ids.len() > 1 => {
                let i = usize::from(n) % diff_ids.len();
                diff_ids[i] = diff_ids[(i + 1) % diff_ids.len()].clone();
            }
            Some(Fault::DiffId(_)) => diff_ids.push(sha256_id(b"")),
            Some(Fault::LayerMissing) => {
                diff_ids.pop();
            }
            _ => {}
        }
        serde_json::to_vec(&json!({
            "architecture": match std::env::consts::ARCH { "x86_64" => "amd64", "aarch64" => "arm64", a => a },
            "os": "linux",
            "config": self.config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }))
        .unwrap()
    }

    pub fn image_id(&self) -> String {
        sha256_id(&self.config_bytes())
    }

    /// `(name, bytes)` of every file of an OCI image layout.
    fn oci_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut put = |bytes: Vec<u8>| -> (String, usize) {
            let id = sha256_id(&bytes);
            let len = bytes.len();
            files.push((format!("blobs/sha256/{}", &id[7..]), bytes));
            (id, len)
        };
        let layer_media = match self.compression {
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        };
        let layers: Vec<serde_json::Value> = self
            .layers
            .iter()
            .map(|l| {
                let (digest, size) = put(self.blob(l));
                json!({"mediaType": layer_media, "digest": digest, "size": size})
            })
            .collect();
        let (mut config, config_size) = put(self.config_bytes());
        if self.fault == Some(Fault::BadDigest) {
            config = "sha256:not-a-digest".into();
        }
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
            "layers": layers,
            "annotations": self.annotations,
        }))
        .unwrap();
        let (manifest, manifest_size) = put(manifest);
        let index = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest,
                "size": manifest_size,
                "annotations": {"org.opencontainers.image.ref.name": self.name},
            }],
        }))
        .unwrap();
        files.push(("index.json".into(), index));
        files.push((
            "oci-layout".into(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ));
        files
    }

    /// The digest of the image's OCI manifest.
    pub fn manifest_digest(&self) -> String {
        let files = self.oci_files();
        let index: serde_json::Value =
            serde_json::from_slice(&files.iter().find(|(n, _)| n == "index.json").unwrap().1)
                .unwrap();
        index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn write_oci_dir(&self, dir: &Path) {
        for (name, bytes) in self.oci_files() {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }

    pub fn write_oci_tar(&self, path: &Path) {
        write_tar(path, self.oci_files());
    }

    /// A `docker save` archive: `manifest.json`, the config as
    /// `<hex>.json`, each layer as `<n>/layer.tar`.
    pub fn write_docker_tar(&self, path: &Path) {
        let config = self.config_bytes();
        let config_name = format!("{}.json", &sha256_id(&config)[7..]);
        let mut files = vec![(config_name.clone(), config)];
        let mut names = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            let name = format!("{i}/layer.tar");
            files.push((name.clone(), self.blob(l)));
            names.push(name);
        }
        let manifest = serde_json::to_vec(&json!([{
            "Config": config_name,
            "RepoTags": [self.name],
            "Layers": names,
        }]))
        .unwrap();
        files.push(("manifest.json".into(), manifest));
        write_tar(path, files);
    }
}

fn write_tar(path: &Path, files: Vec<(String, Vec<u8>)>) {
    let mut tar = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        tar.append_data(&mut h, name, &bytes[..]).unwrap();
    }
    tar.finish().unwrap();
}

/// A real podman, as the tests drive it: images imported from a root made
/// of busybox, containers run with runc and cgroupfs (what these machines
/// support), removed when dropped.
pub struct Podman {
    pub bin: std::path::PathBuf,
    containers: std::sync::Mutex<Vec<String>>,
    images: std::sync::Mutex<Vec<String>>,
}

/// Busybox applets a test image links.
const APPLETS: &[&str] = &[
    "sh", "sleep", "cat", "cp", "mkdir", "ls", "rm", "true", "chmod", "echo", "touch", "mv",
    "truncate", "mkfifo", "seq",
];

impl Podman {
    /// `PLUMB_PODMAN` or `podman` on PATH, and `busybox`; `None` when
    /// either is missing (scripts/test.sh installs both).
    pub fn find() -> Option<Podman> {
        let bin = std::env::var_os("PLUMB_PODMAN")
            .map(std::path::PathBuf::from)
            .or_else(|| which("podman"))?;
        which("busybox")?;
        Some(Podman {
            bin,
            containers: Default::default(),
            images: Default::default(),
        })
    }

    pub fn cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(&self.bin);
        c.args(["--runtime", "runc", "--cgroup-manager", "cgroupfs"]);
        c
    }

    fn run_ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("podman runs");
        assert!(
            out.status.success(),
            "podman {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A root of busybox and its applets, plus `extra` files.
    pub fn busybox_root(dir: &Path, extra: &[(&str, &[u8])]) {
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        std::fs::copy(which("busybox").unwrap(), bin.join("busybox")).unwrap();
        for a in APPLETS {
            std::os::unix::fs::symlink("busybox", bin.join(a)).unwrap();
        }
        for (p, content) in extra {
            let path = dir.join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
    }

    /// Imports `root` as image `name`; returns its id (`sha256:...`).
    /// The image carries its own name (`/.plumb-image`): two tests
    /// importing the same files at once would otherwise get one image
    /// with two names, and the first to finish would remove it (`rmi -f`)
    /// under the other.
    pub fn import(&self, root: &Path, name: &str) -> String {
        std::fs::write(root.join(".plumb-image"), name).unwrap();
        let tar = root.with_extension("import.tar");
        let status = std::process::Command::new("tar")
            .arg("-C")
            .arg(root)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .unwrap();
        assert!(status.success());
        let id = self.run_ok(&["import", "--quiet", tar.to_str().unwrap(), name]);
        self.images.lock().unwrap().push(name.to_string());
        let id = id
            .lines()
            .last()
            .unwrap_or_default()
            .trim_start_matches("sha256:");
        format!("sha256:{id}")
    }

    /// `podman save` of image `name` in `format` (`oci-archive`,
    /// `docker-archive`, `oci-dir`) to `path`.
    pub fn save(&self, name: &str, format: &str, path: &Path) {
        self.run_ok(&[
            "save",
            "--quiet",
            "--format",
            format,
            "-o",
            path.to_str().unwrap(),
            name,
        ]);
    }

    /// Starts a container of `image` running `command`; returns its id.
    pub fn run(&self, name: &str, image: &str, command: &[&str]) -> String {
        self.run_with(name, &[], image, command)
    }

    /// [`Podman::run`] with extra `podman run` options (`--annotation`).
    pub fn run_with(&self, name: &str, options: &[&str], image: &str, command: &[&str]) -> String {
        let mut args = vec![
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "none",
            "--ulimit",
            "nofile=1024:1024",
            "--ulimit",
            "nproc=4096:4096",
        ];
        args.extend_from_slice(options);
        args.push(image);
        args.extend_from_slice(command);
        let id = self.run_ok(&args);
        self.containers.lock().unwrap().push(name.to_string());
        id
    }

    pub fn exec(&self, name: &str, command: &[&str]) -> std::process::Output {
        let mut args = vec!["exec", name];
        args.extend_from_slice(command);
        self.cmd().args(&args).output().unwrap()
    }

    /// The host pid of the container's first process.
    pub fn pid(&self, name: &str) -> u32 {
        self.run_ok(&["inspect", "-f", "{{.State.Pid}}", name])
            .parse()
            .unwrap()
    }

    /// The overlay's upper dir and lower dirs of a running container.
    pub fn overlay(&self, name: &str) -> (std::path::PathBuf, Vec<std::path::PathBuf>) {
        let text = std::fs::read(format!("/proc/{}/mountinfo", self.pid(name))).unwrap();
        match crate::containers::discover::parse_mountinfo(&text).0 {
            crate::containers::Root::Overlay { lowers, upper } => (upper, lowers),
            other => panic!("container {name} root is {other:?}"),
        }
    }

    pub fn remove(&self, name: &str) {
        let _ = self.cmd().args(["rm", "-f", "-t", "0", name]).output();
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        for c in self.containers.lock().unwrap().drain(..) {
            self.remove(&c);
        }
        for i in self.images.lock().unwrap().drain(..) {
            let _ = self.cmd().args(["rmi", "-f", &i]).output();
        }
    }
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

//! Finding an image in an archive: an OCI image layout (a directory, or
//! an `oci-archive` tar of one) or a `docker save` / `podman save` tar.
//! Only small JSON documents are read whole (index, manifests, config),
//! each under [`MAX_DOCUMENT`]; layers are streamed by [`Archive::blob`].

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::ImageError;

/// Largest index, manifest or config document read.
pub const MAX_DOCUMENT: u64 = 4 << 20;
/// Most entries in an archive's outer tar, and most layers of an image.
const MAX_ARCHIVE_ENTRIES: usize = 100_000;
pub const MAX_LAYERS: usize = 256;

/// An opened archive: a directory, or a tar file indexed by entry name.
///
/// A layout directory is hostile input like a tar: every entry is opened
/// beneath its descriptor ([`crate::scan::beneath`]: no symlink followed, no
/// `..`), without blocking, and only a regular file is read.
pub enum Archive {
    Dir {
        path: PathBuf,
        root: File,
    },
    Tar {
        path: PathBuf,
        /// Entry name → (offset of its data, size).
        entries: HashMap<String, (u64, u64)>,
    },
}

/// The image an archive holds, as its documents describe it.
#[derive(Debug)]
pub struct ImageRef {
    /// `sha256:<hex>` of the config document: the image's id.
    pub id: String,
    pub config: Config,
    /// The layer blobs, bottom first, with the diff id each must hash to.
    pub layers: Vec<LayerRef>,
    pub manifest_digests: Vec<String>,
    pub names: Vec<String>,
    /// Annotations of the image's manifest and its index entry.
    pub annotations: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct LayerRef {
    /// The blob's name inside the archive.
    pub blob: String,
    /// `sha256:<hex>` the blob itself must hash to, when the image names
    /// it by digest (an OCI manifest, or a `blobs/sha256/<hex>` entry).
    pub digest: Option<String>,
    /// `sha256:<hex>` of the uncompressed layer.
    pub diff_id: String,
}

/// The image config fields plumb records.
#[derive(Debug, Default, Deserialize)]
pub struct Config {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub config: RunConfig,
    pub rootfs: RootFs,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunConfig {
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub working_dir: String,
    #[serde(default)]
    pub exposed_ports: Option<HashMap<String, serde_json::Value>>,
    #[serde(default)]
    pub volumes: Option<HashMap<String, serde_json::Value>>,
    #[serde(default)]
    pub labels: Option<HashMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RootFs {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    annotations: HashMap<String, String>,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Clone, Deserialize)]
struct Platform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageManifest {
    #[serde(default)]
    media_type: String,
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    annotations: HashMap<String, String>,
}

/// One image of `docker save`'s `manifest.json`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SavedImage {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const IMAGE_NAME: &str = "io.containerd.image.name";

impl Archive {
    /// Opens a layout directory or indexes a tar file's entries.
    pub fn open(path: &Path) -> Result<Archive, ImageError> {
        let at = |cause: io::Error| ImageError::Io {
            path: path.display().to_string(),
            cause,
        };
        let meta = std::fs::metadata(path).map_err(at)?;
        if meta.is_dir() {
            return Ok(Archive::Dir {
                path: path.to_path_buf(),
                root: crate::scan::beneath::open_root(path).map_err(at)?,
            });
        }
        let mut entries = HashMap::new();
        let mut tar = tar::Archive::new(open_regular(path)?);
        for entry in tar.entries().map_err(at)? {
            let entry = entry.map_err(|e| ImageError::archive(path, e))?;
            if entries.len() >= MAX_ARCHIVE_ENTRIES {
                return Err(ImageError::Invalid(format!(
                    "{}: more than {MAX_ARCHIVE_ENTRIES} entries: not an image archive",
                    path.display()
                )));
            }
            if !matches!(
                entry.header().entry_type(),
                tar::EntryType::Regular | tar::EntryType::Continuous
            ) {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let name = name.trim_start_matches("./").to_string();
            entries.insert(name, (entry.raw_file_position(), entry.size()));
        }
        Ok(Archive::Tar {
            path: path.to_path_buf(),
            entries,
        })
    }

    fn describe(&self) -> String {
        match self {
            Archive::Dir { path: p, .. } | Archive::Tar { path: p, .. } => p.display().to_string(),
        }
    }

    fn has(&self, name: &str) -> bool {
        match self {
            Archive::Dir { root, .. } => checked(name).is_ok_and(|name| {
                crate::scan::beneath::open(root, name.as_bytes(), crate::scan::beneath::READ)
                    .and_then(|f| crate::scan::hash::fstat(&f))
                    .is_ok_and(|st| crate::scan::hash::is_regular(&st))
            }),
            Archive::Tar { entries, .. } => entries.contains_key(name),
        }
    }

    /// A reader of the entry `name`, and its size.
    pub fn blob(&self, name: &str) -> Result<(Box<dyn Read + Send>, u64), ImageError> {
        let missing = || {
            ImageError::Invalid(format!(
                "{}: {name:?} is named by the image but not in the archive",
                self.describe()
            ))
        };
        let name = checked(name)?;
        match self {
            Archive::Dir { path, root } => {
                let io = |cause| ImageError::Io {
                    path: path.join(name).display().to_string(),
                    cause,
                };
                let file = match crate::scan::beneath::open(
                    root,
                    name.as_bytes(),
                    crate::scan::beneath::READ,
                ) {
                    Ok(f) => f,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing()),
                    Err(e) => return Err(io(e)),
                };
                let st = crate::scan::hash::fstat(&file).map_err(io)?;
                if !crate::scan::hash::is_regular(&st) {
                    return Err(ImageError::Invalid(format!(
                        "{}: {name} is not a regular file: a layout's blobs are files",
                        self.describe()
                    )));
                }
                let len = u64::try_from(st.st_size).unwrap_or(0);
                // Never more than the size seen: a file that grows while
                // it is read ends there (and fails its digest).
                Ok((Box::new(file.take(len)), len))
            }
            Archive::Tar { path, entries } => {
                let &(offset, len) = entries.get(name).ok_or_else(missing)?;
                let mut file = open_regular(path)?;
                let at = |cause| ImageError::Io {
                    path: path.display().to_string(),
                    cause,
                };
                file.seek(SeekFrom::Start(offset)).map_err(at)?;
                Ok((Box::new(file.take(len)), len))
            }
        }
    }

    /// A whole document of at most [`MAX_DOCUMENT`] bytes.
    fn document(&self, name: &str) -> Result<Vec<u8>, ImageError> {
        let (mut reader, len) = self.blob(name)?;
        if len > MAX_DOCUMENT {
            return Err(ImageError::Invalid(format!(
                "{}: {name} is {len} bytes, more than the {MAX_DOCUMENT} a document may have",
                self.describe()
            )));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        reader
            .by_ref()
            .take(MAX_DOCUMENT)
            .read_to_end(&mut bytes)
            .map_err(|cause| ImageError::Io {
                path: format!("{}: {name}", self.describe()),
                cause,
            })?;
        Ok(bytes)
    }

    /// A document named by digest, checked against it.
    fn verified(&self, digest: &str) -> Result<Vec<u8>, ImageError> {
        let bytes = self.document(&blob_name(digest)?)?;
        let actual = sha256_id(&bytes);
        if actual != digest {
            return Err(ImageError::Invalid(format!(
                "{}: blob {digest} hashes to {actual}: the archive is corrupt or was altered",
                self.describe()
            )));
        }
        Ok(bytes)
    }

    fn json<T: for<'de> Deserialize<'de>>(
        &self,
        what: &str,
        bytes: &[u8],
    ) -> Result<T, ImageError> {
        serde_json::from_slice(bytes).map_err(|e| {
            ImageError::Invalid(format!("{}: {what}: invalid JSON: {e}", self.describe()))
        })
    }

    /// The image this archive holds; `wanted` picks one by name when it
    /// holds several.
    pub fn image(&self, wanted: Option<&str>) -> Result<ImageRef, ImageError> {
        if self.has("index.json") {
            self.oci_image(wanted)
        } else if self.has("manifest.json") {
            self.saved_image(wanted)
        } else {
            Err(ImageError::Invalid(format!(
                "{}: neither index.json (an OCI image layout) nor manifest.json (docker save) found: not an image archive",
                self.describe()
            )))
        }
    }

    fn oci_image(&self, wanted: Option<&str>) -> Result<ImageRef, ImageError> {
        let index: Index = self.json("index.json", &self.document("index.json")?)?;
        // Image manifests, nested indexes followed one level down.
        let mut candidates: Vec<Descriptor> = Vec::new();
        for d in index.manifests {
            if d.media_type.contains("index") || d.media_type.contains("manifest.list") {
                let nested: Index = self.json(&d.digest, &self.verified(&d.digest)?)?;
                for mut n in nested.manifests {
                    for (k, v) in &d.annotations {
                        n.annotations.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    candidates.push(n);
                }
            } else {
                candidates.push(d);
            }
        }
        // A multi-platform image: the agent's own platform.
        if candidates.len() > 1 {
            candidates.retain(|d| platform_matches(d.platform.as_ref()));
        }
        let name_of = |d: &Descriptor| {
            d.annotations
                .get(IMAGE_NAME)
                .or_else(|| d.annotations.get(REF_NAME))
                .cloned()
        };
        if let Some(w) = wanted {
            candidates.retain(|d| {
                name_of(d).is_some_and(|n| n == w || n.ends_with(&format!(":{w}"))) || d.digest == w
            });
        }
        let mut digests: Vec<&str> = candidates.iter().map(|d| d.digest.as_str()).collect();
        digests.sort();
        digests.dedup();
        let chosen = match digests.len() {
            0 => {
                return Err(ImageError::Invalid(format!(
                    "{}: no image{} for {}/{}",
                    self.describe(),
                    wanted.map(|w| format!(" named {w:?}")).unwrap_or_default(),
                    std::env::consts::OS,
                    go_arch()
                )))
            }
            1 => candidates[0].clone(),
            _ => {
                let names: Vec<String> = candidates
                    .iter()
                    .map(|d| name_of(d).unwrap_or_else(|| d.digest.clone()))
                    .collect();
                return Err(ImageError::Invalid(format!(
                    "{}: holds {} images ({}): choose one with --image-ref",
                    self.describe(),
                    digests.len(),
                    names.join(", ")
                )));
            }
        };
        let manifest: ImageManifest = self.json(&chosen.digest, &self.verified(&chosen.digest)?)?;
        if manifest.media_type.contains("index") {
            return Err(ImageError::Invalid(format!(
                "{}: {} is an index nested more than one level deep",
                self.describe(),
                chosen.digest
            )));
        }
        let config_bytes = self.verified(&manifest.config.digest)?;
        let config: Config = self.json("image config", &config_bytes)?;
        let blobs = manifest
            .layers
            .iter()
            .map(|l| blob_name(&l.digest))
            .collect::<Result<Vec<_>, _>>()?;
        let mut annotations: Vec<(String, String)> = manifest.annotations.into_iter().collect();
        annotations.extend(chosen.annotations.clone());
        Ok(ImageRef {
            id: manifest.config.digest.clone(),
            layers: self.pair_layers(blobs, &config)?,
            config,
            manifest_digests: vec![chosen.digest.clone()],
            names: name_of(&chosen).into_iter().collect(),
            annotations,
        })
    }

    fn saved_image(&self, wanted: Option<&str>) -> Result<ImageRef, ImageError> {
        let mut saved: Vec<SavedImage> =
            self.json("manifest.json", &self.document("manifest.json")?)?;
        if let Some(w) = wanted {
            saved.retain(|s| {
                s.repo_tags
                    .iter()
                    .flatten()
                    .any(|t| t == w || t.ends_with(&format!(":{w}")))
            });
        }
        let image = match saved.len() {
            1 => saved.remove(0),
            0 => {
                return Err(ImageError::Invalid(format!(
                    "{}: manifest.json names no image{}",
                    self.describe(),
                    wanted.map(|w| format!(" tagged {w:?}")).unwrap_or_default()
                )))
            }
            n => {
                return Err(ImageError::Invalid(format!(
                    "{}: holds {n} images: choose one with --image-ref",
                    self.describe()
                )))
            }
        };
        let config_bytes = self.document(&image.config)?;
        let id = sha256_id(&config_bytes);
        // Older archives name the config by its hex digest.
        let stem = Path::new(&image.config)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if stem.len() == 64 && format!("sha256:{stem}") != id {
            return Err(ImageError::Invalid(format!(
                "{}: config {} hashes to {id}: the archive is corrupt or was altered",
                self.describe(),
                image.config
            )));
        }
        let config: Config = self.json("image config", &config_bytes)?;
        Ok(ImageRef {
            id,
            layers: self.pair_layers(image.layers, &config)?,
            config,
            manifest_digests: Vec::new(),
            names: image.repo_tags.unwrap_or_default(),
            annotations: Vec::new(),
        })
    }

    fn pair_layers(
        &self,
        blobs: Vec<String>,
        config: &Config,
    ) -> Result<Vec<LayerRef>, ImageError> {
        let diff_ids = &config.rootfs.diff_ids;
        if blobs.len() != diff_ids.len() {
            return Err(ImageError::Invalid(format!(
                "{}: {} layers but the config lists {} diff ids",
                self.describe(),
                blobs.len(),
                diff_ids.len()
            )));
        }
        if blobs.len() > MAX_LAYERS {
            return Err(ImageError::Invalid(format!(
                "{}: {} layers, at most {MAX_LAYERS}",
                self.describe(),
                blobs.len()
            )));
        }
        Ok(blobs
            .into_iter()
            .zip(diff_ids)
            .map(|(blob, diff_id)| LayerRef {
                digest: blob
                    .strip_prefix("blobs/sha256/")
                    .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .map(|h| format!("sha256:{h}")),
                blob,
                diff_id: diff_id.clone(),
            })
            .collect())
    }
}

/// Opens the archive file the operator named (following a symlink: the
/// operator's word) without blocking on a FIFO, and only a regular file.
fn open_regular(path: &Path) -> Result<File, ImageError> {
    use std::os::unix::fs::OpenOptionsExt;
    let at = |cause| ImageError::Io {
        path: path.display().to_string(),
        cause,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(at)?;
    if !file.metadata().map_err(at)?.is_file() {
        return Err(ImageError::Invalid(format!(
            "{}: not a regular file: an image archive is a tar file or a layout directory",
            path.display()
        )));
    }
    Ok(file)
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_id(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `blobs/sha256/<hex>` for a well-formed `sha256:<hex>` digest.
fn blob_name(digest: &str) -> Result<String, ImageError> {
    match digest.strip_prefix("sha256:") {
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(format!("blobs/sha256/{h}"))
        }
        _ => Err(ImageError::Invalid(format!(
            "digest {digest:?} is not sha256:<64 hex digits>"
        ))),
    }
}

/// Entry names stay inside the archive: relative, no `..`.
fn checked(name: &str) -> Result<&str, ImageError> {
    if name.is_empty()
        || name.starts_with('/')
        || name.split('/').any(|c| c == "..")
        || name.contains('\0')
    {
        return Err(ImageError::Invalid(format!(
            "entry name {name:?} would leave the archive"
        )));
    }
    Ok(name)
}

/// The platform the agent runs on, as OCI names it.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

fn platform_matches(p: Option<&Platform>) -> bool {
    p.is_none_or(|p| {
        (p.os.is_empty() || p.os == std::env::consts::OS)
            && (p.architecture.is_empty() || p.architecture == go_arch())
    })
}

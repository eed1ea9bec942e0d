//! Manifests of container images, built from an image archive with no
//! daemon and no extraction: `manifest build --image-archive`.
//!
//! The archive is an OCI image layout (a directory or its tar) or a
//! `docker save` / `podman save` tar ([`archive`]). Its layers are applied
//! bottom first into records ([`layers`]); the package databases they
//! leave are read by the same parsers as a root's, from a scratch
//! directory that holds nothing else; the config's entrypoint, user,
//! ports and volumes and the OCI provenance labels are recorded in the
//! manifest's `container` section. The image id is the config's digest,
//! the name every runtime gives the image, so an agent finds the manifest
//! of a running container by what the runtime says it runs.

pub mod archive;
pub mod layers;

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use plumb_proto::v1::{ContainerImage, Label, Manifest, RuntimeSection};
use plumb_proto::MANIFEST_FORMAT_VERSION;

use crate::manifest::{Baseline, BuildStats, Built};
use crate::policy::{self, IgnoreSet, PolicyError};
use crate::record::{FileRecord, Interner};
use crate::scan::packages::{self, PackageError};

/// Default bound of what an image's layers may expand to.
pub const DEFAULT_MAX_IMAGE_SIZE: u64 = 64 << 30;

/// Why an image archive could not become a manifest.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{path}: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error("{0}")]
    Invalid(String),
    #[error("layer {layer}: {cause}")]
    Layer { layer: String, cause: String },
    #[error("reading the image's packages: {0}")]
    Packages(PackageError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

impl ImageError {
    fn archive(path: &Path, e: std::io::Error) -> ImageError {
        ImageError::Invalid(format!("{}: not a readable tar: {e}", path.display()))
    }
}

/// What `manifest build --image-archive` is asked to record.
pub struct ImageBuildOptions {
    pub archive: PathBuf,
    /// Which image, when the archive holds several (a name or a tag).
    pub image_ref: Option<String>,
    pub exclude: Vec<String>,
    pub labels: Vec<Label>,
    /// Bound of the bytes all layers expand to.
    pub max_size: u64,
    pub runtime: bool,
    pub progress: ProgressBar,
}

impl ImageBuildOptions {
    pub fn new(archive: impl Into<PathBuf>) -> ImageBuildOptions {
        ImageBuildOptions {
            archive: archive.into(),
            image_ref: None,
            exclude: Vec::new(),
            labels: Vec::new(),
            max_size: DEFAULT_MAX_IMAGE_SIZE,
            runtime: true,
            progress: ProgressBar::hidden(),
        }
    }
}

/// Provenance label keys taken from an image's labels and annotations.
const PROVENANCE_PREFIX: &str = "org.opencontainers.image.";

/// Reads the archive's image into a sealed manifest.
pub fn build(opts: &ImageBuildOptions) -> Result<Built, ImageError> {
    let archive = archive::Archive::open(&opts.archive)?;
    let image = archive.image(opts.image_ref.as_deref())?;
    let mut tree = layers::Tree::default();
    opts.progress.set_length(image.layers.len() as u64);
    for layer in &image.layers {
        opts.progress
            .set_message(format!("layer {}", short(&layer.diff_id)));
        let (reader, _) = archive.blob(&layer.blob)?;
        tree.apply(reader, layer, opts.max_size)?;
        opts.progress.inc(1);
    }
    tree.add_implicit_parents();

    let policy_defaults = policy::default_policy(&opts.exclude);
    let ignore = IgnoreSet::new(policy_defaults.ignore.iter().cloned())?;
    let scanned = read_packages(&tree)?;
    let mut names = Interner::default();
    let files: Vec<FileRecord> = std::mem::take(&mut tree.files)
        .into_values()
        .filter(|r| !ignore.is_ignored(&r.path))
        .map(|mut r| {
            r.package = scanned.owners.get(&*r.path).map(|o| names.intern(o));
            r
        })
        .collect();
    let stats = BuildStats {
        files: files.len(),
        hashed_bytes: tree.hashed_bytes,
    };
    let labels = provenance(&image, &opts.labels);
    let config = &image.config.config;
    let sorted_keys = |m: &Option<std::collections::HashMap<String, serde_json::Value>>| {
        let mut keys: Vec<String> = m.iter().flat_map(|m| m.keys().cloned()).collect();
        keys.sort();
        keys
    };
    let mut names_sorted = image.names.clone();
    names_sorted.sort();
    let container = ContainerImage {
        manifest_digests: image.manifest_digests.clone(),
        layers: image.layers.iter().map(|l| l.diff_id.clone()).collect(),
        entrypoint: config.entrypoint.clone().unwrap_or_default(),
        cmd: config.cmd.clone().unwrap_or_default(),
        user: config.user.clone(),
        working_dir: config.working_dir.clone(),
        exposed_ports: sorted_keys(&config.exposed_ports),
        volumes: sorted_keys(&config.volumes),
        names: names_sorted,
        os: image.config.os.clone(),
        architecture: image.config.architecture.clone(),
    };
    let manifest = Baseline {
        meta: Manifest {
            format_version: MANIFEST_FORMAT_VERSION,
            image_id: image.id.clone(),
            created_unix_ms: crate::manifest::now_ms(),
            builder: Some(crate::manifest::builder_info(&opts.archive)),
            packages: scanned.packages,
            policy: Some(policy_defaults),
            labels,
            // A container has no kernel of its own and no logins: what it
            // runs is judged, against the image's files.
            runtime: opts.runtime.then(|| RuntimeSection {
                processes: true,
                modules: false,
                sessions: false,
                interpreters: crate::manifest::DEFAULT_INTERPRETERS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                login_records: Vec::new(),
            }),
            container: Some(container),
            ..Manifest::default()
        },
        files,
    };
    Ok(Built::seal(manifest, stats))
}

fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    &hex[..hex.len().min(12)]
}

/// The image's OCI provenance labels and annotations (annotations win),
/// then the operator's `--label`s over them.
fn provenance(image: &archive::ImageRef, given: &[Label]) -> Vec<Label> {
    let mut labels: std::collections::BTreeMap<String, String> = Default::default();
    let from_image = image
        .config
        .config
        .labels
        .iter()
        .flatten()
        .chain(image.annotations.iter().map(|(k, v)| (k, v)));
    for (key, value) in from_image {
        if !key.starts_with(PROVENANCE_PREFIX) || key.ends_with(".ref.name") {
            continue;
        }
        let label = Label {
            key: key.clone(),
            value: value.clone(),
        };
        match plumb_proto::check_labels(std::slice::from_ref(&label)) {
            Ok(()) => {
                labels.insert(label.key, label.value);
            }
            Err(e) => tracing::warn!(key = %key, "image label left out of the manifest: {e}"),
        }
    }
    for l in given {
        labels.insert(l.key.clone(), l.value.clone());
    }
    labels
        .into_iter()
        .take(plumb_proto::MAX_LABELS)
        .map(|(key, value)| Label { key, value })
        .collect()
}

/// The package databases the layers left, written into a scratch root
/// that holds only them (and the top-level links a merged /usr needs), and
/// read there by the parsers every root is read with.
fn read_packages(tree: &layers::Tree) -> Result<packages::PackageScan, ImageError> {
    let scratch = tempfile::Builder::new()
        .prefix("plumb-image-db")
        .tempdir()
        .map_err(|cause| ImageError::Io {
            path: std::env::temp_dir().display().to_string(),
            cause,
        })?;
    let root = scratch.path();
    let io = |path: &Path, cause| ImageError::Io {
        path: path.display().to_string(),
        cause,
    };
    for (path, content) in &tree.databases {
        let on_disk = crate::paths::on_disk(root, path);
        if let Some(parent) = on_disk.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&on_disk, content).map_err(|e| io(&on_disk, e))?;
    }
    for dir in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
        let path = format!("/{dir}");
        if let Some(target) = tree
            .files
            .get(path.as_bytes())
            .and_then(|r| r.link_target.as_deref())
        {
            let target = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(target);
            if !root.join(dir).exists() {
                std::os::unix::fs::symlink(target, root.join(dir))
                    .map_err(|e| io(&root.join(dir), e))?;
            }
        }
    }
    packages::scan(root).map_err(|mut e| {
        // Name the database by its path in the image, not in the scratch root.
        e.path = e.path.replacen(&root.display().to_string(), "", 1);
        ImageError::Packages(e)
    })
}

//! Judging one container against its image's manifest:
//!
//! - its writable layer (the overlay's upper dir): every file there was
//!   added, changed (copied up) or deleted (a whiteout) since the
//!   container started; the cost follows the upper dir, not the image;
//! - the image's layers on disk (the lower dirs, merged as overlayfs
//!   merges them) against the manifest, once per image and set of layers;
//! - its processes, against the image's files, as the host's are judged.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plumb_proto::v1::{Deviation, FileType, Severity};

use crate::diff::{self, Snapshot};
use crate::manifest::Baseline;
use crate::policy::{IgnoreSet, Policy, PolicyError, PolicyFile};
use crate::record::FileRecord;
use crate::scan::files::{self, FileScan, ScanOptions, ScannedFile};
use crate::scan::runtime::{self, KnownFiles};

/// An image's manifest, ready to judge its containers: shared by every
/// container of the image.
pub struct Image {
    pub manifest: Baseline,
    pub policy: Arc<Policy>,
    ignore: IgnoreSet,
    pub known: Arc<KnownFiles>,
    /// Contents of its executable files (for anonymous execs).
    pub digests: Arc<HashSet<[u8; 32]>>,
    /// Paths the image declares as volumes (`/data`): its data, not drift.
    volumes: Vec<Vec<u8>>,
}

impl Image {
    pub fn new(manifest: Baseline, overrides: Option<&PolicyFile>) -> Result<Image, PolicyError> {
        let defaults = manifest.meta.policy.clone().unwrap_or_default();
        let policy = Policy::compile(&defaults, overrides)?;
        let mut ignore: Vec<String> = defaults.ignore.clone();
        if let Some(o) = overrides {
            ignore.extend(o.ignore.iter().cloned());
        }
        let ignore = IgnoreSet::new(ignore)?;
        let regular = || {
            manifest
                .files
                .iter()
                .filter(|f| f.file_type == FileType::Regular)
        };
        let known = Arc::new(KnownFiles::new(regular().map(|f| (&*f.path, f.sha256))));
        let digests = Arc::new(
            regular()
                .filter(|f| f.mode & 0o111 != 0)
                .filter_map(|f| f.sha256)
                .collect(),
        );
        let volumes = manifest
            .meta
            .container
            .as_ref()
            .map(|c| c.volumes.iter().map(|v| v.as_bytes().to_vec()).collect())
            .unwrap_or_default();
        Ok(Image {
            manifest,
            policy: Arc::new(policy),
            ignore,
            known,
            digests,
            volumes,
        })
    }

    /// The size the manifest records for a regular file's `path`.
    fn regular_size(&self, path: &[u8]) -> Option<u64> {
        self.find(path)
            .filter(|f| f.file_type == FileType::Regular)
            .map(|f| f.size)
    }

    fn find(&self, path: &[u8]) -> Option<&FileRecord> {
        self.manifest
            .files
            .binary_search_by(|f| (*f.path).cmp(path))
            .ok()
            .map(|i| &self.manifest.files[i])
    }

    /// The manifest's files at and below `path`.
    fn subtree(&self, path: &[u8]) -> impl Iterator<Item = &FileRecord> {
        let start = self.manifest.files.partition_point(|f| &*f.path < path);
        let path = path.to_vec();
        self.manifest.files[start..]
            .iter()
            .take_while(move |f| under(&f.path, &path))
    }
}

/// `path` is `dir` or below it.
fn under(path: &[u8], dir: &[u8]) -> bool {
    path == dir || dir == b"/" || (path.starts_with(dir) && path.get(dir.len()) == Some(&b'/'))
}

/// An overlay whiteout: a character device 0/0.
fn is_whiteout(r: &FileRecord) -> bool {
    r.file_type == FileType::CharDevice && r.rdev == 0
}

/// Whether the directory `rel` of an upper (or lower) dir `top` is
/// opaque: what the layers below hold in it is hidden. Opened beneath
/// `top` without following a symlink, like every read of the layer.
fn is_opaque(top: &Path, rel: &[u8]) -> bool {
    use rustix::fs::OFlags;
    let Ok(root) = crate::scan::beneath::open_root(top) else {
        return false;
    };
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::NONBLOCK;
    let Ok(dir) = crate::scan::beneath::open(&root, rel, flags) else {
        return false;
    };
    let mut buf = [0u8; 4];
    ["trusted.overlay.opaque", "user.overlay.opaque"]
        .iter()
        .any(|name| matches!(rustix::fs::fgetxattr(&dir, *name, &mut buf[..]), Ok(n) if n >= 1 && buf[0] == b'y'))
}

/// What judging one container may cost: the writable layer is the
/// container's own to fill, so its walk is bounded in entries, time and
/// the bytes hashed per file (see [`files::Bounds`]); the image's layers
/// on disk are bounded by what the manifest holds.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Time for one container's writable layer, and for one image's layers.
    pub time: std::time::Duration,
    /// Entries of a writable layer; an image's layers may hold this many
    /// more than its manifest.
    pub max_entries: usize,
    /// A file not of the size the manifest records is hashed only up to
    /// this size: it is drift whatever its content.
    pub evidence_cap: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            time: std::time::Duration::from_secs(5),
            max_entries: 100_000,
            evidence_cap: 16 << 20,
        }
    }
}

fn scan_dir(root: &Path, ignore: &IgnoreSet, bounds: &files::Bounds<'_>) -> FileScan {
    files::scan(&ScanOptions {
        root,
        ignore,
        cache: None,
        throttle: None,
        progress: indicatif::ProgressBar::hidden(),
        only: None,
        renew_cache: false,
        bounds: Some(bounds),
    })
}

/// A walk stopped by its bounds, as a `scan_error`.
fn stopped(image: &Image, key: &str, what: &str, why: &str) -> Deviation {
    image.policy.scan_error(
        key,
        &format!("{what} judged completely"),
        format!("{what} not judged completely: {why}"),
    )
}

/// What the writable layer changed, as deviations, and how many entries
/// it holds. `mount_points` are the container's: what the runtime made
/// there (`/etc/hosts`, the directories above a volume) is not drift.
pub fn writable_layer(
    image: &Image,
    upper: &Path,
    mount_points: &[Vec<u8>],
    budget: &Budget,
) -> (Vec<Deviation>, usize) {
    let expected_size = |p: &[u8]| image.regular_size(p);
    let bounds = files::Bounds {
        expected_size: &expected_size,
        evidence_cap: budget.evidence_cap,
        max_entries: budget.max_entries,
        deadline: Some(std::time::Instant::now() + budget.time),
    };
    let scan = scan_dir(upper, &image.ignore, &bounds);
    let mut out = Vec::new();
    if let Some(why) = &scan.over_budget {
        out.push(stopped(image, "files", "writable layer", why));
    }
    let runtime_made = |r: &FileRecord| {
        mount_points
            .iter()
            .any(|m| under(&r.path, m) || (r.file_type == FileType::Directory && under(m, &r.path)))
    };
    // The directories a stopped walk did not read each carry the reason
    // it stopped: said once above.
    let not_stop = |e: &&files::ScanError| scan.over_budget.as_ref() != Some(&e.cause);
    for error in scan.errors.iter().filter(not_stop) {
        out.push(image.policy.scan_error(
            &crate::paths::display(&error.path),
            "",
            format!("writable layer unreadable: {}", error.cause),
        ));
    }
    for a in &scan.files {
        let r = &a.record;
        if &*r.path == b"/" || image.volumes.iter().any(|v| under(&r.path, v)) {
            continue;
        }
        let expected = image.find(&r.path);
        if expected.is_none() && runtime_made(r) {
            continue;
        }
        if is_whiteout(r) {
            out.extend(
                image
                    .subtree(&r.path)
                    .filter(|e| !image.ignore.is_ignored(&e.path))
                    .map(|e| diff::file_removed(e, &image.policy)),
            );
            continue;
        }
        match expected {
            None => out.push(diff::file_added(a, String::new(), &image.policy)),
            Some(e) => {
                let owner = e.package.as_deref().unwrap_or_default().to_string();
                out.extend(diff::file_modified(e, a, owner, &image.policy));
            }
        }
        if r.file_type == FileType::Directory && expected.is_some() && is_opaque(upper, &r.path) {
            // Everything the image had in it and the layer does not.
            let present = |p: &[u8]| {
                scan.files
                    .binary_search_by(|f| (*f.record.path).cmp(p))
                    .is_ok()
            };
            out.extend(
                image
                    .subtree(&r.path)
                    .filter(|e| *e.path != *r.path && !present(&e.path))
                    .filter(|e| !image.ignore.is_ignored(&e.path))
                    .map(|e| diff::file_removed(e, &image.policy)),
            );
        }
    }
    (out, scan.files.len())
}

/// The least time an image's layers on disk get: they are hashed whole,
/// once an hour per image.
const IMAGE_LAYERS_TIME: std::time::Duration = std::time::Duration::from_secs(60);

/// The image's layers as the container's overlay stacks them (`lowers`,
/// top first), merged and compared with the manifest: a file of the
/// runtime's store changed on disk changes every container of the image.
pub fn image_layers(image: &Image, lowers: &[PathBuf], budget: &Budget) -> Vec<Deviation> {
    let mut merged: BTreeMap<Box<[u8]>, ScannedFile> = BTreeMap::new();
    // Paths hidden from the layers below by a whiteout or an opaque dir.
    let mut hidden: Vec<Vec<u8>> = Vec::new();
    let mut errors = Vec::new();
    let mut stops = Vec::new();
    let expected_size = |p: &[u8]| image.regular_size(p);
    let bounds = files::Bounds {
        expected_size: &expected_size,
        evidence_cap: budget.evidence_cap,
        max_entries: image.manifest.files.len() + budget.max_entries,
        deadline: Some(std::time::Instant::now() + budget.time.max(IMAGE_LAYERS_TIME)),
    };
    for lower in lowers {
        let dir = std::fs::canonicalize(lower).unwrap_or_else(|_| lower.clone());
        let scan = scan_dir(&dir, &image.ignore, &bounds);
        if let Some(why) = &scan.over_budget {
            stops.push(stopped(image, "image-layers", "image layers", why));
        }
        errors.extend(scan.errors);
        let mut hides = Vec::new();
        for f in scan.files {
            let path = f.record.path.clone();
            if hidden.iter().any(|h| under(&path, h)) && !merged.contains_key(&path) {
                continue;
            }
            if is_whiteout(&f.record) {
                hides.push(path.to_vec());
                continue;
            }
            if f.record.file_type == FileType::Directory && &*path != b"/" && is_opaque(&dir, &path)
            {
                let mut below = path.to_vec();
                below.push(b'/');
                hides.push(below);
            }
            merged.entry(path).or_insert(f);
        }
        hidden.extend(hides);
    }
    if !stops.is_empty() {
        // Half a walk compared with the whole manifest would call the
        // rest removed: the layers are unverified instead.
        return stops;
    }
    // The root directory is the store's, not the image's.
    merged.remove(&b"/"[..]);
    let files = FileScan {
        files: merged.into_values().collect(),
        errors,
        ..FileScan::default()
    };
    let expected: Vec<FileRecord> = image
        .manifest
        .files
        .iter()
        .filter(|f| &*f.path != b"/")
        .cloned()
        .collect();
    let mut out = diff::diff(
        &image.manifest.meta,
        &expected,
        &Snapshot {
            files: &files,
            scope: None,
            packages: None,
            listeners: None,
            executables: None,
        },
        &image.policy,
    );
    for d in &mut out {
        // Tampering with the store is worse than drift inside one
        // container: every container of the image runs it.
        d.severity = d.severity.max(Severity::High as i32);
        d.changes.push("image_layer".into());
    }
    out
}

/// The container's processes judged against its image's files.
pub fn processes(
    image: &Image,
    proc_dir: &Path,
    pids: &[u32],
    leader: u32,
) -> runtime::ProcessScan {
    let interpreters: Vec<String> = image
        .policy
        .interpreters
        .clone()
        .or_else(|| {
            image
                .manifest
                .meta
                .runtime
                .as_ref()
                .map(|r| r.interpreters.clone())
        })
        .unwrap_or_default();
    let root = proc_dir.join(leader.to_string()).join("root");
    runtime::scan_pids(proc_dir, pids, &root, &image.known, &interpreters)
}

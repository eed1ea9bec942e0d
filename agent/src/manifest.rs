//! Building, reading and writing golden-image manifests.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use indicatif::ProgressBar;
use plumb_proto::v1::{BuilderInfo, ListenerRule, ListenerSection, Manifest};
use plumb_proto::{DigestError, MANIFEST_FORMAT_VERSION};
use sha2::{Digest, Sha256};

use crate::paths;
use crate::policy::{self, IgnoreSet, PolicyError};
use crate::record::{FileRecord, Interner};
use crate::scan::files::{self, ScanError, ScanOptions};
use crate::scan::listeners;
use crate::scan::packages::{self, PackageError};
use crate::throttle::Throttle;

/// What `manifest build` is asked to record.
pub struct BuildOptions {
    pub root: PathBuf,
    pub image_id: String,
    pub exclude: Vec<String>,
    /// Record listeners even though the root is not `/`.
    pub listeners: bool,
    pub allow_listeners: Vec<ListenerRule>,
    /// Where the proc filesystem is (`/proc`).
    pub proc_dir: PathBuf,
    pub progress: ProgressBar,
    pub throttle: Option<Arc<Throttle>>,
    /// Provenance labels (checked with `plumb_proto::parse_label`).
    pub labels: Vec<plumb_proto::v1::Label>,
    /// Record runtime checks (processes, modules, sessions): what runs on
    /// the image's nodes is judged against its files.
    pub runtime: bool,
}

impl BuildOptions {
    /// A build of `root` as `image_id` with every default: nothing
    /// excluded, no listeners, labels or runtime section, no progress
    /// shown, no throttle.
    pub fn new(root: impl Into<PathBuf>, image_id: impl Into<String>) -> BuildOptions {
        BuildOptions {
            root: root.into(),
            image_id: image_id.into(),
            exclude: Vec::new(),
            listeners: false,
            allow_listeners: Vec::new(),
            proc_dir: "/proc".into(),
            progress: ProgressBar::hidden(),
            throttle: None,
            labels: Vec::new(),
            runtime: false,
        }
    }
}

/// Interpreters whose script argument is judged by default.
pub const DEFAULT_INTERPRETERS: &[&str] = &["sh", "bash", "dash", "python3", "perl"];

/// Why a manifest could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Root(String),
    #[error("image id must be 1-256 printable characters, got {0:?}")]
    ImageId(String),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("reading packages: {0}")]
    Packages(PackageError),
    #[error("reading listeners: {0}")]
    Listeners(listeners::ListenerError),
    #[error("{} path(s) could not be recorded, so the manifest would be incomplete (exclude them with --exclude if they are expected):\n{}", .0.len(), render_errors(.0))]
    Incomplete(Vec<ScanError>),
}

// Not `#[from]`: the message already shows the cause, which must not
// come again as the error's source when the chain is printed.
impl From<PackageError> for BuildError {
    fn from(e: PackageError) -> BuildError {
        BuildError::Packages(e)
    }
}

impl From<listeners::ListenerError> for BuildError {
    fn from(e: listeners::ListenerError) -> BuildError {
        BuildError::Listeners(e)
    }
}

fn render_errors(errors: &[ScanError]) -> String {
    let mut lines: Vec<String> = errors
        .iter()
        .take(20)
        .map(|e| format!("  {}: {}", paths::display(&e.path), e.cause))
        .collect();
    if errors.len() > 20 {
        lines.push(format!("  ... and {} more", errors.len() - 20));
    }
    lines.join("\n")
}

/// Statistics of a build, for logs and progress.
#[derive(Debug, Default)]
pub struct BuildStats {
    pub files: usize,
    pub hashed_bytes: u64,
}

/// A manifest in memory: the protobuf message without its file list, and
/// the files as compact records sorted by path (see [`crate::record`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Baseline {
    /// Every field but `files`, which is empty.
    pub meta: Manifest,
    pub files: Vec<FileRecord>,
}

impl Baseline {
    /// Splits a whole manifest message (e.g. from JSON).
    pub fn from_manifest(mut m: Manifest) -> Result<Baseline, DigestError> {
        let mut names = Interner::default();
        let files = std::mem::take(&mut m.files)
            .into_iter()
            .enumerate()
            .map(|(index, e)| {
                FileRecord::from_entry(e, &mut names)
                    .map_err(|reason| DigestError::File { index, reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Baseline::sorted(m, files))
    }

    /// Decodes and verifies binary manifest bytes, one file at a time.
    pub fn decode_binary(bytes: &[u8]) -> Result<Baseline, DigestError> {
        let mut names = Interner::default();
        let mut files = Vec::new();
        let meta = Manifest::decode_streaming(bytes, |e| {
            files.push(FileRecord::from_entry(e, &mut names)?);
            if files.len() % 4096 == 0 {
                crate::memory::check(format_args!("{} file records", files.len()))
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        })?;
        Ok(Baseline::sorted(meta, files))
    }

    /// A verified digest does not prove order (a manifest sealed by another
    /// writer may be unsorted); the diff needs it.
    fn sorted(meta: Manifest, mut files: Vec<FileRecord>) -> Baseline {
        if !files.is_sorted_by(|a, b| a.path <= b.path) {
            files.sort_by(|a, b| a.path.cmp(&b.path));
        }
        files.shrink_to_fit();
        Baseline { meta, files }
    }

    /// The whole manifest message.
    pub fn to_manifest(&self) -> Manifest {
        Manifest {
            files: self.files.iter().map(FileRecord::to_entry).collect(),
            ..self.meta.clone()
        }
    }

    /// The canonical binary encoding, converting one file at a time.
    pub fn encode(&self) -> Vec<u8> {
        let (mut out, after) = self.meta.canonical_frame(true);
        self.encode_files(|part| out.extend_from_slice(part));
        out.extend_from_slice(&after);
        out
    }

    /// Hands the canonical encoding of the file list to `sink`, in order,
    /// one window of files at a time, each window encoded on every core:
    /// sealing and writing a 100k-file manifest is not left to one core at
    /// the end of a build, and no more than one window is held at once
    /// beyond what the sink keeps.
    fn encode_files(&self, mut sink: impl FnMut(&[u8])) {
        const WINDOW: usize = 32 * 1024;
        for window in self.files.chunks(WINDOW) {
            encode_chunks(window).iter().for_each(|p| sink(p));
        }
    }

    /// Sorts everything into canonical order and records the digest.
    /// Returns the canonical encoding of the file list the digest covers,
    /// in order, for [`Built::write`] to write without encoding it again:
    /// encoded on every core at once, in pieces (no one buffer grown and
    /// copied as it fills).
    fn seal(&mut self) -> Vec<Vec<u8>> {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.meta.files.clear();
        self.meta.canonicalize();
        let (before, after) = self.meta.canonical_frame(false);
        let encoded = encode_chunks(&self.files);
        let mut hasher = Sha256::new();
        hasher.update(&before);
        encoded.iter().for_each(|part| hasher.update(part));
        hasher.update(&after);
        self.meta.digest = hasher.finalize().to_vec();
        encoded
    }

    pub fn digest_hex(&self) -> String {
        self.meta.digest_hex()
    }
}

/// The canonical encoding of `files`, in order, in pieces of 1,024 files
/// encoded on every core.
fn encode_chunks(files: &[FileRecord]) -> Vec<Vec<u8>> {
    use rayon::prelude::*;
    const CHUNK: usize = 1024;
    files
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len() * 112);
            for f in chunk {
                f.encode_entry(&mut out);
            }
            out
        })
        .collect()
}

/// A manifest just built and sealed, with its file list already in the
/// canonical encoding its digest was computed over.
pub struct Built {
    /// Signing may add to `manifest.meta`; its files must stay as sealed.
    pub manifest: Baseline,
    pub stats: BuildStats,
    encoded_files: Vec<Vec<u8>>,
}

impl Built {
    /// [`write()`], reusing the file list encoded when sealing: a build's
    /// tail is not spent encoding 100,000 entries twice.
    pub fn write(&self, path: &Path) -> Result<(), ManifestFileError> {
        if writes_json(path) {
            return write(path, &self.manifest);
        }
        let writing = std::time::Instant::now();
        let (head, tail) = self.manifest.meta.canonical_frame(true);
        let parts: Vec<&[u8]> = std::iter::once(&head[..])
            .chain(self.encoded_files.iter().map(|p| &p[..]))
            .chain(std::iter::once(&tail[..]))
            .collect();
        crate::atomic::write_parts(path, &parts).map_err(|cause| ManifestFileError::Io {
            path: path.display().to_string(),
            cause,
        })?;
        tracing::debug!(took = ?writing.elapsed(), "manifest written and synced");
        Ok(())
    }
}

/// Walks, hashes and reads package databases and listeners into a sealed
/// manifest.
pub fn build(opts: &BuildOptions) -> Result<Built, BuildError> {
    files::check_root(&opts.root).map_err(BuildError::Root)?;
    if opts.image_id.is_empty()
        || opts.image_id.len() > plumb_proto::MAX_ID_BYTES
        || opts
            .image_id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(BuildError::ImageId(opts.image_id.clone()));
    }
    let policy_defaults = policy::default_policy(&opts.exclude);
    let ignore = IgnoreSet::new(policy_defaults.ignore.iter().cloned())?;
    let packages = packages::scan(&opts.root)?;
    let scan = files::scan(&ScanOptions {
        root: &opts.root,
        ignore: &ignore,
        cache: None,
        throttle: opts.throttle.clone(),
        progress: opts.progress.clone(),
        only: None,
        renew_cache: false,
        bounds: None,
    });
    let mut errors = scan.errors.clone();
    errors.extend(scan.files.iter().filter_map(|f| {
        f.error.as_ref().map(|e| ScanError {
            path: f.record.path.to_vec(),
            cause: e.clone(),
        })
    }));
    if !errors.is_empty() {
        return Err(BuildError::Incomplete(errors));
    }
    let stats = BuildStats {
        files: scan.files.len(),
        hashed_bytes: scan.hashed_bytes,
    };
    let mut names = Interner::default();
    let files: Vec<FileRecord> = scan
        .files
        .into_iter()
        .map(|f| {
            let mut r = f.record;
            r.package = packages
                .owners
                .get(&*r.path)
                .map(|owner| names.intern(owner));
            r
        })
        .collect();

    let is_host_root = std::fs::canonicalize(&opts.root)
        .map(|p| p == Path::new("/"))
        .unwrap_or(false);
    let listeners = if is_host_root || opts.listeners {
        let current = listeners::scan(&opts.proc_dir)?;
        Some(ListenerSection {
            listeners: current.into_iter().map(listeners::for_manifest).collect(),
            allowed: opts.allow_listeners.clone(),
        })
    } else if !opts.allow_listeners.is_empty() {
        Some(ListenerSection {
            listeners: Vec::new(),
            allowed: opts.allow_listeners.clone(),
        })
    } else {
        None
    };

    let manifest = Baseline {
        meta: Manifest {
            format_version: MANIFEST_FORMAT_VERSION,
            image_id: opts.image_id.clone(),
            created_unix_ms: now_ms(),
            builder: Some(builder_info(&opts.root)),
            digest: Vec::new(),
            files: Vec::new(),
            packages: packages.packages,
            listeners,
            policy: Some(policy_defaults),
            signatures: Vec::new(),
            labels: opts.labels.clone(),
            container: None,
            runtime: opts.runtime.then(|| plumb_proto::v1::RuntimeSection {
                processes: true,
                modules: true,
                sessions: true,
                interpreters: DEFAULT_INTERPRETERS.iter().map(|s| s.to_string()).collect(),
                login_records: crate::scan::runtime::login_records_present(&opts.root),
            }),
        },
        files,
    };
    Ok(Built::seal(manifest, stats))
}

impl Built {
    /// Seals a manifest assembled by a builder (a root's or an image
    /// archive's).
    pub(crate) fn seal(mut manifest: Baseline, stats: BuildStats) -> Built {
        let sealing = std::time::Instant::now();
        let encoded_files = manifest.seal();
        tracing::debug!(took = ?sealing.elapsed(), "manifest sealed");
        Built {
            manifest,
            stats,
            encoded_files,
        }
    }
}

pub(crate) fn builder_info(root: &Path) -> BuilderInfo {
    BuilderInfo {
        hostname: sysinfo::System::host_name().unwrap_or_default(),
        os: sysinfo::System::long_os_version().unwrap_or_default(),
        kernel: sysinfo::System::kernel_version().unwrap_or_default(),
        agent_version: env!("CARGO_PKG_VERSION").to_string(),
        root: root.display().to_string(),
        image_os: os_release_name(root).unwrap_or_default(),
    }
}

fn os_release_name(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("etc/os-release"))
        .or_else(|_| std::fs::read_to_string(root.join("usr/lib/os-release")))
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Why a manifest file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestFileError {
    #[error("manifest {path}: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error("manifest {path}: invalid JSON: {cause}")]
    Json {
        path: String,
        cause: serde_json::Error,
    },
    #[error("manifest {path}: {cause}")]
    Invalid { path: String, cause: DigestError },
}

fn is_json(path: &Path, bytes: &[u8]) -> bool {
    path.extension().is_some_and(|e| e == "json")
        || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Reads a manifest (binary protobuf, or JSON by extension or content) and
/// verifies its format version and digest.
pub fn read(path: &Path) -> Result<Baseline, ManifestFileError> {
    let p = path.display().to_string();
    let bytes = read_bounded(path).map_err(|cause| ManifestFileError::Io {
        path: p.clone(),
        cause,
    })?;
    decode(&bytes, path)
}

/// A whole file, its size first reserved under the memory ceiling.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len() as usize;
    let mut bytes = crate::memory::buffer("the file", len)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::OutOfMemory, e.to_string()))?;
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Decodes manifest bytes read from `origin`.
pub fn decode(bytes: &[u8], origin: &Path) -> Result<Baseline, ManifestFileError> {
    let p = origin.display().to_string();
    let invalid = |cause| ManifestFileError::Invalid {
        path: p.clone(),
        cause,
    };
    if is_json(origin, bytes) {
        let mut m: Manifest =
            serde_json::from_slice(bytes).map_err(|cause| ManifestFileError::Json {
                path: p.clone(),
                cause,
            })?;
        m.verify().map_err(invalid)?;
        Baseline::from_manifest(m).map_err(invalid)
    } else {
        Baseline::decode_binary(bytes).map_err(invalid)
    }
}

/// Whether a manifest is written as JSON: by its file name alone.
fn writes_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// Writes a manifest atomically: JSON when the path ends in `.json`,
/// binary protobuf otherwise.
pub fn write(path: &Path, manifest: &Baseline) -> Result<(), ManifestFileError> {
    let p = path.display().to_string();
    let bytes = if writes_json(path) {
        let mut v = serde_json::to_vec_pretty(&manifest.to_manifest()).map_err(|cause| {
            ManifestFileError::Json {
                path: p.clone(),
                cause,
            }
        })?;
        v.push(b'\n');
        v
    } else {
        manifest.encode()
    };
    crate::atomic::write(path, &bytes).map_err(|cause| ManifestFileError::Io { path: p, cause })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(root: &Path) -> Built {
        build(&BuildOptions::new(root.to_path_buf(), "img")).unwrap()
    }

    #[test]
    fn a_build_writes_what_encoding_it_again_would_signed_or_not() {
        let root = tempfile::tempdir().unwrap();
        for i in 0..3000 {
            let dir = root.path().join(format!("d{}", i % 7));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("f{i}")), i.to_string()).unwrap();
        }
        let out = tempfile::tempdir().unwrap();
        let mut b = built(root.path());
        for signed in [false, true] {
            if signed {
                let signer = plumb_proto::signature::ManifestSigner::from_seed([7; 32]);
                signer.sign(&mut b.manifest.meta).unwrap();
            }
            let (once, again) = (out.path().join("once.pb"), out.path().join("again.pb"));
            b.write(&once).unwrap();
            write(&again, &b.manifest).unwrap();
            assert_eq!(
                std::fs::read(&once).unwrap(),
                std::fs::read(&again).unwrap()
            );
            let back = read(&once).unwrap();
            assert_eq!(back, b.manifest, "signed: {signed}");
            assert_eq!(back.meta.signatures.len(), usize::from(signed));
            // JSON is written from the records, as before.
            let json = out.path().join("m.json");
            b.write(&json).unwrap();
            assert_eq!(read(&json).unwrap(), b.manifest);
        }
    }
}

//! One check of a node against its manifest: scan files (reusing the hash
//! cache), packages and listeners, then diff. `plumb-agent check` runs it
//! once; the daemon keeps a [`Checker`] and runs it again and again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use plumb_proto::v1::{Deviation, Manifest};

use crate::cache::HashCache;
use crate::diff::{self, Snapshot};
use crate::files::{self, ScanOptions};
use crate::listeners;
use crate::packages::{self, PackageError};
use crate::policy::{Policy, PolicyError, PolicyFile};
use crate::throttle::Throttle;

/// Why a check could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Root(String),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("reading packages: {0}")]
    Packages(#[from] PackageError),
    #[error("reading listeners: {0}")]
    Listeners(#[from] listeners::ListenerError),
}

/// Figures of one scan, for summaries and logs.
#[derive(Clone, Debug, Default)]
pub struct ScanStats {
    pub files: u64,
    pub hashed: u64,
    pub hashed_bytes: u64,
    pub cache_hits: u64,
    pub errors: u64,
    pub duration: Duration,
}

/// The outcome of a scan.
pub struct CheckResult {
    pub deviations: Vec<Deviation>,
    pub stats: ScanStats,
}

/// A node checker bound to one root and one manifest.
pub struct Checker {
    pub root: PathBuf,
    pub manifest: Manifest,
    pub policy: Policy,
    pub proc_dir: PathBuf,
    pub state_dir: Option<PathBuf>,
    pub throttle: Option<Arc<Throttle>>,
    cache: HashCache,
    /// Whether the cache changed since it was loaded or saved.
    cache_dirty: bool,
}

impl Checker {
    pub fn new(
        root: &Path,
        manifest: Manifest,
        policy_file: Option<&PolicyFile>,
        state_dir: Option<&Path>,
        proc_dir: &Path,
    ) -> Result<Checker, CheckError> {
        files::check_root(root).map_err(CheckError::Root)?;
        let policy = Policy::compile(
            manifest.policy.as_ref().unwrap_or(&Default::default()),
            policy_file,
        )?;
        let cache = state_dir
            .map(|d| HashCache::load(d, root))
            .unwrap_or_default();
        Ok(Checker {
            root: root.to_path_buf(),
            manifest,
            policy,
            proc_dir: proc_dir.to_path_buf(),
            state_dir: state_dir.map(Path::to_path_buf),
            throttle: None,
            cache,
            cache_dirty: false,
        })
    }

    /// Replaces the override policy (e.g. pushed by the collector).
    pub fn set_policy(&mut self, policy_file: Option<&PolicyFile>) -> Result<(), PolicyError> {
        self.policy = Policy::compile(
            self.manifest.policy.as_ref().unwrap_or(&Default::default()),
            policy_file,
        )?;
        Ok(())
    }

    /// Scans the whole root. With `full`, every file is rehashed.
    pub fn scan(&mut self, full: bool, progress: ProgressBar) -> Result<CheckResult, CheckError> {
        self.scan_scope(None, full, progress)
    }

    /// Scans only the given manifest paths (and what is below them), plus
    /// packages and listeners. File deviations outside them are not
    /// reported: the caller merges.
    pub fn scan_paths(&mut self, paths: &[Vec<u8>]) -> Result<CheckResult, CheckError> {
        self.scan_scope(Some(paths), false, ProgressBar::hidden())
    }

    fn scan_scope(
        &mut self,
        scope: Option<&[Vec<u8>]>,
        full: bool,
        progress: ProgressBar,
    ) -> Result<CheckResult, CheckError> {
        let start = Instant::now();
        files::check_root(&self.root).map_err(CheckError::Root)?;
        let packages = packages::scan(&self.root)?;
        let current_listeners = match self.manifest.listeners {
            Some(_) => Some(listeners::scan(&self.proc_dir)?),
            None => None,
        };
        let walk_started = Instant::now();
        let scan = files::scan(&ScanOptions {
            root: &self.root,
            ignore: &self.policy.ignore,
            cache: if full { None } else { Some(&self.cache) },
            throttle: self.throttle.clone(),
            progress,
            only: scope,
        });
        let walk_elapsed = walk_started.elapsed();
        let diff_started = Instant::now();
        let deviations = diff::diff(
            &self.manifest,
            &Snapshot {
                files: &scan,
                scope,
                packages: Some(&packages),
                listeners: current_listeners.as_deref(),
            },
            &self.policy,
        );
        tracing::debug!(
            walk_ms = walk_elapsed.as_millis() as u64,
            diff_ms = diff_started.elapsed().as_millis() as u64,
            files = scan.files.len(),
            hashed = scan.hashed,
            "scan phases"
        );
        let stats = ScanStats {
            files: scan.files.len() as u64,
            hashed: scan.hashed,
            hashed_bytes: scan.hashed_bytes,
            cache_hits: scan.cache_hits,
            errors: scan.errors.len() as u64
                + scan.files.iter().filter(|f| f.error.is_some()).count() as u64,
            duration: start.elapsed(),
        };
        let unchanged = scan.hashed == 0 && scan.cache_hits as usize == self.cache.len();
        if scope.is_none() {
            if !unchanged {
                // Drop the old cache first: only one copy is ever alive.
                self.cache = HashCache::default();
                self.cache = HashCache::from_scan(&scan);
                self.cache_dirty = true;
            }
        } else if scan.hashed > 0 {
            self.cache.update(&scan);
            self.cache_dirty = true;
        }
        Ok(CheckResult { deviations, stats })
    }

    /// Persists the hash cache; failure only costs a rehash next time.
    pub fn save_cache(&mut self) {
        if !self.cache_dirty {
            return; // every file verified by stat alone: nothing new to write
        }
        if let Some(dir) = &self.state_dir {
            self.cache_dirty = false;
            if let Err(e) = self.cache.save(dir, &self.root) {
                tracing::warn!(state_dir = %dir.display(), error = %e, "cannot save hash cache; the next check will rehash");
            }
        }
    }
}

//! One check of a node against its manifest: scan files (reusing the hash
//! cache), packages and listeners, then diff. `plumb-agent check` runs it
//! once; the daemon keeps a [`Checker`] and runs it again and again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use plumb_proto::v1::{Deviation, DeviationKind, Manifest};

use crate::diff::{self, Snapshot};
use crate::manifest::Baseline;
use crate::policy::{Policy, PolicyError, PolicyFile};
use crate::record::FileRecord;
use crate::scan::cache::HashCache;
use crate::scan::files::{self, ScanOptions};
use crate::scan::listeners;
use crate::scan::packages;
use crate::throttle::Throttle;

/// Why a check could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Root(String),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("reloading the manifest: {0}")]
    Manifest(String),
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
    /// Runtime checks: processes judged, and those of other mount
    /// namespaces (containers) left out; `None` when not checked.
    pub processes: Option<(usize, usize)>,
}

/// The outcome of a scan.
pub struct CheckResult {
    pub deviations: Vec<Deviation>,
    pub stats: ScanStats,
}

/// A node checker bound to one root and one manifest.
///
/// The manifest's file records and the hash cache are the bulk of its
/// memory (about 12 and 7 MB for 100k files). A long-lived checker can
/// [`release`](Checker::release) them between scans and read them back
/// from disk when the next scan needs them, so a daemon at rest holds
/// neither.
pub struct Checker {
    pub root: PathBuf,
    /// The manifest without its files (image id, digest, packages,
    /// listeners, policy defaults).
    pub manifest: Manifest,
    pub policy: Policy,
    pub proc_dir: PathBuf,
    pub state_dir: Option<PathBuf>,
    pub throttle: Option<Arc<Throttle>>,
    /// `None` while released.
    files: Option<Vec<FileRecord>>,
    /// A binary manifest file with `manifest.digest` to read the files back
    /// from; without it they are never released.
    reload_from: Option<PathBuf>,
    /// `None` until first needed, and while released.
    cache: Option<HashCache>,
    /// Whether the cache changed since it was loaded or saved.
    cache_dirty: bool,
    /// The manifest's executable regular files (kept while the file
    /// records are released: quick scans check listeners against them).
    executables: std::collections::HashSet<Box<[u8]>>,
    /// What runtime checks need of the manifest, when it asks for them.
    runtime: Option<RuntimeBaseline>,
    /// `check --no-processes` turns runtime checks off.
    pub runtime_enabled: bool,
    /// The largest regular file of the manifest: a file larger than it
    /// cannot be any file of the image, so it is drift by its size, and
    /// its hash (evidence only) is computed only up to
    /// `max(largest, HOST_EVIDENCE_CAP)` (a 1 TiB sparse file costs one
    /// `stat`, not hours).
    largest_file: u64,
    /// Whether what runs is judged (processes, kernel modules): they are
    /// the live system's, so only when the root is its root (or asked
    /// for). Logins are files of the root, and judged either way.
    pub judge_running: bool,
    /// Whether the state dir is written (a one-off check reading the
    /// daemon's state writes nothing).
    pub write_state: bool,
    /// What was seen of the login history, from the state dir and then
    /// from each scan.
    history: std::sync::Mutex<Option<crate::scan::runtime::HistorySeen>>,
}

/// A file of a node larger than every file of its image is hashed, as
/// evidence, up to this size at most.
const HOST_EVIDENCE_CAP: u64 = 64 << 20;

/// The state file of the login history the agent follows.
const HISTORY_STATE: &str = "login-history.json";

/// The manifest as the runtime checks see it, kept while the file records
/// are released.
struct RuntimeBaseline {
    known: crate::scan::runtime::KnownFiles,
    /// Module names of the manifest for the running kernel; `None` when
    /// the release could not be read.
    modules: Option<std::collections::HashSet<String>>,
}

impl Checker {
    pub fn new(
        root: &Path,
        manifest: Baseline,
        policy_file: Option<&PolicyFile>,
        state_dir: Option<&Path>,
        proc_dir: &Path,
    ) -> Result<Checker, CheckError> {
        files::check_root(root).map_err(CheckError::Root)?;
        let policy = Policy::compile(
            manifest.meta.policy.as_ref().unwrap_or(&Default::default()),
            policy_file,
        )?;
        let largest_file = manifest
            .files
            .iter()
            .filter(|f| f.file_type == plumb_proto::v1::FileType::Regular)
            .map(|f| f.size)
            .max()
            .unwrap_or(0);
        let executables = manifest
            .files
            .iter()
            .filter(|f| f.file_type == plumb_proto::v1::FileType::Regular && f.mode & 0o111 != 0)
            .map(|f| f.path.clone())
            .collect();
        let runtime = manifest.meta.runtime.as_ref().map(|_| {
            let regular = || {
                manifest
                    .files
                    .iter()
                    .filter(|f| f.file_type == plumb_proto::v1::FileType::Regular)
            };
            RuntimeBaseline {
                known: crate::scan::runtime::KnownFiles::new(
                    regular().map(|f| (&*f.path, f.sha256)),
                ),
                modules: crate::scan::runtime::kernel_release(proc_dir)
                    .ok()
                    .map(|release| {
                        crate::scan::runtime::module_names(regular().map(|f| &*f.path), &release)
                    }),
            }
        });
        let history = state_dir
            .and_then(|d| std::fs::read(d.join(HISTORY_STATE)).ok())
            .and_then(|b| serde_json::from_slice(&b).ok());
        Ok(Checker {
            executables,
            largest_file,
            runtime,
            runtime_enabled: true,
            judge_running: true,
            write_state: true,
            history: std::sync::Mutex::new(history),
            root: root.to_path_buf(),
            manifest: manifest.meta,
            policy,
            proc_dir: proc_dir.to_path_buf(),
            state_dir: state_dir.map(Path::to_path_buf),
            throttle: None,
            files: Some(manifest.files),
            reload_from: None,
            cache: None,
            cache_dirty: false,
        })
    }

    /// Lets [`Checker::release`] drop the file records: they are read back
    /// from `manifest_file`, a binary manifest that must have this
    /// manifest's digest.
    pub fn reload_files_from(&mut self, manifest_file: PathBuf) {
        self.reload_from = Some(manifest_file);
    }

    /// Drops the file records (when they can be read back) and the hash
    /// cache (saved first if it changed), and returns the freed memory to
    /// the operating system.
    pub fn release(&mut self) {
        self.save_cache();
        self.cache = None;
        if self.reload_from.is_some() {
            self.files = None;
        }
        trim_heap();
    }

    /// Reads the file records back if they were released.
    fn load_files(&mut self) -> Result<(), CheckError> {
        if self.files.is_none() {
            let path = self
                .reload_from
                .as_deref()
                .expect("only released with a source");
            let loaded =
                crate::manifest::read(path).map_err(|e| CheckError::Manifest(e.to_string()))?;
            if loaded.meta.digest != self.manifest.digest {
                return Err(CheckError::Manifest(format!(
                    "{} now holds manifest {}, not {}",
                    path.display(),
                    loaded.digest_hex(),
                    self.manifest.digest_hex()
                )));
            }
            self.files = Some(loaded.files);
        }
        Ok(())
    }

    fn cache(&mut self) -> &HashCache {
        let (state_dir, root) = (&self.state_dir, &self.root);
        self.cache.get_or_insert_with(|| {
            state_dir
                .as_deref()
                .map(|d| HashCache::load(d, root))
                .unwrap_or_default()
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
        // A scanner that fails does not stop the others: what it could not
        // verify becomes a `scan_error` deviation, so the node is never
        // reported clean for it.
        let mut unverified: Vec<(String, String)> = Vec::new();
        let packages = match packages::scan(&self.root) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(error = %e, "package database unreadable; packages not verified");
                unverified.push((
                    self.root_relative(&e.path),
                    format!("package database unreadable: {e}"),
                ));
                None
            }
        };
        let current_listeners = match self.manifest.listeners {
            Some(_) => match listeners::scan(&self.proc_dir) {
                Ok(l) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "listeners unreadable; listeners not verified");
                    unverified.push((
                        "listeners".to_string(),
                        format!("listeners unreadable: {e}"),
                    ));
                    None
                }
            },
            None => None,
        };
        let mut runtime_findings = Vec::new();
        let mut processes = None;
        if let (Some(rt), Some(section), true) =
            (&self.runtime, &self.manifest.runtime, self.runtime_enabled)
        {
            processes = self.scan_runtime(rt, section, &mut runtime_findings, &mut unverified);
        }
        // A scan of packages and listeners only (an empty scope) needs
        // neither the manifest's files nor the cache.
        let needs_files = scope.is_none_or(|paths| !paths.is_empty());
        let walk_started = Instant::now();
        let cache = if full || !needs_files {
            None
        } else {
            self.cache();
            let cache = self.cache.as_mut().expect("just loaded");
            cache.clear_marks();
            Some(&*cache)
        };
        let no_expected = |_: &[u8]| None;
        let bounds = files::Bounds {
            expected_size: &no_expected,
            evidence_cap: self.largest_file.max(HOST_EVIDENCE_CAP),
            max_entries: usize::MAX,
            deadline: None,
        };
        let scan = files::scan(&ScanOptions {
            root: &self.root,
            ignore: &self.policy.ignore,
            cache,
            throttle: self.throttle.clone(),
            progress,
            only: scope,
            // Only a whole scan renews the cache (see below).
            renew_cache: scope.is_none(),
            bounds: Some(&bounds),
        });
        let walk_elapsed = walk_started.elapsed();
        if let Some(why) = &scan.over_budget {
            tracing::warn!(error = %why, "file walk stopped at the memory ceiling");
            unverified.push(("files".to_string(), why.clone()));
        }
        if needs_files {
            self.load_files()?;
        }
        let expected = match &self.files {
            Some(files) if needs_files => files.as_slice(),
            _ => &[],
        };
        let diff_started = Instant::now();
        let mut deviations = diff::diff(
            &self.manifest,
            expected,
            &Snapshot {
                files: &scan,
                scope,
                packages: packages.as_ref(),
                listeners: current_listeners.as_deref(),
                executables: Some(&self.executables),
            },
            &self.policy,
        );
        deviations.extend(runtime_findings);
        deviations.extend(
            unverified
                .into_iter()
                .map(|(key, why)| self.policy.scan_error(&key, "", why)),
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
            processes,
        };
        // Only a scan of the whole root knows every file the cache should
        // hold; a scoped scan hashes a few files that the next whole scan
        // will find changed, or not, again.
        if scope.is_none() {
            let empty = HashCache::default();
            // A full rescan used no cache: every entry it holds is renewed.
            let old = if full {
                &empty
            } else {
                self.cache.as_ref().unwrap_or(&empty)
            };
            if let Some(renewed) = old.renewed(scan.fresh) {
                self.cache = Some(renewed);
                self.cache_dirty = true;
            }
        }
        Ok(CheckResult { deviations, stats })
    }

    /// A host path under the root as the manifest names it (`/var/...`).
    /// Processes, kernel modules and sessions, as the manifest's runtime
    /// section asks: findings become deviations (unless a policy allow
    /// rule names them); a part that cannot be read is unverified.
    fn scan_runtime(
        &self,
        rt: &RuntimeBaseline,
        section: &plumb_proto::v1::RuntimeSection,
        out: &mut Vec<Deviation>,
        unverified: &mut Vec<(String, String)>,
    ) -> Option<(usize, usize)> {
        use crate::scan::runtime;
        let mut findings = Vec::new();
        let mut counted = None;
        if section.processes && self.judge_running {
            let interpreters = self
                .policy
                .interpreters
                .as_deref()
                .unwrap_or(&section.interpreters);
            match runtime::scan_processes(&self.proc_dir, &self.root, &rt.known, interpreters) {
                Ok(scan) => {
                    tracing::debug!(
                        processes = scan.processes,
                        other_namespaces = scan.other_namespaces,
                        findings = scan.findings.len(),
                        "process scan"
                    );
                    counted = Some((scan.processes, scan.other_namespaces));
                    if !scan.unreadable.is_empty() {
                        unverified.push((
                            "processes".to_string(),
                            format!(
                                "{} processes unreadable (the agent needs CAP_SYS_PTRACE): {}",
                                scan.unreadable.len(),
                                scan.unreadable
                                    .iter()
                                    .take(3)
                                    .cloned()
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            ),
                        ));
                    }
                    findings.extend(scan.findings);
                }
                Err(e) => unverified.push((
                    "processes".to_string(),
                    format!("processes unreadable: {e}"),
                )),
            }
        }
        if section.modules && self.judge_running {
            match &rt.modules {
                Some(modules) => match runtime::scan_modules(&self.proc_dir, modules) {
                    Ok(f) => findings.extend(f),
                    Err(e) => unverified.push((
                        "modules".to_string(),
                        format!("kernel modules unreadable: {e}"),
                    )),
                },
                None => unverified.push((
                    "modules".to_string(),
                    "the running kernel's release is unreadable".to_string(),
                )),
            }
        }
        if section.sessions {
            let boot_id = std::fs::read_to_string(self.proc_dir.join("sys/kernel/random/boot_id"))
                .map(|b| b.trim().to_string())
                .unwrap_or_default();
            let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
            let before = history.clone();
            let scanned = runtime::scan_sessions(
                &self.root,
                self.manifest.created_unix_ms,
                &section.login_records,
                &self.policy.session_allow,
                (&mut history, &boot_id),
            );
            if *history != before {
                self.save_history(history.as_ref());
            }
            drop(history);
            match scanned {
                Ok((f, allowed)) => {
                    for a in allowed {
                        tracing::info!(session = %a, "login allowed by policy");
                    }
                    findings.extend(f);
                }
                Err(e) => unverified.push((
                    "sessions".to_string(),
                    format!("login records unreadable: {e}"),
                )),
            }
        }
        for f in findings {
            if let Some(reason) = self.policy.runtime_allowed(f.kind, &f.key) {
                tracing::debug!(key = %f.key, reason, "runtime finding allowed by policy");
                continue;
            }
            out.push(Deviation {
                kind: f.kind as i32,
                severity: self.policy.severity(f.kind, &f.key, Default::default()) as i32,
                expected: match f.kind {
                    DeviationKind::SessionOpened => "no interactive login".to_string(),
                    DeviationKind::KernelTainted => "untainted kernel".to_string(),
                    _ => "code from the image".to_string(),
                },
                key: f.key,
                actual: f.actual,
                ..Default::default()
            });
        }
        counted
    }

    fn root_relative(&self, host_path: &str) -> String {
        let root = self.root.display().to_string();
        match host_path.strip_prefix(root.trim_end_matches('/')) {
            Some(rest) if rest.starts_with('/') => rest.to_string(),
            _ => host_path.to_string(),
        }
    }

    /// Persists what was seen of the login history, so that a restarted
    /// agent still knows how large it was.
    fn save_history(&self, seen: Option<&crate::scan::runtime::HistorySeen>) {
        let (Some(dir), Some(seen), true) = (&self.state_dir, seen, self.write_state) else {
            return;
        };
        let written = serde_json::to_vec(seen)
            .map_err(std::io::Error::other)
            .and_then(|bytes| crate::atomic::write(&dir.join(HISTORY_STATE), &bytes));
        if let Err(e) = written {
            tracing::warn!(state_dir = %dir.display(), error = %e, "cannot save the login history's state");
        }
    }

    /// Persists the hash cache; failure only costs a rehash next time.
    pub fn save_cache(&mut self) {
        if !self.write_state {
            return;
        }
        if !self.cache_dirty {
            return; // every file verified by stat alone: nothing new to write
        }
        if let Some(dir) = &self.state_dir {
            self.cache_dirty = false;
            let Some(cache) = &self.cache else { return };
            if let Err(e) = cache.save(dir, &self.root) {
                tracing::warn!(state_dir = %dir.display(), error = %e, "cannot save hash cache; the next check will rehash");
            }
        }
    }
}

/// Returns freed heap pages to the operating system. glibc keeps freed
/// memory of many small allocations mapped otherwise, and an agent at rest
/// should not look (or be) as large as it was during its last scan.
#[allow(unsafe_code)]
fn trim_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks glibc's own arenas; it has no
    // preconditions and is safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Where the daemon keeps its state by default.
pub const DAEMON_STATE_DIR: &str = "/var/lib/plumb";

/// The state dir of a one-off check, and whether it may write there: the
/// one given (when it can be created and written; otherwise a warning and
/// no cache, so a check still works read-only, e.g. on a mounted image),
/// or else the daemon's, read but never written (a one-off check never
/// replaces the running daemon's state).
pub fn state_dir_for(given: Option<&Path>) -> (Option<PathBuf>, bool) {
    match given {
        Some(dir) => (usable_state_dir(dir), true),
        None => (
            Path::new(DAEMON_STATE_DIR)
                .is_dir()
                .then(|| PathBuf::from(DAEMON_STATE_DIR)),
            false,
        ),
    }
}

fn usable_state_dir(dir: &Path) -> Option<PathBuf> {
    let probe = dir.join(format!(".probe.{}", std::process::id()));
    let writable = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe));
    match writable {
        Ok(()) => Some(dir.to_path_buf()),
        Err(e) => {
            tracing::warn!(state_dir = %dir.display(), error = %e, "state dir not writable; checking without the hash cache");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{self, BuildOptions};

    fn built(root: &Path) -> Baseline {
        manifest::build(&BuildOptions::new(root.to_path_buf(), "img"))
            .unwrap()
            .manifest
    }

    fn keys(r: &CheckResult) -> Vec<String> {
        r.deviations.iter().map(|d| d.key.clone()).collect()
    }

    #[test]
    fn released_files_and_cache_are_read_back_by_the_next_scan() {
        let root = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("bin")).unwrap();
        std::fs::write(root.path().join("bin/tool"), b"v1").unwrap();
        let m = built(root.path());
        let copy = state.path().join("manifest.pb");
        manifest::write(&copy, &m).unwrap();
        let mut c =
            Checker::new(root.path(), m, None, Some(state.path()), Path::new("/proc")).unwrap();
        c.reload_files_from(copy.clone());

        assert!(keys(&c.scan(false, ProgressBar::hidden()).unwrap()).is_empty());
        c.release();
        assert!(c.files.is_none() && c.cache.is_none());
        assert!(
            state.path().join("hash-cache.pb").exists(),
            "saved before release"
        );

        std::fs::write(root.path().join("bin/tool"), b"v2").unwrap();
        let r = c.scan_paths(&[b"/bin/tool".to_vec()]).unwrap();
        assert_eq!(keys(&r), vec!["/bin/tool"]);
        c.release();
        let r = c.scan(false, ProgressBar::hidden()).unwrap();
        assert_eq!(keys(&r), vec!["/bin/tool"]);
        assert_eq!(
            r.stats.hashed, 1,
            "the unchanged files came from the reloaded cache"
        );

        // A quick scan (packages and listeners only) loads nothing.
        c.release();
        c.scan_paths(&[]).unwrap();
        assert!(c.files.is_none() && c.cache.is_none());
    }

    #[test]
    fn a_replaced_manifest_copy_fails_the_scan_instead_of_checking_against_it() {
        let root = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("f"), b"x").unwrap();
        let m = built(root.path());
        let copy = state.path().join("manifest.pb");
        manifest::write(&copy, &m).unwrap();
        let mut c =
            Checker::new(root.path(), m, None, Some(state.path()), Path::new("/proc")).unwrap();
        c.reload_files_from(copy.clone());
        c.release();

        std::fs::write(root.path().join("g"), b"y").unwrap();
        manifest::write(&copy, &built(root.path())).unwrap();
        let err = c.scan(false, ProgressBar::hidden()).err().expect("refused");
        assert!(err.to_string().contains("now holds manifest"), "{err}");
        std::fs::write(&copy, b"garbage").unwrap();
        let err = c.scan(false, ProgressBar::hidden()).err().expect("refused");
        assert!(err.to_string().contains("reloading the manifest"), "{err}");
    }
}

//! The file scanner: walks a root without following symlinks or leaving its
//! filesystem, records every entry and hashes every regular file in
//! parallel on all cores.
//!
//! Performance-sensitive: see `BENCHMARKS.md`. The walk fans out per
//! directory on rayon, so directory reading, `lstat` and hashing run on all
//! cores; an optional [`HashCache`] lets an unchanged file be verified by
//! `lstat` alone.

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::ProgressBar;
use plumb_proto::v1::FileType;

use crate::scan::cache::HashCache;
use rustix::fs::{AtFlags, FileType as Kind, Mode, OFlags, RawDir, Stat};

use crate::paths;
use crate::policy::IgnoreSet;
use crate::record::FileRecord;
use crate::scan::hash::{fstat, hash_file_at, hash_file_beneath, StatKey};
use crate::throttle::Throttle;

/// What a file scan is asked to do.
pub struct ScanOptions<'a> {
    pub root: &'a Path,
    pub ignore: &'a IgnoreSet,
    /// Reuse digests of files whose stat key is unchanged.
    pub cache: Option<&'a HashCache>,
    pub throttle: Option<Arc<Throttle>>,
    pub progress: ProgressBar,
    /// Only scan these manifest paths (and below); `None` scans everything.
    pub only: Option<&'a [Vec<u8>]>,
    /// Keep the stat key and digest of every file hashed
    /// ([`FileScan::fresh`]) to renew the hash cache; a build, which has
    /// no cache, does not hold them.
    pub renew_cache: bool,
    /// Bounds for a tree whose owner is hostile (a container's writable
    /// layer, an image's layers on disk); `None` walks and hashes all.
    pub bounds: Option<&'a Bounds<'a>>,
}

/// How much of a hostile tree one walk reads.
///
/// A file is hashed in full when its size is the one the manifest
/// records for its path (reading it costs what the image's builder
/// vouched for); any other file is drift whatever its content, and its
/// hash is evidence, not the verdict: it is hashed only up to
/// `evidence_cap` bytes, and a larger one is recorded with its size and
/// [`ScannedFile::hash_capped`] (a 1 TiB sparse file costs one `stat`).
/// The walk stops, saying why in [`FileScan::over_budget`], after
/// `max_entries` entries or at `deadline`.
pub struct Bounds<'a> {
    /// The size the manifest records for a regular file's path.
    pub expected_size: &'a (dyn Fn(&[u8]) -> Option<u64> + Sync),
    pub evidence_cap: u64,
    pub max_entries: usize,
    pub deadline: Option<std::time::Instant>,
}

impl Bounds<'_> {
    fn hashes(&self, path: &[u8], size: u64) -> bool {
        size <= self.evidence_cap || (self.expected_size)(path) == Some(size)
    }
}

/// A path that could not be recorded completely, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    /// Manifest path (bytes relative to the root, leading `/`).
    pub path: Vec<u8>,
    pub cause: String,
}

/// One entry seen by the scan.
#[derive(Debug)]
pub struct ScannedFile {
    pub record: FileRecord,
    /// Set when the content could not be hashed.
    pub error: Option<String>,
    /// Not hashed: larger than [`Bounds::evidence_cap`] and not of the
    /// size the manifest records (its size alone makes it drift).
    pub hash_capped: bool,
}

/// The result of a file scan.
#[derive(Debug, Default)]
pub struct FileScan {
    /// Sorted by path bytes.
    pub files: Vec<ScannedFile>,
    /// Paths the walk could not enter or stat at all.
    pub errors: Vec<ScanError>,
    /// Stat key and digest of every file this scan hashed (cache misses).
    pub fresh: Vec<(StatKey, [u8; 32])>,
    pub hashed: u64,
    pub hashed_bytes: u64,
    pub cache_hits: u64,
    /// Set when the walk stopped early (the memory ceiling, or a bound of
    /// [`Bounds`]): why.
    pub over_budget: Option<String>,
}

/// The root must exist and be a directory; anything else is a usage error.
pub fn check_root(root: &Path) -> Result<(), String> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!("root {} is not a directory", root.display())),
        Err(e) => Err(format!("root {}: {e}", root.display())),
    }
}

/// What the walk's threads gather. Each directory's results are pushed
/// once into shared vectors: per-thread vectors joined at the end would
/// hold a 100k-entry scan twice at its peak.
#[derive(Default)]
struct Gathered {
    files: Mutex<Vec<ScannedFile>>,
    errors: Mutex<Vec<ScanError>>,
    fresh: Mutex<Vec<(StatKey, [u8; 32])>>,
    hashed: AtomicU64,
    hashed_bytes: AtomicU64,
    cache_hits: AtomicU64,
    over_budget: std::sync::OnceLock<String>,
    /// Entries seen so far, for [`Bounds::max_entries`].
    entries: AtomicUsize,
}

/// What every task of one walk shares.
struct Walk<'a> {
    opts: &'a ScanOptions<'a>,
    /// Device of the root: the walk does not descend into other
    /// filesystems.
    dev: u64,
    show_progress: bool,
    out: Gathered,
    /// Large files left for after the walk.
    deferred: Mutex<Vec<Deferred>>,
    /// Whether entries are counted (a bound on them): one shared counter
    /// touched by every core, so only when it is needed.
    counts_entries: bool,
    /// Entries of a directory between two checks of the budget: more
    /// often when the walk has a deadline or an entry bound.
    check_every: usize,
}

/// A directory of the walk, open. Every directory is opened relative to
/// its parent's descriptor without following symlinks (`openat` with
/// `O_NOFOLLOW | O_DIRECTORY`), from the root down, listed through its own
/// descriptor, and its entries are stat'ed relative to it (`fstatat`):
/// swapping a directory for a symlink mid-scan cannot make the walk read
/// outside the root, and the walk needs no `/proc`.
struct DirHandle {
    file: File,
}

impl DirHandle {
    /// The root, which the caller named (a symlink to it is fine).
    fn root(path: &Path) -> std::io::Result<DirHandle> {
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(DirHandle {
            file: File::from(fd),
        })
    }

    /// The subdirectory `name`, never through a symlink; with `expect`,
    /// it must still be the directory `lstat` saw.
    fn child(&self, name: &OsStr, expect: Option<&Stat>) -> std::io::Result<DirHandle> {
        let fd = rustix::fs::openat(
            &self.file,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let file = File::from(fd);
        if let Some(expect) = expect {
            let now = fstat(&file)?;
            if now.st_ino != expect.st_ino || now.st_dev != expect.st_dev {
                return Err(std::io::Error::other("replaced while being scanned"));
            }
        }
        Ok(DirHandle { file })
    }

    /// `lstat` of the entry `name`, relative to this directory.
    fn lstat(&self, name: &OsStr) -> std::io::Result<Stat> {
        Ok(rustix::fs::statat(
            &self.file,
            name,
            AtFlags::SYMLINK_NOFOLLOW,
        )?)
    }
}

/// A large file whose hashing waits for the end of the walk.
struct Deferred {
    rel: Vec<u8>,
    meta: Stat,
}

/// Files at least this large are not hashed inline by the task that reads
/// their directory but after the walk, largest first, by every core
/// (longest-processing-time-first scheduling): one directory of large
/// files cannot keep the other cores idle, and one 300 MB binary found
/// last cannot keep one core busy while the others idle.
const DEFERRED_BYTES: u64 = 256 * 1024;

/// Bytes of directory entries fetched per `getdents64`, as glibc's
/// `readdir` does.
const LIST_BUF: usize = 32 * 1024;

/// Walks and hashes everything under `opts.root`.
///
/// The walk fans out per directory on rayon (`scope.spawn`, so tree depth
/// never becomes stack depth): each task reads one directory, `lstat`s its
/// entries relative to the open directory, hashes small files inline and
/// spawns a task per subdirectory. Directory reading, `lstat` and hashing
/// all run on every core. Large files wait for the end of the walk and
/// are then hashed largest first on every core, so the scan does not end
/// with one core hashing one huge file.
pub fn scan(opts: &ScanOptions<'_>) -> FileScan {
    let starts: Vec<Vec<u8>> = match opts.only {
        None => vec![b"/".to_vec()],
        Some(only) => {
            // Each directory is listed once through its descriptor, whose
            // position listing moves: a start named twice is walked once.
            let mut only = only.to_vec();
            only.sort_unstable();
            only.dedup();
            only
        }
    };
    let walk = Walk {
        opts,
        dev: rustix::fs::stat(opts.root).map(|m| m.st_dev).unwrap_or(0),
        show_progress: !opts.progress.is_hidden(),
        out: Gathered::default(),
        deferred: Mutex::default(),
        counts_entries: opts.bounds.is_some_and(|b| b.max_entries != usize::MAX),
        check_every: if opts
            .bounds
            .is_some_and(|b| b.max_entries != usize::MAX || b.deadline.is_some())
        {
            256
        } else {
            1024
        },
    };
    let root = match DirHandle::root(opts.root) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            walk.error(b"/".to_vec(), format!("cannot open the root: {e}"));
            return walk.finish();
        }
    };
    let started = std::time::Instant::now();
    rayon::scope(|s| {
        for rel in starts {
            if rel != b"/" && opts.ignore.is_ignored(&rel) {
                continue;
            }
            let (walk, root) = (&walk, root.clone());
            s.spawn(move |s| walk.start(s, root, rel));
        }
    });
    let walked = started.elapsed();
    let deferred = lock(&walk.deferred).len();
    walk.hash_deferred(&root.file);
    let hashed = started.elapsed();
    let scan = walk.finish();
    tracing::debug!(
        ?walked,
        deferred,
        ?hashed,
        finished = ?started.elapsed(),
        entries = scan.files.len(),
        "file scan phases (time since the start of the walk)"
    );
    scan
}

impl<'w> Walk<'w> {
    /// What the walk gathered.
    fn finish(self) -> FileScan {
        let Gathered {
            files,
            errors,
            fresh,
            hashed,
            hashed_bytes,
            cache_hits,
            over_budget,
            entries: _,
        } = self.out;
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
        {
            use rayon::slice::ParallelSliceMut;
            files.par_sort_unstable_by(|a, b| a.record.path.cmp(&b.record.path));
        }
        files.dedup_by(|a, b| a.record.path == b.record.path);
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        FileScan {
            files,
            errors,
            fresh: fresh.into_inner().unwrap_or_else(|e| e.into_inner()),
            hashed: hashed.into_inner(),
            hashed_bytes: hashed_bytes.into_inner(),
            cache_hits: cache_hits.into_inner(),
            over_budget: over_budget.into_inner(),
        }
    }

    /// Records a start path and, when it is a directory, walks it. The
    /// path is resolved beneath the root one component at a time without
    /// following symlinks: a path reachable only through a symlinked
    /// directory is not a path of this tree.
    fn start<'s>(&'s self, s: &rayon::Scope<'s>, root: Arc<DirHandle>, rel: Vec<u8>) {
        if rel == b"/" {
            match fstat(&root.file) {
                Ok(meta) => {
                    lock(&self.out.files).push(self.record_at(None, rel.clone(), &meta));
                    self.dir(s, root, rel);
                }
                Err(e) => self.error(rel, e.to_string()),
            }
            return;
        }
        let parts: Vec<&[u8]> = rel
            .split(|b| *b == b'/')
            .filter(|p| !p.is_empty())
            .collect();
        let Some((last, dirs)) = parts.split_last() else {
            return;
        };
        let mut parent = root;
        for d in dirs {
            match parent.child(OsStr::from_bytes(d), None) {
                Ok(h) if fstat(&h.file).is_ok_and(|m| m.st_dev == self.dev) => parent = Arc::new(h),
                // Gone (the diff reports it removed), a symlink, or on
                // another filesystem: not part of this tree.
                _ => return,
            }
        }
        let name = OsStr::from_bytes(last);
        match parent.lstat(name) {
            Ok(meta) => {
                let file = self.record_at(Some((&parent.file, name, None)), rel.clone(), &meta);
                lock(&self.out.files).push(file);
                if kind(&meta) == Kind::Directory && meta.st_dev == self.dev {
                    match parent.child(name, Some(&meta)) {
                        Ok(h) => self.dir(s, Arc::new(h), rel),
                        Err(e) => self.error(rel, e.to_string()),
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => self.error(rel, e.to_string()),
        }
    }

    /// Reads one directory through its descriptor: records its entries,
    /// spawns its subdirectories (each opens itself from this one).
    fn dir<'s>(&'s self, s: &rayon::Scope<'s>, handle: Arc<DirHandle>, rel: Vec<u8>) {
        // A tree too large for the memory ceiling is not read further:
        // what is below each directory left is unverified, and said so.
        if let Err(e) = self.within_budget(&rel) {
            return self.error(rel, e);
        }
        // Listed through the walk's own descriptor (`getdents64` into this
        // buffer): rustix's `Dir` would open the directory a second time
        // (`fcntl` + `openat(".")` + `close` per directory).
        let mut buf = Vec::with_capacity(LIST_BUF);
        let mut entries = RawDir::new(&handle.file, buf.spare_capacity_mut());
        let may_ignore = self.opts.ignore.may_ignore_below(&rel);
        let mut done = Vec::new();
        let mut n = 0usize;
        while let Some(entry) = entries.next() {
            n += 1;
            if n % self.check_every == 0 {
                if let Err(e) = self.within_budget(&rel) {
                    self.error(rel.clone(), e);
                    break;
                }
            }
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.error(rel.clone(), std::io::Error::from(e).to_string());
                    break;
                }
            };
            let name = OsStr::from_bytes(entry.file_name().to_bytes());
            if name == "." || name == ".." {
                continue;
            }
            if self.counts_entries {
                self.out.entries.fetch_add(1, Ordering::Relaxed);
            }
            let mut child = Vec::with_capacity(rel.len() + 1 + name.len());
            child.extend_from_slice(&rel);
            if rel != b"/" {
                child.push(b'/');
            }
            child.extend_from_slice(name.as_bytes());
            if may_ignore && self.opts.ignore.is_ignored(&child) {
                continue;
            }
            // A regular file (by the entry's d_type) that no cache could
            // spare reading is opened first and its stat taken from the
            // descriptor: no lstat by name. Anything else: lstat relative
            // to the open directory (no path walk).
            let opened = if entry.file_type() == Kind::RegularFile && self.opts.cache.is_none() {
                crate::scan::hash::open_no_follow(&handle.file, name).ok()
            } else {
                None
            };
            let stat = match &opened {
                Some(file) => fstat(file),
                None => handle.lstat(name),
            };
            let meta = match stat {
                Ok(m) => m,
                // Vanished between readdir and lstat: the diff reports it
                // removed, which is what it is now.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    self.error(child, e.to_string());
                    continue;
                }
            };
            let file_kind = kind(&meta);
            if file_kind == Kind::Directory {
                let descend = meta.st_dev == self.dev;
                done.push(self.record_at(None, child.clone(), &meta));
                if descend {
                    let parent = handle.clone();
                    let name = name.to_os_string();
                    s.spawn(move |s| match parent.child(&name, Some(&meta)) {
                        Ok(h) => {
                            drop(parent);
                            self.dir(s, Arc::new(h), child);
                        }
                        Err(e) => self.error(child, e.to_string()),
                    });
                }
            } else if file_kind == Kind::RegularFile
                && size_of(&meta) >= DEFERRED_BYTES
                && self.cached(&meta).is_none()
                && self
                    .opts
                    .bounds
                    .is_none_or(|b| b.hashes(&child, size_of(&meta)))
            {
                // Hashed after the walk, opened from the root without
                // following a symlink; the inode is checked before
                // anything is read.
                lock(&self.deferred).push(Deferred { rel: child, meta });
            } else {
                let at = Some((&handle.file, name, opened));
                done.push(self.record_at(at, child, &meta));
            }
        }
        lock(&self.out.files).append(&mut done);
    }

    /// Hashes the deferred large files, largest first, each worker taking
    /// the next largest when it is free.
    fn hash_deferred(&self, root: &File) {
        let mut deferred = std::mem::take(&mut *lock(&self.deferred));
        if deferred.is_empty() {
            return;
        }
        deferred.sort_unstable_by_key(|d| std::cmp::Reverse(size_of(&d.meta)));
        let next = AtomicUsize::new(0);
        rayon::scope(|s| {
            for _ in 0..rayon::current_num_threads().min(deferred.len()) {
                s.spawn(|_| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(d) = deferred.get(i) else { break };
                    if let Err(why) = self.within_budget(&d.rel) {
                        // Past the time budget: what is left is recorded
                        // unhashed, and unverified.
                        let mut file = self.record_with(Source::At(None), d.rel.clone(), &d.meta);
                        file.record.sha256 = None;
                        file.error = Some(why);
                        lock(&self.out.files).push(file);
                        continue;
                    }
                    let file = self.record_with(Source::Beneath(root), d.rel.clone(), &d.meta);
                    lock(&self.out.files).push(file);
                });
            }
        });
    }

    /// The walk keeps to half the memory ceiling (the diff and the report
    /// need about as much again for what it found), and to its
    /// [`Bounds`]: entries and time.
    fn within_budget(&self, rel: &[u8]) -> Result<(), String> {
        if let Some(stopped) = self.out.over_budget.get() {
            return Err(stopped.clone());
        }
        if let Some(b) = self.opts.bounds {
            let seen = self.out.entries.load(Ordering::Relaxed);
            let why = if seen > b.max_entries {
                Some(format!(
                    "more than {} entries (walk stopped at {})",
                    b.max_entries,
                    paths::display(rel)
                ))
            } else if b.deadline.is_some_and(|d| std::time::Instant::now() > d) {
                Some(format!(
                    "not walked within its time budget (stopped at {}, {seen} entries read)",
                    paths::display(rel)
                ))
            } else {
                None
            };
            if let Some(why) = why {
                let _ = self.out.over_budget.set(why.clone());
                return Err(why);
            }
        }
        crate::memory::check_share(format_args!("the walk at {}", paths::display(rel)), 50).map_err(
            |e| {
                let e = e.to_string();
                let _ = self.out.over_budget.set(e.clone());
                e
            },
        )
    }

    fn cached(&self, meta: &Stat) -> Option<[u8; 32]> {
        self.opts.cache?.peek(&StatKey::of(meta))
    }

    fn error(&self, path: Vec<u8>, cause: String) {
        lock(&self.out.errors).push(ScanError { path, cause });
    }

    /// Records the entry, hashing (or reading the link of) it through
    /// `at`: its directory and name, and the entry itself when open.
    fn record_at(
        &self,
        at: Option<(&File, &OsStr, Option<File>)>,
        rel: Vec<u8>,
        meta: &Stat,
    ) -> ScannedFile {
        self.record_with(Source::At(at), rel, meta)
    }

    fn record_with(&self, from: Source<'_>, rel: Vec<u8>, meta: &Stat) -> ScannedFile {
        if self.show_progress {
            self.opts.progress.inc(1);
        }
        record(self.opts, from, rel, meta, &self.out)
    }
}

/// Where an entry's content (or link target) is read from.
enum Source<'a> {
    /// Its directory and name, and the entry itself when already open;
    /// `None` for an entry with no content to read (a directory).
    At(Option<(&'a File, &'a OsStr, Option<File>)>),
    /// The root's directory: opened from it by its whole path (a deferred
    /// large file), never through a symlink.
    Beneath(&'a File),
}

fn kind(st: &Stat) -> Kind {
    Kind::from_raw_mode(st.st_mode)
}

fn size_of(st: &Stat) -> u64 {
    u64::try_from(st.st_size).unwrap_or(0)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while pushing leaves the vector as it was.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn record(
    opts: &ScanOptions<'_>,
    from: Source<'_>,
    rel: Vec<u8>,
    meta: &Stat,
    out: &Gathered,
) -> ScannedFile {
    let file_type = match kind(meta) {
        Kind::RegularFile => FileType::Regular,
        Kind::Directory => FileType::Directory,
        Kind::Symlink => FileType::Symlink,
        Kind::CharacterDevice => FileType::CharDevice,
        Kind::BlockDevice => FileType::BlockDevice,
        Kind::Fifo => FileType::Fifo,
        _ => FileType::Socket,
    };
    let mut record = FileRecord::new(rel, file_type);
    record.mode = meta.st_mode & 0o7777;
    record.uid = meta.st_uid;
    record.gid = meta.st_gid;
    let mut error = None;
    let mut hash_capped = false;
    match file_type {
        FileType::Regular => {
            record.size = size_of(meta);
            let seen = StatKey::of(meta);
            if opts
                .bounds
                .is_some_and(|b| !b.hashes(&record.path, record.size))
            {
                hash_capped = true;
            } else if let Some(digest) = opts.cache.and_then(|c| c.lookup(&seen)) {
                record.sha256 = Some(digest);
                out.cache_hits.fetch_add(1, Ordering::Relaxed);
            } else {
                let hashed = match from {
                    Source::At(Some((dir, name, opened))) => {
                        hash_file_at(dir, name, opened, seen, opts.throttle.as_ref())
                    }
                    // Only directories are recorded without one.
                    Source::At(None) => Err(crate::scan::hash::HashError::Open(
                        std::io::Error::other("no directory to read it from"),
                    )),
                    Source::Beneath(root) => {
                        hash_file_beneath(root, &record.path, None, seen, opts.throttle.as_ref())
                    }
                };
                match hashed {
                    Ok((digest, hashed_key)) => {
                        record.sha256 = Some(digest);
                        record.size = hashed_key.size;
                        if opts.renew_cache {
                            lock(&out.fresh).push((hashed_key, digest));
                        }
                        out.hashed.fetch_add(1, Ordering::Relaxed);
                        out.hashed_bytes
                            .fetch_add(hashed_key.size, Ordering::Relaxed);
                    }
                    Err(e) => error = Some(e.to_string()),
                }
            }
        }
        FileType::Symlink => {
            record.size = size_of(meta);
            let target = match from {
                Source::At(Some((dir, name, _))) => rustix::fs::readlinkat(dir, name, Vec::new())
                    .map(|t| t.into_bytes())
                    .map_err(std::io::Error::from),
                Source::At(None) => Err(std::io::Error::other("no directory to read it from")),
                // Only regular files are deferred.
                Source::Beneath(_) => Err(std::io::Error::other("not read through its directory")),
            };
            match target {
                Ok(target) => {
                    record.link_target = (!target.is_empty()).then(|| target.into_boxed_slice());
                }
                Err(e) => error = Some(format!("cannot read link: {e}")),
            }
        }
        FileType::CharDevice | FileType::BlockDevice => record.rdev = meta.st_rdev,
        _ => {}
    }
    ScannedFile {
        record,
        error,
        hash_capped,
    }
}

#[cfg(test)]
mod tests;

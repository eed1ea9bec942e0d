//! The file scanner: walks a root without following symlinks or leaving its
//! filesystem, records every entry and hashes every regular file in
//! parallel on all cores.
//!
//! Performance-sensitive: see `BENCHMARKS.md`. The walk feeds rayon through
//! `par_bridge`, so directory reading and hashing overlap; an optional
//! [`HashCache`] lets an unchanged file be verified by `lstat` alone.

use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use indicatif::ProgressBar;
use plumb_proto::v1::{FileEntry, FileType};
use rayon::iter::Either;
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::cache::HashCache;
use crate::hash::{hash_file, StatKey};
use crate::paths;
use crate::policy::IgnoreSet;
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
    pub entry: FileEntry,
    /// Stat key of the hashed content (regular files only).
    pub key: Option<StatKey>,
    /// Set when the content could not be hashed.
    pub error: Option<String>,
}

/// The result of a file scan.
#[derive(Debug, Default)]
pub struct FileScan {
    /// Sorted by path bytes.
    pub files: Vec<ScannedFile>,
    /// Paths the walk could not enter or stat at all.
    pub errors: Vec<ScanError>,
    pub hashed: u64,
    pub hashed_bytes: u64,
    pub cache_hits: u64,
}

/// The root must exist and be a directory; anything else is a usage error.
pub fn check_root(root: &Path) -> Result<(), String> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!("root {} is not a directory", root.display())),
        Err(e) => Err(format!("root {}: {e}", root.display())),
    }
}

/// Walks and hashes everything under `opts.root`.
pub fn scan(opts: &ScanOptions<'_>) -> FileScan {
    let hashed = AtomicU64::new(0);
    let hashed_bytes = AtomicU64::new(0);
    let cache_hits = AtomicU64::new(0);
    let starts: Vec<PathBuf> = match opts.only {
        None => vec![opts.root.to_path_buf()],
        Some(only) => only.iter().map(|p| paths::on_disk(opts.root, p)).collect(),
    };

    let mut out = FileScan::default();
    for start in starts {
        if opts.only.is_some() && !reachable_without_symlinks(opts.root, &start) {
            // Gone (the diff reports it removed), or only reachable through
            // a symlinked directory, which is not a path of this tree.
            continue;
        }
        let walk = WalkDir::new(&start)
            .follow_links(false)
            .same_file_system(true)
            .into_iter()
            .filter_entry(|e| {
                !opts
                    .ignore
                    .is_ignored(&paths::relative(opts.root, e.path()))
            });
        let (mut files, mut errors): (Vec<ScannedFile>, Vec<ScanError>) = walk
            .par_bridge()
            .filter_map(|item| {
                let entry = match item {
                    Ok(e) => e,
                    Err(e) => {
                        let path = e
                            .path()
                            .map(|p| paths::relative(opts.root, p))
                            .unwrap_or_default();
                        let cause = e
                            .io_error()
                            .map(|io| io.to_string())
                            .unwrap_or_else(|| e.to_string());
                        return Some(Err(ScanError { path, cause }));
                    }
                };
                let rel = paths::relative(opts.root, entry.path());
                let meta = match entry.metadata() {
                    Ok(m) => m,
                    Err(e) => {
                        // Vanished between readdir and lstat: the diff will
                        // report it as removed, which is what it is now.
                        if e.io_error().map(|io| io.kind()) == Some(std::io::ErrorKind::NotFound) {
                            return None;
                        }
                        return Some(Err(ScanError {
                            path: rel,
                            cause: e.to_string(),
                        }));
                    }
                };
                opts.progress.inc(1);
                Some(Ok(record(
                    opts,
                    entry.path(),
                    rel,
                    &meta,
                    &hashed,
                    &hashed_bytes,
                    &cache_hits,
                )))
            })
            .partition_map(|r| match r {
                Ok(f) => Either::Left(f),
                Err(e) => Either::Right(e),
            });
        // Move, not copy: a 100k-entry scan must not exist twice at once.
        if out.files.is_empty() {
            out.files = files;
        } else {
            out.files.append(&mut files);
        }
        out.errors.append(&mut errors);
    }
    out.files
        .sort_by(|a, b| a.entry.path_bytes().cmp(b.entry.path_bytes()));
    out.files
        .dedup_by(|a, b| a.entry.path_bytes() == b.entry.path_bytes());
    out.errors.sort_by(|a, b| a.path.cmp(&b.path));
    out.hashed = hashed.into_inner();
    out.hashed_bytes = hashed_bytes.into_inner();
    out.cache_hits = cache_hits.into_inner();
    out
}

/// Whether `path` exists below `root` with no symlink among its parents.
fn reachable_without_symlinks(root: &Path, path: &Path) -> bool {
    if std::fs::symlink_metadata(path).is_err() {
        return false;
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) {
            return true;
        }
        match std::fs::symlink_metadata(d) {
            Ok(m) if m.file_type().is_dir() => {}
            _ => return false,
        }
        dir = d.parent();
    }
    true
}

fn record(
    opts: &ScanOptions<'_>,
    full: &Path,
    rel: Vec<u8>,
    meta: &Metadata,
    hashed: &AtomicU64,
    hashed_bytes: &AtomicU64,
    cache_hits: &AtomicU64,
) -> ScannedFile {
    let ft = meta.file_type();
    let file_type = if ft.is_file() {
        FileType::Regular
    } else if ft.is_dir() {
        FileType::Directory
    } else if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_char_device() {
        FileType::CharDevice
    } else if ft.is_block_device() {
        FileType::BlockDevice
    } else if ft.is_fifo() {
        FileType::Fifo
    } else {
        FileType::Socket
    };
    let mut entry = FileEntry {
        file_type: file_type as i32,
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
        ..Default::default()
    };
    let mut key = None;
    let mut error = None;
    match file_type {
        FileType::Regular => {
            entry.size = meta.size();
            let seen = StatKey::of(meta);
            if let Some(digest) = opts.cache.and_then(|c| c.lookup(&rel, &seen)) {
                entry.sha256 = digest.to_vec();
                key = Some(seen);
                cache_hits.fetch_add(1, Ordering::Relaxed);
            } else {
                match hash_file(full, seen, opts.throttle.as_ref()) {
                    Ok((digest, hashed_key)) => {
                        entry.sha256 = digest.to_vec();
                        entry.size = hashed_key.size;
                        key = Some(hashed_key);
                        hashed.fetch_add(1, Ordering::Relaxed);
                        hashed_bytes.fetch_add(hashed_key.size, Ordering::Relaxed);
                    }
                    Err(e) => error = Some(e.to_string()),
                }
            }
        }
        FileType::Symlink => {
            entry.size = meta.size();
            match std::fs::read_link(full) {
                Ok(target) => {
                    let (s, raw) = paths::to_fields(target.as_os_str().as_bytes().to_vec());
                    entry.link_target = s;
                    entry.raw_link_target = raw;
                }
                Err(e) => error = Some(format!("cannot read link: {e}")),
            }
        }
        FileType::CharDevice | FileType::BlockDevice => entry.rdev = meta.rdev(),
        _ => {}
    }
    let (path, raw_path) = paths::to_fields(rel);
    entry.path = path;
    entry.raw_path = raw_path;
    ScannedFile { entry, key, error }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::IgnoreSet;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn scan_dir(root: &Path, ignore: &[&str]) -> FileScan {
        let ignore = IgnoreSet::new(ignore.iter().map(|s| s.to_string())).unwrap();
        scan(&ScanOptions {
            root,
            ignore: &ignore,
            cache: None,
            throttle: None,
            progress: ProgressBar::hidden(),
            only: None,
        })
    }

    fn find<'a>(scan: &'a FileScan, path: &str) -> &'a ScannedFile {
        scan.files
            .iter()
            .find(|f| f.entry.path_bytes() == path.as_bytes())
            .unwrap_or_else(|| panic!("{path} not scanned"))
    }

    #[test]
    fn records_every_type_without_following_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("usr/bin")).unwrap();
        std::fs::write(r.join("usr/bin/tool"), b"#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            r.join("usr/bin/tool"),
            std::fs::Permissions::from_mode(0o4755),
        )
        .unwrap();
        symlink("tool", r.join("usr/bin/alias")).unwrap();
        symlink("loop", r.join("loop")).unwrap(); // a symlink loop is just a link
        symlink("/", r.join("escape")).unwrap();
        nix_mkfifo(&r.join("fifo"));
        let _sock = std::os::unix::net::UnixListener::bind(r.join("sock")).unwrap();

        let s = scan_dir(r, &[]);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let tool = find(&s, "/usr/bin/tool");
        assert_eq!(tool.entry.file_type, FileType::Regular as i32);
        assert_eq!(tool.entry.mode, 0o4755, "setuid bit is recorded");
        assert_eq!(tool.entry.sha256, crate::hash::sha256(b"#!/bin/sh\n"));
        assert_eq!(find(&s, "/usr/bin/alias").entry.link_target, "tool");
        assert_eq!(find(&s, "/loop").entry.file_type, FileType::Symlink as i32);
        assert_eq!(find(&s, "/escape").entry.link_target, "/");
        assert_eq!(find(&s, "/fifo").entry.file_type, FileType::Fifo as i32);
        assert_eq!(find(&s, "/sock").entry.file_type, FileType::Socket as i32);
        assert_eq!(find(&s, "/").entry.file_type, FileType::Directory as i32);
        assert_eq!(
            find(&s, "/usr").entry.size,
            0,
            "directory sizes are not recorded"
        );
        assert!(!s.files.iter().any(|f| f.entry.path.starts_with("/escape/")));
    }

    #[test]
    fn ignored_subtrees_are_not_walked() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("var/log/app")).unwrap();
        std::fs::write(r.join("var/log/app/x.log"), b"x").unwrap();
        std::fs::write(r.join("keep"), b"x").unwrap();
        let s = scan_dir(r, &["/var/log"]);
        assert!(s
            .files
            .iter()
            .all(|f| !f.entry.path.starts_with("/var/log")));
        find(&s, "/keep");
        find(&s, "/var");
    }

    #[test]
    fn non_utf8_and_very_long_names_are_recorded_exactly() {
        use std::ffi::OsStr;
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::write(r.join(OsStr::from_bytes(b"bad\xffname")), b"x").unwrap();
        let mut deep = r.to_path_buf();
        for _ in 0..12 {
            deep.push("d".repeat(200));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("f"), b"deep").unwrap();
        let s = scan_dir(r, &[]);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let bad = find_bytes(&s, b"/bad\xffname");
        assert_eq!(bad.entry.raw_path, b"/bad\xffname");
        assert!(s
            .files
            .iter()
            .any(|f| f.entry.path.len() > 2400 && f.entry.path.ends_with("/f")));
    }

    fn find_bytes<'a>(scan: &'a FileScan, path: &[u8]) -> &'a ScannedFile {
        scan.files
            .iter()
            .find(|f| f.entry.path_bytes() == path)
            .unwrap()
    }

    #[test]
    fn unreadable_directory_is_reported_not_skipped() {
        if running_as_root() {
            return; // root reads everything; covered by the e2e suite as non-root
        }
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir(r.join("locked")).unwrap();
        std::fs::set_permissions(r.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
        let s = scan_dir(r, &[]);
        std::fs::set_permissions(r.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].path, b"/locked");
    }

    fn running_as_root() -> bool {
        std::fs::metadata("/proc/self")
            .map(|m| m.uid() == 0)
            .unwrap_or(false)
    }

    fn nix_mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

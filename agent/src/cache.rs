//! The hash cache behind cheap incremental rescans.
//!
//! A file's digest is reused only when its device, inode, size, mtime and
//! ctime are all unchanged. An attacker can put a file's mtime back with
//! `touch -d`, but not its ctime, which the kernel sets on every write and
//! every `utime` call; so a cache hit is as strong as a rehash unless the
//! system clock itself was turned back. `--full` ignores the cache.

use std::io::Write;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::files::FileScan;
use crate::hash::StatKey;

const CACHE_FILE: &str = "hash-cache.pb";
const CACHE_FORMAT: u32 = 1;

#[derive(Clone, PartialEq, prost::Message)]
struct CacheFile {
    #[prost(uint32, tag = "1")]
    format: u32,
    /// The scanned root; a cache for another root is never used.
    #[prost(bytes = "vec", tag = "2")]
    root: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    entries: Vec<CacheRecord>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct CacheRecord {
    #[prost(bytes = "vec", tag = "1")]
    path: Vec<u8>,
    #[prost(uint64, tag = "2")]
    dev: u64,
    #[prost(uint64, tag = "3")]
    ino: u64,
    #[prost(uint64, tag = "4")]
    size: u64,
    #[prost(int64, tag = "5")]
    mtime_ns: i64,
    #[prost(int64, tag = "6")]
    ctime_ns: i64,
    #[prost(bytes = "vec", tag = "7")]
    sha256: Vec<u8>,
}

/// Digests of files by path, valid while their stat key is unchanged.
///
/// A sorted vector searched by bisection rather than a hash map: on a
/// 100k-file tree it is a third smaller, and lookups stay well under the
/// cost of the `lstat` that precedes them.
#[derive(Default)]
pub struct HashCache {
    entries: Vec<(Box<[u8]>, StatKey, [u8; 32])>,
}

impl HashCache {
    /// The cached digest of `path`, if its stat key still matches.
    pub fn lookup(&self, path: &[u8], key: &StatKey) -> Option<[u8; 32]> {
        let i = self
            .entries
            .binary_search_by(|(p, _, _)| (**p).cmp(path))
            .ok()?;
        let (_, k, digest) = &self.entries[i];
        (k == key).then_some(*digest)
    }

    fn sorted(mut entries: Vec<(Box<[u8]>, StatKey, [u8; 32])>) -> HashCache {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        entries.shrink_to_fit();
        HashCache { entries }
    }

    fn records(scan: &FileScan) -> impl Iterator<Item = (Box<[u8]>, StatKey, [u8; 32])> + '_ {
        scan.files.iter().filter_map(|f| {
            let digest = <[u8; 32]>::try_from(f.entry.sha256.as_slice()).ok()?;
            Some((f.entry.path_bytes().into(), f.key?, digest))
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Builds the cache from a finished scan.
    pub fn from_scan(scan: &FileScan) -> HashCache {
        HashCache::sorted(HashCache::records(scan).collect())
    }

    /// Updates entries for the given scanned files, keeping the others.
    pub fn update(&mut self, scan: &FileScan) {
        let mut fresh: Vec<_> = HashCache::records(scan).collect();
        fresh.sort_by(|a, b| a.0.cmp(&b.0));
        let old = std::mem::take(&mut self.entries);
        // The stable sort keeps fresh entries before old ones for the same
        // path, and dedup_by keeps the first of equal neighbours.
        let mut merged = fresh;
        merged.extend(old);
        merged.sort_by(|a, b| a.0.cmp(&b.0));
        merged.dedup_by(|later, earlier| later.0 == earlier.0);
        self.entries = merged;
    }

    /// Forgets a path (it was removed or its content is in doubt).
    pub fn forget(&mut self, path: &[u8]) {
        if let Ok(i) = self.entries.binary_search_by(|(p, _, _)| (**p).cmp(path)) {
            self.entries.remove(i);
        }
    }

    /// Loads the cache for `root` from `state_dir`. A missing, corrupt or
    /// foreign cache is treated as empty: the price is a rehash, never a
    /// wrong answer.
    pub fn load(state_dir: &Path, root: &Path) -> HashCache {
        let path = state_dir.join(CACHE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(path = %path.display(), error = %e, "cannot read hash cache; rehashing");
                }
                return HashCache::default();
            }
        };
        let file = match CacheFile::decode(bytes.as_slice()) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "hash cache is corrupt; rehashing");
                return HashCache::default();
            }
        };
        if file.format != CACHE_FORMAT || file.root != root_bytes(root) {
            return HashCache::default();
        }
        let entries = file
            .entries
            .into_iter()
            .filter_map(|r| {
                let digest = <[u8; 32]>::try_from(r.sha256.as_slice()).ok()?;
                let key = StatKey {
                    dev: r.dev,
                    ino: r.ino,
                    size: r.size,
                    mtime_ns: r.mtime_ns,
                    ctime_ns: r.ctime_ns,
                };
                Some((r.path.into_boxed_slice(), key, digest))
            })
            .collect();
        HashCache::sorted(entries)
    }

    /// Writes the cache atomically (temp file, fsync, rename).
    pub fn save(&self, state_dir: &Path, root: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(state_dir)?;
        let records: Vec<CacheRecord> = self
            .entries
            .iter()
            .map(|(path, k, digest)| CacheRecord {
                path: path.to_vec(),
                dev: k.dev,
                ino: k.ino,
                size: k.size,
                mtime_ns: k.mtime_ns,
                ctime_ns: k.ctime_ns,
                sha256: digest.to_vec(),
            })
            .collect();
        let file = CacheFile {
            format: CACHE_FORMAT,
            root: root_bytes(root),
            entries: records,
        };
        let path = state_dir.join(CACHE_FILE);
        write_atomic(&path, &file.encode_to_vec())?;
        Ok(path)
    }
}

fn root_bytes(root: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    canonical.as_os_str().as_bytes().to_vec()
}

/// Writes `bytes` to `path` so that readers see the old or the new file,
/// never a torn one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir, path)?;
    tmp.1.write_all(bytes)?;
    tmp.1.sync_all()?;
    std::fs::rename(&tmp.0, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn tempfile_in(dir: &Path, target: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let file = std::fs::File::create(&tmp)?;
    Ok((tmp, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u64) -> StatKey {
        StatKey {
            dev: 1,
            ino: n,
            size: 10,
            mtime_ns: 5,
            ctime_ns: 6,
        }
    }

    #[test]
    fn any_stat_change_misses() {
        let c = HashCache::sorted(vec![
            (b"/f".to_vec().into(), key(1), [7; 32]),
            (b"/a".to_vec().into(), key(2), [1; 32]),
        ]);
        assert_eq!(c.lookup(b"/f", &key(1)), Some([7; 32]));
        assert_eq!(c.lookup(b"/a", &key(2)), Some([1; 32]));
        let mut k = key(1);
        k.ctime_ns += 1;
        assert_eq!(
            c.lookup(b"/f", &k),
            None,
            "ctime change (e.g. mtime put back) misses"
        );
        assert_eq!(c.lookup(b"/g", &key(1)), None);
    }

    #[test]
    fn saves_and_loads_for_the_same_root_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let c = HashCache::sorted(vec![(b"/f".to_vec().into(), key(1), [7; 32])]);
        c.save(dir.path(), root.path()).unwrap();
        assert_eq!(
            HashCache::load(dir.path(), root.path()).lookup(b"/f", &key(1)),
            Some([7; 32])
        );
        assert!(HashCache::load(dir.path(), Path::new("/")).is_empty());
    }

    #[test]
    fn corrupt_cache_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CACHE_FILE), b"\xff\xff\xff garbage").unwrap();
        assert!(HashCache::load(dir.path(), Path::new("/")).is_empty());
    }
}

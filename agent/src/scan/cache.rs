//! The hash cache behind cheap incremental rescans.
//!
//! A file's digest is reused only when its device, inode, size, mtime and
//! ctime are all unchanged. An attacker can put a file's mtime back with
//! `touch -d`, but not its ctime, which the kernel sets on every write and
//! every `utime` call; so a cache hit is as strong as a rehash unless the
//! system clock itself was turned back. `--full` ignores the cache.
//!
//! The cache is keyed by inode, not by path: the stat key alone says the
//! content is the one that was hashed, whatever name reaches it now, so no
//! path is stored (a 100k-file cache is 7 MB in memory and on disk, and a
//! lookup compares two integers instead of path bytes). Hard links share
//! one entry.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use prost::Message;

use crate::scan::hash::StatKey;

const CACHE_FILE: &str = "hash-cache.pb";
/// Format 1 was keyed by path; such a cache is simply rebuilt.
const CACHE_FORMAT: u32 = 2;
/// dev, ino, size, mtime, ctime (8 bytes each, little endian), sha256.
const RECORD_BYTES: usize = 5 * 8 + 32;

#[derive(Clone, PartialEq, prost::Message)]
struct CacheFile {
    #[prost(uint32, tag = "1")]
    format: u32,
    /// The scanned root; a cache for another root is never used.
    #[prost(bytes = "vec", tag = "2")]
    root: Vec<u8>,
    /// Fixed-size records of [`RECORD_BYTES`], sorted by (dev, ino).
    #[prost(bytes = "vec", tag = "3")]
    records: Vec<u8>,
}

/// Digests of file contents by stat key.
///
/// A sorted vector searched by bisection: compact, and a lookup costs far
/// less than the `lstat` that precedes it. Each entry has a bit that a
/// successful lookup sets, so that after a scan of the whole root the
/// cache knows which of its entries are still in use without a second
/// copy of itself (see [`HashCache::renewed`]).
#[derive(Default)]
pub struct HashCache {
    entries: Vec<(StatKey, [u8; 32])>,
    used: Vec<AtomicU64>,
}

impl HashCache {
    /// The cached digest of the content `key` describes, if any.
    pub fn lookup(&self, key: &StatKey) -> Option<[u8; 32]> {
        let i = self.find(key)?;
        self.used[i / 64].fetch_or(1 << (i % 64), Ordering::Relaxed);
        Some(self.entries[i].1)
    }

    /// Like [`HashCache::lookup`], without marking the entry used.
    pub fn peek(&self, key: &StatKey) -> Option<[u8; 32]> {
        let i = self.find(key)?;
        Some(self.entries[i].1)
    }

    fn find(&self, key: &StatKey) -> Option<usize> {
        let i = self
            .entries
            .binary_search_by(|(k, _)| (k.dev, k.ino).cmp(&(key.dev, key.ino)))
            .ok()?;
        (self.entries[i].0 == *key).then_some(i)
    }

    fn sorted(mut entries: Vec<(StatKey, [u8; 32])>) -> HashCache {
        entries.sort_unstable_by_key(|(k, _)| (k.dev, k.ino));
        entries.dedup_by_key(|(k, _)| (k.dev, k.ino));
        entries.shrink_to_fit();
        let used = (0..entries.len().div_ceil(64))
            .map(|_| AtomicU64::new(0))
            .collect();
        HashCache { entries, used }
    }

    /// Forgets which entries were used; call before a scan of the whole
    /// root whose outcome goes to [`HashCache::renewed`].
    pub fn clear_marks(&mut self) {
        for word in &mut self.used {
            *word.get_mut() = 0;
        }
    }

    fn is_used(&self, i: usize) -> bool {
        self.used[i / 64].load(Ordering::Relaxed) & (1 << (i % 64)) != 0
    }

    /// After a scan of the whole root that looked up every file it did not
    /// hash, and hashed `fresh`: the cache for the next scan, or `None` when
    /// it would be this one (nothing hashed, every entry still used), so an
    /// unchanged tree costs no rewrite.
    pub fn renewed(&self, fresh: Vec<(StatKey, [u8; 32])>) -> Option<HashCache> {
        let all_used = (0..self.entries.len()).all(|i| self.is_used(i));
        if fresh.is_empty() && all_used {
            return None;
        }
        let mut entries = fresh;
        entries.extend(
            self.entries
                .iter()
                .enumerate()
                .filter(|(i, _)| self.is_used(*i))
                .map(|(_, e)| *e),
        );
        Some(HashCache::sorted(entries))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
            Ok(f) if f.records.len() % RECORD_BYTES == 0 => f,
            Ok(_) => {
                tracing::warn!(path = %path.display(), "hash cache is truncated; rehashing");
                return HashCache::default();
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "hash cache is corrupt; rehashing");
                return HashCache::default();
            }
        };
        drop(bytes);
        if file.format != CACHE_FORMAT || file.root != root_bytes(root) {
            return HashCache::default();
        }
        let word = |r: &[u8], i: usize| {
            u64::from_le_bytes(r[i * 8..i * 8 + 8].try_into().expect("8 bytes"))
        };
        let entries = file
            .records
            .chunks_exact(RECORD_BYTES)
            .map(|r| {
                let key = StatKey {
                    dev: word(r, 0),
                    ino: word(r, 1),
                    size: word(r, 2),
                    mtime_ns: word(r, 3) as i64,
                    ctime_ns: word(r, 4) as i64,
                };
                (key, r[40..].try_into().expect("32 bytes"))
            })
            .collect();
        HashCache::sorted(entries)
    }

    /// Writes the cache atomically (temp file, fsync, rename).
    pub fn save(&self, state_dir: &Path, root: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(state_dir)?;
        let mut records = Vec::with_capacity(self.entries.len() * RECORD_BYTES);
        for (k, digest) in &self.entries {
            for word in [k.dev, k.ino, k.size, k.mtime_ns as u64, k.ctime_ns as u64] {
                records.extend_from_slice(&word.to_le_bytes());
            }
            records.extend_from_slice(digest);
        }
        let file = CacheFile {
            format: CACHE_FORMAT,
            root: root_bytes(root),
            records,
        };
        let path = state_dir.join(CACHE_FILE);
        crate::atomic::write(&path, &file.encode_to_vec())?;
        Ok(path)
    }
}

fn root_bytes(root: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    canonical.as_os_str().as_bytes().to_vec()
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
        let c = HashCache::sorted(vec![(key(1), [7; 32]), (key(2), [1; 32])]);
        assert_eq!(c.lookup(&key(1)), Some([7; 32]));
        assert_eq!(c.lookup(&key(2)), Some([1; 32]));
        let mut k = key(1);
        k.ctime_ns += 1;
        assert_eq!(
            c.lookup(&k),
            None,
            "ctime change (e.g. mtime put back) misses"
        );
        let mut k = key(1);
        k.size += 1;
        assert_eq!(c.lookup(&k), None);
        let mut k = key(1);
        k.dev = 2;
        assert_eq!(c.lookup(&k), None, "same inode number on another device");
        assert_eq!(c.lookup(&key(3)), None);
    }

    #[test]
    fn renewal_keeps_used_entries_and_adds_fresh_ones() {
        let mut c = HashCache::sorted(vec![(key(1), [1; 32]), (key(2), [2; 32])]);
        c.lookup(&key(1));
        c.lookup(&key(2));
        assert!(
            c.renewed(Vec::new()).is_none(),
            "unchanged: nothing to rewrite"
        );

        c.clear_marks();
        c.lookup(&key(2));
        let mut changed = key(1);
        changed.ctime_ns += 1;
        assert_eq!(c.lookup(&changed), None);
        let next = c.renewed(vec![(changed, [3; 32])]).expect("changed");
        assert_eq!(next.len(), 2);
        assert_eq!(next.lookup(&changed), Some([3; 32]));
        assert_eq!(next.lookup(&key(1)), None, "the stale entry is gone");
        assert_eq!(next.lookup(&key(2)), Some([2; 32]));

        c.clear_marks();
        c.lookup(&key(2));
        let shrunk = c.renewed(Vec::new()).expect("a file went away");
        assert_eq!(shrunk.len(), 1);
    }

    #[test]
    fn saves_and_loads_for_the_same_root_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let mut negative = key(9);
        negative.mtime_ns = -5; // before 1970
        let c = HashCache::sorted(vec![(key(1), [7; 32]), (negative, [9; 32])]);
        c.save(dir.path(), root.path()).unwrap();
        let loaded = HashCache::load(dir.path(), root.path());
        assert_eq!(loaded.lookup(&key(1)), Some([7; 32]));
        assert_eq!(loaded.lookup(&negative), Some([9; 32]));
        assert!(HashCache::load(dir.path(), Path::new("/")).is_empty());
    }

    #[test]
    fn corrupt_or_truncated_cache_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CACHE_FILE), b"\xff\xff\xff garbage").unwrap();
        assert!(HashCache::load(dir.path(), Path::new("/")).is_empty());
        let truncated = CacheFile {
            format: CACHE_FORMAT,
            root: root_bytes(Path::new("/")),
            records: vec![0; RECORD_BYTES + 3],
        };
        std::fs::write(dir.path().join(CACHE_FILE), truncated.encode_to_vec()).unwrap();
        assert!(HashCache::load(dir.path(), Path::new("/")).is_empty());
    }
}

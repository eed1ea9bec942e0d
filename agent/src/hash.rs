//! SHA-256 of one regular file, safely: never follows a symlink, never
//! blocks on a fifo swapped in after the walk saw a file, and notices a
//! file that changes while it is being read.
//!
//! Performance-sensitive: this is the inner loop of every full scan
//! (see `BENCHMARKS.md` and `agent/benches/hash_tree.rs`).

use std::cell::RefCell;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::throttle::Throttle;

const BUF_SIZE: usize = 256 * 1024;
/// How often a file that keeps changing under us is re-read.
const ATTEMPTS: usize = 3;

thread_local! {
    static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0; BUF_SIZE]);
}

/// Why a file's content could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("cannot open: {0}")]
    Open(io::Error),
    #[error("read failed: {0}")]
    Read(io::Error),
    #[error("was replaced while being opened (no longer the same regular file)")]
    Replaced,
    #[error("kept changing while being hashed")]
    Unstable,
}

/// The stat fields that identify one version of a file's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatKey {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
}

impl StatKey {
    pub fn of(meta: &Metadata) -> StatKey {
        StatKey {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
        }
    }
}

/// Hashes the regular file at `path`, which `lstat` described as `seen`.
/// Returns the digest and the stat key of the content that was hashed.
pub fn hash_file(
    path: &Path,
    seen: StatKey,
    throttle: Option<&Arc<Throttle>>,
) -> Result<([u8; 32], StatKey), HashError> {
    let mut expected = seen;
    for _ in 0..ATTEMPTS {
        let mut file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .map_err(HashError::Open)?;
        let before = file.metadata().map_err(HashError::Read)?;
        if !before.file_type().is_file()
            || before.ino() != expected.ino
            || before.dev() != expected.dev
        {
            return Err(HashError::Replaced);
        }
        let digest = hash_open(&mut file, throttle).map_err(HashError::Read)?;
        let after = StatKey::of(&file.metadata().map_err(HashError::Read)?);
        if after == StatKey::of(&before) {
            return Ok((digest, after));
        }
        // Written to while we read it: hash the new content instead.
        expected = after;
    }
    Err(HashError::Unstable)
}

fn hash_open(file: &mut File, throttle: Option<&Arc<Throttle>>) -> io::Result<[u8; 32]> {
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        let mut hasher = Sha256::new();
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if let Some(t) = throttle {
                t.consume(n as u64);
            }
            hasher.update(&buf[..n]);
        }
        Ok(hasher.finalize().into())
    })
}

/// SHA-256 of a byte slice (tests and fixtures).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn key(path: &Path) -> StatKey {
        StatKey::of(&std::fs::symlink_metadata(path).unwrap())
    }

    #[test]
    fn hashes_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello").unwrap();
        let (digest, _) = hash_file(&p, key(&p), None).unwrap();
        assert_eq!(digest, sha256(b"hello"));
    }

    #[test]
    fn refuses_to_follow_a_symlink_swapped_in() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"x").unwrap();
        let seen = key(&p);
        std::fs::remove_file(&p).unwrap();
        symlink("/etc/hostname", &p).unwrap();
        assert!(matches!(hash_file(&p, seen, None), Err(HashError::Open(_))));
    }

    #[test]
    fn a_different_file_swapped_in_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"x").unwrap();
        let seen = key(&p);
        let other = dir.path().join("g");
        std::fs::write(&other, b"y").unwrap();
        std::fs::rename(&other, &p).unwrap();
        assert!(matches!(
            hash_file(&p, seen, None),
            Err(HashError::Replaced)
        ));
    }

    #[test]
    fn vanished_file_is_an_open_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"x").unwrap();
        let seen = key(&p);
        std::fs::remove_file(&p).unwrap();
        let err = hash_file(&p, seen, None).unwrap_err();
        assert!(err.to_string().contains("cannot open"), "{err}");
    }
}

//! SHA-256 of one regular file, safely: never follows a symlink, never
//! blocks on a fifo swapped in after the walk saw a file, and notices a
//! file that changes while it is being read.
//!
//! Performance-sensitive: this is the inner loop of every full scan
//! (see `BENCHMARKS.md` and `scripts/bench-agent.sh`).

use std::cell::RefCell;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::sync::Arc;

use rustix::fs::Stat;
use sha2::{Digest, Sha256};

use crate::throttle::Throttle;

const BUF_SIZE: usize = 256 * 1024;
/// How often a file that keeps changing under us is re-read.
const ATTEMPTS: usize = 3;

/// Alignment of the read buffer. The kernel copies out of the page cache
/// into it, and that copy is much slower into a destination that is not
/// cache-line aligned: a plain 256 KiB `Vec` starts 16 bytes past a page
/// (the allocator's header), which cost a `/usr` build 0.6 s of system
/// time (see `BENCHMARKS.md`).
const BUF_ALIGN: usize = 4096;

thread_local! {
    static BUF: RefCell<AlignedBuf> = RefCell::new(AlignedBuf::new());
}

/// A `BUF_SIZE` window of a slightly larger allocation, starting on a
/// `BUF_ALIGN` boundary.
struct AlignedBuf {
    bytes: Vec<u8>,
    start: usize,
}

impl AlignedBuf {
    fn new() -> AlignedBuf {
        let bytes = vec![0; BUF_SIZE + BUF_ALIGN];
        // `align_offset` may answer "impossible" (usize::MAX); an unaligned
        // buffer is slower, never wrong.
        let start = bytes.as_ptr().align_offset(BUF_ALIGN).min(BUF_ALIGN);
        AlignedBuf { bytes, start }
    }

    fn get(&mut self) -> &mut [u8] {
        &mut self.bytes[self.start..self.start + BUF_SIZE]
    }
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StatKey {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
}

impl StatKey {
    pub fn of(st: &Stat) -> StatKey {
        StatKey {
            dev: st.st_dev,
            ino: st.st_ino,
            size: u64::try_from(st.st_size).unwrap_or(0),
            mtime_ns: st.st_mtime * 1_000_000_000 + st.st_mtime_nsec as i64,
            ctime_ns: st.st_ctime * 1_000_000_000 + st.st_ctime_nsec as i64,
        }
    }
}

/// `fstat` of an open file, as rustix gives it: the walk takes every
/// stat from a descriptor or relative to one (`fstatat`), never by path.
pub fn fstat(file: &File) -> io::Result<Stat> {
    Ok(rustix::fs::fstat(file)?)
}

/// Whether `st` describes a regular file.
pub fn is_regular(st: &Stat) -> bool {
    rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
}

/// Hashes the regular file `rel` under the directory `root`, which
/// `lstat` or `fstat` described as `seen`. Returns the digest and the stat
/// key of the content that was hashed.
///
/// The file is opened by [`crate::scan::beneath::open`]: no symlink followed on
/// the way, never outside `root`. Before a byte is read it must be the
/// file `seen` describes; the read is bounded by the size the file had,
/// and `fstat` after it must find the same regular file with the same stat
/// key, or the file is read again (a different file there is
/// [`HashError::Replaced`]). `opened` is the file already open that way,
/// read first.
pub fn hash_file_beneath(
    root: &File,
    rel: &[u8],
    opened: Option<File>,
    seen: StatKey,
    throttle: Option<&Arc<Throttle>>,
) -> Result<([u8; 32], StatKey), HashError> {
    let opened = std::cell::Cell::new(opened);
    let open = || {
        let file = match opened.take() {
            Some(file) => file,
            None => crate::scan::beneath::open(root, rel, crate::scan::beneath::READ)
                .map_err(HashError::Open)?,
        };
        same_file(&file, &seen)?;
        Ok(file)
    };
    hash_opened(open, seen, throttle)
}

/// [`hash_file_beneath`] for the entry `name` of the open directory `dir`: no path
/// walk per file, and a directory swapped for a symlink after it was
/// opened cannot redirect the read.
///
/// `opened` is the entry already open (by [`open_no_follow`]), whose
/// `fstat` is `seen`: read first, without opening it again.
pub fn hash_file_at(
    dir: &File,
    name: &OsStr,
    opened: Option<File>,
    seen: StatKey,
    throttle: Option<&Arc<Throttle>>,
) -> Result<([u8; 32], StatKey), HashError> {
    let opened = std::cell::Cell::new(opened);
    hash_opened(
        || match opened.take() {
            Some(file) => Ok(file),
            None => open_no_follow(dir, name).map_err(HashError::Open),
        },
        seen,
        throttle,
    )
}

/// Opens `path` (relative to `dir`) for reading without following a
/// symlink, blocking on a fifo or acquiring a terminal.
pub(crate) fn open_no_follow(dir: impl AsFd, path: impl rustix::path::Arg) -> io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let flags =
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    Ok(File::from(rustix::fs::openat(
        dir,
        path,
        flags,
        Mode::empty(),
    )?))
}

/// Opens the file at `path` for reading as [`open_no_follow`] does (its
/// last component not followed, no blocking, no terminal), and only a
/// regular file: for metadata a container's owner may have a hand in.
pub(crate) fn open_regular(path: &std::path::Path) -> io::Result<File> {
    let file = open_no_follow(rustix::fs::CWD, path)?;
    if !is_regular(&fstat(&file)?) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

fn hash_opened(
    open: impl Fn() -> Result<File, HashError>,
    seen: StatKey,
    throttle: Option<&Arc<Throttle>>,
) -> Result<([u8; 32], StatKey), HashError> {
    let mut expected = seen;
    for _ in 0..ATTEMPTS {
        let mut file = open()?;
        let digest = hash_open(&mut file, expected.size, throttle).map_err(HashError::Read)?;
        let after = same_file(&file, &expected)?;
        if after == expected {
            return Ok((digest, after));
        }
        // Written to or truncated while we read it: hash the new content
        // instead.
        expected = after;
    }
    Err(HashError::Unstable)
}

/// The stat key of the open `file`, which must still be the regular file
/// (device and inode) that `expected` describes.
fn same_file(file: &File, expected: &StatKey) -> Result<StatKey, HashError> {
    let st = fstat(file).map_err(HashError::Read)?;
    if !is_regular(&st) || st.st_ino != expected.ino || st.st_dev != expected.dev {
        return Err(HashError::Replaced);
    }
    Ok(StatKey::of(&st))
}

/// Hashes an open file of `size` bytes (as `lstat` or `fstat` said).
///
/// Reading stops after `size` bytes without the read that would return
/// end-of-file: the caller compares `fstat` after hashing with the stat key
/// the size came from, so a file that grew (or changed at all) meanwhile is
/// hashed again, and the saved system call is one per file. The bound also
/// means a device swapped in for the file cannot be read without end.
fn hash_open(file: &mut File, size: u64, throttle: Option<&Arc<Throttle>>) -> io::Result<[u8; 32]> {
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        let buf = buf.get();
        let mut hasher = Sha256::new();
        let mut left = size;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = match file.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            left = left.saturating_sub(n as u64);
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
    use std::path::Path;

    fn key(path: &Path) -> StatKey {
        StatKey::of(&rustix::fs::lstat(path).unwrap())
    }

    /// Hashes `path` as the file `rel` of its directory.
    fn hash_file(
        path: &Path,
        seen: StatKey,
        throttle: Option<&Arc<Throttle>>,
    ) -> Result<([u8; 32], StatKey), HashError> {
        let root = crate::scan::beneath::open_root(path.parent().unwrap()).unwrap();
        let rel = path.file_name().unwrap().as_encoded_bytes();
        hash_file_beneath(&root, rel, None, seen, throttle)
    }

    #[test]
    fn the_read_buffer_starts_on_a_page_boundary() {
        let mut buf = AlignedBuf::new();
        let buf = buf.get();
        assert_eq!(buf.len(), BUF_SIZE);
        assert_eq!(buf.as_ptr().align_offset(BUF_ALIGN), 0);
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
    fn a_file_that_changed_since_lstat_is_hashed_as_it_is_now() {
        let dir = tempfile::tempdir().unwrap();
        // A file read in one go and one read in several: both must follow.
        for (before, after) in [(10usize, 20usize), (1 << 20, 300 * 1024)] {
            let p = dir.path().join(format!("f{before}"));
            std::fs::write(&p, vec![1u8; before]).unwrap();
            let seen = key(&p);
            let now: Vec<u8> = (0..after).map(|i| (i % 7) as u8).collect();
            std::fs::write(&p, &now).unwrap();
            let (digest, hashed) = hash_file(&p, seen, None).unwrap();
            assert_eq!(digest, sha256(&now), "{before} -> {after} bytes");
            assert_eq!(hashed.size, after as u64);
        }
    }

    #[test]
    fn hashing_at_a_directory_reads_that_directory_whatever_its_path_becomes() {
        let top = tempfile::tempdir().unwrap();
        let d = top.path().join("d");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("f"), b"original").unwrap();
        let seen = key(&d.join("f"));
        let dir = File::open(&d).unwrap();
        // The directory moves away and a symlink to another one takes its
        // place: the open directory is still the one that is read.
        std::fs::rename(&d, top.path().join("moved")).unwrap();
        let other = top.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("f"), b"planted").unwrap();
        symlink(&other, &d).unwrap();
        let (digest, _) = hash_file_at(&dir, OsStr::new("f"), None, seen, None).unwrap();
        assert_eq!(digest, sha256(b"original"));
        assert!(matches!(
            hash_file_at(&dir, OsStr::new("missing"), None, seen, None),
            Err(HashError::Open(_))
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

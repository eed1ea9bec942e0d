//! Hashing a large file through a read-only memory map, safe against the
//! file being truncated while it is mapped.
//!
//! `read(2)` copies every byte from the page cache into a buffer; for large
//! files that copy costs about a fifth of the CPU time of hashing (see
//! `BENCHMARKS.md`). A map avoids it, but touching a mapped page beyond the
//! end of a file that another process truncated raises `SIGBUS`, which
//! would kill the agent: on a live node files do get truncated. So while a
//! thread hashes a map, the map's range is registered in that thread, and a
//! `SIGBUS` handler that finds the faulting address inside it maps a page
//! of zeros over the faulting page, notes the truncation and lets the read
//! go on. The caller then treats the digest as void and hashes the file
//! again. A `SIGBUS` anywhere else is handed to the handler that was
//! installed before (Rust's own, or the default action). Files are mapped
//! a window at a time, so a huge file does not show up as hundreds of
//! megabytes in the agent's resident set.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use crate::throttle::Throttle;

/// Bytes hashed between two throttle checks.
const CHUNK: usize = 1 << 20;

/// Bytes mapped at a time (a multiple of any page size): a 300 MB file
/// then adds no more than this to the agent's resident set while it is
/// hashed, and a map's set-up cost is still small against hashing it.
const MAP_WINDOW: usize = 8 << 20;

thread_local! {
    /// The map this thread is hashing: (start address, length).
    static WINDOW: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// Set by the handler when a page of the window was beyond the end of
    /// the file.
    static TRUNCATED: Cell<bool> = const { Cell::new(false) };
}

/// The `SIGBUS` disposition found at installation, restored for faults
/// that are not ours.
static PREVIOUS: OnceLock<Result<libc::sigaction, i32>> = OnceLock::new();

/// The page size, read at installation (`sysconf` is not
/// async-signal-safe).
static PAGE: AtomicUsize = AtomicUsize::new(4096);

/// Hashes the first `len` bytes of `file` through maps of at most
/// [`MAP_WINDOW`] bytes at a time. `Ok(None)` means the file was truncated
/// while it was read: the content is not what the digest would claim, so
/// the caller must hash it again.
pub fn hash_mapped(
    file: &File,
    len: u64,
    throttle: Option<&Arc<Throttle>>,
) -> io::Result<Option<[u8; 32]>> {
    install()?;
    let mut hasher = Sha256::new();
    let mut offset = 0u64;
    while offset < len {
        // Bounded by usize::MAX through MAP_WINDOW.
        let window = (len - offset).min(MAP_WINDOW as u64) as usize;
        // SAFETY: the map is private to this call and read-only. Its
        // contents may change under us if another process writes the file;
        // the caller compares the file's stat key before and after and
        // hashes again when it changed, so such bytes never end up in a
        // digest it accepts. Pages beyond a truncation are replaced by
        // zeros by the handler below and reported through TRUNCATED.
        let map = unsafe {
            memmap2::MmapOptions::new()
                .offset(offset)
                .len(window)
                .populate()
                .map(file)?
        };
        WINDOW.set((map.as_ptr() as usize, map.len()));
        TRUNCATED.set(false);
        for chunk in map.chunks(CHUNK) {
            if let Some(t) = throttle {
                t.consume(chunk.len() as u64);
            }
            hasher.update(chunk);
        }
        WINDOW.set((0, 0));
        drop(map);
        if TRUNCATED.replace(false) {
            return Ok(None);
        }
        offset += window as u64;
    }
    Ok(Some(hasher.finalize().into()))
}

/// Installs the handler once per process.
fn install() -> io::Result<()> {
    let result = PREVIOUS.get_or_init(|| {
        PAGE.store(page_size(), Ordering::Relaxed);
        // SAFETY: sigaction with a zeroed struct, an empty mask and a
        // handler of the SA_SIGINFO signature; the previous disposition
        // is written into `previous`.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &action, &mut previous) == 0 {
                Ok(previous)
            } else {
                Err(io::Error::last_os_error().raw_os_error().unwrap_or(0))
            }
        }
    });
    match result {
        Ok(_) => Ok(()),
        Err(errno) => Err(io::Error::from_raw_os_error(*errno)),
    }
}

/// The `SIGBUS` handler. Async-signal-safe: it reads atomics and
/// const-initialised thread-locals (no allocation, no lazy init) and makes
/// the `mmap` and `sigaction` system calls.
extern "C" fn on_sigbus(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let (start, len) = WINDOW.get();
    if len > 0 && addr >= start && addr < start + len {
        let page = PAGE.load(Ordering::Relaxed);
        let at = addr & !(page - 1);
        // SAFETY: `at` is a page inside the map this thread is reading;
        // replacing it with a private zero page only changes what the hash
        // loop reads there, and the map is unmapped as a whole afterwards.
        let mapped = unsafe {
            libc::mmap(
                at as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if mapped != libc::MAP_FAILED {
            TRUNCATED.set(true);
            return;
        }
    }
    // Not ours (or the page could not be replaced): restore the previous
    // disposition and return, so the faulting access happens again and
    // meets it.
    if let Some(Ok(previous)) = PREVIOUS.get() {
        // SAFETY: restoring a disposition the kernel gave us.
        unsafe {
            libc::sigaction(libc::SIGBUS, previous, std::ptr::null_mut());
        }
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096).max(4096)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn hashes_like_read_within_one_window_and_across_several() {
        let dir = tempfile::tempdir().unwrap();
        for len in [3 * CHUNK + 17, 2 * MAP_WINDOW + 4099] {
            let p = dir.path().join(format!("big{len}"));
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&p, &data).unwrap();
            let f = File::open(&p).unwrap();
            let digest = hash_mapped(&f, data.len() as u64, None).unwrap();
            assert_eq!(digest, Some(crate::hash::sha256(&data)), "{len} bytes");
        }
    }

    #[test]
    fn a_file_truncated_while_mapped_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("shrinks");
        let mut f = File::create(&p).unwrap();
        f.write_all(&vec![7u8; 2 * CHUNK]).unwrap();
        drop(f);
        let f = File::open(&p).unwrap();
        // What another process does between our fstat and our read.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let digest = hash_mapped(&f, 2 * CHUNK as u64, None).unwrap();
        assert_eq!(digest, None, "the truncation is reported");
        // The thread goes on working, and so do later maps.
        let data = vec![1u8; CHUNK];
        std::fs::write(&p, &data).unwrap();
        let f = File::open(&p).unwrap();
        let digest = hash_mapped(&f, data.len() as u64, None).unwrap();
        assert_eq!(digest, Some(crate::hash::sha256(&data)));
    }
}

//! Opening a path under a root without ever leaving it.
//!
//! Everything the agent reads from the checked root by more than one path
//! component (a large file hashed after the walk, a package database, a
//! login record, a running executable) is opened here, relative to a
//! descriptor of the root, and no symlink is followed on the way: a
//! directory swapped for a symlink while the open runs makes it fail, it
//! cannot lead outside. The kernel does it in one call where it can
//! (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`, Linux 5.6);
//! elsewhere (older kernels, a seccomp filter refusing `openat2`) one
//! `openat` with `O_NOFOLLOW` per component does the same.
//!
//! Symlinks the node itself has on such a path (`/var/lib/rpm` →
//! `../../usr/lib/sysimage/rpm`) are resolved inside the root first
//! ([`crate::scan::packages::resolve_in_root`]); what is opened here is the
//! resolved path.

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};

use rustix::fs::{Mode, OFlags, ResolveFlags};

/// Whether `openat2` works here: not tried yet, yes, no.
static OPENAT2: AtomicU8 = AtomicU8::new(UNTRIED);
const UNTRIED: u8 = 0;
const WORKS: u8 = 1;
const MISSING: u8 = 2;

/// Flags for reading a file of the root: no symlink followed, no blocking
/// on a FIFO swapped in, no controlling terminal acquired.
pub const READ: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NONBLOCK)
    .union(OFlags::NOCTTY)
    .union(OFlags::CLOEXEC);

/// Opens the directory `root` (following symlinks: the caller named it).
pub fn open_root(root: &Path) -> io::Result<File> {
    let fd = rustix::fs::open(
        root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    Ok(File::from(fd))
}

/// Opens `rel` (bytes, with or without a leading `/`) under the directory
/// `root` with `flags`, following no symlink on the way and never leaving
/// `root`: a `..` component, a symlink or a magic link anywhere on the
/// path is an error.
pub fn open(root: impl AsFd, rel: &[u8], flags: OFlags) -> io::Result<File> {
    let rel = match trim(rel)? {
        b"" => &b"."[..],
        rel => rel,
    };
    if OPENAT2.load(Ordering::Relaxed) != MISSING {
        match rustix::fs::openat2(
            &root,
            rel,
            flags | OFlags::CLOEXEC,
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
        ) {
            Ok(fd) => {
                OPENAT2.store(WORKS, Ordering::Relaxed);
                return Ok(File::from(fd));
            }
            // No openat2 here (kernel before 5.6), or a seccomp filter
            // that refuses it: one component at a time from now on.
            Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM)
                if OPENAT2.load(Ordering::Relaxed) == UNTRIED =>
            {
                OPENAT2.store(MISSING, Ordering::Relaxed);
            }
            Err(e) => return Err(e.into()),
        }
    }
    open_by_components(root, rel, flags)
}

/// [`open`] without `openat2`: every directory on the way opened from the
/// one before it with `O_NOFOLLOW | O_DIRECTORY`, the last component with
/// `O_NOFOLLOW`.
fn open_by_components(root: impl AsFd, rel: &[u8], flags: OFlags) -> io::Result<File> {
    let rel = trim(rel)?;
    let mut parts = rel
        .split(|b| *b == b'/')
        .filter(|p| !p.is_empty() && *p != b".");
    let Some(last) = parts.next_back() else {
        // The root itself.
        return Ok(File::from(rustix::fs::openat(
            &root,
            ".",
            flags | OFlags::CLOEXEC,
            Mode::empty(),
        )?));
    };
    let mut dir: Option<File> = None;
    for part in parts {
        let at = match &dir {
            Some(d) => d.as_fd(),
            None => root.as_fd(),
        };
        let next = rustix::fs::openat(
            at,
            part,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        dir = Some(File::from(next));
    }
    let at = match &dir {
        Some(d) => d.as_fd(),
        None => root.as_fd(),
    };
    Ok(File::from(rustix::fs::openat(
        at,
        last,
        flags | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?))
}

/// `rel` without its leading `/`s; `.` and `..` components are refused
/// (a path of the walk or one resolved inside the root has none).
fn trim(rel: &[u8]) -> io::Result<&[u8]> {
    if rel.split(|b| *b == b'/').any(|p| p == b"." || p == b"..") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: a path under the root has no . or .. component",
                crate::paths::display(rel)
            ),
        ));
    }
    let start = rel.iter().position(|b| *b != b'/').unwrap_or(rel.len());
    Ok(&rel[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::fs::symlink;

    fn read(f: io::Result<File>) -> io::Result<String> {
        let mut s = String::new();
        f?.read_to_string(&mut s)?;
        Ok(s)
    }

    /// Both ways of opening, whatever this kernel has.
    fn both(root: &File, rel: &[u8]) -> [io::Result<String>; 2] {
        [
            read(open(root, rel, READ)),
            read(open_by_components(root, rel, READ)),
        ]
    }

    #[test]
    fn opens_a_nested_file_and_nothing_through_a_symlink_or_outside() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        std::fs::create_dir_all(root.join("var/lib/x")).unwrap();
        std::fs::write(root.join("var/lib/x/db"), "inside").unwrap();
        std::fs::write(base.path().join("secret"), "OUTSIDE").unwrap();
        std::fs::create_dir(base.path().join("elsewhere")).unwrap();
        std::fs::write(base.path().join("elsewhere/db"), "OUTSIDE").unwrap();
        // A symlink in the middle (relative, inside the root, and absolute,
        // outside it), at the end, and `..`.
        symlink("x", root.join("var/lib/rel")).unwrap();
        symlink(base.path().join("elsewhere"), root.join("var/lib/abs")).unwrap();
        symlink("x/db", root.join("var/lib/last")).unwrap();
        let r = open_root(&root).unwrap();

        for (how, got) in ["openat2 or fallback", "components"]
            .iter()
            .zip(both(&r, b"/var/lib/x/db"))
        {
            assert_eq!(got.unwrap(), "inside", "{how}");
        }
        for rel in [
            &b"/var/lib/rel/db"[..],
            b"/var/lib/abs/db",
            b"/var/lib/last",
            b"/var/../../secret",
            b"/../secret",
            b"var/./lib/x/db",
        ] {
            for got in both(&r, rel) {
                assert!(
                    got.is_err(),
                    "{} opened: {got:?}",
                    String::from_utf8_lossy(rel)
                );
            }
        }
    }

    #[test]
    fn a_directory_swapped_for_a_symlink_is_not_followed() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        std::fs::create_dir_all(root.join("srv")).unwrap();
        std::fs::create_dir(base.path().join("outside")).unwrap();
        std::fs::write(base.path().join("outside/f"), "OUTSIDE").unwrap();
        symlink(base.path().join("outside"), root.join("srv/d")).unwrap();
        let r = open_root(&root).unwrap();
        for got in both(&r, b"/srv/d/f") {
            let err = got.unwrap_err();
            // ELOOP (fallback) or EXDEV/ELOOP (openat2): refused either way.
            assert!(err.raw_os_error().is_some(), "{err}");
        }
    }

    #[test]
    fn the_root_itself_opens() {
        let base = tempfile::tempdir().unwrap();
        let r = open_root(base.path()).unwrap();
        for rel in [&b""[..], b"/"] {
            let d = open(&r, rel, OFlags::RDONLY | OFlags::DIRECTORY).unwrap();
            assert!(d.metadata().unwrap().is_dir());
            let d = open_by_components(&r, trim(rel).unwrap(), OFlags::RDONLY | OFlags::DIRECTORY)
                .unwrap();
            assert!(d.metadata().unwrap().is_dir());
        }
    }
}

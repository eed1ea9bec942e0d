//! Tests of the walk: file types, symlinks, ignores, races, limits.

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
        renew_cache: true,
        bounds: None,
    })
}

fn find<'a>(scan: &'a FileScan, path: &str) -> &'a ScannedFile {
    scan.files
        .iter()
        .find(|f| &*f.record.path == path.as_bytes())
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
    crate::fixture::FixtureRoot::at(r).fifo("/fifo");
    let _sock = std::os::unix::net::UnixListener::bind(r.join("sock")).unwrap();

    let s = scan_dir(r, &[]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let tool = find(&s, "/usr/bin/tool");
    assert_eq!(tool.record.file_type, FileType::Regular);
    assert_eq!(tool.record.mode, 0o4755, "setuid bit is recorded");
    assert_eq!(
        tool.record.sha256,
        Some(crate::scan::hash::sha256(b"#!/bin/sh\n"))
    );
    assert_eq!(
        find(&s, "/usr/bin/alias").record.link_target_bytes(),
        b"tool"
    );
    assert_eq!(find(&s, "/loop").record.file_type, FileType::Symlink);
    assert_eq!(find(&s, "/escape").record.link_target_bytes(), b"/");
    assert_eq!(find(&s, "/fifo").record.file_type, FileType::Fifo);
    assert_eq!(find(&s, "/sock").record.file_type, FileType::Socket);
    assert_eq!(find(&s, "/").record.file_type, FileType::Directory);
    assert_eq!(
        find(&s, "/usr").record.size,
        0,
        "directory sizes are not recorded"
    );
    assert!(!s
        .files
        .iter()
        .any(|f| f.record.path.starts_with(b"/escape/")));
}

#[test]
fn every_entry_is_listed_once_whatever_the_starts() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    // More entries than one getdents64 buffer holds, with long names.
    std::fs::create_dir_all(r.join("big")).unwrap();
    for i in 0..3000 {
        std::fs::write(r.join(format!("big/{i:0>200}")), i.to_string()).unwrap();
    }
    std::fs::create_dir_all(r.join("a/b")).unwrap();
    std::fs::write(r.join("a/b/f"), b"f").unwrap();
    let paths =
        |s: &FileScan| -> Vec<Vec<u8>> { s.files.iter().map(|f| f.record.path.to_vec()).collect() };
    let full = scan_dir(r, &[]);
    assert_eq!(
        full.files.len(),
        3000 + 5,
        "/, big, a, a/b, a/b/f and 3000 files"
    );
    let ignore = IgnoreSet::new(Vec::<String>::new()).unwrap();
    // Starts named twice (the root among them) are walked once: each
    // directory is listed through one descriptor whose position moves.
    let only = [
        b"/a".to_vec(),
        b"/".to_vec(),
        b"/big".to_vec(),
        b"/".to_vec(),
        b"/a".to_vec(),
    ];
    let scoped = scan(&ScanOptions {
        root: r,
        ignore: &ignore,
        cache: None,
        throttle: None,
        progress: ProgressBar::hidden(),
        only: Some(&only),
        renew_cache: false,
        bounds: None,
    });
    assert!(scoped.errors.is_empty(), "{:?}", scoped.errors);
    assert_eq!(paths(&scoped), paths(&full));
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
        .all(|f| !f.record.path.starts_with(b"/var/log")));
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
    assert_eq!(&*bad.record.path, b"/bad\xffname");
    assert!(s
        .files
        .iter()
        .any(|f| f.record.path.len() > 2400 && f.record.path.ends_with(b"/f")));
}

fn find_bytes<'a>(scan: &'a FileScan, path: &[u8]) -> &'a ScannedFile {
    scan.files.iter().find(|f| &*f.record.path == path).unwrap()
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
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// Scans once while another thread keeps swapping `srv/d` for a
/// symlink to a directory outside the root.
fn race_scans(scoped: bool) {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("root");
    let outside = base.path().join("outside");
    std::fs::create_dir_all(root.join("srv/d")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("srv/d/f"), b"inside").unwrap();
    std::fs::write(outside.join("f"), b"OUTSIDE SECRET").unwrap();
    std::fs::write(outside.join("only-outside"), b"OUTSIDE SECRET").unwrap();
    // A large file too: hashed after the walk, opened from the root by
    // its whole path.
    let big = |c: u8| vec![c; DEFERRED_BYTES as usize + 1];
    std::fs::write(root.join("srv/d/big"), big(b'i')).unwrap();
    std::fs::write(outside.join("big"), big(b'O')).unwrap();
    let secret: [u8; 32] = {
        use sha2::Digest;
        sha2::Sha256::digest(b"OUTSIDE SECRET").into()
    };
    let big_secret = crate::scan::hash::sha256(&big(b'O'));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swaps = Arc::new(AtomicU64::new(0));
    let racer = {
        let (root, outside, stop, swaps) =
            (root.clone(), outside.clone(), stop.clone(), swaps.clone());
        std::thread::spawn(move || {
            let (d, real) = (root.join("srv/d"), root.join("srv/d.real"));
            while !stop.load(Ordering::Relaxed) {
                if std::fs::rename(&d, &real).is_ok() {
                    let _ = std::os::unix::fs::symlink(&outside, &d);
                    // Long enough for a walk to step into it.
                    std::thread::sleep(std::time::Duration::from_micros(100));
                    let _ = std::fs::remove_file(&d);
                    let _ = std::fs::rename(&real, &d);
                    swaps.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let ignore = IgnoreSet::new(Vec::<String>::new()).unwrap();
    let only = [
        b"/srv/d".to_vec(),
        b"/srv/d/f".to_vec(),
        b"/srv/d/big".to_vec(),
    ];
    let mut outside_reads = Vec::new();
    let started = std::time::Instant::now();
    let mut scans = 0;
    // At least 1,000 scans, and until the racer swapped 300 times.
    while scans < 1_000 || (swaps.load(Ordering::Relaxed) < 300 && started.elapsed().as_secs() < 20)
    {
        scans += 1;
        let s = scan(&ScanOptions {
            root: &root,
            ignore: &ignore,
            cache: None,
            throttle: None,
            progress: ProgressBar::hidden(),
            only: scoped.then_some(&only[..]),
            renew_cache: false,
            bounds: None,
        });
        for f in &s.files {
            if f.record.sha256 == Some(secret)
                || f.record.sha256 == Some(big_secret)
                || f.record.path.ends_with(b"only-outside")
            {
                outside_reads.push(String::from_utf8_lossy(&f.record.path).into_owned());
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    racer.join().unwrap();
    let swaps = swaps.load(Ordering::Relaxed);
    assert!(swaps >= 300, "the racer barely ran ({swaps} swaps)");
    assert!(
        outside_reads.is_empty(),
        "read outside the root: {outside_reads:?}"
    );
}

#[test]
fn a_directory_swapped_for_a_symlink_mid_scan_never_leads_outside() {
    race_scans(false);
}

#[test]
fn a_scoped_scan_racing_a_symlink_swap_never_leads_outside() {
    race_scans(true);
}

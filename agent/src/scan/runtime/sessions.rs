//! Sessions (the root's `/run/utmp` and `/var/log/wtmp`): an immutable
//! node is never logged into, so every interactive login is drift; a
//! login history that lost records is unverified, not empty.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use plumb_proto::v1::DeviationKind;

use super::Finding;

/// One record of glibc's `struct utmp` (x86-64 and aarch64 layout, 384
/// bytes), as far as logins need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginRecord {
    pub kind: i16,
    pub pid: i32,
    pub line: String,
    pub user: String,
    pub host: String,
    pub at_unix_ms: i64,
    pub addr: Option<std::net::IpAddr>,
}

/// Size of one `struct utmp`.
pub const UTMP_SIZE: usize = 384;
/// `ut_type` of a login (a user process).
pub const USER_PROCESS: i16 = 7;

/// Parses utmp/wtmp bytes: whole records only (a torn last record is
/// ignored).
pub fn parse_utmp(bytes: &[u8]) -> Vec<LoginRecord> {
    let text = |b: &[u8]| {
        let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..end]).into_owned()
    };
    let i32_at = |r: &[u8], at: usize| i32::from_ne_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
    bytes
        .chunks_exact(UTMP_SIZE)
        .map(|r| {
            let addr = [
                i32_at(r, 348),
                i32_at(r, 352),
                i32_at(r, 356),
                i32_at(r, 360),
            ];
            let addr = if addr == [0; 4] {
                None
            } else if addr[1..] == [0; 3] {
                Some(std::net::IpAddr::from(addr[0].to_ne_bytes()))
            } else {
                let mut v6 = [0u8; 16];
                for (i, w) in addr.iter().enumerate() {
                    v6[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
                }
                Some(std::net::IpAddr::from(v6))
            };
            LoginRecord {
                kind: i16::from_ne_bytes([r[0], r[1]]),
                pid: i32_at(r, 4),
                line: text(&r[8..40]),
                user: text(&r[44..76]),
                host: text(&r[76..332]),
                at_unix_ms: i64::from(i32_at(r, 340)) * 1000 + i64::from(i32_at(r, 344)) / 1000,
                addr,
            }
        })
        .collect()
}

/// A login allowed by policy: from this source address, and why.
#[derive(Clone, Debug)]
pub struct SessionAllow {
    pub from: String,
    pub reason: String,
}

/// The login record files: open sessions (all of them count) and the
/// login history (only logins after the manifest count).
const LOGIN_RECORDS: [(&str, bool); 2] = [("/run/utmp", true), ("/var/log/wtmp", false)];

/// The login record files present under `root` as regular files, for the
/// manifest: at check time one of them gone is an unreadable record, not
/// an empty one.
pub fn login_records_present(root: &Path) -> Vec<String> {
    LOGIN_RECORDS
        .iter()
        .filter(|(file, _)| {
            crate::scan::packages::resolve_in_root(root, file)
                .and_then(|p| std::fs::symlink_metadata(p).ok())
                .is_some_and(|m| m.is_file())
        })
        .map(|(file, _)| file.to_string())
        .collect()
}

/// The login history file, whose size and identity the agent follows.
const HISTORY: &str = "/var/log/wtmp";
/// How much of the history's start is hashed to tell a rewrite.
const HEAD_BYTES: u64 = 4096;
/// Where logrotate moves it (Debian and RHEL rotate wtmp uncompressed).
const HISTORY_ROTATED: &str = "/var/log/wtmp.1";

/// What the agent saw of the login history (`/var/log/wtmp`) at its last
/// scan, kept in its state dir: a history that shrank in place, or was
/// replaced by a file that is not its rotation, during one boot hid the
/// logins it held.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HistorySeen {
    pub boot_id: String,
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    /// SHA-256 (hex) of its first `head_len` bytes: a history rewritten in
    /// place (even on a reused inode, even grown) no longer starts the
    /// same, since records are only ever appended.
    #[serde(default)]
    pub head: String,
    #[serde(default)]
    pub head_len: u64,
    /// Why the history was found tampered with during this boot: it stays
    /// unverified until the node reboots.
    #[serde(default)]
    pub tampered: Option<String>,
}

impl HistorySeen {
    /// Judges the history as it is now (`now`) against what was seen
    /// before; `rotated` says whether the earlier file is the rotation's
    /// (same device and inode as `wtmp.1` now). Returns what to remember
    /// and, when the history lost records, why.
    /// `head_of(n)` is the hash of the history's first `n` bytes now, when
    /// they were read.
    pub fn follow(
        last: Option<&HistorySeen>,
        now: HistorySeen,
        rotated: impl Fn(u64, u64) -> bool,
        head_of: impl Fn(u64) -> Option<String>,
    ) -> (HistorySeen, Option<String>) {
        let Some(last) = last.filter(|l| l.boot_id == now.boot_id) else {
            return (now, None); // first scan, or a new boot
        };
        let why = if let Some(why) = &last.tampered {
            Some(why.clone())
        } else if (last.dev, last.ino) == (now.dev, now.ino) && now.size < last.size {
            Some(format!(
                "{HISTORY} shrank from {} to {} bytes without a reboot: logins it held were removed",
                last.size, now.size
            ))
        } else if (last.dev, last.ino) == (now.dev, now.ino)
            && last.head_len > 0
            && head_of(last.head_len).is_some_and(|h| h != last.head)
        {
            Some(format!(
                "{HISTORY} was rewritten without a reboot: its first {} bytes changed, and records are only appended",
                last.head_len
            ))
        } else if (last.dev, last.ino) != (now.dev, now.ino) && !rotated(last.dev, last.ino) {
            Some(format!(
                "{HISTORY} was replaced without a reboot (inode {} is now {}) and the old file is not {HISTORY_ROTATED}: logins it held are gone",
                last.ino, now.ino
            ))
        } else {
            None
        };
        let seen = HistorySeen {
            tampered: why.clone(),
            ..now
        };
        (seen, why)
    }
}

/// Interactive sessions: open ones from the root's `/run/utmp`, and logins
/// recorded in `/var/log/wtmp` after `since_unix_ms` (the manifest's
/// creation: the image pipeline's own logins do not count). A file of
/// `required` (those the image had) that is gone is an error: whoever
/// deleted the login history must not make the node look unvisited.
/// Returns the findings and the allowed sessions (with their reason).
///
/// `history` is what was seen of `/var/log/wtmp` before (with the current
/// `boot_id`); it is updated, and a history that lost records since is an
/// error too.
pub fn scan_sessions(
    root: &Path,
    since_unix_ms: i64,
    required: &[String],
    allow: &[SessionAllow],
    history: (&mut Option<HistorySeen>, &str),
) -> std::io::Result<(Vec<Finding>, Vec<String>)> {
    let mut logins: BTreeMap<String, LoginRecord> = BTreeMap::new();
    for (file, all) in LOGIN_RECORDS {
        let gone = || {
            if required.iter().any(|r| r == file) {
                Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{file} was in the image and is gone"),
                ))
            } else {
                Ok(())
            }
        };
        // Symlinks on the way are the node's own, resolved inside the root.
        let Some(path) = crate::scan::packages::resolve_in_root(root, file) else {
            gone()?;
            continue;
        };
        let bytes = match read_tail(root, &path, MAX_LOGIN_RECORDS) {
            Ok((b, meta)) => {
                if file == HISTORY {
                    use std::os::unix::fs::MetadataExt;
                    let (seen, boot_id) = (&mut *history.0, history.1);
                    // The head is known when the whole file was read.
                    let whole = b.len() as u64 == meta.len();
                    let head_of = |n: u64| {
                        (whole && n <= b.len() as u64).then(|| {
                            use sha2::Digest;
                            plumb_proto::hex(&sha2::Sha256::digest(&b[..n as usize]))
                        })
                    };
                    let head_len = if whole { meta.len().min(HEAD_BYTES) } else { 0 };
                    let now = HistorySeen {
                        boot_id: boot_id.to_string(),
                        dev: meta.dev(),
                        ino: meta.ino(),
                        size: meta.len(),
                        head: head_of(head_len).unwrap_or_default(),
                        head_len,
                        tampered: None,
                    };
                    let rotated = |dev, ino| {
                        crate::scan::packages::resolve_in_root(root, HISTORY_ROTATED)
                            .and_then(|p| std::fs::symlink_metadata(p).ok())
                            .is_some_and(|m| (m.dev(), m.ino()) == (dev, ino))
                    };
                    let (next, lost) = HistorySeen::follow(seen.as_ref(), now, rotated, head_of);
                    *seen = Some(next);
                    if let Some(why) = lost {
                        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, why));
                    }
                }
                b
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                gone()?;
                continue;
            }
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", path.display()),
                ))
            }
        };
        for r in parse_utmp(&bytes) {
            if r.kind != USER_PROCESS || r.user.is_empty() {
                continue;
            }
            if !all && r.at_unix_ms < since_unix_ms {
                continue;
            }
            logins.insert(format!("{}@{}", r.user, r.line), r);
        }
    }
    let mut findings = Vec::new();
    let mut allowed = Vec::new();
    for (key, r) in logins {
        let from = r
            .addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| r.host.clone());
        let actual = format!(
            "from {} at {} (login pid {})",
            if from.is_empty() { "local" } else { &from },
            humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH
                    + std::time::Duration::from_millis(r.at_unix_ms.max(0) as u64)
            ),
            r.pid
        );
        if let Some(a) = allow.iter().find(|a| !from.is_empty() && a.from == from) {
            allowed.push(format!("{key} {actual}: allowed ({})", a.reason));
            continue;
        }
        findings.push(Finding {
            kind: DeviationKind::SessionOpened,
            key,
            actual,
        });
    }
    Ok((findings, allowed))
}

/// The most of utmp or wtmp read: its last 64 MiB (over 160,000 logins).
const MAX_LOGIN_RECORDS: u64 = 64 << 20;

/// The last `max` bytes of a file, starting on a record boundary. Only a
/// regular file is read: a symlink swapped in at the last moment, a FIFO
/// (which would block the scan) or a device in its place is an error, as
/// is a tail the memory ceiling cannot hold.
fn read_tail(root: &Path, path: &Path, max: u64) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    use std::io::{Seek, SeekFrom};
    let (mut f, len) = crate::scan::packages::open_regular(root, path)?;
    let meta = f.metadata()?;
    if len > max {
        let skip = len - max;
        let skip = skip.div_ceil(UTMP_SIZE as u64) * UTMP_SIZE as u64;
        f.seek(SeekFrom::Start(skip))?;
    }
    let mut out = crate::memory::buffer(path.display(), len.min(max) as usize)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::OutOfMemory, e.to_string()))?;
    f.take(max).read_to_end(&mut out)?;
    Ok((out, meta))
}

/// A `struct utmp` record, for fixtures and tests.
pub fn utmp_record(
    kind: i16,
    pid: i32,
    line: &str,
    user: &str,
    host: &str,
    at_unix_secs: i32,
    addr_v4: Option<[u8; 4]>,
) -> Vec<u8> {
    let mut r = vec![0u8; UTMP_SIZE];
    r[0..2].copy_from_slice(&kind.to_ne_bytes());
    r[4..8].copy_from_slice(&pid.to_ne_bytes());
    let put = |r: &mut Vec<u8>, at: usize, max: usize, s: &str| {
        let b = s.as_bytes();
        let n = b.len().min(max);
        r[at..at + n].copy_from_slice(&b[..n]);
    };
    put(&mut r, 8, 32, line);
    put(&mut r, 44, 32, user);
    put(&mut r, 76, 256, host);
    r[340..344].copy_from_slice(&at_unix_secs.to_ne_bytes());
    if let Some(a) = addr_v4 {
        r[348..352].copy_from_slice(&a);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utmp_records_round_trip() {
        let mut bytes = utmp_record(
            USER_PROCESS,
            42,
            "pts/0",
            "alice",
            "10.0.0.9",
            1_700_000_000,
            Some([10, 0, 0, 9]),
        );
        bytes.extend(utmp_record(
            2,
            0,
            "~",
            "reboot",
            "6.1.0",
            1_700_000_100,
            None,
        ));
        bytes.extend_from_slice(&[1, 2, 3]); // a torn record
        let r = parse_utmp(&bytes);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].user, "alice");
        assert_eq!(r[0].line, "pts/0");
        assert_eq!(r[0].pid, 42);
        assert_eq!(r[0].at_unix_ms, 1_700_000_000_000);
        assert_eq!(r[0].addr, Some("10.0.0.9".parse().unwrap()));
        assert_eq!(r[1].kind, 2);
    }

    /// Login records are read inside the root and only from regular
    /// files: a FIFO in wtmp's place is an error at once (reading it would
    /// block the scan), and an absolute symlink is the node's own.
    #[test]
    fn login_records_are_read_inside_the_root_and_only_from_regular_files() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("run")).unwrap();
        std::fs::create_dir_all(r.join("var/log")).unwrap();
        std::fs::create_dir_all(r.join("srv")).unwrap();
        let login = utmp_record(USER_PROCESS, 7, "pts/3", "mallory", "", 1_700_000_000, None);
        std::fs::write(r.join("srv/utmp"), &login).unwrap();
        // /run/utmp -> /srv/utmp: the root's /srv, not the host's.
        std::os::unix::fs::symlink("/srv/utmp", r.join("run/utmp")).unwrap();
        let (found, _) = scan_sessions(r, 0, &[], &[], (&mut None, "boot")).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "mallory@pts/3");

        crate::fixture::FixtureRoot::at(r).fifo("/var/log/wtmp");
        let started = std::time::Instant::now();
        let e = scan_sessions(r, 0, &[], &[], (&mut None, "boot")).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(e.to_string().contains("wtmp: not a regular file"), "{e}");
    }

    /// A login history the image had and the node lost is unreadable,
    /// not empty: deleting wtmp does not hide a login.
    #[test]
    fn a_login_record_the_image_had_cannot_vanish_unnoticed() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("run")).unwrap();
        std::fs::create_dir_all(r.join("var/log")).unwrap();
        std::fs::write(r.join("run/utmp"), b"").unwrap();
        std::fs::write(r.join("var/log/wtmp"), b"").unwrap();
        let recorded = login_records_present(r);
        assert_eq!(recorded, ["/run/utmp", "/var/log/wtmp"]);
        assert!(scan_sessions(r, 0, &recorded, &[], (&mut None, "boot"))
            .unwrap()
            .0
            .is_empty());

        std::fs::remove_file(r.join("var/log/wtmp")).unwrap();
        let e = scan_sessions(r, 0, &recorded, &[], (&mut None, "boot")).unwrap_err();
        assert!(
            e.to_string()
                .contains("/var/log/wtmp was in the image and is gone"),
            "{e}"
        );
        // An image without it (a container) is not held to it.
        assert!(scan_sessions(r, 0, &recorded[..1], &[], (&mut None, "boot")).is_ok());
        assert_eq!(login_records_present(r), ["/run/utmp"]);
    }
}

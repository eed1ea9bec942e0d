//! Runtime drift: what the node runs, against what its image holds.
//!
//! - Processes (`/proc/<pid>/exe`, `maps`, `status`, `cmdline`): every
//!   executable and every file-backed executable mapping must be a file of
//!   the manifest, still the inode the process started from; a process
//!   running a deleted or replaced file, an anonymous memory file, or code
//!   from outside the manifest is a deviation. Processes in mount
//!   namespaces other than init's (containers) are counted, not judged.
//! - Kernel modules (`/proc/modules`): each loaded module has a module file
//!   in the manifest for the running release; taint flags for out-of-tree
//!   or unsigned modules are a deviation.
//! - Sessions (the root's `/run/utmp` and `/var/log/wtmp`): an immutable
//!   node is never logged into, so every interactive login is drift.
//!
//! Every read is bounded; a part that cannot be read is reported by the
//! caller as a `scan_error`, never as clean.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Mutex;

use plumb_proto::v1::DeviationKind;

use crate::hash::StatKey;

/// What a runtime check found that is not as the image says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: DeviationKind,
    pub key: String,
    pub actual: String,
}

/// The outcome of a process scan.
#[derive(Debug, Default)]
pub struct ProcessScan {
    pub findings: Vec<Finding>,
    /// Processes judged (this mount namespace).
    pub processes: usize,
    /// Processes of other mount namespaces (containers): out of scope.
    pub other_namespaces: usize,
    /// Processes whose executable could not be read (not kernel threads):
    /// what was refused, for a `scan_error`.
    pub unreadable: Vec<String>,
}

/// The manifest's files, as the runtime checks ask about them: a keyed
/// 64-bit hash of each regular file's path with its digest (100k files in
/// about 5 MB; the key is random per process, so no path can be crafted to
/// collide), and the digests of the running files already hashed, by
/// stat key, so each quick scan only `stat`s them again.
pub struct KnownFiles {
    hasher: std::collections::hash_map::RandomState,
    paths: HashMap<u64, Option<[u8; 32]>>,
    verified: Mutex<HashMap<StatKey, [u8; 32]>>,
}

/// Running files remembered as verified at most; past it the memory is
/// dropped and they are hashed again.
const MAX_VERIFIED: usize = 20_000;

impl KnownFiles {
    pub fn new<'a>(files: impl IntoIterator<Item = (&'a [u8], Option<[u8; 32]>)>) -> KnownFiles {
        let hasher = std::collections::hash_map::RandomState::new();
        let paths = files
            .into_iter()
            .map(|(p, d)| (hasher.hash_one(p), d))
            .collect();
        KnownFiles {
            hasher,
            paths,
            verified: Mutex::default(),
        }
    }

    pub fn contains(&self, path: &[u8]) -> bool {
        self.paths.contains_key(&self.hasher.hash_one(path))
    }

    /// Whether the manifest's `path` under `root` still has the manifest's
    /// content: opened from the root without following a symlink, hashed
    /// once per version of the file.
    fn content_matches(&self, path: &[u8], root: &Path) -> bool {
        let Some(Some(want)) = self.paths.get(&self.hasher.hash_one(path)) else {
            // No digest recorded (not a regular file): nothing to compare.
            return true;
        };
        let Ok(root) = crate::beneath::open_root(root) else {
            return false;
        };
        let Ok(file) = crate::beneath::open(&root, path, crate::beneath::READ) else {
            return false;
        };
        let Ok(st) = crate::hash::fstat(&file) else {
            return false;
        };
        if !crate::hash::is_regular(&st) {
            return false;
        }
        let key = StatKey::of(&st);
        let known = self
            .verified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .copied();
        let digest = match known {
            Some(d) => d,
            None => match crate::hash::hash_file_beneath(&root, path, Some(file), key, None) {
                Ok((d, hashed)) => {
                    let mut v = self.verified.lock().unwrap_or_else(|e| e.into_inner());
                    if v.len() >= MAX_VERIFIED {
                        v.clear();
                    }
                    v.insert(hashed, d);
                    d
                }
                Err(_) => return false,
            },
        };
        digest == *want
    }
}

/// At most this many bytes are read from one `/proc` file (a process's
/// maps can be long; a hostile process controls its own cmdline).
const MAX_PROC_FILE: u64 = 4 << 20;

fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_PROC_FILE)
        .read_to_end(&mut out)?;
    Ok(out)
}

/// Who a process is, for the deviation's `actual`.
fn describe(proc_dir: &Path, pid: u32) -> String {
    let status = read_bounded(&proc_dir.join(format!("{pid}/status"))).unwrap_or_default();
    let status = String::from_utf8_lossy(&status);
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    format!(
        "pid={pid} name={} uid={} ppid={}",
        field("Name:"),
        field("Uid:"),
        field("PPid:")
    )
}

/// What one path a process runs is, judged against the manifest.
enum Code {
    Known,
    Unexpected(String),
    Deleted(String),
    Memfd(String),
}

/// Scans every process under `proc_dir` against `known`. `root` is the
/// node's root (`/` for a live node): paths outside it are not files of
/// the node. `interpreters` are program names whose script argument is
/// judged like an executable.
pub fn scan_processes(
    proc_dir: &Path,
    root: &Path,
    known: &KnownFiles,
    interpreters: &[String],
) -> std::io::Result<ProcessScan> {
    use rayon::prelude::*;
    // The node's own mount namespace is init's: the agent itself may run
    // in a private one (systemd's sandboxing, a container with the host's
    // pid namespace) and must still judge the node's processes.
    let own_ns = std::fs::read_link(proc_dir.join("1/ns/mnt"))
        .or_else(|_| std::fs::read_link(proc_dir.join("self/ns/mnt")))
        .ok();
    // Where the node's root is, to tell a process whose own root is the
    // node's (its paths are node paths: a host root mounted at /host for an
    // agent in a container) from one that sees the node's files under the
    // root's path.
    let root_id = std::fs::metadata(root).ok().map(|m| (m.dev(), m.ino()));
    let pids: Vec<u32> = std::fs::read_dir(proc_dir)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    // Each process on any core: reading `maps` is most of the cost.
    let seen: Vec<(u32, Seen)> = pids
        .par_iter()
        .map(|&pid| {
            let dir = proc_dir.join(pid.to_string());
            (
                pid,
                one_process(
                    &dir,
                    pid,
                    own_ns.as_deref(),
                    root,
                    root_id,
                    known,
                    interpreters,
                ),
            )
        })
        .collect();
    let mut scan = ProcessScan::default();
    // (kind, key) -> the processes running it.
    let mut found: BTreeMap<(i32, String), Vec<u32>> = BTreeMap::new();
    for (pid, s) in seen {
        match s {
            Seen::Gone => {}
            Seen::Unreadable(why) => scan.unreadable.push(why),
            Seen::OtherNamespace => scan.other_namespaces += 1,
            Seen::Judged(findings) => {
                scan.processes += 1;
                for f in findings {
                    found.entry(f).or_default().push(pid);
                }
            }
        }
    }
    for ((kind, key), pids) in found {
        let mut actual = describe(proc_dir, pids[0]);
        if pids.len() > 1 {
            actual.push_str(&format!(" (and {} more processes)", pids.len() - 1));
        }
        scan.findings.push(Finding {
            kind: DeviationKind::try_from(kind).unwrap_or(DeviationKind::ProcessUnexpected),
            key,
            actual,
        });
    }
    Ok(scan)
}

/// What one process showed.
enum Seen {
    /// A kernel thread, or exited meanwhile.
    Gone,
    Unreadable(String),
    OtherNamespace,
    /// Judged: its (kind, key) findings.
    Judged(Vec<(i32, String)>),
}

fn one_process(
    dir: &Path,
    pid: u32,
    own_ns: Option<&Path>,
    root: &Path,
    root_id: Option<(u64, u64)>,
    known: &KnownFiles,
    interpreters: &[String],
) -> Seen {
    let exe_link = dir.join("exe");
    let exe = match std::fs::read_link(&exe_link) {
        Ok(e) => e,
        // Kernel threads have no executable; a process that exited
        // meanwhile is gone.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Seen::Gone,
        Err(e) => {
            return if exe_link.symlink_metadata().is_ok() {
                Seen::Unreadable(format!("pid {pid}: {e}"))
            } else {
                Seen::Gone
            };
        }
    };
    if let (Some(own), Ok(ns)) = (own_ns, std::fs::read_link(dir.join("ns/mnt"))) {
        if ns != own {
            return Seen::OtherNamespace;
        }
    }
    let node_paths = root_id.is_some()
        && std::fs::metadata(dir.join("root"))
            .ok()
            .map(|m| (m.dev(), m.ino()))
            == root_id;
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut findings = Vec::new();
    let exe_bytes = exe.as_os_str().as_bytes().to_vec();
    let mut judge = |path: &[u8], running: Option<&Path>| {
        if !seen.insert(path.to_vec()) {
            return;
        }
        let (kind, key) = match classify(path, root, node_paths, known, running) {
            Code::Known => return,
            Code::Unexpected(k) => (DeviationKind::ProcessUnexpected, k),
            Code::Deleted(k) => (DeviationKind::ProcessDeleted, k),
            Code::Memfd(k) => (DeviationKind::ProcessMemfd, k),
        };
        findings.push((kind as i32, key));
    };
    judge(&exe_bytes, Some(&exe_link));
    match read_bounded(&dir.join("maps")) {
        // Mappings are judged by path: their device numbers in `maps` do
        // not compare with `stat`'s on every filesystem.
        Ok(maps) => {
            for (path, _inode) in executable_mappings(&maps) {
                if path != exe_bytes {
                    judge(&path, None);
                }
            }
        }
        // Exited meanwhile.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.raw_os_error() == Some(libc::ESRCH) =>
        {
            return Seen::Gone
        }
        // Code it may have loaded cannot be seen: not verified.
        Err(e) => return Seen::Unreadable(format!("pid {pid} maps: {e}")),
    }
    // A script run by an interpreter is code too.
    let name = exe_bytes.rsplit(|b| *b == b'/').next().unwrap_or(&[]);
    if interpreters.iter().any(|i| i.as_bytes() == name) {
        if let Some(script) = script_argument(dir) {
            judge(&script, None);
        }
    }
    Seen::Judged(findings)
}

/// `running` is the process's `exe` link, whose `stat` is the inode it
/// runs (only looked at when the path is a file of the manifest).
/// With `node_paths`, `path` is already a path of the node (the process's
/// root is the node's root); otherwise it is under `root`.
fn classify(
    path: &[u8],
    root: &Path,
    node_paths: bool,
    known: &KnownFiles,
    running: Option<&Path>,
) -> Code {
    let text = String::from_utf8_lossy(path).into_owned();
    if let Some(name) = text.strip_prefix("/memfd:") {
        let name = name.strip_suffix(" (deleted)").unwrap_or(name);
        return Code::Memfd(format!("memfd:{name}"));
    }
    if let Some(gone) = text.strip_suffix(" (deleted)") {
        return Code::Deleted(gone.to_string());
    }
    let rel = if node_paths {
        Some(path.to_vec())
    } else {
        manifest_path(path, root)
    };
    let Some(rel) = rel else {
        return Code::Unexpected(text);
    };
    if !known.contains(&rel) {
        return Code::Unexpected(text);
    }
    // Still the file the manifest names? A file replaced at that path
    // since the process started has another inode. (Stat'ed from the root
    // without following a symlink, like every read of the root.)
    if let Some(Ok(running)) = running.map(std::fs::metadata) {
        let now = crate::beneath::open_root(root)
            .and_then(|r| crate::beneath::open(&r, &rel, rustix::fs::OFlags::PATH)?.metadata());
        match now {
            Ok(now) if now.ino() == running.ino() && now.dev() == running.dev() => {}
            _ => return Code::Deleted(text),
        }
    }
    // And that file is the image's: a binary patched in place is code the
    // image does not hold.
    if !known.content_matches(&rel, root) {
        return Code::Unexpected(text);
    }
    Code::Known
}

/// `path` (as the process sees it) as a manifest path under `root`.
fn manifest_path(path: &[u8], root: &Path) -> Option<Vec<u8>> {
    let root = root.as_os_str().as_bytes();
    let root = root.strip_suffix(b"/").unwrap_or(root);
    if root.is_empty() {
        return Some(path.to_vec());
    }
    let rest = path.strip_prefix(root)?;
    (rest.is_empty() || rest.starts_with(b"/")).then(|| {
        if rest.is_empty() {
            b"/".to_vec()
        } else {
            rest.to_vec()
        }
    })
}

/// The file-backed executable mappings of a `maps` text: (path, inode).
pub fn executable_mappings(maps: &[u8]) -> Vec<(Vec<u8>, u64)> {
    let mut out = Vec::new();
    for line in maps.split(|b| *b == b'\n') {
        // address perms offset dev inode pathname
        let mut fields = line.splitn(6, |b| *b == b' ');
        let (Some(_), Some(perms), Some(_), Some(_), Some(inode), Some(rest)) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            continue;
        };
        if perms.get(2) != Some(&b'x') {
            continue;
        }
        let path = rest.trim_ascii_start();
        if !path.starts_with(b"/") {
            continue; // [vdso], [stack], anonymous
        }
        let inode = std::str::from_utf8(inode)
            .ok()
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        out.push((path.to_vec(), inode));
    }
    out
}

/// The script an interpreter runs: its first argument that is not an
/// option, resolved against the process's working directory. Inline code
/// (`-c`, also in a cluster like `-lc`; `-m` a module; `-e`) names no
/// script.
fn script_argument(dir: &Path) -> Option<Vec<u8>> {
    let cmdline = read_bounded(&dir.join("cmdline")).ok()?;
    let mut args = cmdline.split(|b| *b == 0).skip(1);
    let script = loop {
        let arg = args.next()?;
        match arg {
            [] => return None,
            b"--" => continue,
            // Inline code (`-c`, `-lc`, python's `-m`, perl's `-e`): no
            // script file to judge.
            [b'-', flags @ ..] if !flags.starts_with(b"-") => {
                if flags.iter().any(|f| b"cmeE".contains(f)) {
                    return None;
                }
            }
            a if a.starts_with(b"-") => continue,
            a => break a.to_vec(),
        }
    };
    // A script handed over as a descriptor is whatever that descriptor of
    // the process (not of the agent) is: a file is judged, a pipe cannot
    // be named.
    let fd = script
        .strip_prefix(b"/dev/fd/")
        .or_else(|| script.strip_prefix(b"/proc/self/fd/"));
    if let Some(fd) = fd {
        let target =
            std::fs::read_link(dir.join("fd").join(std::ffi::OsStr::from_bytes(fd))).ok()?;
        let target = target.into_os_string().into_vec();
        return target.starts_with(b"/").then_some(target);
    }
    if script.starts_with(b"/proc/") {
        return None;
    }
    let full = if script.starts_with(b"/") {
        script
    } else {
        let cwd = std::fs::read_link(dir.join("cwd")).ok()?;
        let mut full = cwd.as_os_str().as_bytes().to_vec();
        if !full.ends_with(b"/") {
            full.push(b'/');
        }
        full.extend_from_slice(&script);
        full
    };
    // Only an existing file is a script (not a word `sh` was given); its
    // key is its real path.
    let real = std::fs::canonicalize(Path::new(std::ffi::OsStr::from_bytes(&full))).ok()?;
    real.is_file().then(|| real.into_os_string().into_vec())
}

/// Kernel taint bits that mean code the image did not ship: a proprietary
/// module (P, 0), a forced load (F, 1), an out-of-tree module (O, 12), an
/// unsigned module (E, 13).
const TAINT_FLAGS: &[(u32, char, &str)] = &[
    (0, 'P', "proprietary module"),
    (1, 'F', "module force-loaded"),
    (12, 'O', "out-of-tree module"),
    (13, 'E', "unsigned module"),
];

/// Loaded kernel modules (`/proc/modules`) that have no module file in the
/// manifest (`known_modules`: names with `-` written `_`), and the taint
/// flags above.
pub fn scan_modules(
    proc_dir: &Path,
    known_modules: &HashSet<String>,
) -> std::io::Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let modules = read_bounded(&proc_dir.join("modules"))?;
    for line in String::from_utf8_lossy(&modules).lines() {
        let mut f = line.split_whitespace();
        let Some(name) = f.next() else { continue };
        let normal = name.replace('-', "_");
        if !known_modules.contains(&normal) {
            let state = f.nth(3).unwrap_or("");
            findings.push(Finding {
                kind: DeviationKind::ModuleUnexpected,
                key: name.to_string(),
                actual: format!("loaded ({state}) with no module file in the image"),
            });
        }
    }
    let tainted = read_bounded(&proc_dir.join("sys/kernel/tainted"))?;
    let mask: u64 = String::from_utf8_lossy(&tainted)
        .trim()
        .parse()
        .unwrap_or(0);
    let flags: Vec<String> = TAINT_FLAGS
        .iter()
        .filter(|(bit, _, _)| mask & (1 << bit) != 0)
        .map(|(_, letter, what)| format!("{letter} ({what})"))
        .collect();
    if !flags.is_empty() {
        findings.push(Finding {
            kind: DeviationKind::KernelTainted,
            key: "kernel".to_string(),
            actual: format!("tainted={mask}: {}", flags.join(", ")),
        });
    }
    Ok(findings)
}

/// The module names (`-` as `_`) of the manifest's module files for
/// `release`: `/lib/modules/<release>/**/<name>.ko[.xz|.zst|.gz]` (or
/// under `/usr/lib/modules`).
pub fn module_names<'a>(
    paths: impl IntoIterator<Item = &'a [u8]>,
    release: &str,
) -> HashSet<String> {
    let prefixes = [
        format!("/lib/modules/{release}/"),
        format!("/usr/lib/modules/{release}/"),
    ];
    let mut names = HashSet::new();
    for p in paths {
        let Ok(p) = std::str::from_utf8(p) else {
            continue;
        };
        if !prefixes.iter().any(|pre| p.starts_with(pre.as_str())) {
            continue;
        }
        let file = p.rsplit('/').next().unwrap_or("");
        if let Some((name, _)) = file.split_once(".ko") {
            names.insert(name.replace('-', "_"));
        }
    }
    names
}

/// The running kernel's release (`/proc/sys/kernel/osrelease`).
pub fn kernel_release(proc_dir: &Path) -> std::io::Result<String> {
    Ok(
        String::from_utf8_lossy(&read_bounded(&proc_dir.join("sys/kernel/osrelease"))?)
            .trim()
            .to_string(),
    )
}

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
            crate::packages::resolve_in_root(root, file)
                .and_then(|p| std::fs::symlink_metadata(p).ok())
                .is_some_and(|m| m.is_file())
        })
        .map(|(file, _)| file.to_string())
        .collect()
}

/// The login history file, whose size and identity the agent follows.
const HISTORY: &str = "/var/log/wtmp";
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
    pub fn follow(
        last: Option<&HistorySeen>,
        now: HistorySeen,
        rotated: impl Fn(u64, u64) -> bool,
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
        let Some(path) = crate::packages::resolve_in_root(root, file) else {
            gone()?;
            continue;
        };
        let bytes = match read_tail(root, &path, MAX_LOGIN_RECORDS) {
            Ok((b, meta)) => {
                if file == HISTORY {
                    use std::os::unix::fs::MetadataExt;
                    let (seen, boot_id) = (&mut *history.0, history.1);
                    let now = HistorySeen {
                        boot_id: boot_id.to_string(),
                        dev: meta.dev(),
                        ino: meta.ino(),
                        size: meta.len(),
                        tampered: None,
                    };
                    let rotated = |dev, ino| {
                        crate::packages::resolve_in_root(root, HISTORY_ROTATED)
                            .and_then(|p| std::fs::symlink_metadata(p).ok())
                            .is_some_and(|m| (m.dev(), m.ino()) == (dev, ino))
                    };
                    let (next, lost) = HistorySeen::follow(seen.as_ref(), now, rotated);
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
    let (mut f, len) = crate::packages::open_regular(root, path)?;
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
    fn executable_mappings_are_the_file_backed_ones() {
        let maps = b"55d0-55d1 r--p 00000000 08:01 131 /usr/bin/sleep\n\
55d1-55d2 r-xp 00001000 08:01 131 /usr/bin/sleep\n\
7f00-7f01 r-xp 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6\n\
7f02-7f03 r-xp 00000000 00:01 77 /memfd:payload (deleted)\n\
7f04-7f05 r-xp 00000000 08:01 55 /opt/old/lib.so (deleted)\n\
7ffd-7ffe r-xp 00000000 00:00 0 [vdso]\n\
7ffe-7fff rw-p 00000000 00:00 0 \n";
        let m = executable_mappings(maps);
        let paths: Vec<&[u8]> = m.iter().map(|(p, _)| p.as_slice()).collect();
        assert_eq!(
            paths,
            vec![
                &b"/usr/bin/sleep"[..],
                b"/usr/lib/x86_64-linux-gnu/libc.so.6",
                b"/memfd:payload (deleted)",
                b"/opt/old/lib.so (deleted)",
            ]
        );
        assert_eq!(m[1].1, 99);
    }

    #[test]
    fn paths_are_classified() {
        let known = KnownFiles::new([(&b"/usr/bin/sleep"[..], None)]);
        let root = Path::new("/");
        assert!(matches!(
            classify(b"/usr/bin/sleep", root, false, &known, None),
            Code::Known
        ));
        assert!(
            matches!(classify(b"/tmp/x", root, false, &known, None), Code::Unexpected(k) if k == "/tmp/x")
        );
        assert!(
            matches!(classify(b"/memfd:a b (deleted)", root, false, &known, None), Code::Memfd(k) if k == "memfd:a b")
        );
        assert!(
            matches!(classify(b"/usr/bin/x (deleted)", root, false, &known, None), Code::Deleted(k) if k == "/usr/bin/x")
        );
        // Under another root, paths map into it; outside it nothing is known.
        let r = Path::new("/srv/image");
        assert!(matches!(
            classify(b"/srv/image/usr/bin/sleep", r, false, &known, None),
            Code::Known
        ));
        assert!(matches!(
            classify(b"/usr/bin/sleep", r, false, &known, None),
            Code::Unexpected(_)
        ));
        // A process whose own root is the node's root (a host mounted at
        // /host for an agent in a container) names node paths.
        assert!(matches!(
            classify(b"/usr/bin/sleep", r, true, &known, None),
            Code::Known
        ));
    }

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

    #[test]
    fn module_files_are_named_like_loaded_modules() {
        let paths: Vec<&[u8]> = vec![
            b"/lib/modules/6.1.0-13-amd64/kernel/fs/ext4/ext4.ko.xz",
            b"/lib/modules/6.1.0-13-amd64/kernel/drivers/net/virtio-net.ko",
            b"/lib/modules/5.10.0/kernel/fs/old.ko",
        ];
        let names = module_names(paths, "6.1.0-13-amd64");
        assert!(names.contains("ext4") && names.contains("virtio_net"));
        assert!(!names.contains("old"));
    }
}

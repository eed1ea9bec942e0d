//! Processes (`/proc/<pid>/exe`, `maps`, `status`, `cmdline`): every
//! executable and every file-backed executable mapping must be a file of
//! the manifest, still the inode the process started from.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Mutex;

use plumb_proto::v1::DeviationKind;

use super::{read_bounded, Finding};
use crate::scan::hash::StatKey;

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

    /// The digest the manifest records for `path`: `None` when the path
    /// is not a regular file of the manifest.
    pub fn digest(&self, path: &[u8]) -> Option<Option<[u8; 32]>> {
        self.paths.get(&self.hasher.hash_one(path)).copied()
    }

    /// Whether the manifest's `path` under `root` still has the manifest's
    /// content: opened from the root without following a symlink, hashed
    /// once per version of the file.
    fn content_matches(&self, path: &[u8], root: &Path) -> bool {
        let Some(Some(want)) = self.paths.get(&self.hasher.hash_one(path)) else {
            // No digest recorded (not a regular file): nothing to compare.
            return true;
        };
        let Ok(root) = crate::scan::beneath::open_root(root) else {
            return false;
        };
        let Ok(file) = crate::scan::beneath::open(&root, path, crate::scan::beneath::READ) else {
            return false;
        };
        let Ok(st) = crate::scan::hash::fstat(&file) else {
            return false;
        };
        if !crate::scan::hash::is_regular(&st) {
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
            None => {
                match crate::scan::hash::hash_file_beneath(&root, path, Some(file), key, None) {
                    Ok((d, hashed)) => {
                        let mut v = self.verified.lock().unwrap_or_else(|e| e.into_inner());
                        if v.len() >= MAX_VERIFIED {
                            v.clear();
                        }
                        v.insert(hashed, d);
                        d
                    }
                    Err(_) => return false,
                }
            }
        };
        digest == *want
    }
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
    // The node's own mount namespace is init's: the agent itself may run
    // in a private one (systemd's sandboxing, a container with the host's
    // pid namespace) and must still judge the node's processes.
    let own_ns = std::fs::read_link(proc_dir.join("1/ns/mnt"))
        .or_else(|_| std::fs::read_link(proc_dir.join("self/ns/mnt")))
        .ok();
    let pids: Vec<u32> = std::fs::read_dir(proc_dir)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    Ok(judge(
        proc_dir,
        &pids,
        own_ns.as_deref(),
        root,
        known,
        interpreters,
    ))
}

/// Judges the processes `pids` — a container's — against `known`, the
/// files of its image. `root` is the container's root as the host sees it
/// (`/proc/<pid>/root`): the paths its processes run are paths of it.
pub fn scan_pids(
    proc_dir: &Path,
    pids: &[u32],
    root: &Path,
    known: &KnownFiles,
    interpreters: &[String],
) -> ProcessScan {
    judge(proc_dir, pids, None, root, known, interpreters)
}

fn judge(
    proc_dir: &Path,
    pids: &[u32],
    own_ns: Option<&Path>,
    root: &Path,
    known: &KnownFiles,
    interpreters: &[String],
) -> ProcessScan {
    use rayon::prelude::*;
    // Where the node's root is, to tell a process whose own root is the
    // node's (its paths are node paths: a host root mounted at /host for an
    // agent in a container) from one that sees the node's files under the
    // root's path.
    let root_id = std::fs::metadata(root).ok().map(|m| (m.dev(), m.ino()));
    // Each process on any core: reading `maps` is most of the cost.
    let seen: Vec<(u32, Seen)> = pids
        .par_iter()
        .map(|&pid| {
            let dir = proc_dir.join(pid.to_string());
            (
                pid,
                one_process(&dir, pid, own_ns, root, root_id, known, interpreters),
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
    scan
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
    let mut name = base_name(&exe_bytes).to_vec();
    if MULTI_CALL.contains(&&name[..]) {
        // busybox runs the applet its first argument names (`sh`).
        if let Ok(cmdline) = read_bounded(&dir.join("cmdline")) {
            let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
            name = base_name(argv0).to_vec();
        }
    }
    let script = interpreters
        .iter()
        .any(|i| i.as_bytes() == name.as_slice())
        .then(|| script_argument(dir))
        .flatten();
    match script {
        Some(Script::Present(path)) => judge(&path, None),
        Some(Script::Deleted(mut path)) => {
            path.extend_from_slice(b" (deleted)");
            judge(&path, None);
        }
        Some(Script::Missing(path)) if seen.insert(path.clone()) => {
            let key = String::from_utf8_lossy(&path).into_owned();
            findings.push((DeviationKind::ProcessUnexpected as i32, key));
        }
        Some(Script::Missing(_)) | None => {}
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
        let now = crate::scan::beneath::open_root(root).and_then(|r| {
            crate::scan::beneath::open(&r, &rel, rustix::fs::OFlags::PATH)?.metadata()
        });
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

/// Programs that run the applet named by their first argument.
const MULTI_CALL: &[&[u8]] = &[b"busybox", b"toybox"];

fn base_name(path: &[u8]) -> &[u8] {
    path.rsplit(|b| *b == b'/').next().unwrap_or(&[])
}

/// What an interpreter's script argument names, as the process sees it.
enum Script {
    /// A regular file inside the process's root: its path there, with the
    /// symlinks of that root resolved.
    Present(Vec<u8>),
    /// Gone from disk while the interpreter still holds it open.
    Deleted(Vec<u8>),
    /// No such file inside the process's root, and no descriptor of it:
    /// code that cannot be judged.
    Missing(Vec<u8>),
}

/// Options of the default interpreters that take the next argument as
/// their value (`sh -o pipefail`, `python3 -W error`, `-X dev`).
const OPTIONS_WITH_VALUE: &[&[u8]] = &[b"-o", b"+o", b"-O", b"+O", b"-W", b"-X"];

/// The script an interpreter runs: its first argument that is not an
/// option, resolved against the process's working directory, inside the
/// process's own root (`/proc/<pid>/root`, its mount namespace): a
/// container's script is looked up in the container, never on the host.
/// Inline code (`-c`, also in a cluster like `-lc`; `-m` a module; `-e`)
/// and standard input (`-s`) name no script.
fn script_argument(dir: &Path) -> Option<Script> {
    let cmdline = read_bounded(&dir.join("cmdline")).ok()?;
    let mut args = cmdline.split(|b| *b == 0).skip(1);
    let script = loop {
        let arg = args.next()?;
        match arg {
            [] => return None,
            b"--" => continue,
            a if OPTIONS_WITH_VALUE.contains(&a) => {
                args.next();
            }
            // Inline code (`-c`, `-lc`, python's `-m`, perl's `-e`) or a
            // script on standard input (`-s`): no script file to judge.
            [b'-', flags @ ..] if !flags.starts_with(b"-") => {
                if flags.iter().any(|f| b"cmeEs".contains(f)) {
                    return None;
                }
            }
            a if a.starts_with(b"-") || a.starts_with(b"+") => continue,
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
        return target.starts_with(b"/").then_some(Script::Present(target));
    }
    if script.starts_with(b"/proc/") {
        return None;
    }
    let full = if script.starts_with(b"/") {
        script
    } else {
        // The working directory as the process sees it (`/proc/<pid>/cwd`
        // names it within the process's root).
        let cwd = std::fs::read_link(dir.join("cwd")).ok()?;
        let mut full = cwd.as_os_str().as_bytes().to_vec();
        if !full.ends_with(b"/") {
            full.push(b'/');
        }
        full.extend_from_slice(&script);
        full
    };
    // Resolved inside the process's root, then opened beneath it without
    // following a symlink: only a regular file there is a script.
    let root = dir.join("root");
    let present = std::str::from_utf8(&full)
        .ok()
        .and_then(|f| crate::scan::packages::resolve_in_root(&root, f))
        .and_then(|real| {
            let rel = real
                .strip_prefix(&root)
                .ok()?
                .as_os_str()
                .as_bytes()
                .to_vec();
            let dirfd = crate::scan::beneath::open_root(&root).ok()?;
            let file = crate::scan::beneath::open(&dirfd, &rel, crate::scan::beneath::READ).ok()?;
            let st = crate::scan::hash::fstat(&file).ok()?;
            crate::scan::hash::is_regular(&st).then(|| {
                let mut path = b"/".to_vec();
                path.extend_from_slice(&rel);
                path
            })
        });
    if let Some(path) = present {
        return Some(Script::Present(path));
    }
    // Deleted while the interpreter reads it: its descriptor says so.
    let mut deleted = full.clone();
    deleted.extend_from_slice(b" (deleted)");
    let held = std::fs::read_dir(dir.join("fd")).ok().is_some_and(|fds| {
        fds.flatten()
            .take(MAX_FDS)
            .filter_map(|e| std::fs::read_link(e.path()).ok())
            .any(|t| t.as_os_str().as_bytes() == deleted)
    });
    Some(if held {
        Script::Deleted(full)
    } else {
        Script::Missing(full)
    })
}

/// Descriptors of one process looked through for a deleted script.
const MAX_FDS: usize = 4096;

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
}

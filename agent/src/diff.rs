//! Compares a snapshot of a node against its image's manifest and yields
//! deviations. Pure: no I/O, so every rule is unit-testable.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use plumb_proto::v1::{Deviation, DeviationKind, FileType, Listener, Manifest, Package, Severity};
use plumb_proto::{hex, kind_snake};

use crate::paths;
use crate::policy::{FileFacts, Policy};
use crate::record::FileRecord;
use crate::scan::files::{FileScan, ScannedFile};
use crate::scan::listeners;
use crate::scan::packages::PackageScan;

/// Programs that give a remote shell: a listener of one the manifest
/// lacks is critical.
const REMOTE_SHELLS: &[&str] = &[
    "sshd",
    "dropbear",
    "telnetd",
    "in.telnetd",
    "rshd",
    "in.rshd",
    "rlogind",
    "in.rlogind",
];

/// What the scanners saw on the node.
pub struct Snapshot<'a> {
    pub files: &'a FileScan,
    /// Manifest paths the file scan covered; `None` means the whole root.
    pub scope: Option<&'a [Vec<u8>]>,
    pub packages: Option<&'a PackageScan>,
    pub listeners: Option<&'a [Listener]>,
    /// Paths of the manifest's executable regular files (for listener
    /// allow rules that name a program).
    pub executables: Option<&'a std::collections::HashSet<Box<[u8]>>>,
}

/// Every deviation of `snap` from `manifest` (whose files are `expected`,
/// sorted by path) under `policy`, sorted by (kind, key).
pub fn diff(
    manifest: &Manifest,
    expected: &[FileRecord],
    snap: &Snapshot<'_>,
    policy: &Policy,
) -> Vec<Deviation> {
    let mut out = Vec::new();
    let package_devs = snap
        .packages
        .map(|p| diff_packages(&manifest.packages, &p.packages, policy))
        .unwrap_or_default();
    diff_files(expected, snap, policy, &mut out);
    if let (Some(section), Some(current)) = (manifest.listeners.as_ref(), snap.listeners) {
        let image_executable = |exe: &str| {
            snap.executables
                .is_some_and(|set| set.contains(exe.as_bytes()))
        };
        diff_listeners(
            &section.listeners,
            &section.allowed,
            current,
            &image_executable,
            policy,
            &mut out,
        );
    }
    explain(&mut out, &package_devs);
    out.extend(package_devs);
    out.sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    out.dedup_by(|a, b| a.kind == b.kind && a.key == b.key);
    out
}

fn in_scope(scope: Option<&[Vec<u8>]>, path: &[u8]) -> bool {
    match scope {
        None => true,
        Some(roots) => roots.iter().any(|r| {
            path == r.as_slice()
                || (path.starts_with(r)
                    && (r.as_slice() == b"/" || path.get(r.len()) == Some(&b'/')))
        }),
    }
}

fn under_any(errors: &[Vec<u8>], path: &[u8]) -> bool {
    in_scope(Some(errors), path)
}

fn diff_files(
    manifest_files: &[FileRecord],
    snap: &Snapshot<'_>,
    policy: &Policy,
    out: &mut Vec<Deviation>,
) {
    let owners = snap.packages.map(|p| &p.owners);
    let error_paths: Vec<Vec<u8>> = snap.files.errors.iter().map(|e| e.path.clone()).collect();
    let extra = policy.extra_ignore.as_ref();
    let expected: Vec<&FileRecord> = manifest_files
        .iter()
        .filter(|e| in_scope(snap.scope, &e.path) && !extra.is_some_and(|x| x.is_ignored(&e.path)))
        .collect();
    // The walk already skipped every ignored path.
    let actual: Vec<&ScannedFile> = snap.files.files.iter().collect();

    let (mut i, mut j) = (0, 0);
    while i < expected.len() || j < actual.len() {
        let order = match (expected.get(i), actual.get(j)) {
            (Some(e), Some(a)) => e.path.cmp(&a.record.path),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                let e = expected[i];
                if !under_any(&error_paths, &e.path) {
                    out.push(file_removed(e, policy));
                }
                i += 1;
            }
            Ordering::Greater => {
                let a = actual[j];
                let owner = owners
                    .and_then(|o| o.get(&*a.record.path))
                    .cloned()
                    .unwrap_or_default();
                out.push(file_added(a, owner, policy));
                j += 1;
            }
            Ordering::Equal => {
                let (e, a) = (expected[i], actual[j]);
                let owner = owners
                    .and_then(|o| o.get(&*a.record.path))
                    .cloned()
                    .unwrap_or_else(|| e.package.as_deref().unwrap_or_default().to_string());
                if let Some(d) = file_modified(e, a, owner, policy) {
                    out.push(d);
                }
                i += 1;
                j += 1;
            }
        }
    }

    // Paths the walk could not enter or stat: what is below them is
    // unknown, which is itself a finding.
    for err in &snap.files.errors {
        let in_manifest = manifest_files
            .binary_search_by(|e| (*e.path).cmp(&err.path))
            .ok();
        let key = paths::display(&err.path);
        let facts = FileFacts::default();
        let kind = if in_manifest.is_some() {
            DeviationKind::FileModified
        } else {
            DeviationKind::FileAdded
        };
        let severity = policy.severity(kind, &key, facts).max(Severity::High);
        out.push(Deviation {
            kind: kind as i32,
            key,
            severity: severity as i32,
            expected: in_manifest
                .map(|i| describe(&manifest_files[i]))
                .unwrap_or_default(),
            actual: format!("unreadable: {}", err.cause),
            changes: vec!["unreadable".into()],
            ..Default::default()
        });
    }
}

pub(crate) fn file_removed(e: &FileRecord, policy: &Policy) -> Deviation {
    let key = paths::display(&e.path);
    let facts = FileFacts {
        executable: e.is_executable(),
        gained_setid: false,
    };
    Deviation {
        kind: DeviationKind::FileRemoved as i32,
        severity: policy.severity(DeviationKind::FileRemoved, &key, facts) as i32,
        key,
        expected: describe(e),
        actual: String::new(),
        package: e.package.as_deref().unwrap_or_default().to_string(),
        ..Default::default()
    }
}

pub(crate) fn file_added(a: &ScannedFile, owner: String, policy: &Policy) -> Deviation {
    let key = paths::display(&a.record.path);
    let facts = FileFacts {
        executable: a.record.is_executable(),
        gained_setid: a.record.mode & 0o6000 != 0,
    };
    let mut severity = policy.severity(DeviationKind::FileAdded, &key, facts);
    let mut changes = Vec::new();
    if a.error.is_some() {
        changes.push("unreadable".to_string());
        severity = severity.max(Severity::High);
    }
    if a.hash_capped {
        changes.push("hash_capped".to_string());
    }
    Deviation {
        kind: DeviationKind::FileAdded as i32,
        severity: severity as i32,
        key,
        expected: String::new(),
        actual: describe_scanned(a),
        changes,
        package: owner,
        ..Default::default()
    }
}

pub(crate) fn file_modified(
    e: &FileRecord,
    a: &ScannedFile,
    owner: String,
    policy: &Policy,
) -> Option<Deviation> {
    let n = &a.record;
    let mut changes = Vec::new();
    if e.file_type != n.file_type {
        changes.push("type");
    } else {
        match e.file_type {
            FileType::Regular => {
                if a.error.is_some() {
                    changes.push("unreadable");
                } else if e.size != n.size || e.sha256 != n.sha256 {
                    changes.push("content");
                    if a.hash_capped {
                        changes.push("hash_capped");
                    }
                }
            }
            FileType::Symlink if e.link_target_bytes() != n.link_target_bytes() => {
                changes.push("link_target")
            }
            FileType::CharDevice | FileType::BlockDevice if e.rdev != n.rdev => {
                changes.push("device")
            }
            _ => {}
        }
    }
    // Symlink permission bits are meaningless on Linux and vary by umask.
    if e.mode != n.mode && !(e.file_type == FileType::Symlink && n.file_type == e.file_type) {
        changes.push("mode");
    }
    if e.uid != n.uid || e.gid != n.gid {
        changes.push("owner");
    }
    if changes.is_empty() {
        return None;
    }
    let key = paths::display(&e.path);
    let facts = FileFacts {
        executable: e.is_executable() || n.is_executable(),
        gained_setid: n.mode & 0o6000 & !e.mode != 0,
    };
    let mut severity = policy.severity(DeviationKind::FileModified, &key, facts);
    if changes.contains(&"unreadable") {
        severity = severity.max(Severity::High);
    }
    Some(Deviation {
        kind: DeviationKind::FileModified as i32,
        severity: severity as i32,
        key,
        expected: describe(e),
        actual: describe_scanned(a),
        changes: changes.into_iter().map(String::from).collect(),
        package: owner,
        ..Default::default()
    })
}

/// A one-line description of a file's recorded state.
pub fn describe(e: &FileRecord) -> String {
    let common = format!("mode={:04o} owner={}:{}", e.mode, e.uid, e.gid);
    match e.file_type {
        FileType::Regular => format!(
            "file {common} size={} sha256={}",
            e.size,
            hex(e.sha256.as_ref().map_or(&[][..], |d| &d[..]))
        ),
        FileType::Directory => format!("directory {common}"),
        FileType::Symlink => format!(
            "symlink -> {} owner={}:{}",
            paths::display(e.link_target_bytes()),
            e.uid,
            e.gid
        ),
        FileType::CharDevice => format!("char-device {common} rdev={}", e.rdev),
        FileType::BlockDevice => format!("block-device {common} rdev={}", e.rdev),
        FileType::Fifo => format!("fifo {common}"),
        FileType::Socket => format!("socket {common}"),
        FileType::Unspecified => format!("unknown {common}"),
    }
}

fn describe_scanned(a: &ScannedFile) -> String {
    if a.hash_capped {
        return format!(
            "{} sha256=not computed (larger than the hash cap and not the size the manifest records)",
            describe(&a.record)
                .split(" sha256=")
                .next()
                .unwrap_or_default()
        );
    }
    match &a.error {
        Some(err) => format!(
            "{} (content unreadable: {err})",
            describe(&a.record)
                .split(" sha256=")
                .next()
                .unwrap_or_default()
        ),
        None => describe(&a.record),
    }
}

fn diff_packages(expected: &[Package], actual: &[Package], policy: &Policy) -> Vec<Deviation> {
    type Id<'a> = (i32, &'a str, &'a str);
    let exp: BTreeMap<Id<'_>, &Package> = expected
        .iter()
        .map(|p| ((p.manager, p.name.as_str(), p.arch.as_str()), p))
        .collect();
    let act: BTreeMap<Id<'_>, &Package> = actual
        .iter()
        .map(|p| ((p.manager, p.name.as_str(), p.arch.as_str()), p))
        .collect();
    // A name present under several architectures needs the arch in its key.
    let mut arches: HashMap<(i32, &str), HashSet<&str>> = HashMap::new();
    for p in expected.iter().chain(actual) {
        arches
            .entry((p.manager, p.name.as_str()))
            .or_default()
            .insert(p.arch.as_str());
    }
    let key = |p: &Package| {
        if arches
            .get(&(p.manager, p.name.as_str()))
            .is_some_and(|a| a.len() > 1)
        {
            format!("{}:{}", p.name, p.arch)
        } else {
            p.name.clone()
        }
    };
    let mut out = Vec::new();
    let mut push = |kind: DeviationKind, p: &Package, expected: String, actual: String| {
        let k = key(p);
        out.push(Deviation {
            kind: kind as i32,
            severity: policy.severity(kind, &k, FileFacts::default()) as i32,
            key: k,
            expected,
            actual,
            package: p.name.clone(),
            ..Default::default()
        });
    };
    for (id, p) in &exp {
        match act.get(id) {
            None => push(
                DeviationKind::PackageRemoved,
                p,
                describe_package(p),
                String::new(),
            ),
            Some(a) if a.version != p.version => push(
                DeviationKind::PackageChanged,
                p,
                describe_package(p),
                describe_package(a),
            ),
            Some(_) => {}
        }
    }
    for (id, p) in &act {
        if !exp.contains_key(id) {
            push(
                DeviationKind::PackageAdded,
                p,
                String::new(),
                describe_package(p),
            );
        }
    }
    out
}

fn describe_package(p: &Package) -> String {
    let manager = plumb_proto::package_manager_name(p.manager());
    if p.arch.is_empty() {
        format!("{} ({manager})", p.version)
    } else {
        format!("{} {} ({manager})", p.version, p.arch)
    }
}

fn diff_listeners(
    expected: &[Listener],
    allowed: &[plumb_proto::v1::ListenerRule],
    actual: &[Listener],
    image_executable: &dyn Fn(&str) -> bool,
    policy: &Policy,
    out: &mut Vec<Deviation>,
) {
    let describe = |l: &Listener| {
        let who = match (l.process.is_empty(), l.executable.is_empty()) {
            (true, true) => "unknown process".to_string(),
            (false, true) => l.process.clone(),
            (true, false) => l.executable.clone(),
            (false, false) => format!("{} ({})", l.process, l.executable),
        };
        if l.ephemeral {
            format!("{who} on an ephemeral port ({})", l.port)
        } else {
            who
        }
    };
    for a in actual {
        let known = expected.iter().any(|e| listeners::matches(e, a))
            || allowed
                .iter()
                .any(|r| listeners::allowed(r, a, image_executable));
        if !known {
            let key = listeners::key(a);
            // A remote shell the image does not listen with is a way in:
            // critical whatever the rules say about other listeners.
            let program = a.executable.rsplit('/').next().unwrap_or("");
            let remote_shell =
                REMOTE_SHELLS.contains(&program) || REMOTE_SHELLS.contains(&a.process.as_str());
            let severity = if remote_shell {
                Severity::Critical
            } else {
                policy.severity(DeviationKind::ListenerAdded, &key, FileFacts::default())
            };
            out.push(Deviation {
                kind: DeviationKind::ListenerAdded as i32,
                severity: severity as i32,
                key,
                actual: describe(a),
                ..Default::default()
            });
        }
    }
    for e in expected {
        if !actual.iter().any(|a| listeners::matches(e, a)) {
            let key = listeners::key(e);
            out.push(Deviation {
                kind: DeviationKind::ListenerRemoved as i32,
                severity: policy.severity(
                    DeviationKind::ListenerRemoved,
                    &key,
                    FileFacts::default(),
                ) as i32,
                key,
                expected: describe(e),
                ..Default::default()
            });
        }
    }
}

/// Marks file deviations that a package deviation explains.
fn explain(files: &mut [Deviation], packages: &[Deviation]) {
    let by_name: HashMap<&str, String> = packages
        .iter()
        .map(|p| {
            let kind = DeviationKind::try_from(p.kind).unwrap_or(DeviationKind::Unspecified);
            (
                p.package.as_str(),
                format!("{}:{}", kind_snake(kind), p.key),
            )
        })
        .collect();
    for d in files.iter_mut() {
        if let Some(reason) = by_name.get(d.package.as_str()) {
            if !d.package.is_empty() {
                d.explained_by = reason.clone();
            }
        }
    }
}

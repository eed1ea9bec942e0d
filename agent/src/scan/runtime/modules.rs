//! Kernel modules (`/proc/modules`): each loaded module has a module file
//! in the manifest for the running release; taint flags are drift.

use std::collections::HashSet;
use std::path::Path;

use plumb_proto::v1::DeviationKind;

use super::{read_bounded, Finding};

/// Kernel taint bits that mean code the image did not ship: a proprietary
/// module (P, 0), a forced load (F, 1), an out-of-tree module (O, 12), an
/// unsigned module (E, 13).
const TAINT_FLAGS: &[(u32, char, &str)] = &[
    (0, 'P', "proprietary module"),
    (1, 'F', "module force-loaded"),
    (12, 'O', "out-of-tree module"),
    (13, 'E', "unsigned module"),
];

/// Whether `proc_dir` is the procfs of a kernel built without loadable
/// modules: its sysctls are there, the module ones are not.
fn no_module_support(proc_dir: &Path) -> bool {
    let kernel = proc_dir.join("sys/kernel");
    kernel.join("tainted").is_file()
        && matches!(
            std::fs::symlink_metadata(kernel.join("modules_disabled")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound
        )
}

/// Loaded kernel modules (`/proc/modules`) that have no module file in the
/// manifest (`known_modules`: names with `-` written `_`), and the taint
/// flags above.
pub fn scan_modules(
    proc_dir: &Path,
    known_modules: &HashSet<String>,
) -> std::io::Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let modules = match read_bounded(&proc_dir.join("modules")) {
        Ok(m) => m,
        // A kernel built without module support has no `/proc/modules`
        // (nor `sys/kernel/modules_disabled`): nothing can be loaded, which
        // is verified, not unreadable. Anything else missing is an error.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && no_module_support(proc_dir) => {
            Vec::new()
        }
        Err(e) => return Err(e),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

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

    fn proc_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn a_kernel_without_module_support_has_nothing_loaded_and_is_verified() {
        let proc = proc_with(&[("sys/kernel/tainted", "0\n")]);
        assert_eq!(scan_modules(proc.path(), &HashSet::new()).unwrap(), vec![]);
    }

    #[test]
    fn modules_missing_where_the_kernel_has_them_is_an_error() {
        let proc = proc_with(&[
            ("sys/kernel/tainted", "0\n"),
            ("sys/kernel/modules_disabled", "0\n"),
        ]);
        let err = scan_modules(proc.path(), &HashSet::new()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        // No procfs at all: an error too.
        let empty = tempfile::tempdir().unwrap();
        assert!(scan_modules(empty.path(), &HashSet::new()).is_err());
    }
}

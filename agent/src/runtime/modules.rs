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
}

//! The package scanner: reads the root's own package databases (dpkg, rpm,
//! apk) without running any package tool, and learns which package owns
//! which path.

pub(crate) mod apk;
pub(crate) mod dpkg;
pub(crate) mod rpm;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use plumb_proto::v1::{Package, PackageManager};

/// A package database that could not be read, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct PackageError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl PackageError {
    fn at(path: &Path, line: Option<usize>, message: impl Into<String>) -> PackageError {
        PackageError {
            path: path.display().to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Resolves `rel` inside `root` the way the node would see it: symlinks,
/// relative or absolute, are followed against the root, never the host.
pub(crate) fn resolve_in_root(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut parts: Vec<String> = rel
        .split('/')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .rev()
        .collect();
    let mut at: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(part) = parts.pop() {
        match part.as_str() {
            "." => continue,
            ".." => {
                at.pop();
                continue;
            }
            _ => {}
        }
        let candidate = root.join(at.join("/")).join(&part);
        match std::fs::symlink_metadata(&candidate) {
            Ok(m) if m.file_type().is_symlink() => {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                let target = std::fs::read_link(&candidate).ok()?;
                let target = target.to_str()?.to_string();
                if target.starts_with('/') {
                    at.clear();
                }
                parts.extend(
                    target
                        .split('/')
                        .filter(|p| !p.is_empty())
                        .map(String::from)
                        .rev(),
                );
            }
            Ok(_) => at.push(part),
            Err(_) => return None,
        }
    }
    Some(root.join(at.join("/")))
}

/// Opens `path`, a file of `root` already resolved inside it
/// ([`resolve_in_root`]), for reading: from the root's descriptor with no
/// symlink followed on the way ([`crate::scan::beneath`]), so a directory or file
/// swapped for a symlink at the last moment is refused; the open does not
/// block (a FIFO in its place), and anything but a regular file is an
/// error. Returns the file and its size.
pub(crate) fn open_regular(root: &Path, path: &Path) -> std::io::Result<(std::fs::File, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let rel = path.strip_prefix(root).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not under {}", path.display(), root.display()),
        )
    })?;
    let root = crate::scan::beneath::open_root(root)?;
    let file = crate::scan::beneath::open(
        &root,
        rel.as_os_str().as_bytes(),
        crate::scan::beneath::READ,
    )?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    Ok((file, meta.len()))
}

/// The largest package database file read: a big desktop's dpkg status is
/// a few megabytes; a file larger than this is an error, not an
/// allocation.
pub(crate) const MAX_DB_FILE: u64 = 128 * 1024 * 1024;

/// Reads a database file at `path` (already resolved inside `root`):
/// a last-moment symlink is refused, the size is bounded.
pub(crate) fn read_db_file(root: &Path, path: &Path) -> Result<Vec<u8>, PackageError> {
    use std::io::Read;
    let err = |m: String| PackageError::at(path, None, m);
    let (file, len) = open_regular(root, path).map_err(|e| err(e.to_string()))?;
    if len > MAX_DB_FILE {
        return Err(err(format!("{len} bytes, limit {MAX_DB_FILE}")));
    }
    let mut bytes =
        crate::memory::buffer(path.display(), len as usize).map_err(|e| PackageError {
            path: path.display().to_string(),
            line: None,
            message: e.to_string(),
        })?;
    file.take(MAX_DB_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(e.to_string()))?;
    if bytes.len() as u64 > MAX_DB_FILE {
        return Err(err(format!(
            "grew past the limit of {MAX_DB_FILE} bytes while read"
        )));
    }
    Ok(bytes)
}

/// Installed packages and path ownership.
#[derive(Debug, Default)]
pub struct PackageScan {
    pub packages: Vec<Package>,
    /// Manifest path → owning package name. Directories shared by several
    /// packages keep the first owner read.
    pub owners: HashMap<Vec<u8>, String>,
    /// Which databases were found (for summaries).
    pub managers: Vec<PackageManager>,
}

/// What one owner entry costs besides its path and package name: the
/// map's slot, the key's and the name's headers.
const OWNER_ENTRY_BYTES: usize = 80;

/// The memory a path of `len` bytes owned by `package` takes once stored.
pub(crate) fn owner_cost(len: usize, package: &str) -> usize {
    len.saturating_add(package.len())
        .saturating_add(OWNER_ENTRY_BYTES)
}

impl PackageScan {
    /// Records that `package` owns `path`. The entry is charged to the
    /// memory ceiling first: file lists come from many files of the node
    /// (and rpm and apk build paths from shared prefixes), so the map can
    /// outgrow any one input.
    fn own(&mut self, path: Vec<u8>, package: &str) -> Result<(), crate::memory::OverBudget> {
        crate::memory::reserve("package file lists", owner_cost(path.len(), package))?;
        // A full map grows its table at once, the old one still held: the
        // new table is charged before it is allocated.
        if self.owners.len() == self.owners.capacity() {
            let slot = std::mem::size_of::<(Vec<u8>, String)>() + 1;
            crate::memory::reserve(
                "package file lists",
                2 * self.owners.capacity().max(16) * slot,
            )?;
        }
        self.owners
            .entry(path)
            .or_insert_with(|| package.to_string());
        Ok(())
    }
}

impl PackageError {
    fn over_budget(path: &Path, line: Option<usize>, e: crate::memory::OverBudget) -> Self {
        PackageError::at(path, line, e.to_string())
    }
}

/// Reads every package database present under `root`.
pub fn scan(root: &Path) -> Result<PackageScan, PackageError> {
    let mut out = PackageScan::default();
    let usr_merge = UsrMerge::detect(root);
    if dpkg::present(root) {
        dpkg::scan(root, &mut out)?;
        out.managers.push(PackageManager::Dpkg);
    }
    if rpm::present(root) {
        rpm::scan(root, &mut out)?;
        out.managers.push(PackageManager::Rpm);
    }
    if apk::present(root) {
        apk::scan(root, &mut out)?;
        out.managers.push(PackageManager::Apk);
    }
    if !usr_merge.links.is_empty() {
        let mut merged: Vec<(Vec<u8>, String)> = Vec::new();
        for (p, pkg) in &out.owners {
            if let Some(q) = usr_merge.rewrite(p) {
                crate::memory::reserve(
                    "package file lists (merged /usr)",
                    2 * owner_cost(q.len(), pkg),
                )
                .map_err(|e| PackageError::over_budget(root, None, e))?;
                merged.push((q, pkg.clone()));
            }
        }
        for (p, pkg) in merged {
            out.own(p, &pkg)
                .map_err(|e| PackageError::over_budget(root, None, e))?;
        }
    }
    out.packages
        .sort_by(|a, b| (a.manager, &a.name, &a.arch).cmp(&(b.manager, &b.name, &b.arch)));
    Ok(out)
}

/// On merged-/usr systems `/bin` links to `usr/bin`: the package database
/// says `/bin/ls` while the walk finds `/usr/bin/ls`.
struct UsrMerge {
    links: Vec<(Vec<u8>, Vec<u8>)>,
}

impl UsrMerge {
    fn detect(root: &Path) -> UsrMerge {
        use std::os::unix::ffi::OsStrExt;
        let mut links = Vec::new();
        for dir in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
            if let Ok(target) = std::fs::read_link(root.join(dir)) {
                let t = target.as_os_str().as_bytes();
                let t = t.strip_prefix(b"/").unwrap_or(t);
                let mut to = b"/".to_vec();
                to.extend_from_slice(t);
                links.push((format!("/{dir}/").into_bytes(), to));
            }
        }
        UsrMerge { links }
    }

    fn rewrite(&self, path: &[u8]) -> Option<Vec<u8>> {
        for (from, to) in &self.links {
            if let Some(rest) = path.strip_prefix(from.as_slice()) {
                let mut out = to.clone();
                out.push(b'/');
                out.extend_from_slice(rest);
                return Some(out);
            }
        }
        None
    }
}

/// `name` or `name:arch`, as the deviation key of a package.
pub fn package_key(p: &Package) -> String {
    p.name.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_resolved_path_is_opened_without_following_what_was_swapped_in() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
        std::fs::write(root.join("var/lib/dpkg/status"), "Package: inside\n").unwrap();
        let resolved = resolve_in_root(&root, "var/lib/dpkg/status").unwrap();
        assert_eq!(
            read_db_file(&root, &resolved).unwrap(),
            b"Package: inside\n"
        );

        // After it was resolved, the directory becomes a symlink to the
        // host's: the read is refused, never the host's file.
        let host = base.path().join("host-dpkg");
        std::fs::create_dir(&host).unwrap();
        std::fs::write(host.join("status"), "Package: HOST\n").unwrap();
        std::fs::rename(root.join("var/lib/dpkg"), root.join("var/lib/dpkg.real")).unwrap();
        symlink(&host, root.join("var/lib/dpkg")).unwrap();
        let err = read_db_file(&root, &resolved).unwrap_err();
        assert!(err.path.ends_with("var/lib/dpkg/status"), "{err}");
        // The same for the file itself, and for a FIFO in its place.
        std::fs::remove_file(root.join("var/lib/dpkg")).unwrap();
        std::fs::rename(root.join("var/lib/dpkg.real"), root.join("var/lib/dpkg")).unwrap();
        std::fs::remove_file(root.join("var/lib/dpkg/status")).unwrap();
        symlink(host.join("status"), root.join("var/lib/dpkg/status")).unwrap();
        assert!(read_db_file(&root, &resolved).is_err());
        std::fs::remove_file(root.join("var/lib/dpkg/status")).unwrap();
        crate::fixture::FixtureRoot::at(&root).fifo("/var/lib/dpkg/status");
        let err = read_db_file(&root, &resolved).unwrap_err();
        assert!(err.message.contains("not a regular file"), "{err}");
    }
}

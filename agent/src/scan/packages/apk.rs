//! apk (Alpine): `lib/apk/db/installed`, stanzas of `X:value` lines where
//! `P` is the name, `V` the version, `A` the architecture, `F` a directory
//! and `R` a file in the last `F`.

use std::path::Path;

use plumb_proto::v1::{Package, PackageManager};

use super::{read_db_file, resolve_in_root, PackageError, PackageScan};

const DB: &str = "lib/apk/db/installed";

pub fn present(root: &Path) -> bool {
    resolve_in_root(root, DB).is_some_and(|p| p.is_file())
}

pub fn scan(root: &Path, out: &mut PackageScan) -> Result<(), PackageError> {
    let Some(path) = resolve_in_root(root, DB) else {
        return Ok(());
    };
    let bytes = read_db_file(root, &path)?;
    parse(&bytes, &path, out)
}

/// Reads the installed database `bytes` (from `path`) into `out`.
pub(crate) fn parse(bytes: &[u8], path: &Path, out: &mut PackageScan) -> Result<(), PackageError> {
    let path = path.to_path_buf();
    let mut name: Option<String> = None;
    let mut version: Option<String> = None;
    let mut arch = String::new();
    // `o:`, the origin: the source package (aport) it was built from.
    let mut origin = String::new();
    let mut dir: Vec<u8> = Vec::new();
    let mut files: Vec<Vec<u8>> = Vec::new();
    let mut start = 1;
    // Lines are read one at a time: collecting them first would cost 16
    // bytes per line of a file whose lines can be 1 byte each.
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let lineno = i + 1;
        if line.is_empty() {
            if name.is_some() || version.is_some() {
                let n = name.take().ok_or_else(|| {
                    PackageError::at(&path, Some(start), "package has no P: line")
                })?;
                let v = version.take().ok_or_else(|| {
                    PackageError::at(&path, Some(start), format!("package {n} has no V: line"))
                })?;
                out.packages.push(Package {
                    manager: PackageManager::Apk as i32,
                    name: n.clone(),
                    version: v,
                    arch: std::mem::take(&mut arch),
                    source: std::mem::take(&mut origin),
                    source_version: String::new(),
                });
                for f in files.drain(..) {
                    out.own(f, &n)
                        .map_err(|e| PackageError::over_budget(&path, Some(start), e))?;
                }
            }
            files.clear();
            dir.clear();
            start = lineno + 1;
            continue;
        }
        if line.len() < 2 || line[1] != b':' {
            return Err(PackageError::at(&path, Some(lineno), "expected `X:value`"));
        }
        let value = &line[2..];
        let text = || {
            String::from_utf8(value.to_vec())
                .map_err(|_| PackageError::at(&path, Some(lineno), "not valid UTF-8"))
        };
        // The file list's growth is charged before it happens.
        if matches!(line[0], b'F' | b'R') && files.len() == files.capacity() {
            crate::memory::reserve(
                format!("{} line {lineno}", path.display()),
                files.capacity().max(4) * std::mem::size_of::<Vec<u8>>(),
            )
            .map_err(|e| PackageError::over_budget(&path, Some(lineno), e))?;
        }
        match line[0] {
            b'P' => name = Some(text()?),
            b'V' => version = Some(text()?),
            b'A' => arch = text()?,
            b'o' => origin = text()?,
            // A path is built from the last `F:` line: one long directory
            // and many short `R:` lines expand far past the file's size,
            // so each path is charged to the memory ceiling before it is
            // built.
            b'F' => {
                crate::memory::reserve(
                    format!("{} line {lineno}", path.display()),
                    2 * value.len(),
                )
                .map_err(|e| PackageError::over_budget(&path, Some(lineno), e))?;
                dir = b"/".to_vec();
                dir.extend_from_slice(value);
                files.push(dir.clone());
            }
            b'R' => {
                crate::memory::reserve(
                    format!("{} line {lineno}", path.display()),
                    super::owner_cost(dir.len() + value.len() + 1, ""),
                )
                .map_err(|e| PackageError::over_budget(&path, Some(lineno), e))?;
                let mut p = dir.clone();
                if p.len() > 1 {
                    p.push(b'/');
                } else {
                    p = b"/".to_vec();
                }
                p.extend_from_slice(value);
                files.push(p);
            }
            _ => {}
        }
    }
    if let Some(n) = name {
        let v = version.ok_or_else(|| {
            PackageError::at(&path, Some(start), format!("package {n} has no V: line"))
        })?;
        out.packages.push(Package {
            manager: PackageManager::Apk as i32,
            name: n.clone(),
            version: v,
            arch,
            source: origin,
            source_version: String::new(),
        });
        for f in files {
            out.own(f, &n)
                .map_err(|e| PackageError::over_budget(&path, Some(start), e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FixtureRoot;

    #[test]
    fn reads_packages_and_owners() {
        let dir = tempfile::tempdir().unwrap();
        FixtureRoot::at(dir.path())
            .apk_package("busybox", "1.36.1-r2", &[("/bin/busybox", b"bb")])
            .apk_package("musl", "1.2.4-r0", &[]);
        let mut out = PackageScan::default();
        scan(dir.path(), &mut out).unwrap();
        assert_eq!(out.packages.len(), 2);
        assert_eq!(out.packages[0].version, "1.36.1-r2");
        assert_eq!(
            out.owners
                .get(b"/bin/busybox".as_slice())
                .map(String::as_str),
            Some("busybox")
        );
    }

    #[test]
    fn malformed_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib/apk/db")).unwrap();
        std::fs::write(dir.path().join(DB), "P:a\nV:1\ngarbage\n").unwrap();
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        assert!(
            err.to_string().contains("lib/apk/db/installed line 3"),
            "{err}"
        );
    }
}

//! dpkg: `var/lib/dpkg/status` (installed entries only) and the
//! `var/lib/dpkg/info/<pkg>[:<arch>].list` file lists.

use std::path::Path;

use plumb_proto::v1::{Package, PackageManager};

use super::{read_db_file, resolve_in_root, PackageError, PackageScan};

const STATUS: &str = "var/lib/dpkg/status";
const INFO: &str = "var/lib/dpkg/info";

pub fn present(root: &Path) -> bool {
    resolve_in_root(root, STATUS).is_some_and(|p| p.is_file())
}

pub fn scan(root: &Path, out: &mut PackageScan) -> Result<(), PackageError> {
    let Some(path) = resolve_in_root(root, STATUS) else {
        return Ok(());
    };
    let bytes = read_db_file(root, &path)?;
    let info = resolve_in_root(root, INFO);
    for pkg in parse_installed(&bytes, &path)? {
        let candidates = [
            format!("{}:{}.list", pkg.name, pkg.arch),
            format!("{}.list", pkg.name),
        ];
        let name = pkg.name.clone();
        out.packages.push(pkg);
        let Some(info) = &info else {
            continue;
        };
        for c in candidates {
            let list = info.join(&c);
            match std::fs::symlink_metadata(&list) {
                Ok(_) => {
                    let bytes = read_db_file(root, &list)?;
                    for line in bytes
                        .split(|b| *b == b'\n')
                        .filter(|l| !l.is_empty() && *l != b"/.")
                    {
                        out.own(line.to_vec(), &name)
                            .map_err(|e| PackageError::over_budget(&list, None, e))?;
                    }
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(PackageError::at(&list, None, e.to_string())),
            }
        }
    }
    Ok(())
}

/// The installed packages of a status file read from `path`.
pub(crate) fn parse_installed(bytes: &[u8], path: &Path) -> Result<Vec<Package>, PackageError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        PackageError::at(path, Some(line), "not valid UTF-8")
    })?;
    let stanzas =
        parse_status(text).map_err(|(line, msg)| PackageError::at(path, Some(line), msg))?;
    Ok(stanzas
        .into_iter()
        .map(|s| Package {
            manager: PackageManager::Dpkg as i32,
            name: s.name,
            version: s.version,
            arch: s.arch,
            source: s.source,
            source_version: s.source_version,
        })
        .collect())
}

struct Stanza {
    name: String,
    version: String,
    arch: String,
    source: String,
    source_version: String,
}

/// Parses the status file; returns installed packages only.
fn parse_status(text: &str) -> Result<Vec<Stanza>, (usize, String)> {
    let mut out = Vec::new();
    let mut fields: Vec<(&str, &str)> = Vec::new();
    let mut start_line = 1;
    // Lines are read one at a time: collecting them first would cost 16
    // bytes per line of a file whose lines can be 1 byte each.
    for (i, line) in text.lines().chain(std::iter::once("")).enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            if !fields.is_empty() {
                if let Some(s) = finish(&fields, start_line)? {
                    out.push(s);
                }
                fields.clear();
            }
            start_line = lineno + 1;
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if fields.is_empty() {
                return Err((lineno, "continuation line outside a field".into()));
            }
            continue; // multi-line values (Description, Conffiles) are not needed
        }
        // A stanza's fields grow with the file (32 bytes for a 4-byte
        // line): each growth is charged to the ceiling before it happens.
        if fields.len() == fields.capacity() {
            let grown = fields.capacity().max(4) * std::mem::size_of::<(&str, &str)>();
            crate::memory::reserve("dpkg status", grown).map_err(|e| (lineno, e.to_string()))?;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(' ') => fields.push((k, v.trim())),
            _ => {
                return Err((
                    lineno,
                    format!("expected `Field: value`, found {:?}", truncate(line)),
                ))
            }
        }
    }
    Ok(out)
}

fn finish(fields: &[(&str, &str)], line: usize) -> Result<Option<Stanza>, (usize, String)> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(k))
            .map(|(_, v)| *v)
    };
    let name = get("Package").ok_or((line, "stanza has no Package field".to_string()))?;
    let status = get("Status").ok_or((line, format!("package {name} has no Status field")))?;
    if status.split_whitespace().nth(2) != Some("installed") {
        return Ok(None);
    }
    let version = get("Version").ok_or((line, format!("package {name} has no Version field")))?;
    // `Source: openssl` or `Source: openssl (3.0.15-1~deb12u1)` when the
    // source's version differs from the binary's.
    let (source, source_version) = match get("Source") {
        None => ("", ""),
        Some(s) => match s.split_once('(') {
            Some((n, v)) => (n.trim(), v.trim().trim_end_matches(')').trim()),
            None => (s.trim(), ""),
        },
    };
    if source.contains(char::is_whitespace) {
        return Err((
            line,
            format!("package {name}: Source {source:?} is not a package name"),
        ));
    }
    Ok(Some(Stanza {
        name: name.to_string(),
        version: version.to_string(),
        arch: get("Architecture").unwrap_or("").to_string(),
        source: source.to_string(),
        source_version: source_version.to_string(),
    }))
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::FixtureRoot;

    #[test]
    fn the_source_package_and_its_version_are_read() {
        let status = "Package: libssl3\nStatus: install ok installed\nVersion: 3.0.15-1~deb12u1\nSource: openssl\n\n\
Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b8\nSource: bash (5.2.15-2)\n\n\
Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13\n";
        let p = parse_installed(status.as_bytes(), Path::new("status")).unwrap();
        let got: Vec<(&str, &str, &str)> = p
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.source.as_str(),
                    p.source_version.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("libssl3", "openssl", ""),
                ("bash", "bash", "5.2.15-2"),
                ("zlib1g", "", "")
            ]
        );
        let bad = "Package: x\nStatus: install ok installed\nVersion: 1\nSource: two words\n";
        let err = parse_installed(bad.as_bytes(), Path::new("status")).unwrap_err();
        assert!(err.to_string().contains("Source"), "{err}");
    }

    #[test]
    fn reads_installed_packages_and_owners() {
        let dir = tempfile::tempdir().unwrap();
        FixtureRoot::at(dir.path()).dpkg_package("coreutils", "9.1-1", &[("/usr/bin/ls", b"ls")]);
        let mut extra = std::fs::read_to_string(dir.path().join(STATUS)).unwrap();
        extra.push_str("Package: removed-one\nStatus: deinstall ok config-files\nVersion: 1\n\n");
        std::fs::write(dir.path().join(STATUS), extra).unwrap();
        let mut out = PackageScan::default();
        scan(dir.path(), &mut out).unwrap();
        assert_eq!(
            out.packages.len(),
            1,
            "config-files entries are not installed"
        );
        assert_eq!(out.packages[0].name, "coreutils");
        assert_eq!(out.packages[0].version, "9.1-1");
        assert_eq!(out.packages[0].arch, "amd64");
        assert_eq!(
            out.owners
                .get(b"/usr/bin/ls".as_slice())
                .map(String::as_str),
            Some("coreutils")
        );
    }

    #[test]
    fn malformed_status_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib/dpkg")).unwrap();
        std::fs::write(
            dir.path().join(STATUS),
            "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nthis line is broken\n",
        )
        .unwrap();
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("var/lib/dpkg/status line 6"), "{msg}");
    }

    #[test]
    fn missing_version_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib/dpkg")).unwrap();
        std::fs::write(
            dir.path().join(STATUS),
            "\n\nPackage: a\nStatus: install ok installed\n",
        )
        .unwrap();
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("line 3: package a has no Version field"),
            "{err}"
        );
    }

    #[test]
    fn an_absolute_symlink_to_the_database_resolves_inside_the_root() {
        // In the checked root, /var/lib/dpkg points to /srv/dpkg: inside
        // the root, not the host's /srv/dpkg (nor the host's database).
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let real = root.join("srv/dpkg");
        FixtureRoot::at(root).dpkg_package("coreutils", "9.1-1", &[("/usr/bin/ls", b"ls")]);
        std::fs::create_dir_all(root.join("srv")).unwrap();
        std::fs::rename(root.join("var/lib/dpkg"), &real).unwrap();
        std::os::unix::fs::symlink("/srv/dpkg", root.join("var/lib/dpkg")).unwrap();
        let mut out = PackageScan::default();
        scan(root, &mut out).unwrap();
        assert_eq!(out.packages.len(), 1);
        assert_eq!(
            out.owners
                .get(b"/usr/bin/ls".as_slice())
                .map(String::as_str),
            Some("coreutils"),
            "the info lists are found the same way"
        );

        // A root whose database link points at the host's own database
        // path has no database of its own: the host's is never read.
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(other.path().join("var/lib")).unwrap();
        std::os::unix::fs::symlink("/var/lib/dpkg", other.path().join("var/lib/dpkg")).unwrap();
        assert!(!present(other.path()));
    }

    #[test]
    fn a_huge_status_file_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        FixtureRoot::at(dir.path()).dpkg_package("coreutils", "9.1-1", &[]);
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.path().join(STATUS))
            .unwrap();
        f.set_len(super::super::MAX_DB_FILE + 1).unwrap(); // sparse
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");
    }
}

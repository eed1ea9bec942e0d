//! rpm ≥ 4.16: `var/lib/rpm/rpmdb.sqlite`, whose `Packages` table holds one
//! rpm header blob per installed package. The header is parsed here
//! (bounds-checked), reading name, version, release, epoch, arch and the
//! file list (dirnames + basenames + dirindexes).

use std::path::Path;

use plumb_proto::v1::{Package, PackageManager};
use rusqlite::{Connection, OpenFlags};

use super::{PackageError, PackageScan};

const DB: &str = "var/lib/rpm/rpmdb.sqlite";

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

pub fn present(root: &Path) -> bool {
    root.join(DB).is_file()
}

pub fn scan(root: &Path, out: &mut PackageScan) -> Result<(), PackageError> {
    let path = root.join(DB);
    let err = |m: String| PackageError::at(&path, None, m);
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| err(format!("cannot open: {e}")))?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| err(format!("not an rpm database: {e}")))?;
    let rows = stmt
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .map_err(|e| err(e.to_string()))?;
    for row in rows {
        let (hnum, blob) = row.map_err(|e| err(e.to_string()))?;
        let header =
            Header::parse(&blob).map_err(|m| err(format!("package header {hnum}: {m}")))?;
        let name = header
            .string(TAG_NAME)
            .map_err(|m| err(format!("package header {hnum}: {m}")))?;
        let version = header
            .string(TAG_VERSION)
            .map_err(|m| err(format!("package {name}: {m}")))?;
        let release = header.string(TAG_RELEASE).unwrap_or_default();
        let epoch = header
            .int32s(TAG_EPOCH)
            .ok()
            .and_then(|v| v.first().copied());
        let arch = header.string(TAG_ARCH).unwrap_or_default();
        let mut evr = String::new();
        if let Some(e) = epoch {
            evr.push_str(&format!("{e}:"));
        }
        evr.push_str(&version);
        if !release.is_empty() {
            evr.push('-');
            evr.push_str(&release);
        }
        if let (Ok(dirs), Ok(bases), Ok(idx)) = (
            header.strings(TAG_DIRNAMES),
            header.strings(TAG_BASENAMES),
            header.int32s(TAG_DIRINDEXES),
        ) {
            for (base, i) in bases.iter().zip(idx.iter()) {
                let dir = dirs
                    .get(*i as usize)
                    .ok_or_else(|| err(format!("package {name}: dir index {i} out of range")))?;
                out.own(format!("{dir}{base}").into_bytes(), &name);
            }
        }
        out.packages.push(Package {
            manager: PackageManager::Rpm as i32,
            name,
            version: evr,
            arch,
        });
    }
    Ok(())
}

/// A parsed rpm header: index entries over a data store.
struct Header<'a> {
    entries: Vec<(u32, u32, usize, usize)>, // tag, type, offset, count
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8]) -> Result<Header<'a>, String> {
        let il = be32(blob, 0)? as usize;
        let dl = be32(blob, 4)? as usize;
        if il > 100_000 || dl > 256 * 1024 * 1024 {
            return Err(format!(
                "implausible header size ({il} entries, {dl} bytes)"
            ));
        }
        let data_start = 8 + il * 16;
        let data = blob.get(data_start..data_start + dl).ok_or_else(|| {
            format!(
                "truncated: {} bytes, header says {}",
                blob.len(),
                data_start + dl
            )
        })?;
        let mut entries = Vec::with_capacity(il);
        for i in 0..il {
            let at = 8 + i * 16;
            let tag = be32(blob, at)?;
            let ty = be32(blob, at + 4)?;
            let offset = be32(blob, at + 8)? as usize;
            let count = be32(blob, at + 12)? as usize;
            if offset > dl {
                return Err(format!(
                    "tag {tag}: offset {offset} beyond data ({dl} bytes)"
                ));
            }
            entries.push((tag, ty, offset, count));
        }
        Ok(Header { entries, data })
    }

    fn find(&self, tag: u32) -> Result<(u32, usize, usize), String> {
        self.entries
            .iter()
            .find(|e| e.0 == tag)
            .map(|e| (e.1, e.2, e.3))
            .ok_or_else(|| format!("missing tag {tag}"))
    }

    fn cstrings(&self, offset: usize, count: usize) -> Result<Vec<String>, String> {
        let mut out = Vec::with_capacity(count.min(65_536));
        let mut at = offset;
        for _ in 0..count {
            let rest = self.data.get(at..).ok_or("string beyond data")?;
            let end = rest
                .iter()
                .position(|b| *b == 0)
                .ok_or("unterminated string")?;
            out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
            at += end + 1;
        }
        Ok(out)
    }

    fn string(&self, tag: u32) -> Result<String, String> {
        let (ty, offset, _) = self.find(tag)?;
        if ty != TYPE_STRING && ty != TYPE_I18NSTRING && ty != TYPE_STRING_ARRAY {
            return Err(format!("tag {tag} has type {ty}, expected a string"));
        }
        Ok(self.cstrings(offset, 1)?.remove(0))
    }

    fn strings(&self, tag: u32) -> Result<Vec<String>, String> {
        let (ty, offset, count) = self.find(tag)?;
        if ty != TYPE_STRING_ARRAY {
            return Err(format!("tag {tag} has type {ty}, expected a string array"));
        }
        self.cstrings(offset, count)
    }

    fn int32s(&self, tag: u32) -> Result<Vec<i32>, String> {
        let (ty, offset, count) = self.find(tag)?;
        if ty != TYPE_INT32 {
            return Err(format!("tag {tag} has type {ty}, expected int32"));
        }
        (0..count)
            .map(|i| be32(self.data, offset + i * 4).map(|v| v as i32))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{rpm_header, FixtureRoot};

    #[test]
    fn reads_packages_with_epoch_and_files() {
        let dir = tempfile::tempdir().unwrap();
        FixtureRoot::at(dir.path())
            .rpm_blob(&rpm_header(
                "bash",
                "5.2.15",
                "3.el9",
                None,
                &["/usr/bin/bash", "/etc/skel/.bashrc"],
            ))
            .rpm_blob(&rpm_header("openssl", "3.0.7", "27.el9", Some(1), &[]));
        let mut out = PackageScan::default();
        scan(dir.path(), &mut out).unwrap();
        assert_eq!(out.packages[0].name, "bash");
        assert_eq!(out.packages[0].version, "5.2.15-3.el9");
        assert_eq!(out.packages[1].version, "1:3.0.7-27.el9");
        assert_eq!(
            out.owners
                .get(b"/usr/bin/bash".as_slice())
                .map(String::as_str),
            Some("bash")
        );
    }

    #[test]
    fn truncated_header_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut blob = rpm_header("bash", "5", "1", None, &[]);
        blob.truncate(blob.len() - 5);
        FixtureRoot::at(dir.path()).rpm_blob(&blob);
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        assert!(
            err.to_string().contains("package header 1: truncated"),
            "{err}"
        );
    }

    #[test]
    fn garbage_database_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib/rpm")).unwrap();
        std::fs::write(dir.path().join(DB), b"this is not sqlite").unwrap();
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        assert!(err.to_string().contains("rpmdb.sqlite"), "{err}");
    }
}

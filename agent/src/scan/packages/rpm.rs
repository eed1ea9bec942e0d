//! rpm ≥ 4.16: `rpmdb.sqlite` in `/var/lib/rpm` or `/usr/lib/sysimage/rpm`,
//! whose `Packages` table holds one rpm header blob per installed package.
//! The header is parsed here (bounds-checked), reading name, version,
//! release, epoch, arch and the file list (dirnames + basenames +
//! dirindexes).
//!
//! The database comes from the node, so from whoever controls it: it is
//! opened read-only with `trusted_schema` off, `Packages` must be a table
//! with the expected columns, every query is bounded in time, every
//! allocation by the blob it describes. Older formats (Berkeley DB, rpm's
//! `ndb`) are refused with an error naming them, never read as "no
//! packages".

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use plumb_proto::v1::{Package, PackageManager};
use rusqlite::{Connection, OpenFlags};

use super::{resolve_in_root, PackageError, PackageScan};

/// Where rpm keeps its database, in the order rpm looks.
const DB_DIRS: &[&str] = &["var/lib/rpm", "usr/lib/sysimage/rpm"];
const SQLITE_DB: &str = "rpmdb.sqlite";
/// Formats plumb does not read (file name, format).
const OTHER_FORMATS: &[(&str, &str)] = &[
    (
        "Packages",
        "Berkeley DB (rpm < 4.16: RHEL 7/8, Amazon Linux 2)",
    ),
    ("Packages.db", "rpm ndb (SUSE)"),
];
/// The longest any query of the database may take.
const QUERY_BUDGET: Duration = Duration::from_secs(10);
/// The most memory SQLite may take while reading the database.
const SQLITE_HEAP_LIMIT: i64 = 64 * 1024 * 1024;
/// The largest header blob read.
const MAX_BLOB: usize = 16 * 1024 * 1024;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// The rpm database directory of `root`, and whether it holds the SQLite
/// database.
fn locate(root: &Path) -> Option<PathBuf> {
    DB_DIRS.iter().find_map(|d| {
        let dir = resolve_in_root(root, d)?;
        let has_db = std::iter::once(SQLITE_DB)
            .chain(OTHER_FORMATS.iter().map(|(f, _)| *f))
            .any(|f| dir.join(f).is_file());
        has_db.then_some(dir)
    })
}

pub fn present(root: &Path) -> bool {
    locate(root).is_some()
}

pub fn scan(root: &Path, out: &mut PackageScan) -> Result<(), PackageError> {
    let Some(dir) = locate(root) else {
        return Ok(());
    };
    let path = dir.join(SQLITE_DB);
    if !path.is_file() {
        let (file, format) = OTHER_FORMATS
            .iter()
            .find(|(f, _)| dir.join(f).is_file())
            .copied()
            .unwrap_or(("?", "unknown"));
        return Err(PackageError::at(
            &dir.join(file),
            None,
            format!(
                "rpm database in the {format} format is not supported: packages cannot be verified"
            ),
        ));
    }
    let err = |m: String| PackageError::at(&path, None, m);
    // SQLite opens files by name. The database is first opened from the
    // root's descriptor with no symlink followed (a regular file, not a
    // FIFO or a link swapped in); SQLite then gets the same path from the
    // root's canonical name and refuses any symlink on it (NOFOLLOW
    // checks every component), so it cannot be led outside the root.
    let (_checked, _) = super::open_regular(root, &path).map_err(|e| err(e.to_string()))?;
    let canonical = std::fs::canonicalize(root)
        .map(|r| r.join(path.strip_prefix(root).unwrap_or(&path)))
        .map_err(|e| err(format!("resolving the root: {e}")))?;
    let conn = open(&canonical, QUERY_BUDGET).map_err(|e| err(e.to_string()))?;
    // Packages must be a table, not a view or anything else the node's
    // own schema could make of it.
    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| err(format!("not an rpm database: {e}")))
        .ok();
    if kind.as_deref() != Some("table") {
        return Err(err(format!(
            "not an rpm database: Packages is {}",
            kind.map_or("missing".to_string(), |k| format!("a {k}, not a table"))
        )));
    }
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| err(format!("not an rpm database: {e}")))?;
    let mut rows = stmt.query([]).map_err(|e| err(e.to_string()))?;
    while let Some(row) = rows.next().map_err(|e| err(e.to_string()))? {
        let hnum: i64 = row.get(0).map_err(|e| err(e.to_string()))?;
        // Borrowed from SQLite, not copied.
        let blob = row
            .get_ref(1)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(|e| err(format!("package header {hnum}: {e}")))?;
        let (package, files) = parse_package(hnum, blob).map_err(err)?;
        for file in files {
            out.own(file.into_bytes(), &package.name)
                .map_err(|e| PackageError::over_budget(&path, None, e))?;
        }
        out.packages.push(package);
    }
    Ok(())
}

/// One package from its header blob (row `hnum` of `Packages`): the
/// package and the paths it owns. The error names the row or the package.
pub(crate) fn parse_package(hnum: i64, blob: &[u8]) -> Result<(Package, Vec<String>), String> {
    if blob.len() > MAX_BLOB {
        return Err(format!(
            "package header {hnum}: {} bytes, limit {MAX_BLOB}",
            blob.len()
        ));
    }
    let header = Header::parse(blob).map_err(|m| format!("package header {hnum}: {m}"))?;
    let name = header
        .string(TAG_NAME)
        .map_err(|m| format!("package header {hnum}: {m}"))?;
    let version = header
        .string(TAG_VERSION)
        .map_err(|m| format!("package {name}: {m}"))?;
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
    let files = header
        .files(&name)
        .map_err(|m| format!("package {name}: {m}"))?;
    // The source rpm: `openssl-3.0.7-25.el9.src.rpm` names source
    // `openssl` at `3.0.7-25.el9` (the epoch is the binary's).
    let (source, source_version) = header
        .string(TAG_SOURCERPM)
        .ok()
        .and_then(|s| source_of(&s))
        .unwrap_or_default();
    let source_version = if source_version == evr.split_once(':').map_or(evr.as_str(), |(_, r)| r) {
        String::new()
    } else {
        source_version
    };
    let package = Package {
        manager: PackageManager::Rpm as i32,
        name,
        version: evr,
        arch,
        source,
        source_version,
    };
    Ok((package, files))
}

/// The name and `version-release` of a source rpm's file name.
fn source_of(file: &str) -> Option<(String, String)> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty() && !release.is_empty())
        .then(|| (name.to_string(), format!("{version}-{release}")))
}

/// Opens the node's database read-only, with its schema untrusted and
/// its queries bounded by `budget` in all.
fn open(path: &Path, budget: Duration) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )?;
    conn.pragma_update(None, "trusted_schema", "OFF")?;
    // SQLite allocates outside the agent's counted heap: its own limit.
    conn.pragma_update(None, "hard_heap_limit", SQLITE_HEAP_LIMIT)?;
    let started = Instant::now();
    // Called every 10,000 virtual machine steps: true interrupts.
    conn.progress_handler(10_000, Some(move || started.elapsed() > budget));
    Ok(conn)
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

    /// A tag's (type, offset, count); the count is checked against the
    /// data it would occupy, so no header can ask for more memory than
    /// its own size.
    fn find(&self, tag: u32) -> Result<(u32, usize, usize), String> {
        let (ty, offset, count) = self
            .entries
            .iter()
            .find(|e| e.0 == tag)
            .map(|e| (e.1, e.2, e.3))
            .ok_or_else(|| format!("missing tag {tag}"))?;
        let min_size = match ty {
            TYPE_INT32 => 4,
            _ => 1, // strings: at least their terminating NUL
        };
        let room = self.data.len().saturating_sub(offset);
        if count.saturating_mul(min_size) > room {
            return Err(format!(
                "tag {tag}: {count} entries do not fit in the {room} bytes after offset {offset}"
            ));
        }
        Ok((ty, offset, count))
    }

    fn has(&self, tag: u32) -> bool {
        self.entries.iter().any(|e| e.0 == tag)
    }

    /// The package's file paths; none when it has no file list at all, an
    /// error when the list is there but inconsistent, or when the paths
    /// would not fit under the memory ceiling.
    ///
    /// Each path is a directory name joined to a base name by index, so
    /// a small header can name a huge list (100,000 base names under one
    /// 200 kB directory name are 20 GB of paths): the paths' total size,
    /// as stored afterwards, is added up and charged to the ceiling before
    /// one of them is built.
    fn files(&self, package: &str) -> Result<Vec<String>, String> {
        let tags = [TAG_DIRNAMES, TAG_BASENAMES, TAG_DIRINDEXES];
        if !tags.iter().any(|t| self.has(*t)) {
            return Ok(Vec::new());
        }
        let corrupt = |m: String| format!("corrupt file list: {m}");
        let dirs = self.strings(TAG_DIRNAMES).map_err(corrupt)?;
        let bases = self.strings(TAG_BASENAMES).map_err(corrupt)?;
        let idx = self.int32s(TAG_DIRINDEXES).map_err(corrupt)?;
        if bases.len() != idx.len() {
            return Err(format!(
                "corrupt file list: {} basenames but {} dir indexes",
                bases.len(),
                idx.len()
            ));
        }
        let dir_of = |i: i32| {
            usize::try_from(i)
                .ok()
                .and_then(|i| dirs.get(i))
                .ok_or_else(|| {
                    format!(
                        "corrupt file list: dir index {i} out of range ({} dirs)",
                        dirs.len()
                    )
                })
        };
        let mut bytes = 0usize;
        for (base, i) in bases.iter().zip(idx.iter()) {
            let len = dir_of(*i)?.len() + base.len();
            bytes = bytes
                .saturating_add(super::owner_cost(len, package))
                .saturating_add(std::mem::size_of::<String>() + len);
        }
        crate::memory::reserve(
            format_args!("its file list ({} paths, {bytes} bytes)", bases.len()),
            bytes,
        )
        .map_err(|e| e.to_string())?;
        bases
            .iter()
            .zip(idx.iter())
            .map(|(base, i)| dir_of(*i).map(|dir| format!("{dir}{base}")))
            .collect()
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

    #[test]
    fn a_source_rpm_names_the_source_package_and_its_version() {
        assert_eq!(
            source_of("openssl-3.0.7-25.el9.src.rpm"),
            Some(("openssl".into(), "3.0.7-25.el9".into()))
        );
        assert_eq!(
            source_of("python-requests-2.25.1-8.el9.nosrc.rpm"),
            Some(("python-requests".into(), "2.25.1-8.el9".into()))
        );
        assert_eq!(source_of("garbage"), None);
        assert_eq!(source_of("-1-2.src.rpm"), None);
    }
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
        std::fs::write(
            dir.path().join("var/lib/rpm").join(SQLITE_DB),
            b"this is not sqlite",
        )
        .unwrap();
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        assert!(err.to_string().contains("rpmdb.sqlite"), "{err}");
    }

    fn db_with(dir: &Path, sql: &str) {
        std::fs::create_dir_all(dir.join("var/lib/rpm")).unwrap();
        let conn = Connection::open(dir.join("var/lib/rpm").join(SQLITE_DB)).unwrap();
        conn.execute_batch(sql).unwrap();
    }

    #[test]
    fn a_recursive_view_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        db_with(
            dir.path(),
            "CREATE VIEW Packages AS WITH RECURSIVE r(hnum, blob) AS \
             (SELECT 1, x'00' UNION ALL SELECT hnum + 1, blob FROM r) SELECT * FROM r;",
        );
        let started = Instant::now();
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        assert!(err.to_string().contains("a view, not a table"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_query_that_never_ends_is_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        db_with(dir.path(), "CREATE TABLE t (x);");
        let conn = open(
            &dir.path().join("var/lib/rpm").join(SQLITE_DB),
            Duration::from_millis(200),
        )
        .unwrap();
        let started = Instant::now();
        let r: rusqlite::Result<i64> = conn.query_row(
            "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r",
            [],
            |row| row.get(0),
        );
        assert!(r.unwrap_err().to_string().contains("interrupt"));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_header_cannot_ask_for_more_memory_than_its_size() {
        // An int32 array claiming 2^31 entries in a blob of a few bytes.
        let mut blob = Vec::new();
        blob.extend(2u32.to_be_bytes()); // entries
        blob.extend(8u32.to_be_bytes()); // data bytes
        for (tag, ty, off, count) in [
            (TAG_NAME, TYPE_STRING, 0u32, 1u32),
            (TAG_EPOCH, TYPE_INT32, 4, 0x7fff_ffff),
        ] {
            for v in [tag, ty, off, count] {
                blob.extend(v.to_be_bytes());
            }
        }
        blob.extend(b"bad\0\0\0\0\0");
        let h = Header::parse(&blob).unwrap();
        let err = h.int32s(TAG_EPOCH).unwrap_err();
        assert!(err.contains("do not fit"), "{err}");
    }

    #[test]
    fn a_corrupt_file_list_is_an_error_naming_the_package() {
        let dir = tempfile::tempdir().unwrap();
        let mut blob = rpm_header("sudo", "1.9", "1", None, &["/usr/bin/sudo"]);
        // Point the first dir index past the dir names.
        let il = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
        let data_start = 8 + il * 16;
        for i in 0..il {
            let at = 8 + i * 16;
            let tag = u32::from_be_bytes(blob[at..at + 4].try_into().unwrap());
            if tag == TAG_DIRINDEXES {
                let off = u32::from_be_bytes(blob[at + 8..at + 12].try_into().unwrap()) as usize;
                blob[data_start + off..data_start + off + 4].copy_from_slice(&9u32.to_be_bytes());
            }
        }
        FixtureRoot::at(dir.path()).rpm_blob(&blob);
        let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
        assert!(
            err.to_string().contains("package sudo: corrupt file list"),
            "{err}"
        );
    }

    #[test]
    fn the_sysimage_location_and_symlinks_resolve_inside_the_root() {
        for link in [
            None,
            Some("../../usr/lib/sysimage/rpm"),
            Some("/usr/lib/sysimage/rpm"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let sysimage = dir.path().join("usr/lib/sysimage/rpm");
            std::fs::create_dir_all(&sysimage).unwrap();
            let conn = Connection::open(sysimage.join(SQLITE_DB)).unwrap();
            conn.execute_batch(
                "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL);",
            )
            .unwrap();
            conn.execute(
                "INSERT INTO Packages (blob) VALUES (?1)",
                [rpm_header("zypper", "1.14", "1", None, &[])],
            )
            .unwrap();
            if let Some(target) = link {
                std::fs::create_dir_all(dir.path().join("var/lib")).unwrap();
                std::os::unix::fs::symlink(target, dir.path().join("var/lib/rpm")).unwrap();
            }
            let mut out = PackageScan::default();
            scan(dir.path(), &mut out).unwrap();
            assert_eq!(out.packages.len(), 1, "{link:?}");
            assert_eq!(out.packages[0].name, "zypper");
        }
    }

    #[test]
    fn an_absolute_symlink_never_reaches_the_host() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib")).unwrap();
        // On the host this would be the host's own rpm directory.
        std::os::unix::fs::symlink("/var/lib/rpm", dir.path().join("var/lib/rpm")).unwrap();
        assert_eq!(
            resolve_in_root(dir.path(), "var/lib/rpm"),
            None,
            "resolved inside the root, where it does not exist"
        );
    }

    #[test]
    fn sqlite_is_refused_a_symlink_anywhere_on_the_database_path() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        db_with(
            &real,
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL);",
        );
        let db = real.join("var/lib/rpm").join(SQLITE_DB);
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(&db, dir.path().join("db-link")).unwrap();
        let budget = Duration::from_secs(5);
        let tables = |conn: Connection| {
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
        };
        assert_eq!(tables(open(&db, budget).unwrap()).unwrap(), 1);
        // SQLite opens lazily: the refusal shows at open or first read.
        for path in [
            dir.path().join("link/var/lib/rpm").join(SQLITE_DB),
            dir.path().join("db-link"),
        ] {
            let got = open(&path, budget).and_then(tables);
            assert!(got.is_err(), "{} was read: {got:?}", path.display());
        }
    }

    #[test]
    fn older_database_formats_are_refused_by_name() {
        for (file, format) in [("Packages", "Berkeley DB"), ("Packages.db", "ndb")] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("var/lib/rpm")).unwrap();
            std::fs::write(dir.path().join("var/lib/rpm").join(file), b"\0\x06\x15\x61").unwrap();
            assert!(present(dir.path()));
            let err = scan(dir.path(), &mut PackageScan::default()).unwrap_err();
            assert!(err.to_string().contains(format), "{err}");
        }
    }
}

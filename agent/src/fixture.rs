//! Realistic fixture roots for tests, benchmarks and the demo: files of
//! every type plus dpkg, rpm and apk databases that the real parsers read.
//!
//! ```no_run
//! # use plumb_agent::fixture::FixtureRoot;
//! FixtureRoot::at("/tmp/root")
//!     .file("/usr/bin/ls", b"\x7fELF...")
//!     .dpkg_package("coreutils", "9.1-1", &[("/usr/bin/cat", b"cat")]);
//! ```

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

const DPKG_STATUS: &str = "var/lib/dpkg/status";
const DPKG_INFO: &str = "var/lib/dpkg/info";
const APK_DB: &str = "lib/apk/db/installed";
const RPM_DB: &str = "var/lib/rpm/rpmdb.sqlite";

/// A directory being filled as a node's root filesystem. Panics on I/O
/// errors: it is for tests and demos, where a failure must be loud.
pub struct FixtureRoot {
    root: PathBuf,
}

impl FixtureRoot {
    pub fn at(root: impl AsRef<Path>) -> FixtureRoot {
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(&root).expect("create fixture root");
        FixtureRoot { root }
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The on-disk path of manifest path `p`.
    pub fn join(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }

    pub fn dir(&self, p: &str) -> &Self {
        std::fs::create_dir_all(self.join(p)).expect("create dir");
        self
    }

    /// Writes a file (0644), creating parent directories.
    pub fn file(&self, p: &str, content: &[u8]) -> &Self {
        self.file_mode(p, content, 0o644)
    }

    pub fn file_mode(&self, p: &str, content: &[u8], mode: u32) -> &Self {
        let path = self.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, content).expect("write file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        self
    }

    pub fn symlink(&self, p: &str, target: &str) -> &Self {
        let path = self.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::os::unix::fs::symlink(target, path).expect("symlink");
        self
    }

    /// A small but realistic system: binaries, libraries, config, a
    /// setuid binary, symlinks, a fifo, churn under /var/log and /tmp, and
    /// three dpkg packages owning files.
    pub fn realistic(&self) -> &Self {
        self.dir("/tmp")
            .dir("/var/tmp")
            .dir("/home/admin")
            .dir("/srv")
            .dir("/etc/ssh");
        self.file(
            "/etc/os-release",
            b"PRETTY_NAME=\"Fixture Linux 1\"\nID=fixture\n",
        )
        .file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        .file("/etc/ssh/sshd_config", b"PermitRootLogin no\n")
        .file("/etc/motd", b"welcome\n")
        .file("/etc/machine-id", b"0123456789abcdef\n")
        .file("/var/log/syslog", b"boot\n")
        .file("/srv/app/data.json", b"{}\n")
        .file_mode("/usr/local/bin/deploy", b"#!/bin/sh\necho deploy\n", 0o755)
        .symlink("/bin", "usr/bin")
        .symlink("/usr/lib/libfix.so", "libfix.so.1");
        self.dpkg_package(
            "coreutils",
            "9.1-1",
            &[
                ("/usr/bin/ls", b"\x7fELF ls v1"),
                ("/usr/bin/cat", b"\x7fELF cat v1"),
                ("/usr/share/doc/coreutils/README", b"docs"),
            ],
        )
        .dpkg_package(
            "libfix1",
            "2.0-3",
            &[("/usr/lib/libfix.so.1", b"\x7fELF libfix")],
        )
        .dpkg_package("login", "1:4.13", &[("/usr/bin/su", b"\x7fELF su")]);
        std::fs::set_permissions(
            self.join("/usr/bin/su"),
            std::fs::Permissions::from_mode(0o4755),
        )
        .expect("chmod");
        self.fifo("/srv/app/control.fifo")
    }

    /// A FIFO at `p` (its directory must exist).
    pub fn fifo(&self, p: &str) -> &Self {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            self.join(p),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o666), // less the umask, as mkfifo(1)
            0,
        )
        .expect("mkfifo");
        self
    }

    /// Installs (or upgrades) a dpkg package: its files, its `.list` and
    /// its status stanza. Executables under a `bin` directory get 0755.
    pub fn dpkg_package(&self, name: &str, version: &str, files: &[(&str, &[u8])]) -> &Self {
        for (p, content) in files {
            let mode = if p.contains("/bin/") || p.contains("/sbin/") {
                0o755
            } else {
                0o644
            };
            self.file_mode(p, content, mode);
        }
        let info = self.join(DPKG_INFO);
        std::fs::create_dir_all(&info).expect("create dpkg info");
        let list: String = files.iter().map(|(p, _)| format!("{p}\n")).collect();
        std::fs::write(info.join(format!("{name}.list")), format!("/.\n{list}"))
            .expect("write list");
        let mut stanzas = self.dpkg_stanzas();
        stanzas.retain(|s| !s.starts_with(&format!("Package: {name}\n")));
        stanzas.push(format!(
            "Package: {name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: {version}\nDescription: {name} for tests\n a fixture package\n"
        ));
        self.write_dpkg_status(&stanzas);
        self
    }

    /// Removes a dpkg package, its files and its database entries.
    pub fn remove_dpkg_package(&self, name: &str) -> &Self {
        let list = self.join(DPKG_INFO).join(format!("{name}.list"));
        if let Ok(text) = std::fs::read_to_string(&list) {
            for p in text.lines().filter(|l| *l != "/.") {
                let _ = std::fs::remove_file(self.join(p));
            }
        }
        let _ = std::fs::remove_file(list);
        let mut stanzas = self.dpkg_stanzas();
        stanzas.retain(|s| !s.starts_with(&format!("Package: {name}\n")));
        self.write_dpkg_status(&stanzas);
        self
    }

    fn dpkg_stanzas(&self) -> Vec<String> {
        std::fs::read_to_string(self.join(DPKG_STATUS))
            .unwrap_or_default()
            .split("\n\n")
            .filter(|s| !s.trim().is_empty())
            .map(|s| format!("{}\n", s.trim_end()))
            .collect()
    }

    fn write_dpkg_status(&self, stanzas: &[String]) {
        let path = self.join(DPKG_STATUS);
        std::fs::create_dir_all(path.parent().expect("status has a parent"))
            .expect("create dpkg dir");
        std::fs::write(path, stanzas.join("\n")).expect("write status");
    }

    /// Adds (or replaces) an apk package and its files.
    pub fn apk_package(&self, name: &str, version: &str, files: &[(&str, &[u8])]) -> &Self {
        for (p, content) in files {
            self.file(p, content);
        }
        let path = self.join(APK_DB);
        std::fs::create_dir_all(path.parent().expect("apk db has a parent"))
            .expect("create apk dir");
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let mut stanzas: Vec<String> = old
            .split("\n\n")
            .filter(|s| !s.trim().is_empty() && !s.contains(&format!("\nP:{name}\n")))
            .map(|s| s.trim_end().to_string())
            .collect();
        let mut s =
            format!("C:Q1fixture=\nP:{name}\nV:{version}\nA:x86_64\nS:100\nT:{name} for tests");
        let mut last_dir = String::new();
        for (p, _) in files {
            let (dir, base) = p
                .trim_start_matches('/')
                .rsplit_once('/')
                .unwrap_or(("", p));
            if dir != last_dir {
                s.push_str(&format!("\nF:{dir}"));
                last_dir = dir.to_string();
            }
            s.push_str(&format!("\nR:{base}\nZ:Q1sum="));
        }
        stanzas.push(s);
        std::fs::write(&path, format!("{}\n\n", stanzas.join("\n\n"))).expect("write apk db");
        self
    }

    /// Adds an rpm package (header blob in rpmdb.sqlite) and its files.
    pub fn rpm_package(
        &self,
        name: &str,
        version: &str,
        release: &str,
        files: &[(&str, &[u8])],
    ) -> &Self {
        for (p, content) in files {
            self.file(p, content);
        }
        let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
        self.rpm_blob(&rpm_header(name, version, release, None, &paths))
    }

    /// Inserts a raw header blob (e.g. a corrupt one) into rpmdb.sqlite.
    pub fn rpm_blob(&self, blob: &[u8]) -> &Self {
        let path = self.join(RPM_DB);
        std::fs::create_dir_all(path.parent().expect("rpmdb has a parent"))
            .expect("create rpm dir");
        let conn = Connection::open(&path).expect("open rpmdb");
        conn.execute_batch("CREATE TABLE IF NOT EXISTS Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);")
            .expect("create Packages");
        conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [blob])
            .expect("insert header");
        self
    }

    /// Removes every rpm header whose name is `name`.
    pub fn remove_rpm_package(&self, name: &str) -> &Self {
        let conn = Connection::open(self.join(RPM_DB)).expect("open rpmdb");
        let mut stmt = conn
            .prepare("SELECT hnum, blob FROM Packages")
            .expect("select");
        let rows: Vec<(i64, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .filter_map(Result::ok)
            .collect();
        for (hnum, blob) in rows {
            // rpm_header() stores the name first in the data store.
            let il = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
            let data = &blob[8 + il * 16..];
            if data.starts_with(format!("{name}\0").as_bytes()) {
                conn.execute("DELETE FROM Packages WHERE hnum = ?1", [hnum])
                    .expect("delete");
            }
        }
        self
    }

    /// `count` small files spread over directories of 100, for scale tests
    /// and benchmarks.
    pub fn many_files(&self, under: &str, count: usize, size: usize) -> &Self {
        let mut content = vec![0u8; size];
        for i in 0..count {
            let dir = self.join(&format!("{under}/d{:04}", i / 100));
            if i % 100 == 0 {
                std::fs::create_dir_all(&dir).expect("create dir");
            }
            for (j, b) in content.iter_mut().enumerate().take(16) {
                *b = (i >> (j % 8)) as u8 ^ j as u8;
            }
            std::fs::write(dir.join(format!("f{i:06}")), &content).expect("write file");
        }
        self
    }
}

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

enum Value<'a> {
    Str(&'a str),
    Strs(Vec<String>),
    Ints(Vec<i32>),
}

/// Encodes an rpm header blob as rpmdb.sqlite stores it (no lead, no
/// magic): index count, data length, 16-byte index entries, data store.
pub fn rpm_header(
    name: &str,
    version: &str,
    release: &str,
    epoch: Option<i32>,
    files: &[&str],
) -> Vec<u8> {
    let mut dirs: Vec<String> = Vec::new();
    let mut bases = Vec::new();
    let mut idx = Vec::new();
    for f in files {
        let (d, b) = f.rsplit_once('/').unwrap_or(("", f));
        let d = format!("{d}/");
        let i = match dirs.iter().position(|x| *x == d) {
            Some(i) => i,
            None => {
                dirs.push(d);
                dirs.len() - 1
            }
        };
        bases.push(b.to_string());
        idx.push(i as i32);
    }
    rpm_header_lists(name, version, release, epoch, dirs, bases, idx)
}

/// An rpm header whose file list is given as rpm stores it: directory
/// names, base names and each base name's directory index (for headers
/// no real package list would give, such as many names in one huge
/// directory).
pub fn rpm_header_lists(
    name: &str,
    version: &str,
    release: &str,
    epoch: Option<i32>,
    dirs: Vec<String>,
    bases: Vec<String>,
    idx: Vec<i32>,
) -> Vec<u8> {
    let mut tags: Vec<(u32, Value)> = vec![
        (TAG_NAME, Value::Str(name)),
        (TAG_VERSION, Value::Str(version)),
        (TAG_RELEASE, Value::Str(release)),
        (TAG_ARCH, Value::Str("x86_64")),
    ];
    if let Some(e) = epoch {
        tags.push((TAG_EPOCH, Value::Ints(vec![e])));
    }
    if !bases.is_empty() || !dirs.is_empty() {
        tags.push((TAG_DIRINDEXES, Value::Ints(idx)));
        tags.push((TAG_BASENAMES, Value::Strs(bases)));
        tags.push((TAG_DIRNAMES, Value::Strs(dirs)));
    }
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (tag, v) in &tags {
        let (ty, off, count) = match v {
            Value::Str(s) => {
                let off = data.len();
                data.extend_from_slice(s.as_bytes());
                data.push(0);
                (6u32, off, 1)
            }
            Value::Strs(list) => {
                let off = data.len();
                for s in list {
                    data.extend_from_slice(s.as_bytes());
                    data.push(0);
                }
                (8, off, list.len())
            }
            Value::Ints(list) => {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
                let off = data.len();
                for i in list {
                    data.extend_from_slice(&i.to_be_bytes());
                }
                (4, off, list.len())
            }
        };
        index.extend_from_slice(&tag.to_be_bytes());
        index.extend_from_slice(&ty.to_be_bytes());
        index.extend_from_slice(&(off as u32).to_be_bytes());
        index.extend_from_slice(&(count as u32).to_be_bytes());
    }
    let mut blob = Vec::new();
    blob.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
    blob.extend_from_slice(&index);
    blob.extend_from_slice(&data);
    blob
}

//! The compact in-memory form of one file's state: what the scanner sees
//! and what a loaded manifest holds.
//!
//! The protobuf [`FileEntry`] carries five heap strings and vectors per
//! path; a 100k-file tree held that way costs about 35 MB, twice (the
//! manifest and the scan). A [`FileRecord`] has one allocation (the path),
//! an inline digest and a shared package name, about a third of that.
//! Conversions to and from [`FileEntry`] are exact, so a manifest written
//! from records has the digest a manifest written from entries would have.

use std::collections::HashSet;
use std::sync::Arc;

use plumb_proto::v1::{FileEntry, FileType};

use crate::paths;

/// One file's recorded or observed state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// Manifest path: bytes relative to the root, leading `/`.
    pub path: Box<[u8]>,
    pub file_type: FileType,
    /// Permission bits including setuid, setgid and sticky.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Size of regular files and symlinks; 0 otherwise.
    pub size: u64,
    /// SHA-256 of a regular file's content.
    pub sha256: Option<[u8; 32]>,
    pub link_target: Option<Box<[u8]>>,
    /// Device number of character and block devices.
    pub rdev: u64,
    /// The owning package, when a package database says so.
    pub package: Option<Arc<str>>,
}

impl FileRecord {
    /// A record with only path and type set.
    pub fn new(path: Vec<u8>, file_type: FileType) -> FileRecord {
        FileRecord {
            path: path.into_boxed_slice(),
            file_type,
            mode: 0,
            uid: 0,
            gid: 0,
            size: 0,
            sha256: None,
            link_target: None,
            rdev: 0,
            package: None,
        }
    }

    /// The record of a manifest entry; refuses what no scanner writes.
    pub fn from_entry(e: FileEntry, names: &mut Interner) -> Result<FileRecord, String> {
        let path = take_bytes(e.path, e.raw_path);
        let shown = || paths::display(&path);
        let file_type = FileType::try_from(e.file_type)
            .map_err(|_| format!("{}: unknown file type {}", shown(), e.file_type))?;
        let sha256 = match e.sha256.len() {
            0 => None,
            32 => Some(e.sha256.as_slice().try_into().expect("length checked")),
            n => return Err(format!("{}: sha256 of {n} bytes, not 32", shown())),
        };
        let link = take_bytes(e.link_target, e.raw_link_target);
        Ok(FileRecord {
            file_type,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            size: e.size,
            sha256,
            link_target: (!link.is_empty()).then(|| link.into_boxed_slice()),
            rdev: e.rdev,
            package: (!e.package.is_empty()).then(|| names.intern(&e.package)),
            path: path.into_boxed_slice(),
        })
    }

    /// The manifest entry of this record.
    pub fn to_entry(&self) -> FileEntry {
        self.fields(&mut Default::default()).to_entry()
    }

    /// Appends this record as a manifest's file list holds it: the bytes
    /// `encode_file_entry(&self.to_entry(), out)` would append, without
    /// building the entry (no allocation unless a name is not UTF-8).
    pub fn encode_entry(&self, out: &mut Vec<u8>) {
        self.fields(&mut Default::default()).encode(out)
    }

    /// This record's manifest fields, borrowed; `lossy` holds the
    /// printable renderings of a path or link target that is not UTF-8.
    fn fields<'a>(&'a self, lossy: &'a mut [String; 2]) -> plumb_proto::FileEntryRef<'a> {
        let [lossy_path, lossy_link] = lossy;
        let (path, raw_path) = paths::text_fields(&self.path, lossy_path);
        let (link_target, raw_link_target) =
            paths::text_fields(self.link_target.as_deref().unwrap_or_default(), lossy_link);
        plumb_proto::FileEntryRef {
            path,
            raw_path,
            file_type: self.file_type as i32,
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            size: self.size,
            sha256: self.sha256.as_ref().map(|d| &d[..]).unwrap_or_default(),
            link_target,
            raw_link_target,
            rdev: self.rdev,
            package: self.package.as_deref().unwrap_or_default(),
        }
    }

    /// The symlink target bytes (empty for other types).
    pub fn link_target_bytes(&self) -> &[u8] {
        self.link_target.as_deref().unwrap_or_default()
    }

    pub fn is_executable(&self) -> bool {
        self.file_type == FileType::Regular && self.mode & 0o111 != 0
    }
}

/// The exact bytes of a (`string`, `bytes`) field pair.
fn take_bytes(text: String, raw: Vec<u8>) -> Vec<u8> {
    if raw.is_empty() {
        text.into_bytes()
    } else {
        raw
    }
}

/// Shares one allocation per distinct package name.
#[derive(Default)]
pub struct Interner(HashSet<Arc<str>>);

impl Interner {
    pub fn intern(&mut self, name: &str) -> Arc<str> {
        if let Some(known) = self.0.get(name) {
            return known.clone();
        }
        let name: Arc<str> = name.into();
        self.0.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name() -> impl Strategy<Value = Vec<u8>> {
        // Mostly text, some of it multi-byte, some not UTF-8 at all.
        prop_oneof![
            "/[a-z0-9._/-]{0,40}".prop_map(String::into_bytes),
            "/[a-zé€😀 ]{0,300}".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..200),
        ]
    }

    fn record() -> impl Strategy<Value = FileRecord> {
        (
            (name(), 0i32..8, any::<u32>(), any::<u32>(), any::<u32>()),
            (
                any::<u64>(),
                proptest::option::of(any::<[u8; 32]>()),
                proptest::option::of(name()),
                any::<u64>(),
                proptest::option::of("[a-z0-9+.-]{0,30}"),
            ),
        )
            .prop_map(
                |((path, kind, mode, uid, gid), (size, sha256, link, rdev, package))| FileRecord {
                    path: path.into_boxed_slice(),
                    file_type: FileType::try_from(kind).unwrap(),
                    mode,
                    uid,
                    gid,
                    size,
                    sha256,
                    link_target: link.map(Vec::into_boxed_slice),
                    rdev,
                    package: package.map(Arc::from),
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The manifest digest depends on these bytes: encoding a record
        /// directly must never differ from prost's encoding of its entry.
        #[test]
        fn a_record_encodes_as_prost_encodes_its_entry(r in record()) {
            let mut direct = vec![0xAA];
            r.encode_entry(&mut direct);
            let mut via_entry = vec![0xAA];
            plumb_proto::encode_file_entry(&r.to_entry(), &mut via_entry);
            prop_assert_eq!(direct, via_entry);
        }
    }

    #[test]
    fn entries_round_trip_exactly() {
        let entries = [
            FileEntry {
                path: "/usr/bin/ls".into(),
                file_type: FileType::Regular as i32,
                mode: 0o4755,
                uid: 0,
                gid: 50,
                size: 12,
                sha256: vec![7; 32],
                package: "coreutils".into(),
                ..Default::default()
            },
            FileEntry {
                path: "/bad\u{fffd}".into(),
                raw_path: b"/bad\xff".to_vec(),
                file_type: FileType::Symlink as i32,
                link_target: "\u{fffd}x".into(),
                raw_link_target: b"\xfex".to_vec(),
                size: 2,
                ..Default::default()
            },
            FileEntry {
                path: "/dev/null".into(),
                file_type: FileType::CharDevice as i32,
                rdev: 259,
                mode: 0o666,
                ..Default::default()
            },
        ];
        let mut names = Interner::default();
        for e in entries {
            let r = FileRecord::from_entry(e.clone(), &mut names).unwrap();
            assert_eq!(r.to_entry(), e);
        }
    }

    #[test]
    fn malformed_entries_are_refused_with_their_path() {
        let mut names = Interner::default();
        let err = FileRecord::from_entry(
            FileEntry {
                path: "/etc/x".into(),
                file_type: FileType::Regular as i32,
                sha256: vec![1; 5],
                ..Default::default()
            },
            &mut names,
        )
        .unwrap_err();
        assert_eq!(err, "/etc/x: sha256 of 5 bytes, not 32");
        let err = FileRecord::from_entry(
            FileEntry {
                path: "/etc/y".into(),
                file_type: 42,
                ..Default::default()
            },
            &mut names,
        )
        .unwrap_err();
        assert_eq!(err, "/etc/y: unknown file type 42");
    }

    #[test]
    fn package_names_are_shared() {
        let mut names = Interner::default();
        let a = names.intern("coreutils");
        let b = names.intern("coreutils");
        assert!(Arc::ptr_eq(&a, &b));
    }
}

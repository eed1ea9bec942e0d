//! Canonical encoding and digest of a manifest.
//!
//! prost encodes fields in field-number order and the manifest has no maps,
//! so the encoding of a manifest whose repeated fields are sorted is
//! canonical. The digest is SHA-256 over that encoding with `digest` and `signatures`
//! empty.

use std::borrow::Borrow;

use prost::Message;
use sha2::{Digest, Sha256};

use crate::v1::{FileEntry, Label, Manifest};

/// Manifest format written by this version; newer ones are refused.
pub const MANIFEST_FORMAT_VERSION: u32 = 1;

/// Why bytes are not a trustworthy manifest.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("not a plumb manifest (protobuf decoding failed: {0})")]
    Decode(prost::DecodeError),
    #[error("manifest has no image id")]
    NoImageId,
    #[error("manifest format {found} is newer than this plumb understands ({supported})")]
    TooNew { found: u32, supported: u32 },
    #[error("manifest has no digest")]
    NoDigest,
    #[error("manifest digest mismatch: recorded {recorded}, computed {computed} (the file was truncated or altered)")]
    Mismatch { recorded: String, computed: String },
    #[error("not a plumb manifest ({0})")]
    Malformed(&'static str),
    #[error("manifest file entry {index}: {reason}")]
    File { index: usize, reason: String },
    #[error("manifest label: {0}")]
    Label(String),
}

// Not `#[from]`: the message already shows the cause, which must not
// come again as the error's source when the chain is printed.
impl From<prost::DecodeError> for DigestError {
    fn from(e: prost::DecodeError) -> DigestError {
        DigestError::Decode(e)
    }
}

/// At most this many labels per manifest.
pub const MAX_LABELS: usize = 64;
/// Longest label value, in bytes.
pub const MAX_LABEL_VALUE: usize = 512;

/// Parses `KEY=VALUE` into a checked label.
pub fn parse_label(text: &str) -> Result<Label, String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not KEY=VALUE"))?;
    let label = Label {
        key: key.to_string(),
        value: value.to_string(),
    };
    check_label(&label)?;
    Ok(label)
}

/// A label key is 1-63 of `a-z 0-9 _ . -` (starting with a letter or a
/// digit); a value is up to 512 bytes with no control characters.
fn check_label(label: &Label) -> Result<(), String> {
    let key = &label.key;
    let key_ok = (1..=63).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
    if !key_ok {
        return Err(format!(
            "key {key:?} must be 1-63 of a-z, 0-9, '_', '.', '-', starting with a letter or digit"
        ));
    }
    if label.value.len() > MAX_LABEL_VALUE || label.value.chars().any(char::is_control) {
        return Err(format!(
            "value of {key:?} must be at most {MAX_LABEL_VALUE} bytes without control characters"
        ));
    }
    Ok(())
}

/// Every label is well-formed, keys are unique, and there are at most
/// [`MAX_LABELS`].
pub fn check_labels(labels: &[Label]) -> Result<(), String> {
    if labels.len() > MAX_LABELS {
        return Err(format!("{} labels, at most {MAX_LABELS}", labels.len()));
    }
    let mut keys = std::collections::HashSet::new();
    for label in labels {
        check_label(label)?;
        if !keys.insert(label.key.as_str()) {
            return Err(format!("key {:?} given twice", label.key));
        }
    }
    Ok(())
}

/// Field number of `Manifest.files`.
const FILES_TAG: u32 = 6;

impl FileEntry {
    /// The exact path bytes: `raw_path` when set, else the UTF-8 `path`.
    pub fn path_bytes(&self) -> &[u8] {
        if self.raw_path.is_empty() {
            self.path.as_bytes()
        } else {
            &self.raw_path
        }
    }

    /// The exact symlink target bytes.
    pub fn link_target_bytes(&self) -> &[u8] {
        if self.raw_link_target.is_empty() {
            self.link_target.as_bytes()
        } else {
            &self.raw_link_target
        }
    }
}

impl Manifest {
    /// Sorts files, packages and listeners into canonical order.
    pub fn canonicalize(&mut self) {
        self.files
            .sort_by(|a, b| a.path_bytes().cmp(b.path_bytes()));
        self.packages.sort_by(|a, b| {
            (a.manager, &a.name, &a.arch, &a.version)
                .cmp(&(b.manager, &b.name, &b.arch, &b.version))
        });
        if let Some(section) = self.listeners.as_mut() {
            section.listeners.sort_by(|a, b| {
                (a.protocol, &a.address, a.port, &a.process)
                    .cmp(&(b.protocol, &b.address, b.port, &b.process))
            });
        }
        self.labels.sort_by(|a, b| a.key.cmp(&b.key));
    }

    /// SHA-256 over the canonical encoding with the digest field empty.
    pub fn compute_digest(&mut self) -> [u8; 32] {
        let saved = std::mem::take(&mut self.digest);
        let signatures = std::mem::take(&mut self.signatures);
        let encoded = self.encode_to_vec();
        self.digest = saved;
        self.signatures = signatures;
        Sha256::digest(&encoded).into()
    }

    /// Canonicalizes the manifest and records its digest.
    pub fn seal(&mut self) {
        self.canonicalize();
        self.digest = self.compute_digest().to_vec();
    }

    /// Decodes an encoded manifest and verifies its version and digest.
    pub fn decode_verified(bytes: &[u8]) -> Result<Manifest, DigestError> {
        let mut manifest = Manifest::decode(bytes)?;
        manifest.verify()?;
        Ok(manifest)
    }

    /// Decodes an encoded manifest without ever holding its file list as
    /// messages: each [`FileEntry`] is handed to `each_file`, in order, as
    /// soon as it is decoded, and the returned manifest has no `files`.
    /// Version and digest are verified exactly as by
    /// [`Manifest::decode_verified`]; a refusal by `each_file` stops the
    /// decoding with [`DigestError::File`].
    ///
    /// This is how a 100k-file manifest is loaded in a few megabytes: the
    /// caller keeps a compact form of each entry and drops the message.
    pub fn decode_streaming(
        bytes: &[u8],
        mut each_file: impl FnMut(FileEntry) -> Result<(), String>,
    ) -> Result<Manifest, DigestError> {
        use prost::encoding::{decode_key, decode_varint, skip_field, DecodeContext, WireType};

        // Pass 1: everything but the files, decoded the ordinary way.
        let mut rest = Vec::new();
        let mut buf = bytes;
        while !buf.is_empty() {
            let start = buf;
            let (tag, wire_type) = decode_key(&mut buf)?;
            skip_field(wire_type, tag, &mut buf, DecodeContext::default())?;
            if tag != FILES_TAG {
                rest.extend_from_slice(&start[..start.len() - buf.len()]);
            } else if wire_type != WireType::LengthDelimited {
                return Err(DigestError::Malformed(
                    "files field has the wrong wire type",
                ));
            }
        }
        let manifest = Manifest::decode(rest.as_slice())?;
        drop(rest);
        manifest.check_header()?;

        // Hash the canonical encoding as the files stream: the digest does
        // not depend on the order the fields arrived in.
        let mut canonical = Canonical::new(&manifest, false);
        let mut hasher = Sha256::new();
        hasher.update(canonical.head());
        let mut buf = bytes;
        let mut index = 0;
        while !buf.is_empty() {
            let (tag, wire_type) = decode_key(&mut buf)?;
            if tag != FILES_TAG {
                skip_field(wire_type, tag, &mut buf, DecodeContext::default())?;
                continue;
            }
            let len = decode_varint(&mut buf)?;
            let len = usize::try_from(len)
                .ok()
                .filter(|&l| l <= buf.len())
                .ok_or(DigestError::Malformed("file entry runs past the end"))?;
            let entry = FileEntry::decode(&buf[..len])?;
            buf = &buf[len..];
            hasher.update(canonical.file(&entry));
            each_file(entry).map_err(|reason| DigestError::File { index, reason })?;
            index += 1;
        }
        hasher.update(canonical.tail());
        let computed: [u8; 32] = hasher.finalize().into();
        if computed[..] != manifest.digest[..] {
            return Err(DigestError::Mismatch {
                recorded: hex(&manifest.digest),
                computed: hex(&computed),
            });
        }
        Ok(manifest)
    }

    /// The canonical encoding of this manifest with `files` (sorted by
    /// path) in place of its own, empty, file list: how a manifest whose
    /// files are held in another form is written without converting them
    /// all at once.
    pub fn encode_with_files<E: Borrow<FileEntry>>(
        &self,
        files: impl IntoIterator<Item = E>,
    ) -> Vec<u8> {
        let mut canonical = Canonical::new(self, true);
        let mut out = canonical.head().to_vec();
        for f in files {
            out.extend_from_slice(canonical.file(f.borrow()));
        }
        out.extend_from_slice(canonical.tail());
        out
    }

    /// The canonical encoding of this manifest without its files, split
    /// where the files go: a manifest whose files are encoded apart (with
    /// [`encode_file_entry`], in parallel) is `before`, the files, `after`.
    /// Without `with_digest`, the digest and the signatures are left out:
    /// SHA-256 over that encoding is the manifest's digest.
    pub fn canonical_frame(&self, with_digest: bool) -> (Vec<u8>, Vec<u8>) {
        let canonical = Canonical::new(self, with_digest);
        (canonical.head().to_vec(), canonical.tail().to_vec())
    }

    /// The digest this manifest would have with `files` in place of its
    /// own, empty, file list (see [`Manifest::encode_with_files`]).
    pub fn digest_with_files<E: Borrow<FileEntry>>(
        &self,
        files: impl IntoIterator<Item = E>,
    ) -> [u8; 32] {
        let mut canonical = Canonical::new(self, false);
        let mut hasher = Sha256::new();
        hasher.update(canonical.head());
        for f in files {
            hasher.update(canonical.file(f.borrow()));
        }
        hasher.update(canonical.tail());
        hasher.finalize().into()
    }

    /// Version, image id and presence of a digest.
    fn check_header(&self) -> Result<(), DigestError> {
        if self.format_version > MANIFEST_FORMAT_VERSION {
            return Err(DigestError::TooNew {
                found: self.format_version,
                supported: MANIFEST_FORMAT_VERSION,
            });
        }
        if self.image_id.is_empty() {
            return Err(DigestError::NoImageId);
        }
        if self.digest.is_empty() {
            return Err(DigestError::NoDigest);
        }
        check_labels(&self.labels).map_err(DigestError::Label)
    }

    /// Checks version, image id and digest of a manifest read from anywhere.
    pub fn verify(&mut self) -> Result<(), DigestError> {
        self.check_header()?;
        let computed = self.compute_digest();
        if computed[..] != self.digest[..] {
            return Err(DigestError::Mismatch {
                recorded: hex(&self.digest),
                computed: hex(&computed),
            });
        }
        Ok(())
    }

    /// The digest as lowercase hex.
    pub fn digest_hex(&self) -> String {
        hex(&self.digest)
    }
}

/// Appends `entry` to `out` as a manifest's file list holds it (see
/// [`Manifest::canonical_frame`]).
pub fn encode_file_entry(entry: &FileEntry, out: &mut Vec<u8>) {
    prost::encoding::message::encode(FILES_TAG, entry, out);
}

/// A [`FileEntry`]'s fields, borrowed: [`FileEntryRef::encode`] appends
/// exactly what [`encode_file_entry`] of the owned entry would, without
/// allocating one (a build encodes every file of the tree this way).
#[derive(Clone, Copy, Debug, Default)]
pub struct FileEntryRef<'a> {
    pub path: &'a str,
    pub raw_path: &'a [u8],
    pub file_type: i32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub sha256: &'a [u8],
    pub link_target: &'a str,
    pub raw_link_target: &'a [u8],
    pub rdev: u64,
    pub package: &'a str,
}

impl FileEntryRef<'_> {
    /// The owned entry with these fields.
    pub fn to_entry(&self) -> FileEntry {
        FileEntry {
            path: self.path.to_string(),
            raw_path: self.raw_path.to_vec(),
            file_type: self.file_type,
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            size: self.size,
            sha256: self.sha256.to_vec(),
            link_target: self.link_target.to_string(),
            raw_link_target: self.raw_link_target.to_vec(),
            rdev: self.rdev,
            package: self.package.to_string(),
        }
    }

    /// Appends the entry as field `files` of a manifest, as prost encodes
    /// it: fields in tag order, proto3 defaults left out.
    pub fn encode(&self, out: &mut Vec<u8>) {
        use prost::encoding::{encode_key, encode_varint, encoded_len_varint, key_len, WireType};
        // An `int32` (the enum) is encoded as its sign-extended 64 bits.
        let file_type = self.file_type as i64 as u64;
        let bytes = [
            (1, self.path.as_bytes()),
            (2, self.raw_path),
            (8, self.sha256),
            (9, self.link_target.as_bytes()),
            (10, self.raw_link_target),
            (12, self.package.as_bytes()),
        ];
        let varints = [
            (3, file_type),
            (4, u64::from(self.mode)),
            (5, u64::from(self.uid)),
            (6, u64::from(self.gid)),
            (7, self.size),
            (11, self.rdev),
        ];
        let len: usize = bytes
            .iter()
            .filter(|(_, b)| !b.is_empty())
            .map(|(tag, b)| key_len(*tag) + encoded_len_varint(b.len() as u64) + b.len())
            .chain(
                varints
                    .iter()
                    .filter(|(_, v)| *v != 0)
                    .map(|(tag, v)| key_len(*tag) + encoded_len_varint(*v)),
            )
            .sum();
        out.reserve(key_len(FILES_TAG) + encoded_len_varint(len as u64) + len);
        encode_key(FILES_TAG, WireType::LengthDelimited, out);
        encode_varint(len as u64, out);
        let put_bytes = |out: &mut Vec<u8>, (tag, b): (u32, &[u8])| {
            if !b.is_empty() {
                encode_key(tag, WireType::LengthDelimited, out);
                encode_varint(b.len() as u64, out);
                out.extend_from_slice(b);
            }
        };
        let put_varint = |out: &mut Vec<u8>, (tag, v): (u32, u64)| {
            if v != 0 {
                encode_key(tag, WireType::Varint, out);
                encode_varint(v, out);
            }
        };
        // Tag order: 1, 2, 3-7, 8, 9, 10, 11, 12.
        put_bytes(out, bytes[0]);
        put_bytes(out, bytes[1]);
        varints[..5].iter().for_each(|&f| put_varint(out, f));
        put_bytes(out, bytes[2]);
        put_bytes(out, bytes[3]);
        put_bytes(out, bytes[4]);
        put_varint(out, varints[5]);
        put_bytes(out, bytes[5]);
    }
}

/// The canonical encoding of a manifest in three parts: the fields before
/// `files`, each file, the fields after; with or without `digest` (which
/// is computed over the encoding without it).
struct Canonical {
    meta: Vec<u8>,
    split: usize,
    scratch: Vec<u8>,
}

impl Canonical {
    /// Files `manifest` holds are left out.
    fn new(manifest: &Manifest, with_digest: bool) -> Canonical {
        let mut meta = manifest.clone_without_files();
        if !with_digest {
            meta.digest.clear();
            meta.signatures.clear();
        }
        let meta = meta.encode_to_vec();
        let split = field_boundary(&meta, FILES_TAG);
        Canonical {
            meta,
            split,
            scratch: Vec::new(),
        }
    }

    fn head(&self) -> &[u8] {
        &self.meta[..self.split]
    }

    fn tail(&self) -> &[u8] {
        &self.meta[self.split..]
    }

    fn file(&mut self, entry: &FileEntry) -> &[u8] {
        self.scratch.clear();
        encode_file_entry(entry, &mut self.scratch);
        &self.scratch
    }
}

impl Manifest {
    fn clone_without_files(&self) -> Manifest {
        Manifest {
            format_version: self.format_version,
            image_id: self.image_id.clone(),
            created_unix_ms: self.created_unix_ms,
            builder: self.builder.clone(),
            digest: self.digest.clone(),
            files: Vec::new(),
            packages: self.packages.clone(),
            listeners: self.listeners.clone(),
            policy: self.policy.clone(),
            signatures: self.signatures.clone(),
            labels: self.labels.clone(),
            runtime: self.runtime.clone(),
            container: self.container.clone(),
        }
    }
}

/// The offset in an encoded message of its first field numbered above `tag`.
fn field_boundary(encoded: &[u8], tag: u32) -> usize {
    use prost::encoding::{decode_key, skip_field, DecodeContext};
    let mut buf = encoded;
    while !buf.is_empty() {
        let at = encoded.len() - buf.len();
        let Ok((t, wire_type)) = decode_key(&mut buf) else {
            break; // not reached: `encoded` is prost's own output
        };
        if t > tag || skip_field(wire_type, t, &mut buf, DecodeContext::default()).is_err() {
            return at;
        }
    }
    encoded.len()
}

/// Lowercase hex of bytes (digests in messages and logs).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::{FileType, Package, PackageManager};

    fn sample() -> Manifest {
        Manifest {
            format_version: MANIFEST_FORMAT_VERSION,
            image_id: "img-1".into(),
            files: vec![
                FileEntry {
                    path: "/b".into(),
                    file_type: FileType::Regular as i32,
                    ..Default::default()
                },
                FileEntry {
                    path: "/a".into(),
                    file_type: FileType::Directory as i32,
                    ..Default::default()
                },
            ],
            packages: vec![Package {
                manager: PackageManager::Dpkg as i32,
                name: "coreutils".into(),
                version: "9.1-1".into(),
                arch: "amd64".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn sealed_manifest_round_trips_and_verifies() {
        let mut m = sample();
        m.seal();
        assert_eq!(m.files[0].path, "/a", "files are sorted by path");
        let decoded = Manifest::decode_verified(&m.encode_to_vec()).unwrap();
        assert_eq!(decoded, m);
    }

    #[test]
    fn digest_is_independent_of_input_order() {
        let mut a = sample();
        let mut b = sample();
        b.files.reverse();
        a.seal();
        b.seal();
        assert_eq!(a.digest, b.digest);
    }

    #[test]
    fn tampered_manifest_is_refused() {
        let mut m = sample();
        m.seal();
        m.packages[0].version = "9.1-2".into();
        let err = Manifest::decode_verified(&m.encode_to_vec()).unwrap_err();
        assert!(matches!(err, DigestError::Mismatch { .. }), "{err}");
    }

    #[test]
    fn truncated_manifest_is_refused() {
        let mut m = sample();
        m.seal();
        let bytes = m.encode_to_vec();
        assert!(Manifest::decode_verified(&bytes[..bytes.len() - 3]).is_err());
    }

    fn streamed(bytes: &[u8]) -> Result<(Manifest, Vec<FileEntry>), DigestError> {
        let mut files = Vec::new();
        let m = Manifest::decode_streaming(bytes, |f| {
            files.push(f);
            Ok(())
        })?;
        Ok((m, files))
    }

    #[test]
    fn streaming_decode_yields_the_same_manifest() {
        let mut m = sample();
        m.listeners = Some(Default::default());
        m.policy = Some(crate::v1::PolicyDefaults {
            ignore: vec!["/tmp".into()],
            ..Default::default()
        });
        m.seal();
        let (mut meta, files) = streamed(&m.encode_to_vec()).unwrap();
        assert!(meta.files.is_empty());
        meta.files = files;
        assert_eq!(meta, m);
    }

    #[test]
    fn labels_are_checked_sorted_and_covered_by_the_digest() {
        assert_eq!(parse_label("commit=abc=1").unwrap().value, "abc=1");
        for bad in ["nokey", "=v", "Commit=x", "-x=1", "k=a\u{1b}[31m"] {
            assert!(parse_label(bad).is_err(), "{bad:?} accepted");
        }
        let mut m = sample();
        m.labels = vec![
            parse_label("z=1").unwrap(),
            parse_label("commit=abc").unwrap(),
        ];
        m.seal();
        assert_eq!(m.labels[0].key, "commit");
        let bytes = m.encode_to_vec();
        assert!(Manifest::decode_verified(&bytes[..]).is_ok());
        // A label changed after sealing breaks the digest.
        let mut changed = m.clone();
        changed.labels[0].value = "evil".into();
        assert!(matches!(
            Manifest::decode_verified(&changed.encode_to_vec()[..]),
            Err(DigestError::Mismatch { .. })
        ));
        // Duplicate keys are refused.
        let mut dup = m.clone();
        dup.labels.push(parse_label("commit=other").unwrap());
        dup.seal();
        assert!(matches!(
            Manifest::decode_verified(&dup.encode_to_vec()[..]),
            Err(DigestError::Label(_))
        ));
    }

    #[test]
    fn encoding_with_separate_files_is_the_canonical_encoding() {
        let mut m = sample();
        m.listeners = Some(Default::default());
        m.seal();
        let mut meta = m.clone();
        let files = std::mem::take(&mut meta.files);
        assert_eq!(meta.encode_with_files(&files), m.encode_to_vec());
        assert_eq!(meta.digest_with_files(&files).to_vec(), m.digest);

        let mut encoded = Vec::new();
        for f in &files {
            encode_file_entry(f, &mut encoded);
        }
        let (before, after) = meta.canonical_frame(true);
        assert_eq!([&before[..], &encoded, &after].concat(), m.encode_to_vec());
        let (before, after) = meta.canonical_frame(false);
        let digest = Sha256::digest([&before[..], &encoded, &after].concat());
        assert_eq!(digest.to_vec(), m.digest);
    }

    #[test]
    fn streaming_decode_refuses_what_decode_verified_refuses() {
        let mut m = sample();
        m.seal();
        let mut tampered = m.clone();
        tampered.files[1].mode = 0o4755;
        let err = streamed(&tampered.encode_to_vec()).unwrap_err();
        assert!(matches!(err, DigestError::Mismatch { .. }), "{err}");
        let mut tampered = m.clone();
        tampered.image_id = "img-2".into();
        let err = streamed(&tampered.encode_to_vec()).unwrap_err();
        assert!(matches!(err, DigestError::Mismatch { .. }), "{err}");
        let bytes = m.encode_to_vec();
        for cut in [1, 3, 10, bytes.len() / 2] {
            assert!(streamed(&bytes[..bytes.len() - cut]).is_err(), "cut {cut}");
        }
        assert!(streamed(b"\xff\xff\xff garbage").is_err());
        let refused = Manifest::decode_streaming(&bytes, |_| Err("no".into())).unwrap_err();
        assert_eq!(refused.to_string(), "manifest file entry 0: no");
    }

    #[test]
    fn newer_format_is_refused() {
        let mut m = sample();
        m.format_version = MANIFEST_FORMAT_VERSION + 1;
        m.seal();
        let err = Manifest::decode_verified(&m.encode_to_vec()).unwrap_err();
        assert!(matches!(err, DigestError::TooNew { .. }));
    }
}

//! Canonical encoding and digest of a manifest.
//!
//! prost encodes fields in field-number order and the manifest has no maps,
//! so the encoding of a manifest whose repeated fields are sorted is
//! canonical. The digest is SHA-256 over that encoding with `digest` empty.

use prost::Message;
use sha2::{Digest, Sha256};

use crate::v1::{FileEntry, Manifest};

/// Manifest format written by this version; newer ones are refused.
pub const MANIFEST_FORMAT_VERSION: u32 = 1;

/// Why bytes are not a trustworthy manifest.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("not a plumb manifest (protobuf decoding failed: {0})")]
    Decode(#[from] prost::DecodeError),
    #[error("manifest has no image id")]
    NoImageId,
    #[error("manifest format {found} is newer than this plumb understands ({supported})")]
    TooNew { found: u32, supported: u32 },
    #[error("manifest has no digest")]
    NoDigest,
    #[error("manifest digest mismatch: recorded {recorded}, computed {computed} (the file was truncated or altered)")]
    Mismatch { recorded: String, computed: String },
}

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
    }

    /// SHA-256 over the canonical encoding with the digest field empty.
    pub fn compute_digest(&mut self) -> [u8; 32] {
        let saved = std::mem::take(&mut self.digest);
        let encoded = self.encode_to_vec();
        self.digest = saved;
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

    /// Checks version, image id and digest of a manifest read from anywhere.
    pub fn verify(&mut self) -> Result<(), DigestError> {
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

    #[test]
    fn newer_format_is_refused() {
        let mut m = sample();
        m.format_version = MANIFEST_FORMAT_VERSION + 1;
        m.seal();
        let err = Manifest::decode_verified(&m.encode_to_vec()).unwrap_err();
        assert!(matches!(err, DigestError::TooNew { .. }));
    }
}

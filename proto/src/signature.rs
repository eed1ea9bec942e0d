//! Ed25519 signatures over a manifest's digest.
//!
//! A signature covers `"plumb-manifest-v1\0" || digest`; the digest covers
//! everything else, so a signature vouches for every file, package and
//! listener of the image. Keys are PKCS#8 (private) and SPKI (public) PEM
//! files, the formats OpenSSL and Vault's transit engine speak. A key is
//! named by its id: the first 8 bytes of SHA-256 over the raw public key.

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::v1::{Manifest, ManifestSignature};

const CONTEXT: &[u8] = b"plumb-manifest-v1\0";

/// Why a manifest's signatures are not good enough.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("manifest for image {image:?} is not signed (trusted keys: {trusted})")]
    Unsigned { image: String, trusted: String },
    #[error("manifest for image {image:?} is signed only by untrusted key(s) {found} (trusted keys: {trusted})")]
    Untrusted {
        image: String,
        found: String,
        trusted: String,
    },
    #[error("manifest for image {image:?}: signature by key {key_id} does not verify (the manifest was altered after signing)")]
    Invalid { image: String, key_id: String },
    #[error("manifest has no digest to sign")]
    NoDigest,
    #[error("not an Ed25519 {what} PEM: {reason}")]
    Key { what: &'static str, reason: String },
}

/// The id of a public key.
pub fn key_id(key: &VerifyingKey) -> String {
    crate::hex(&Sha256::digest(key.as_bytes())[..8])
}

/// A private signing key and its id.
pub struct ManifestSigner {
    key: SigningKey,
}

impl ManifestSigner {
    /// A new key from 32 random bytes (the caller supplies them, so this
    /// crate does no I/O).
    pub fn from_seed(seed: [u8; 32]) -> ManifestSigner {
        ManifestSigner {
            key: SigningKey::from_bytes(&seed),
        }
    }

    pub fn from_pem(pem: &str) -> Result<ManifestSigner, SignatureError> {
        let key = SigningKey::from_pkcs8_pem(pem).map_err(|e| SignatureError::Key {
            what: "private key (PKCS#8)",
            reason: e.to_string(),
        })?;
        Ok(ManifestSigner { key })
    }

    pub fn private_pem(&self) -> String {
        // Encoding a valid 32-byte key as PKCS#8 cannot fail.
        self.key
            .to_pkcs8_pem(Default::default())
            .map(|p| p.to_string())
            .unwrap_or_default()
    }

    pub fn public(&self) -> TrustedKey {
        TrustedKey {
            key: self.key.verifying_key(),
        }
    }

    pub fn key_id(&self) -> String {
        key_id(&self.key.verifying_key())
    }

    /// Adds (or renews) this key's signature on a sealed manifest.
    pub fn sign(&self, manifest: &mut Manifest) -> Result<(), SignatureError> {
        if manifest.digest.len() != 32 {
            return Err(SignatureError::NoDigest);
        }
        let id = self.key_id();
        let sig = self.key.sign(&message(&manifest.digest));
        manifest.signatures.retain(|s| s.key_id != id);
        manifest.signatures.push(ManifestSignature {
            key_id: id,
            signature: sig.to_bytes().to_vec(),
        });
        manifest.signatures.sort_by(|a, b| a.key_id.cmp(&b.key_id));
        Ok(())
    }
}

/// A public key manifests may be signed with.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    key: VerifyingKey,
}

impl TrustedKey {
    pub fn from_pem(pem: &str) -> Result<TrustedKey, SignatureError> {
        let key = VerifyingKey::from_public_key_pem(pem).map_err(|e| SignatureError::Key {
            what: "public key (SPKI)",
            reason: e.to_string(),
        })?;
        Ok(TrustedKey { key })
    }

    pub fn public_pem(&self) -> String {
        self.key
            .to_public_key_pem(Default::default())
            .unwrap_or_default()
    }

    pub fn id(&self) -> String {
        key_id(&self.key)
    }
}

fn message(digest: &[u8]) -> Vec<u8> {
    [CONTEXT, digest].concat()
}

/// Checks that a manifest (whose digest the caller has verified) carries a
/// good signature by one of `trusted`; returns that key's id. Any signature
/// by a trusted key that does not verify is an error even when another
/// verifies: a manifest is either intact or not.
pub fn verify_manifest(
    manifest: &Manifest,
    trusted: &[TrustedKey],
) -> Result<String, SignatureError> {
    let trusted_ids = || {
        trusted
            .iter()
            .map(TrustedKey::id)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if manifest.signatures.is_empty() {
        return Err(SignatureError::Unsigned {
            image: manifest.image_id.clone(),
            trusted: trusted_ids(),
        });
    }
    let msg = message(&manifest.digest);
    let mut good = None;
    for sig in &manifest.signatures {
        let Some(key) = trusted.iter().find(|k| k.id() == sig.key_id) else {
            continue;
        };
        let ok = Signature::from_slice(&sig.signature)
            .ok()
            .is_some_and(|s| key.key.verify(&msg, &s).is_ok());
        if !ok {
            return Err(SignatureError::Invalid {
                image: manifest.image_id.clone(),
                key_id: sig.key_id.clone(),
            });
        }
        good.get_or_insert_with(|| sig.key_id.clone());
    }
    good.ok_or_else(|| SignatureError::Untrusted {
        image: manifest.image_id.clone(),
        found: manifest
            .signatures
            .iter()
            .map(|s| s.key_id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        trusted: trusted_ids(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed() -> Manifest {
        let mut m = Manifest {
            format_version: 1,
            image_id: "img-1".into(),
            ..Default::default()
        };
        m.seal();
        m
    }

    #[test]
    fn signed_manifest_verifies_and_keeps_its_digest() {
        let signer = ManifestSigner::from_seed([7; 32]);
        let mut m = sealed();
        let digest = m.digest.clone();
        signer.sign(&mut m).unwrap();
        assert_eq!(m.digest, digest);
        m.verify().unwrap();
        assert_eq!(
            verify_manifest(&m, &[signer.public()]).unwrap(),
            signer.key_id()
        );
    }

    #[test]
    fn unsigned_untrusted_and_altered_manifests_are_refused() {
        let signer = ManifestSigner::from_seed([7; 32]);
        let other = ManifestSigner::from_seed([9; 32]);
        let m = sealed();
        assert!(matches!(
            verify_manifest(&m, &[signer.public()]),
            Err(SignatureError::Unsigned { .. })
        ));
        let mut by_other = m.clone();
        other.sign(&mut by_other).unwrap();
        let err = verify_manifest(&by_other, &[signer.public()]).unwrap_err();
        assert!(err.to_string().contains(&other.key_id()), "{err}");
        let mut altered = m.clone();
        signer.sign(&mut altered).unwrap();
        altered.image_id = "img-2".into();
        altered.seal();
        assert!(matches!(
            verify_manifest(&altered, &[signer.public()]),
            Err(SignatureError::Invalid { .. })
        ));
    }

    #[test]
    fn keys_round_trip_through_pem() {
        let signer = ManifestSigner::from_seed([3; 32]);
        let again = ManifestSigner::from_pem(&signer.private_pem()).unwrap();
        assert_eq!(again.key_id(), signer.key_id());
        let public = TrustedKey::from_pem(&signer.public().public_pem()).unwrap();
        assert_eq!(public.id(), signer.key_id());
        let err = TrustedKey::from_pem("garbage").unwrap_err();
        assert!(err.to_string().contains("public key"), "{err}");
    }
}

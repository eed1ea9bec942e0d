//! A small certificate authority for plumb's own PKI (rcgen): the
//! development CA and collector certificate of `plumbctl pki init`, node
//! certificates issued directly (`plumbctl pki issue-node`) or from an
//! enrollment CSR. Sites with a PKI of their own (cert-manager, Vault)
//! issue the same certificates there; see the README.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};

/// Why a certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error("certificate: {0}")]
    Cert(rcgen::Error),
    #[error("{0}")]
    Invalid(String),
}

// Not `#[from]`: the message already shows the cause, which must not
// come again as the error's source when the chain is printed.
impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> PkiError {
        PkiError::Cert(e)
    }
}

/// A CA that can sign: its certificate and key, as PEM.
pub struct Ca {
    pub cert_pem: String,
    key: KeyPair,
}

/// The URI SAN that names a node: `spiffe://plumb/node/<id>`.
pub fn node_uri(node_id: &str) -> String {
    format!("spiffe://plumb/node/{node_id}")
}

/// Node ids are printable, without `/` or whitespace, at most 256 bytes.
pub fn check_node_id(id: &str) -> Result<(), PkiError> {
    if id.is_empty()
        || id.len() > plumb_proto::MAX_ID_BYTES
        || id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '/')
    {
        return Err(PkiError::Invalid(format!(
            "node id {id:?} must be 1-{} printable bytes without spaces or '/'",
            plumb_proto::MAX_ID_BYTES
        )));
    }
    Ok(())
}

fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    // The OS random source failing is not recoverable for a CA.
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    bytes[0] &= 0x7f; // positive
    SerialNumber::from_slice(&bytes)
}

fn validity(params: &mut CertificateParams, days: i64) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = now + time::Duration::days(days);
}

fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(|cause| PkiError::Io {
        path: path.display().to_string(),
        cause,
    })
}

/// Writes `contents`; private keys get mode 0600 from their creation on.
pub fn write_file(path: &Path, contents: &str, private: bool) -> Result<(), PkiError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |cause| PkiError::Io {
        path: path.display().to_string(),
        cause,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(if private { 0o600 } else { 0o644 })
        .open(path)
        .map_err(io)?;
    f.write_all(contents.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

impl Ca {
    /// A new self-signed CA.
    pub fn generate(name: &str, days: i64) -> Result<Ca, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.serial_number = Some(random_serial());
        validity(&mut params, days);
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            cert_pem: cert.pem(),
            key,
        })
    }

    pub fn load(cert: &Path, key: &Path) -> Result<Ca, PkiError> {
        let key = KeyPair::from_pem(&read(key)?)?;
        let cert_pem = read(cert)?;
        // Parse now so a wrong file is refused at start, not at first use.
        Issuer::from_ca_cert_pem(&cert_pem, &key)?;
        Ok(Ca { cert_pem, key })
    }

    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    fn issuer(&self) -> Result<Issuer<'_, &KeyPair>, PkiError> {
        Ok(Issuer::from_ca_cert_pem(&self.cert_pem, &self.key)?)
    }

    /// A server certificate for the collector (names: DNS names or IPs).
    pub fn issue_server(&self, names: &[String], days: i64) -> Result<(String, String), PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(names.to_vec())?;
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().map_or("plumb-collector", |n| n),
        );
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.serial_number = Some(random_serial());
        validity(&mut params, days);
        let cert = params.signed_by(&key, &self.issuer()?)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    fn node_params(node_id: &str, days: i64) -> Result<(CertificateParams, String), PkiError> {
        check_node_id(node_id)?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, node_id);
        params.subject_alt_names =
            vec![SanType::URI(node_uri(node_id).try_into().map_err(
                |_| PkiError::Invalid(format!("node id {node_id:?} is not URI-safe")),
            )?)];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let serial = random_serial();
        let serial_hex = plumb_proto::hex(serial.as_ref());
        params.serial_number = Some(serial);
        validity(&mut params, days);
        Ok((params, serial_hex))
    }

    /// A node certificate and a fresh key for it (development and tests;
    /// nodes in production enroll, so their key never leaves them).
    pub fn issue_node(&self, node_id: &str, days: i64) -> Result<(String, String), PkiError> {
        let key = KeyPair::generate()?;
        let (params, _) = Ca::node_params(node_id, days)?;
        let cert = params.signed_by(&key, &self.issuer()?)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// Signs an enrollment CSR for `node_id`: only the request's public
    /// key is used; names and extensions are plumb's. Returns the
    /// certificate and its serial (hex).
    pub fn sign_csr(
        &self,
        csr_pem: &str,
        node_id: &str,
        days: i64,
    ) -> Result<(String, String), PkiError> {
        if csr_pem.len() > 16 * 1024 {
            return Err(PkiError::Invalid("CSR larger than 16 KiB".into()));
        }
        let csr = CertificateSigningRequestParams::from_pem(csr_pem)
            .map_err(|e| PkiError::Invalid(format!("not a valid PEM CSR: {e}")))?;
        let (params, serial) = Ca::node_params(node_id, days)?;
        let cert = params.signed_by(&csr.public_key, &self.issuer()?)?;
        Ok((cert.pem(), serial))
    }
}

/// What `plumbctl pki init` wrote.
pub struct InitFiles {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

/// Writes a development CA and a collector certificate for `names`
/// (plus localhost and the loopback addresses) into `dir`. Refuses to
/// overwrite an existing CA.
pub fn init(dir: &Path, names: &[String]) -> Result<InitFiles, PkiError> {
    std::fs::create_dir_all(dir).map_err(|cause| PkiError::Io {
        path: dir.display().to_string(),
        cause,
    })?;
    let files = InitFiles {
        ca_cert: dir.join("ca.pem"),
        ca_key: dir.join("ca.key"),
        server_cert: dir.join("collector.pem"),
        server_key: dir.join("collector.key"),
    };
    if files.ca_key.exists() {
        return Err(PkiError::Invalid(format!(
            "{} exists: refusing to replace a CA",
            files.ca_key.display()
        )));
    }
    let ca = Ca::generate("plumb development CA", 3650)?;
    let mut all: Vec<String> = names.to_vec();
    for n in ["localhost", "127.0.0.1", "::1"] {
        if !all.iter().any(|a| a == n) {
            all.push(n.to_string());
        }
    }
    let (cert, key) = ca.issue_server(&all, 825)?;
    write_file(&files.ca_key, &ca.key_pem(), true)?;
    write_file(&files.ca_cert, &ca.cert_pem, false)?;
    write_file(&files.server_key, &key, true)?;
    write_file(&files.server_cert, &cert, false)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_certificates_name_the_node_in_the_uri_san() {
        let ca = Ca::generate("test CA", 1).unwrap();
        let (cert, _) = ca.issue_node("web-1", 1).unwrap();
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::CertificateDer::from_pem_slice(cert.as_bytes()).unwrap();
        let (id, serial) = crate::security::tls::node_identity(der.as_ref()).unwrap();
        assert_eq!(id, "web-1");
        assert!(!serial.is_empty());
    }

    #[test]
    fn csr_is_signed_for_the_enrolled_node_only() {
        let ca = Ca::generate("test CA", 1).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "someone-else");
        let csr = params.serialize_request(&key).unwrap().pem().unwrap();
        let (cert, _) = ca.sign_csr(&csr, "web-2", 1).unwrap();
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::CertificateDer::from_pem_slice(cert.as_bytes()).unwrap();
        assert_eq!(
            crate::security::tls::node_identity(der.as_ref()).unwrap().0,
            "web-2"
        );
        assert!(ca.sign_csr("garbage", "web-2", 1).is_err());
        assert!(ca.sign_csr(&csr, "bad/id", 1).is_err());
    }
}

//! How a client (agent, `plumbctl`) reaches the collector: the URL's
//! scheme decides. `https://` is TLS (with the given CA, else the system's
//! roots, and a client certificate when given) or an error; `http://` is
//! plaintext, refused unless asked for explicitly and the host is
//! loopback. The caller reads the PEM files; this does no I/O.

use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

/// TLS material and choices of a client.
#[derive(Clone, Debug, Default)]
pub struct ClientTls {
    /// CA bundle (PEM) that signs the collector's certificate.
    pub ca_pem: Option<Vec<u8>>,
    /// Client certificate and key (PEM): a node's identity.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
    /// Allow `http://` to a loopback address.
    pub insecure_plaintext: bool,
}

/// A collector URL that must not be used as given.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("invalid collector URL {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error("{url} is plaintext: use https:// (plaintext needs --insecure-plaintext and a loopback address)")]
    PlaintextRefused { url: String },
    #[error("{url}: plaintext is refused off loopback; use https://")]
    PlaintextOffLoopback { url: String },
    #[error("TLS setup for {url}: {reason}")]
    Tls { url: String, reason: String },
}

/// Whether a URL host is a loopback name or address.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An endpoint for `url` that honours the scheme.
pub fn endpoint(url: &str, tls: &ClientTls) -> Result<Endpoint, TransportError> {
    let bad = |reason: String| TransportError::Url {
        url: url.to_string(),
        reason,
    };
    let uri: tonic::codegen::http::Uri = url.parse().map_err(|e| bad(format!("{e}")))?;
    let host = uri.host().ok_or_else(|| bad("no host".into()))?.to_string();
    let endpoint = Endpoint::from_shared(url.to_string()).map_err(|e| bad(e.to_string()))?;
    match uri.scheme_str() {
        Some("https") => {
            let mut config = ClientTlsConfig::new()
                .domain_name(host.trim_start_matches('[').trim_end_matches(']'));
            config = match &tls.ca_pem {
                Some(ca) => config.ca_certificate(Certificate::from_pem(ca)),
                None => config.with_native_roots(),
            };
            if let Some((cert, key)) = &tls.identity {
                config = config.identity(Identity::from_pem(cert, key));
            }
            endpoint
                .tls_config(config)
                .map_err(|e| TransportError::Tls {
                    url: url.to_string(),
                    reason: e.to_string(),
                })
        }
        Some("http") => {
            if !tls.insecure_plaintext {
                Err(TransportError::PlaintextRefused {
                    url: url.to_string(),
                })
            } else if !is_loopback_host(&host) {
                Err(TransportError::PlaintextOffLoopback {
                    url: url.to_string(),
                })
            } else {
                Ok(endpoint)
            }
        }
        other => Err(bad(format!(
            "scheme must be https:// (or http:// on loopback), got {:?}",
            other.unwrap_or("")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_decides_and_plaintext_needs_loopback_and_consent() {
        let plain = ClientTls {
            insecure_plaintext: true,
            ..Default::default()
        };
        assert!(endpoint("https://collector:7400", &ClientTls::default()).is_ok());
        assert!(matches!(
            endpoint("http://127.0.0.1:7400", &ClientTls::default()),
            Err(TransportError::PlaintextRefused { .. })
        ));
        assert!(endpoint("http://127.0.0.1:7400", &plain).is_ok());
        assert!(endpoint("http://[::1]:7400", &plain).is_ok());
        assert!(matches!(
            endpoint("http://collector:7400", &plain),
            Err(TransportError::PlaintextOffLoopback { .. })
        ));
        assert!(endpoint("ftp://collector", &plain).is_err());
    }
}

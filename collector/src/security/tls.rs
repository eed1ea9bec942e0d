//! Transport security for both listening ports: one accept loop per port
//! that completes the TLS handshake off the accept path (a slow or silent
//! client cannot hold the port), verifies client certificates against the
//! node CA when one is presented, and hands finished connections to tonic
//! and axum. What the handshake proved travels with the connection as a
//! [`Peer`].

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Certificate files of a TLS-serving collector.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// CA that signs node certificates; agents must present one.
    pub client_ca: Option<PathBuf>,
}

/// A transport that cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading {path}: {cause}")]
    Read { path: String, cause: io::Error },
    #[error("{path}: {reason}")]
    Pem { path: String, reason: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|cause| TlsError::Read {
        path: path.display().to_string(),
        cause,
    })
}

/// Every certificate in a PEM file (at least one).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.display().to_string(),
            reason: format!("not a PEM certificate file: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: path.display().to_string(),
            reason: "no certificate in the file".into(),
        });
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| TlsError::Pem {
        path: path.display().to_string(),
        reason: format!("no PEM private key: {e}"),
    })
}

/// The rustls server configuration: the collector's certificate, and,
/// with a client CA, optional client authentication against it (agents
/// present node certificates; tools authenticate with bearer tokens).
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match &files.client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in load_certs(ca)? {
                roots.add(cert).map_err(|e| TlsError::Pem {
                    path: ca.display().to_string(),
                    reason: format!("unusable CA certificate: {e}"),
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(load_certs(&files.cert)?, load_key(&files.key)?)
        .map_err(|e| TlsError::Pem {
            path: files.key.display().to_string(),
            reason: format!("key does not fit the certificate: {e}"),
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What the transport proved about a client.
#[derive(Clone, Debug)]
pub struct Peer {
    pub addr: SocketAddr,
    /// The node id of a verified client certificate.
    pub node_id: Option<String>,
    /// Serial number of that certificate (hex).
    pub cert_serial: Option<String>,
    pub tls: bool,
}

/// The node identity a certificate carries: a URI SAN
/// `spiffe://<trust domain>/node/<id>` when present, else the subject CN.
pub fn node_identity(der: &[u8]) -> Option<(String, String)> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let serial = cert.tbs_certificate.raw_serial_as_string().replace(':', "");
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            if let GeneralName::URI(uri) = name {
                if let Some(rest) = uri.strip_prefix("spiffe://") {
                    if let Some((_, id)) = rest.split_once("/node/") {
                        if !id.is_empty() {
                            return Some((id.to_string(), serial));
                        }
                    }
                }
            }
        }
    }
    let cn = cert.subject().iter_common_name().next()?.as_str().ok()?;
    Some((cn.to_string(), serial))
}

/// An accepted connection, plaintext or TLS. It holds one of the port's
/// connection slots until it is dropped.
pub struct Conn {
    io: ConnIo,
    peer: Peer,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

enum ConnIo {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Conn {
    pub fn peer(&self) -> &Peer {
        &self.peer
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            ConnIo::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ConnIo::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            ConnIo::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ConnIo::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            ConnIo::Plain(s) => Pin::new(s).poll_flush(cx),
            ConnIo::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            ConnIo::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ConnIo::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            ConnIo::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            ConnIo::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.io {
            ConnIo::Plain(s) => s.is_write_vectored(),
            ConnIo::Tls(s) => s.is_write_vectored(),
        }
    }
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = Peer;
    fn connect_info(&self) -> Peer {
        self.peer.clone()
    }
}

/// Handshake counters for `/metrics`.
#[derive(Default)]
pub struct TlsCounters {
    pub handshakes: AtomicU64,
    pub handshake_failures: AtomicU64,
    /// Of the failures, handshakes that did not finish within
    /// [`HANDSHAKE_TIMEOUT`] (a client too slow or too loaded, or one that
    /// never speaks): many during a reconnect storm say the replicas or
    /// the agents are short of CPU.
    pub handshake_timeouts: AtomicU64,
    /// Handshakes that resumed a session from a ticket.
    pub handshakes_resumed: AtomicU64,
    /// Times a port was at its connection limit.
    pub connection_limit_hits: AtomicU64,
}

/// A peer that vanished without closing (a cut network, a frozen host) is
/// found by the kernel: probed after 60 s of quiet, dropped after three
/// unanswered probes 10 s apart. This replaces HTTP/2 PINGs, which cost a
/// timer per connection in the collector.
fn keepalive(stream: &tokio::net::TcpStream) {
    let probe = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(3);
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&probe) {
        tracing::debug!(error = %e, "TCP keepalive not set");
    }
}

/// Accepts on `listener`; with `tls`, completes each handshake in its own
/// task (bounded by [`HANDSHAKE_TIMEOUT`]) and yields only finished
/// connections. Failed handshakes are counted for `/metrics` and logged at
/// debug level only, so a flood of them cannot fill the logs.
/// Ends when the receiver is dropped.
pub fn accept(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    counters: Arc<TlsCounters>,
    max_connections: usize,
) -> mpsc::Receiver<Conn> {
    let (tx, rx) = mpsc::channel(1024);
    let acceptor = tls.map(TlsAcceptor::from);
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections));
    tokio::spawn(async move {
        let mut full_logged = false;
        loop {
            // At the limit, new connections wait in the kernel's backlog
            // instead of costing memory here.
            let slot = match slots.clone().try_acquire_owned() {
                Ok(s) => {
                    full_logged = false;
                    s
                }
                Err(_) => {
                    if !full_logged {
                        tracing::warn!(
                            max_connections,
                            "connection limit reached; new connections wait"
                        );
                        full_logged = true;
                    }
                    counters
                        .connection_limit_hits
                        .fetch_add(1, Ordering::Relaxed);
                    tokio::select! {
                        s = slots.clone().acquire_owned() => match s {
                            Ok(s) => s,
                            Err(_) => return,
                        },
                        _ = tx.closed() => return,
                    }
                }
            };
            let (stream, addr) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(v) => v,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = tx.closed() => return,
            };
            let _ = stream.set_nodelay(true);
            keepalive(&stream);
            let Some(acceptor) = acceptor.clone() else {
                let peer = Peer {
                    addr,
                    node_id: None,
                    cert_serial: None,
                    tls: false,
                };
                let conn = Conn {
                    io: ConnIo::Plain(stream),
                    peer,
                    _slot: slot,
                };
                if tx.send(conn).await.is_err() {
                    return;
                }
                continue;
            };
            let tx = tx.clone();
            let counters = counters.clone();
            tokio::spawn(async move {
                let tls =
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            counters.handshake_failures.fetch_add(1, Ordering::Relaxed);
                            tracing::debug!(peer = %addr, error = %e, "TLS handshake refused");
                            return;
                        }
                        Err(_) => {
                            counters.handshake_failures.fetch_add(1, Ordering::Relaxed);
                            counters.handshake_timeouts.fetch_add(1, Ordering::Relaxed);
                            tracing::debug!(peer = %addr, "TLS handshake timed out");
                            return;
                        }
                    };
                counters.handshakes.fetch_add(1, Ordering::Relaxed);
                if tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed) {
                    counters.handshakes_resumed.fetch_add(1, Ordering::Relaxed);
                }
                let identity = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|c| node_identity(c.as_ref()));
                let peer = Peer {
                    addr,
                    node_id: identity.as_ref().map(|(id, _)| id.clone()),
                    cert_serial: identity.map(|(_, s)| s),
                    tls: true,
                };
                let _ = tx
                    .send(Conn {
                        io: ConnIo::Tls(Box::new(tls)),
                        peer,
                        _slot: slot,
                    })
                    .await;
            });
        }
    });
    rx
}

/// Whether an address is loopback (plaintext and an unauthenticated
/// collector are allowed only there).
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// The client address of an HTTP connection (axum's connect info).
#[derive(Clone, Copy, Debug)]
pub struct RemoteAddr(pub SocketAddr);

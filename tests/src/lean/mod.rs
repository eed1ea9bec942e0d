//! A lean simulated agent for fleet benchmarks: each one is what a real
//! agent is on the wire — its own TCP connection, TLS 1.3 session and
//! node certificate, one gRPC `AgentService/Stream` with a hello, hash-
//! chained batches and heartbeats — in a few kilobytes, so that one
//! machine can play 100,000 of them against real collectors.
//!
//! tonic's client cannot: h2 keeps a 16 KiB write buffer and an 8 KiB
//! read buffer per connection for its whole life, and rustls' buffered
//! connection a 4 KiB deframer. Here the TLS layer is rustls' unbuffered
//! API ([`tls`]) and HTTP/2 is the handful of frames one long stream
//! needs ([`h2`]); an idle agent holds no buffer, only its connection
//! state, its certificate and a ticket.

pub mod h2;
pub mod tls;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plumb_proto::v1::{agent_message, collector_message, AgentMessage, CollectorMessage};
use prost::Message as _;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;

use self::tls::TlsConn;

/// The gRPC method every agent streams on.
pub const STREAM_PATH: &str = "/plumb.v1.AgentService/Stream";
/// The trailer by which a collector admitting a storm says when to come back.
pub const RETRY_AFTER: &[u8] = b"plumb-retry-after-ms";
/// Our receive window: bounds what the collector can have in flight to
/// one agent. Its messages to agents are acks and commands, all small.
const RECEIVE_WINDOW: u32 = 65_535;

/// The trust roots of `ca_pem` (the collector's CA), shared by every
/// agent's configuration.
pub fn roots(ca_pem: &[u8]) -> Result<Arc<rustls::RootCertStore>, String> {
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(ca_pem) {
        let cert = cert.map_err(|e| format!("CA certificate: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("CA certificate: {e}"))?;
    }
    Ok(Arc::new(roots))
}

/// A TLS configuration for one agent: its certificate and key, the
/// collector's CA, TLS 1.3 only, and a session store of one ticket.
pub fn client_config(
    provider: &Arc<rustls::crypto::CryptoProvider>,
    roots: Arc<rustls::RootCertStore>,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<ClientConfig>, String> {
    use rustls::pki_types::pem::PemObject as _;
    let chain = rustls::pki_types::CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("node certificate: {e}"))?;
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| format!("node key: {e}"))?;
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| format!("node identity: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    config.resumption = rustls::client::Resumption::store(Arc::new(tls::OneTicket::default()));
    Ok(Arc::new(config))
}

/// Where a collector is: its address and the name its certificate has.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    pub name: ServerName<'static>,
    /// The request header block for its `:authority`.
    pub request: Arc<Vec<u8>>,
}

impl Target {
    /// From `https://host:port` (host an IP address).
    pub fn parse(url: &str) -> Result<Target, String> {
        let hostport = url
            .strip_prefix("https://")
            .ok_or_else(|| format!("{url}: not an https:// address"))?
            .trim_end_matches('/');
        let addr: SocketAddr = hostport
            .parse()
            .map_err(|e| format!("{url}: not IP:port: {e}"))?;
        let name = ServerName::IpAddress(addr.ip().into());
        Ok(Target {
            addr,
            name,
            request: Arc::new(h2::grpc_request(hostport, STREAM_PATH)),
        })
    }
}

/// How a stream ended.
#[derive(Debug)]
pub enum Ended {
    /// The collector answered with a gRPC status (trailers).
    Status {
        code: u32,
        message: String,
        retry_after_ms: Option<u64>,
    },
    /// The stream was reset, or the connection went away.
    Lost(String),
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ended::Status { code, message, .. } => write!(f, "gRPC status {code}: {message}"),
            Ended::Lost(why) => f.write_str(why),
        }
    }
}

impl From<io::Error> for Ended {
    fn from(e: io::Error) -> Self {
        Ended::Lost(e.to_string())
    }
}

/// One agent's connection and its one gRPC stream.
pub struct AgentStream {
    conn: TlsConn,
    stream: u32,
    /// What we may still send, on the connection and on the stream.
    send_conn: i64,
    send_stream: i64,
    peer_initial_window: i64,
    /// Received and not yet given back as WINDOW_UPDATE.
    unacked: u32,
    /// Plaintext not yet made into frames, a header block awaiting its
    /// CONTINUATION, a gRPC message not yet whole: empty when idle.
    frames_in: Vec<u8>,
    block: Vec<u8>,
    grpc_in: Vec<u8>,
    /// Whether the header block being read ends the stream (trailers).
    block_ends: bool,
    request: Arc<Vec<u8>>,
}

impl AgentStream {
    /// Connects (TCP from `source`, the TLS handshake) and says HTTP/2;
    /// [`Self::hello`] then opens the stream. A hello the collector
    /// defers can be said again on the same connection.
    pub async fn connect(
        target: &Target,
        source: Option<IpAddr>,
        config: Arc<ClientConfig>,
    ) -> io::Result<AgentStream> {
        let mut conn = TlsConn::connect(target.addr, source, config, target.name.clone()).await?;
        let mut out = h2::PREFACE.to_vec();
        h2::settings(
            &mut out,
            &[
                (h2::SETTINGS_HEADER_TABLE_SIZE, 0),
                (h2::SETTINGS_ENABLE_PUSH, 0),
                (h2::SETTINGS_INITIAL_WINDOW_SIZE, RECEIVE_WINDOW),
            ],
        );
        conn.send(&out).await?;
        Ok(AgentStream {
            conn,
            stream: 0,
            send_conn: h2::DEFAULT_WINDOW,
            send_stream: 0,
            peer_initial_window: h2::DEFAULT_WINDOW,
            unacked: 0,
            frames_in: Vec::new(),
            block: Vec::new(),
            grpc_in: Vec::new(),
            block_ends: false,
            request: target.request.clone(),
        })
    }

    /// Whether the TLS handshake resumed a session.
    pub fn resumed(&self) -> bool {
        self.conn.resumed
    }

    /// Opens a new stream on this connection and sends `hello`; returns
    /// the hello's ack (`last_seq`) or how the stream ended.
    pub async fn hello(&mut self, hello: &AgentMessage) -> Result<u64, Ended> {
        self.stream = if self.stream == 0 { 1 } else { self.stream + 2 };
        self.send_stream = self.peer_initial_window;
        self.grpc_in = Vec::new();
        let mut out = Vec::new();
        h2::headers(&mut out, self.stream, &self.request);
        self.conn.send(&out).await?;
        self.send(hello).await?;
        loop {
            match self.next().await? {
                Some(m) => match m.body {
                    Some(collector_message::Body::HelloAck(ack)) => return Ok(ack.last_seq),
                    other => {
                        return Err(Ended::Lost(format!(
                            "the collector answered a hello with {other:?}"
                        )))
                    }
                },
                None => continue,
            }
        }
    }

    /// Sends one message on the stream, waiting for flow-control credit
    /// when the collector has not granted enough.
    pub async fn send(&mut self, message: &AgentMessage) -> Result<(), Ended> {
        let mut body = Vec::new();
        h2::grpc_message(&mut body, message);
        let mut sent = 0;
        while sent < body.len() {
            let room = self
                .send_conn
                .min(self.send_stream)
                .min(h2::MAX_FRAME as i64);
            if room <= 0 {
                // Credit comes in WINDOW_UPDATE frames; anything else the
                // collector sends meanwhile is an answer we keep.
                if let Some(m) = self.next().await? {
                    return Err(Ended::Lost(format!(
                        "a message while waiting for flow control: {m:?}"
                    )));
                }
                continue;
            }
            let n = (room as usize).min(body.len() - sent);
            let mut out = Vec::with_capacity(9 + n);
            h2::data(&mut out, self.stream, &body[sent..sent + n]);
            self.conn.send(&out).await?;
            self.send_conn -= n as i64;
            self.send_stream -= n as i64;
            sent += n;
        }
        Ok(())
    }

    /// The socket, to wait on in a `select!` before calling [`Self::poll`].
    pub fn readable(&self) -> &tokio::net::TcpStream {
        self.conn.socket()
    }

    /// Reads once (waiting for data) and handles what came: the first
    /// message from the collector (more may be [`Self::buffered`]), `None`
    /// when only connection frames came (answered here), or how the
    /// stream ended. A message already buffered is returned at once.
    pub async fn next(&mut self) -> Result<Option<CollectorMessage>, Ended> {
        self.next_inner(true).await
    }

    /// [`Self::next`] without waiting: `None` too when the socket had
    /// nothing after all (its readiness was stale). For loops that wait
    /// on [`Self::readable`] beside their timers.
    pub async fn poll(&mut self) -> Result<Option<CollectorMessage>, Ended> {
        self.next_inner(false).await
    }

    async fn next_inner(&mut self, wait: bool) -> Result<Option<CollectorMessage>, Ended> {
        if let Some(m) = self.take_message()? {
            return Ok(Some(m));
        }
        let mut plain = std::mem::take(&mut self.frames_in);
        let read = if wait {
            self.conn.receive(&mut plain).await.map(|()| true)
        } else {
            self.conn.try_receive(&mut plain).await
        };
        match read {
            Err(e) => return Err(e.into()),
            Ok(false) => {
                self.frames_in = plain;
                return Ok(None);
            }
            Ok(true) => {}
        }
        let mut out = Vec::new();
        let mut at = 0;
        let mut ended = None;
        while ended.is_none() {
            let Some((frame, len)) =
                h2::parse(&plain[at..]).map_err(|e| Ended::Lost(e.to_string()))?
            else {
                break;
            };
            ended = self.frame(&frame, &mut out)?;
            at += len;
        }
        if at < plain.len() {
            plain.drain(..at);
            self.frames_in = plain;
        }
        if self.unacked >= RECEIVE_WINDOW / 2 {
            h2::window_update(&mut out, 0, self.unacked);
            h2::window_update(&mut out, self.stream, self.unacked);
            self.unacked = 0;
        }
        if !out.is_empty() {
            self.conn.send(&out).await?;
        }
        if let Some(e) = ended {
            return Err(e);
        }
        self.take_message()
    }

    /// The next message already received, without reading: after
    /// [`Self::next`], the rest of what one read brought.
    pub fn buffered(&mut self) -> Result<Option<CollectorMessage>, Ended> {
        self.take_message()
    }

    /// The first whole gRPC message received, if any.
    fn take_message(&mut self) -> Result<Option<CollectorMessage>, Ended> {
        if self.grpc_in.len() < 5 {
            return Ok(None);
        }
        if self.grpc_in[0] != 0 {
            return Err(Ended::Lost("a compressed gRPC message".into()));
        }
        let len = u32::from_be_bytes([
            self.grpc_in[1],
            self.grpc_in[2],
            self.grpc_in[3],
            self.grpc_in[4],
        ]) as usize;
        if len > RECEIVE_WINDOW as usize {
            return Err(Ended::Lost(format!("a gRPC message of {len} bytes")));
        }
        if self.grpc_in.len() < 5 + len {
            return Ok(None);
        }
        let m = CollectorMessage::decode(&self.grpc_in[5..5 + len])
            .map_err(|e| Ended::Lost(format!("undecodable collector message: {e}")))?;
        self.grpc_in.drain(..5 + len);
        if self.grpc_in.is_empty() {
            self.grpc_in = Vec::new();
        }
        Ok(Some(m))
    }

    /// Handles one frame; answers go to `out`. `Some` when it ends the
    /// stream or the connection.
    fn frame(&mut self, f: &h2::Frame<'_>, out: &mut Vec<u8>) -> Result<Option<Ended>, Ended> {
        let bad = |e: h2::FrameError| Ended::Lost(e.to_string());
        match f.kind {
            h2::DATA => {
                self.unacked += f.payload.len() as u32;
                if f.stream == self.stream {
                    self.grpc_in
                        .extend_from_slice(h2::unpadded(f).map_err(bad)?);
                    if f.flags & h2::END_STREAM != 0 {
                        return Ok(Some(Ended::Lost(
                            "the stream ended without trailers".into(),
                        )));
                    }
                }
            }
            h2::HEADERS | h2::CONTINUATION if f.stream == self.stream => {
                let fragment = if f.kind == h2::HEADERS {
                    // With END_STREAM: the trailers (or a trailers-only
                    // answer); without: the response headers.
                    self.block_ends = f.flags & h2::END_STREAM != 0;
                    h2::unpadded(f).map_err(bad)?
                } else {
                    f.payload
                };
                self.block.extend_from_slice(fragment);
                if f.flags & h2::END_HEADERS != 0 {
                    let block = std::mem::take(&mut self.block);
                    let fields = h2::decode_block(&block).map_err(Ended::Lost)?;
                    if self.block_ends {
                        return Ok(Some(trailers(&fields)));
                    }
                }
            }
            h2::HEADERS | h2::CONTINUATION => {} // an old stream's
            h2::RST_STREAM if f.stream == self.stream => {
                return Ok(Some(Ended::Lost(format!(
                    "stream reset (error {:?})",
                    f.payload
                ))))
            }
            h2::SETTINGS if f.flags & h2::ACK == 0 => {
                for (id, value) in h2::settings_values(f.payload) {
                    if id == h2::SETTINGS_INITIAL_WINDOW_SIZE {
                        let delta = value as i64 - self.peer_initial_window;
                        self.peer_initial_window = value as i64;
                        self.send_stream += delta;
                    }
                    if id == h2::SETTINGS_MAX_FRAME_SIZE && (value as usize) < h2::MAX_FRAME {
                        return Err(Ended::Lost(format!("a max frame size of {value}")));
                    }
                }
                h2::settings_ack(out);
            }
            h2::PING if f.flags & h2::ACK == 0 => h2::ping_ack(out, f.payload),
            h2::WINDOW_UPDATE if f.payload.len() == 4 => {
                let inc =
                    (u32::from_be_bytes([f.payload[0], f.payload[1], f.payload[2], f.payload[3]])
                        & 0x7fff_ffff) as i64;
                if f.stream == 0 {
                    self.send_conn += inc;
                } else if f.stream == self.stream {
                    self.send_stream += inc;
                }
            }
            h2::GOAWAY => return Ok(Some(Ended::Lost("the collector sent GOAWAY".into()))),
            h2::PUSH_PROMISE => {
                return Err(Ended::Lost("a push promise, with push disabled".into()))
            }
            _ => {} // PRIORITY, acks, unknown frame types: ignored, as the RFC says
        }
        Ok(None)
    }
}

fn trailers(fields: &[h2::Field]) -> Ended {
    let get = |name: &[u8]| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let code = get(b"grpc-status")
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    Ended::Status {
        code,
        message: get(b"grpc-message").unwrap_or_default(),
        retry_after_ms: get(RETRY_AFTER).and_then(|v| v.parse().ok()),
    }
}

/// Waits `ms` and up to a quarter more, spread by `seed` (agents never
/// come back in lockstep).
pub async fn back_off(ms: u64, seed: u64) {
    let jitter = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) % (ms / 4 + 1);
    tokio::time::sleep(Duration::from_millis(ms + jitter)).await;
}

/// Opens an agent's stream to `target` and says hello, waiting as told
/// when the collector defers it (at most `attempts` times): the stream,
/// the ack's `last_seq` and the hellos deferred.
pub async fn open(
    target: &Target,
    source: Option<IpAddr>,
    config: Arc<ClientConfig>,
    hello: &AgentMessage,
    seed: u64,
    attempts: u32,
) -> Result<(AgentStream, u64, u32), Ended> {
    let mut s = AgentStream::connect(target, source, config).await?;
    let mut deferred = 0;
    loop {
        match s.hello(hello).await {
            Ok(last) => return Ok((s, last, deferred)),
            Err(Ended::Status {
                retry_after_ms: Some(ms),
                ..
            }) if deferred < attempts => {
                deferred += 1;
                back_off(ms, seed + deferred as u64).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A heartbeat message.
pub fn heartbeat() -> AgentMessage {
    AgentMessage {
        body: Some(agent_message::Body::Heartbeat(Default::default())),
        ..Default::default()
    }
}

/// Hash chain of an agent's batches: each carries the SHA-256 of the
/// previous one as sent.
#[derive(Default)]
pub struct Chain {
    pub seq: u64,
    prev: Vec<u8>,
}

impl Chain {
    /// After a hello: the collector holds everything up to `last_seq`.
    pub fn resume(last_seq: u64) -> Chain {
        Chain {
            seq: last_seq,
            prev: Vec::new(),
        }
    }

    /// The next message of the chain with `body`.
    pub fn next(&mut self, body: agent_message::Body) -> AgentMessage {
        use sha2::Digest as _;
        self.seq += 1;
        let m = AgentMessage {
            seq: self.seq,
            prev_hash: std::mem::take(&mut self.prev),
            body: Some(body),
        };
        self.prev = sha2::Sha256::digest(m.encode_to_vec()).to_vec();
        m
    }
}

/// Seconds since `start`, as a float, for reports.
pub fn since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

//! One TLS 1.3 client connection over a TCP socket, through rustls'
//! unbuffered API, so that an idle connection holds no buffer at all:
//! received bytes live in a `Vec` only while a record is incomplete, and
//! what is sent is encrypted into a `Vec` that is written and dropped.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use rustls::client::UnbufferedClientConnection;
use rustls::client::{ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;
use rustls::unbuffered::{
    AppDataRecord, ConnectionState, EncodeError, EncryptError, UnbufferedStatus,
};
use rustls::{ClientConfig, NamedGroup};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpSocket, TcpStream};

/// The most a read takes in at once: one full TLS record and its header.
const READ_CHUNK: usize = 16 * 1024 + 256;

/// An agent's session memory: the newest TLS 1.3 ticket and the key
/// exchange group the collector chose, whatever the replica (replicas
/// share their ticket keys). rustls' own cache keeps 256 sessions per
/// configuration, which a simulated agent with its own configuration
/// cannot afford.
#[derive(Debug, Default)]
pub struct OneTicket {
    ticket: Mutex<Option<Tls13ClientSessionValue>>,
    group: Mutex<Option<NamedGroup>>,
}

impl ClientSessionStore for OneTicket {
    fn set_kx_hint(&self, _: ServerName<'static>, group: NamedGroup) {
        *self.group.lock().unwrap() = Some(group);
    }
    fn kx_hint(&self, _: &ServerName<'_>) -> Option<NamedGroup> {
        *self.group.lock().unwrap()
    }
    fn set_tls12_session(&self, _: ServerName<'static>, _: Tls12ClientSessionValue) {}
    fn tls12_session(&self, _: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        None
    }
    fn remove_tls12_session(&self, _: &ServerName<'static>) {}
    fn insert_tls13_ticket(&self, _: ServerName<'static>, value: Tls13ClientSessionValue) {
        *self.ticket.lock().unwrap() = Some(value);
    }
    fn take_tls13_ticket(&self, _: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        self.ticket.lock().unwrap().take()
    }
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("TLS: {e}"))
}

/// A TLS connection whose handshake is done.
pub struct TlsConn {
    sock: TcpStream,
    tls: UnbufferedClientConnection,
    /// Received TLS bytes not yet made into records: empty (and not
    /// allocated) unless a record is partly here.
    tls_in: Vec<u8>,
    /// Whether the last handshake resumed a session.
    pub resumed: bool,
}

/// Binding to an address with port 0 makes the kernel pick the port at
/// `bind`, searching every port already bound on that address for one no
/// socket uses: with 17,000 connections per source address that search
/// took a fifth of the machine's CPU in a reconnect storm (perf:
/// `inet_bind2_bucket_match_addr_any`), starving the generator.
/// `IP_BIND_ADDRESS_NO_PORT` defers the port to `connect`, where only
/// the four-tuple has to be unique.
#[allow(unsafe_code)]
fn bind_address_no_port(socket: &TcpSocket) -> io::Result<()> {
    use std::os::fd::AsRawFd as _;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor, and a pointer and length that
    // describe a live c_int, as setsockopt(2) requires.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl TlsConn {
    /// Connects from `source` (when given: one source address per load
    /// generator process, so each has its own ports) and completes the
    /// handshake.
    pub async fn connect(
        addr: SocketAddr,
        source: Option<IpAddr>,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> io::Result<TlsConn> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if let Some(ip) = source {
            bind_address_no_port(&socket)?;
            socket.bind(SocketAddr::new(ip, 0))?;
        }
        let sock = socket.connect(addr).await?;
        sock.set_nodelay(true)?;
        let tls = UnbufferedClientConnection::new(config, name).map_err(tls_error)?;
        let mut conn = TlsConn {
            sock,
            tls,
            tls_in: Vec::new(),
            resumed: false,
        };
        let mut plain = Vec::new();
        loop {
            let mut out = Vec::new();
            let done = conn.pump(&[], &mut out, &mut plain)?;
            conn.write(&out).await?;
            if done {
                break;
            }
            conn.read().await?;
        }
        conn.resumed = conn.tls.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        if !plain.is_empty() {
            return Err(tls_error("application data before the handshake ended"));
        }
        Ok(conn)
    }

    /// The socket, to wait until it is readable.
    pub fn socket(&self) -> &TcpStream {
        &self.sock
    }

    /// Encrypts `data` and sends it.
    pub async fn send(&mut self, data: &[u8]) -> io::Result<()> {
        let mut out = Vec::new();
        let mut plain = Vec::new();
        if !self.pump(data, &mut out, &mut plain)? {
            return Err(tls_error("connection not ready to send"));
        }
        debug_assert!(plain.is_empty());
        self.write(&out).await
    }

    /// Reads what the socket has (waiting for it to be readable) and
    /// appends the application data it completes to `plain`; TLS
    /// messages of its own (tickets, key updates, alerts) are handled.
    /// End of stream is an error: agents never end their streams.
    pub async fn receive(&mut self, plain: &mut Vec<u8>) -> io::Result<()> {
        self.read().await?;
        self.after_read(plain).await
    }

    /// [`Self::receive`] without waiting: `false` when nothing was there
    /// (the socket's readiness was stale).
    pub async fn try_receive(&mut self, plain: &mut Vec<u8>) -> io::Result<bool> {
        if !self.try_read()? {
            return Ok(false);
        }
        self.after_read(plain).await?;
        Ok(true)
    }

    async fn after_read(&mut self, plain: &mut Vec<u8>) -> io::Result<()> {
        let mut out = Vec::new();
        self.pump(&[], &mut out, plain)?;
        self.write(&out).await
    }

    async fn write(&mut self, out: &[u8]) -> io::Result<()> {
        if !out.is_empty() {
            self.sock.write_all(out).await?;
        }
        Ok(())
    }

    /// Waits for the socket and reads once into `tls_in`.
    async fn read(&mut self) -> io::Result<()> {
        loop {
            self.sock.readable().await?;
            if self.try_read()? {
                return Ok(());
            }
        }
    }

    /// Reads once into `tls_in` if the socket has data now.
    fn try_read(&mut self) -> io::Result<bool> {
        self.tls_in.reserve(READ_CHUNK);
        let read = self.sock.try_read_buf(&mut self.tls_in);
        if self.tls_in.is_empty() {
            self.tls_in = Vec::new();
        }
        match read {
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the collector closed the connection",
            )),
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Runs the TLS state machine over what was received: handshake
    /// messages to `out`, application data to `plain`, and `app` (when
    /// the handshake allows) encrypted to `out`. Whether the handshake is
    /// done; nothing more can happen without reading.
    fn pump(&mut self, mut app: &[u8], out: &mut Vec<u8>, plain: &mut Vec<u8>) -> io::Result<bool> {
        let result = loop {
            let UnbufferedStatus { mut discard, state } =
                self.tls.process_tls_records(&mut self.tls_in);
            let mut verdict = None;
            match state.map_err(tls_error)? {
                ConnectionState::ReadTraffic(mut records) => {
                    while let Some(record) = records.next_record() {
                        let AppDataRecord {
                            discard: used,
                            payload,
                        } = record.map_err(tls_error)?;
                        discard += used;
                        plain.extend_from_slice(payload);
                    }
                }
                ConnectionState::EncodeTlsData(mut encode) => {
                    grow_into(out, |buf| match encode.encode(buf) {
                        Ok(n) => Ok(n),
                        Err(EncodeError::InsufficientSize(s)) => Err(Some(s.required_size)),
                        Err(EncodeError::AlreadyEncoded) => Err(None),
                    })?;
                }
                // What was encoded goes out before the next read (every
                // caller writes `out` before it reads).
                ConnectionState::TransmitTlsData(transmit) => transmit.done(),
                ConnectionState::BlockedHandshake => verdict = Some(false),
                ConnectionState::WriteTraffic(mut write) => {
                    if !app.is_empty() {
                        grow_into(out, |buf| match write.encrypt(app, buf) {
                            Ok(n) => Ok(n),
                            Err(EncryptError::InsufficientSize(s)) => Err(Some(s.required_size)),
                            Err(EncryptError::EncryptExhausted) => Err(None),
                        })?;
                        app = &[];
                    }
                    verdict = Some(true);
                }
                ConnectionState::PeerClosed | ConnectionState::Closed => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the collector closed the TLS session",
                    ))
                }
                other => return Err(tls_error(format!("unexpected state {other:?}"))),
            }
            if discard > 0 {
                self.tls_in.drain(..discard);
            }
            if let Some(v) = verdict {
                break v;
            }
        };
        // An idle connection keeps no buffer.
        if self.tls_in.is_empty() {
            self.tls_in = Vec::new();
        } else {
            self.tls_in.shrink_to_fit();
        }
        Ok(result)
    }
}

/// Appends what `write` writes to `out`, growing `out` to the size it
/// asks for. `Err(None)`: the write cannot happen at all.
fn grow_into(
    out: &mut Vec<u8>,
    mut write: impl FnMut(&mut [u8]) -> Result<usize, Option<usize>>,
) -> io::Result<()> {
    let at = out.len();
    let mut room = 512;
    loop {
        out.resize(at + room, 0);
        match write(&mut out[at..]) {
            Ok(n) => {
                out.truncate(at + n);
                return Ok(());
            }
            Err(Some(needed)) if needed > room => room = needed,
            Err(_) => {
                out.truncate(at);
                return Err(tls_error("cannot encode a record"));
            }
        }
    }
}

//! The part of HTTP/2 (RFC 9113) a gRPC client with one long stream per
//! connection needs: frames written straight into a buffer and read from
//! one, with no state but what the caller keeps. Header blocks are HPACK
//! (RFC 7541), by `loona-hpack`.

/// The client connection preface.
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PUSH_PROMISE: u8 = 0x5;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const WINDOW_UPDATE: u8 = 0x8;
pub const CONTINUATION: u8 = 0x9;

pub const END_STREAM: u8 = 0x1;
pub const ACK: u8 = 0x1;
pub const END_HEADERS: u8 = 0x4;
pub const PADDED: u8 = 0x8;
pub const PRIORITY: u8 = 0x20;

pub const SETTINGS_HEADER_TABLE_SIZE: u16 = 0x1;
pub const SETTINGS_ENABLE_PUSH: u16 = 0x2;
pub const SETTINGS_INITIAL_WINDOW_SIZE: u16 = 0x4;
pub const SETTINGS_MAX_FRAME_SIZE: u16 = 0x5;

/// The largest frame payload either side may send until told otherwise
/// (we never tell otherwise).
pub const MAX_FRAME: usize = 16_384;
/// Both windows' size until SETTINGS or WINDOW_UPDATE change it.
pub const DEFAULT_WINDOW: i64 = 65_535;

/// A frame read from a buffer; `payload` borrows it.
#[derive(Debug)]
pub struct Frame<'a> {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: &'a [u8],
}

#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Longer than we allow (we never raise SETTINGS_MAX_FRAME_SIZE).
    TooLong(usize),
    /// Padding longer than the frame.
    BadPadding,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::TooLong(n) => write!(f, "a frame of {n} bytes, over {MAX_FRAME}"),
            FrameError::BadPadding => f.write_str("frame padding longer than the frame"),
        }
    }
}

/// The first whole frame in `buf` and its length in bytes; `None` when
/// `buf` holds only part of one.
pub fn parse(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>, FrameError> {
    if buf.len() < 9 {
        return Ok(None);
    }
    let len = u32::from_be_bytes([0, buf[0], buf[1], buf[2]]) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLong(len));
    }
    if buf.len() < 9 + len {
        return Ok(None);
    }
    let stream = u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]) & 0x7fff_ffff;
    let frame = Frame {
        kind: buf[3],
        flags: buf[4],
        stream,
        payload: &buf[9..9 + len],
    };
    Ok(Some((frame, 9 + len)))
}

/// A DATA or HEADERS payload without its padding (and, for HEADERS, its
/// priority fields).
pub fn unpadded<'a>(frame: &Frame<'a>) -> Result<&'a [u8], FrameError> {
    let mut p = frame.payload;
    let mut pad = 0;
    if frame.flags & PADDED != 0 {
        let (&n, rest) = p.split_first().ok_or(FrameError::BadPadding)?;
        pad = n as usize;
        p = rest;
    }
    if frame.kind == HEADERS && frame.flags & PRIORITY != 0 {
        p = p.get(5..).ok_or(FrameError::BadPadding)?;
    }
    p.get(..p.len().checked_sub(pad).ok_or(FrameError::BadPadding)?)
        .ok_or(FrameError::BadPadding)
}

fn header(out: &mut Vec<u8>, len: usize, kind: u8, flags: u8, stream: u32) {
    let len = (len as u32).to_be_bytes();
    out.extend_from_slice(&len[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&stream.to_be_bytes());
}

pub fn settings(out: &mut Vec<u8>, values: &[(u16, u32)]) {
    header(out, values.len() * 6, SETTINGS, 0, 0);
    for (id, v) in values {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
}

pub fn settings_ack(out: &mut Vec<u8>) {
    header(out, 0, SETTINGS, ACK, 0);
}

pub fn ping_ack(out: &mut Vec<u8>, payload: &[u8]) {
    header(out, payload.len(), PING, ACK, 0);
    out.extend_from_slice(payload);
}

pub fn window_update(out: &mut Vec<u8>, stream: u32, increment: u32) {
    header(out, 4, WINDOW_UPDATE, 0, stream);
    out.extend_from_slice(&increment.to_be_bytes());
}

/// A header block that fits one frame (ours always do).
pub fn headers(out: &mut Vec<u8>, stream: u32, block: &[u8]) {
    debug_assert!(block.len() <= MAX_FRAME);
    header(out, block.len(), HEADERS, END_HEADERS, stream);
    out.extend_from_slice(block);
}

/// `payload` as DATA frames of at most `MAX_FRAME` bytes each.
pub fn data(out: &mut Vec<u8>, stream: u32, payload: &[u8]) {
    for chunk in payload.chunks(MAX_FRAME) {
        header(out, chunk.len(), DATA, 0, stream);
        out.extend_from_slice(chunk);
    }
}

/// SETTINGS values: (id, value) pairs.
pub fn settings_values(payload: &[u8]) -> impl Iterator<Item = (u16, u32)> + '_ {
    payload.chunks_exact(6).map(|c| {
        (
            u16::from_be_bytes([c[0], c[1]]),
            u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
        )
    })
}

/// The request header block of a gRPC call to `path` on `authority`.
/// Encoded by a fresh encoder, so it refers to the static table only and
/// can be sent as it is on any connection, any number of times.
pub fn grpc_request(authority: &str, path: &str) -> Vec<u8> {
    let headers: [(&[u8], &[u8]); 6] = [
        (b":method", b"POST"),
        (b":scheme", b"https"),
        (b":path", path.as_bytes()),
        (b":authority", authority.as_bytes()),
        (b"content-type", b"application/grpc"),
        (b"te", b"trailers"),
    ];
    loona_hpack::Encoder::new().encode(headers)
}

/// A header field: name and value.
pub type Field = (Vec<u8>, Vec<u8>);

/// A header block's fields (we advertise a header table of 0 bytes, so
/// no block depends on an earlier one).
pub fn decode_block(block: &[u8]) -> Result<Vec<Field>, String> {
    let mut decoder = loona_hpack::Decoder::new();
    decoder.set_max_allowed_table_size(0);
    decoder.decode(block).map_err(|e| format!("HPACK: {e:?}"))
}

/// One gRPC message, length-prefixed and uncompressed.
pub fn grpc_message(out: &mut Vec<u8>, message: &impl prost::Message) {
    let len = message.encoded_len();
    out.reserve(5 + len);
    out.push(0);
    out.extend_from_slice(&(len as u32).to_be_bytes());
    message.encode(out).expect("a Vec grows");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_partial_frames_wait() {
        let mut out = Vec::new();
        window_update(&mut out, 3, 1000);
        data(&mut out, 3, &[7; 20_000]);
        let (f, n) = parse(&out).unwrap().unwrap();
        assert_eq!((f.kind, f.stream, n), (WINDOW_UPDATE, 3, 13));
        assert_eq!(f.payload, 1000u32.to_be_bytes());
        let (f, m) = parse(&out[n..]).unwrap().unwrap();
        assert_eq!((f.kind, f.payload.len()), (DATA, MAX_FRAME));
        let rest = &out[n + m..];
        assert!(parse(&rest[..rest.len() - 1]).unwrap().is_none());
        assert_eq!(
            parse(rest).unwrap().unwrap().0.payload.len(),
            20_000 - MAX_FRAME
        );
    }

    #[test]
    fn oversized_frames_and_bad_padding_are_refused() {
        let mut out = vec![0x00, 0x40, 0x01, DATA, 0, 0, 0, 0, 1];
        out.resize(9 + 16_385, 0);
        assert_eq!(parse(&out).unwrap_err(), FrameError::TooLong(16_385));
        let f = Frame {
            kind: DATA,
            flags: PADDED,
            stream: 1,
            payload: &[9, 1, 2],
        };
        assert_eq!(unpadded(&f).unwrap_err(), FrameError::BadPadding);
        let f = Frame {
            kind: HEADERS,
            flags: PADDED | PRIORITY,
            stream: 1,
            payload: &[1, 0, 0, 0, 0, 0, 0xaa, 0],
        };
        assert_eq!(unpadded(&f).unwrap(), &[0xaa]);
    }

    #[test]
    fn the_request_block_decodes_to_the_grpc_request() {
        let block = grpc_request("127.0.0.1:7400", "/plumb.v1.AgentService/Stream");
        let mut d = loona_hpack::Decoder::new();
        let fields = d.decode(&block).unwrap();
        assert_eq!(
            fields[2],
            (b":path".to_vec(), b"/plumb.v1.AgentService/Stream".to_vec())
        );
        assert_eq!(fields[5], (b"te".to_vec(), b"trailers".to_vec()));
        // The same bytes decode again on the same connection.
        assert_eq!(d.decode(&block).unwrap(), fields);
    }
}

//! The gRPC codec of every plumb service: protobuf through prost, with
//! buffers sized for plumb's common message instead of tonic's 8 KiB.
//!
//! A collector holds one stream per node, and each stream keeps an encode
//! buffer and a decode buffer for its whole life. Almost every message on
//! those streams is a heartbeat or an ack of a few bytes; a batch is the
//! rare large one, and the buffers grow to it when it comes. Starting them
//! at [`BUFFER_BYTES`] instead of 8 KiB each saves about 15 KiB per idle
//! stream (see BENCHMARKS.md, "Memory per stream").

use std::marker::PhantomData;

use prost::Message;
use tonic::codec::{BufferSettings, Codec};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

/// What each stream's encode and decode buffers start at.
pub const BUFFER_BYTES: usize = 512;
/// An encoder yields to the transport once this much is buffered.
pub const YIELD_BYTES: usize = 32 * 1024;

/// [`ProstCodec`] with [`BUFFER_BYTES`] buffers; named by the generated
/// clients and servers (`codec_path` in the bootstrap test).
#[derive(Debug, Clone)]
pub struct LeanCodec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for LeanCodec<T, U> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

fn settings() -> BufferSettings {
    BufferSettings::new(BUFFER_BYTES, YIELD_BYTES)
}

impl<T, U> Codec for LeanCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ProstDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstCodec::<T, U>::raw_encoder(settings())
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstCodec::<T, U>::raw_decoder(settings())
    }
}

//! plumb's protobuf schema (`plumb.v1`) and its generated Rust types.
//!
//! The `.proto` files live in `proto/plumb/v1/`; the Rust code generated from
//! them is committed under `src/generated/` (see `tests/bootstrap.rs`), so
//! building plumb never needs `protoc`. Besides the types, this crate owns
//! the canonical encoding and digest of a [`v1::Manifest`] and a few small
//! conversions, manifest signatures, the client transport rules, and what
//! every binary's command line and logging share. It holds no policy.

#![deny(unsafe_code)]

pub mod v1 {
    #![allow(clippy::all, missing_docs, rustdoc::all)]
    include!("generated/plumb.v1.rs");
    include!("generated/plumb.v1.serde.rs");
}

/// The schema as an encoded `FileDescriptorSet`, for gRPC server
/// reflection (generated with the code, see `tests/bootstrap.rs`).
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!("generated/plumb.v1.descriptors.bin");

pub mod cli;
pub mod codec;
pub mod logging;
mod manifest;
mod names;
pub mod prometheus;
pub mod signature;
pub mod transport;

pub use manifest::{
    check_labels, encode_file_entry, hex, parse_label, DigestError, FileEntryRef,
    MANIFEST_FORMAT_VERSION, MAX_LABELS,
};
pub use names::{
    container_state_from_snake, container_state_snake, container_status_from_snake,
    container_status_snake, exec_monitor_from_snake, exec_monitor_snake, kind_from_snake,
    kind_snake, node_status_from_snake, node_status_snake, package_manager_name, printable,
    severity_from_snake, severity_snake,
};

pub use v1::admin_service_client::AdminServiceClient;
pub use v1::admin_service_server::{AdminService, AdminServiceServer};
pub use v1::agent_service_client::AgentServiceClient;
pub use v1::agent_service_server::{AgentService, AgentServiceServer};
pub use v1::enrollment_client::EnrollmentClient;
pub use v1::enrollment_server::{Enrollment, EnrollmentServer};
pub use v1::manifest_registry_client::ManifestRegistryClient;
pub use v1::manifest_registry_server::{ManifestRegistry, ManifestRegistryServer};
pub use v1::query_service_client::QueryServiceClient;
pub use v1::query_service_server::{QueryService, QueryServiceServer};

/// Largest encoded message either end accepts (see `agent.proto`).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// Largest number of added (and of resolved) deviations in one batch.
pub const MAX_BATCH_DEVIATIONS: usize = 2_000;
/// Largest deviation key, in bytes.
pub const MAX_KEY_BYTES: usize = 4_096;
/// Largest `expected` / `actual` text, in bytes.
pub const MAX_STATE_BYTES: usize = 8_192;
/// Largest node id, image id or hostname, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// Most messages an agent's spool may hold (`spool_max_messages`): the
/// largest gap in sequence numbers a real agent can leave.
pub const MAX_SPOOL_MESSAGES: usize = 1_000_000;
/// Highest sequence number accepted: a thousand reports a second for
/// thirty years. Anything above is forged, not a long-lived agent.
pub const MAX_SEQ: u64 = 1 << 40;
/// Largest manifest the collector's registry accepts, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 256 * 1024 * 1024;

//! plumb-collector: receives deviation streams from the fleet, stores node
//! state and history, applies the replacement policy, and serves the
//! query API, the dashboard and alerts.
//!
//! Flow: [`grpc`] (the agent stream) → [`hub`] (group-commit writers,
//! evaluator; [`liveness`] in memory, [`housekeeping`] by the clock) →
//! [`store`] (the only SQL) → [`policy`] + [`lifecycle`] (pure) →
//! { [`grpc`] queries, [`api`] (REST), [`web`], [`alert`] }.

#![forbid(unsafe_code)]

/// The commit this build comes from (see `build.rs`).
pub const COMMIT: &str = env!("PLUMB_COMMIT");
/// `--version` of the collector's binaries: version and commit.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("PLUMB_COMMIT"), ")");

/// How every plumb binary prints a time (RFC 3339, UTC, milliseconds).
pub use plumb_proto::cli::rfc3339;

pub mod actions;
pub mod admission;
pub mod advisories;
pub mod alert;
pub mod api;
pub mod from_wire;
pub mod grpc;
pub mod housekeeping;
pub mod hub;
pub mod lifecycle;
pub mod liveness;
pub mod model;
pub mod policy;
pub mod posture;
pub mod reads;
pub mod security;
pub mod serve;
pub mod store;
pub mod versions;
pub mod web;

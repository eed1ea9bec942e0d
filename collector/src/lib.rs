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

/// A unix-milliseconds time as people and Alertmanager read it:
/// RFC 3339 in UTC, to the millisecond.
pub fn rfc3339(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

pub mod actions;
pub mod alert;
pub mod api;
pub mod grpc;
pub mod housekeeping;
pub mod hub;
pub mod lifecycle;
pub mod liveness;
pub mod model;
pub mod policy;
pub mod security;
pub mod serve;
pub mod store;
pub mod web;

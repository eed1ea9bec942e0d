//! Counters every service of the hub moves and `/metrics` exports.

use std::sync::atomic::AtomicU64;

/// Counters exported on `/metrics`.
#[derive(Default)]
pub struct Counters {
    pub batches: AtomicU64,
    pub duplicate_batches: AtomicU64,
    pub deviations_ingested: AtomicU64,
    pub resolutions_ingested: AtomicU64,
    pub heartbeats: AtomicU64,
    /// Nodes' last contact written to the database (see `liveness`).
    pub liveness_rows: AtomicU64,
    pub rejected_messages: AtomicU64,
    pub webhook_failures: AtomicU64,
    pub webhook_deliveries: AtomicU64,
    pub alertmanager_failures: AtomicU64,
}

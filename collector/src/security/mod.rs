//! The trust layer: transport security and node identity ([`tls`]),
//! authorization ([`auth`]), the audit log ([`audit`]), plumb's own CA
//! ([`pki`]), and the HTTP and gRPC guards every request passes
//! ([`guard`]).

pub mod audit;
pub mod auth;
pub mod guard;
pub mod http;
pub mod limit;
pub mod pki;
pub mod principal;
pub mod tickets;
pub mod tls;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use plumb_proto::signature::TrustedKey;

/// The collector's trust settings and state, shared through the hub.
pub struct Trust {
    pub auth: Arc<auth::Auth>,
    /// Manifests must be signed by one of these (none: signatures optional).
    pub trusted_keys: Vec<TrustedKey>,
    /// Signs enrollment CSRs; without it enrollment is off.
    pub enroll_ca: Option<pki::Ca>,
    /// Validity of enrolled node certificates, in days.
    pub cert_days: i64,
    /// Longest heartbeat period an agent may keep.
    pub max_heartbeat_secs: u32,
    pub tls: Arc<tls::TlsCounters>,
    /// Hellos refused for identity (wrong node, revoked, wrong image).
    pub identity_refusals: AtomicU64,
    /// When each node was last sent a rescan (requests coalesce).
    pub rescans: Mutex<HashMap<String, Instant>>,
    /// Refused enrollments per source: a source that keeps sending bad
    /// tokens is refused before its token is even looked up.
    pub enroll_refusals: limit::SourceLimit,
}

/// Refused enrollments a source may have in a minute.
pub const ENROLL_REFUSALS_PER_MINUTE: u32 = 10;

impl Trust {
    /// Whether a rescan may be sent to `node` now; repeated requests
    /// within `window` coalesce into the one already sent.
    pub fn rescan_allowed(&self, node: &str, window: std::time::Duration) -> bool {
        let mut map = self.rescans.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, t| now.duration_since(*t) < window);
        }
        match map.get(node) {
            Some(t) if now.duration_since(*t) < window => false,
            _ => {
                map.insert(node.to_string(), now);
                true
            }
        }
    }
}

//! The audit log: every operator and admin action and every refused
//! request, with who, what, when and from where. Entries are queued to a
//! writer task so a flood of refused requests costs the database one
//! batched insert at a time; when the queue is full an entry is dropped
//! and counted (`plumb_audit_dropped_total`), never blocking a request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::auth::Principal;
use crate::model::now_ms;
use crate::store::{AuditEntry, Store};

/// Audit rows kept; older ones are pruned.
pub const AUDIT_KEEP: i64 = 200_000;

/// Field lengths stored (longer values are cut).
const MAX_FIELD: usize = 512;

#[derive(Clone)]
pub struct Audit {
    tx: mpsc::Sender<AuditEntry>,
    pub dropped: Arc<AtomicU64>,
}

fn cut(s: &str) -> String {
    if s.len() <= MAX_FIELD {
        return s.to_string();
    }
    let mut end = MAX_FIELD;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl Audit {
    /// Starts the writer task.
    pub fn start(store: Store) -> Audit {
        let (tx, mut rx) = mpsc::channel::<AuditEntry>(8192);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < 512 {
                    match rx.try_recv() {
                        Ok(e) => batch.push(e),
                        Err(_) => break,
                    }
                }
                if let Err(e) = store.insert_audit(&batch).await {
                    tracing::error!(error = %e, entries = batch.len(), "writing the audit log failed");
                }
            }
        });
        Audit {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn record(&self, who: &Principal, action: &str, target: &str, outcome: &str, detail: &str) {
        let entry = AuditEntry {
            at: now_ms(),
            actor: cut(&who.name),
            role: who.role_name().to_string(),
            action: cut(action),
            target: cut(target),
            source: cut(&who.source),
            outcome: outcome.to_string(),
            detail: cut(detail),
        };
        // Refusals can come in floods: the audit table keeps them, the log
        // only at debug level.
        if outcome == "ok" {
            tracing::info!(actor = %entry.actor, action = %entry.action, target = %entry.target, detail = %entry.detail, "audit");
        } else {
            tracing::debug!(actor = %entry.actor, action = %entry.action, target = %entry.target, detail = %entry.detail, "audit: refused");
        }
        if self.tx.try_send(entry).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn ok(&self, who: &Principal, action: &str, target: &str, detail: &str) {
        self.record(who, action, target, "ok", detail);
    }

    pub fn refused(&self, who: &Principal, action: &str, target: &str, detail: &str) {
        self.record(who, action, target, "refused", detail);
    }
}

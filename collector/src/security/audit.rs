//! The audit log: every operator and admin action and every refused
//! request, with who, what, when and from where.
//!
//! Actions and refusals have separate budgets, so no flood of refused
//! requests can cost an action its row:
//! - an action (outcome `ok`) is always queued and written; actions come
//!   from holders of a token, not from anyone who can reach the port;
//! - refusals are aggregated per minute: the first refusal of a kind
//!   (source address, actor, action, target and reason) in a minute is
//!   written at once, the repeats are counted and written as one row when
//!   the minute ends. At most [`MAX_REFUSAL_KINDS`] kinds are kept per
//!   minute; refusals beyond them are counted
//!   (`plumb_audit_dropped_total`) and summed up in one row.
//!
//! Pruning keeps the newest [`AUDIT_KEEP`] actions and, apart, the newest
//! [`AUDIT_KEEP`] refusals.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::principal::Principal;
use crate::model::now_ms;
use crate::store::{AuditEntry, Caller, Outcome, Store};

/// Audit rows kept of each budget (actions, refusals); older ones are
/// pruned.
pub const AUDIT_KEEP: i64 = 200_000;

/// Kinds of refusal itemised per minute.
pub const MAX_REFUSAL_KINDS: usize = 10_000;

/// Field lengths stored (longer values are cut).
const MAX_FIELD: usize = 512;

const MINUTE_MS: i64 = 60_000;

/// What the writer task is sent: a row, or a request to say when every
/// row sent before it is written.
enum Queued {
    Entry(AuditEntry),
    Written(tokio::sync::oneshot::Sender<()>),
}

/// What makes two refusals the same kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Kind {
    address: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

/// The refusals of the current minute.
#[derive(Default)]
struct Minute {
    start: i64,
    /// Per kind: the first refusal (written already) and the repeats.
    kinds: HashMap<Kind, (AuditEntry, u64)>,
    /// Refusals past [`MAX_REFUSAL_KINDS`] kinds.
    beyond: u64,
}

#[derive(Clone)]
pub struct Audit {
    tx: mpsc::UnboundedSender<Queued>,
    minute: Arc<Mutex<Minute>>,
    /// Refusals not itemised (past the per-minute budget of kinds).
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

/// `host` of `host:port` (a source's address without its port, so the
/// connections of one client count together).
fn address(source: &str) -> &str {
    match source.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => source,
    }
}

fn lock(m: &Mutex<Minute>) -> std::sync::MutexGuard<'_, Minute> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Minute {
    /// Closes the minute: the rows that sum up its repeats.
    fn close(&mut self, now: i64) -> Vec<AuditEntry> {
        let mut rows: Vec<AuditEntry> = self
            .kinds
            .drain()
            .filter(|(_, (_, repeats))| *repeats > 0)
            .map(|(_, (first, repeats))| AuditEntry {
                at: now,
                detail: cut(&format!(
                    "{} (refused {repeats} more time(s) in the minute from {})",
                    first.detail,
                    address(&first.source)
                )),
                ..first
            })
            .collect();
        if self.beyond > 0 {
            rows.push(AuditEntry {
                at: now,
                actor: "anonymous".into(),
                role: Caller::None,
                action: "refusals".into(),
                target: String::new(),
                source: String::new(),
                outcome: Outcome::Refused,
                detail: format!(
                    "{} refused request(s) of more than {MAX_REFUSAL_KINDS} kinds in the minute, not itemised",
                    self.beyond
                ),
            });
            self.beyond = 0;
        }
        rows.sort_by(|a, b| a.source.cmp(&b.source));
        rows
    }
}

impl Audit {
    /// Starts the writer task and the task that closes each minute of
    /// refusals.
    pub fn start(store: Store) -> Audit {
        let (tx, mut rx) = mpsc::unbounded_channel::<Queued>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = Vec::new();
                let mut waiting = Vec::new();
                let mut next = Some(first);
                while let Some(q) = next.take() {
                    match q {
                        Queued::Entry(e) => batch.push(e),
                        Queued::Written(done) => waiting.push(done),
                    }
                    if batch.len() < 512 {
                        next = rx.try_recv().ok();
                    }
                }
                if !batch.is_empty() {
                    if let Err(e) = store.insert_audit(&batch).await {
                        tracing::error!(error = %e, entries = batch.len(), "writing the audit log failed");
                    }
                }
                for done in waiting {
                    let _ = done.send(());
                }
            }
        });
        let audit = Audit {
            tx,
            minute: Arc::new(Mutex::new(Minute {
                start: now_ms(),
                ..Minute::default()
            })),
            dropped: Arc::new(AtomicU64::new(0)),
        };
        let closer = audit.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if closer.tx.is_closed() {
                    return;
                }
                closer.close_minute(now_ms(), false);
            }
        });
        audit
    }

    /// Writes the sums of the minute of refusals when it is over (or now,
    /// with `force`).
    fn close_minute(&self, now: i64, force: bool) {
        let rows = {
            let mut minute = lock(&self.minute);
            if !force && now - minute.start < MINUTE_MS {
                return;
            }
            minute.start = now;
            minute.close(now)
        };
        for row in rows {
            let _ = self.tx.send(Queued::Entry(row));
        }
    }

    /// Writes what the current minute of refusals holds now, and returns
    /// once every row queued so far is in the database (tests, shutdown).
    pub async fn flush(&self) {
        self.close_minute(now_ms(), true);
        let (done, written) = tokio::sync::oneshot::channel();
        if self.tx.send(Queued::Written(done)).is_ok() {
            let _ = written.await;
        }
    }

    pub fn record(
        &self,
        who: &Principal,
        action: &str,
        target: &str,
        outcome: Outcome,
        detail: &str,
    ) {
        let entry = AuditEntry {
            at: now_ms(),
            actor: cut(&who.name),
            role: who.caller(),
            action: cut(action),
            target: cut(target),
            source: cut(&who.source),
            outcome,
            detail: cut(detail),
        };
        if outcome == Outcome::Ok {
            tracing::info!(actor = %entry.actor, action = %entry.action, target = %entry.target, detail = %entry.detail, "audit");
            let _ = self.tx.send(Queued::Entry(entry));
            return;
        }
        // Refusals can come in floods: the log has them at debug level,
        // the table the first of each kind and the count of the rest.
        tracing::debug!(actor = %entry.actor, action = %entry.action, target = %entry.target, detail = %entry.detail, "audit: refused");
        let kind = Kind {
            address: address(&entry.source).to_string(),
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            target: entry.target.clone(),
            detail: entry.detail.clone(),
        };
        let mut minute = lock(&self.minute);
        if let Some((_, repeats)) = minute.kinds.get_mut(&kind) {
            *repeats += 1;
            return;
        }
        if minute.kinds.len() >= MAX_REFUSAL_KINDS {
            minute.beyond += 1;
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        minute.kinds.insert(kind, (entry.clone(), 0));
        drop(minute);
        let _ = self.tx.send(Queued::Entry(entry));
    }

    pub fn ok(&self, who: &Principal, action: &str, target: &str, detail: &str) {
        self.record(who, action, target, Outcome::Ok, detail);
    }

    pub fn refused(&self, who: &Principal, action: &str, target: &str, detail: &str) {
        self.record(who, action, target, Outcome::Refused, detail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anonymous(source: &str) -> Principal {
        Principal {
            name: "anonymous".into(),
            role: None,
            node_id: None,
            csrf: None,
            source: source.into(),
        }
    }

    /// A flood of refusals from many sources, larger than both budgets,
    /// costs the admin's actions before, during and after it nothing:
    /// every action is written and survives pruning; the refusals are
    /// itemised up to the budget of kinds and counted beyond it.
    #[tokio::test]
    async fn a_flood_of_refusals_cannot_push_actions_out() {
        for (store, _dir) in crate::store::tests::stores().await {
            let audit = Audit::start(store.clone());
            let admin = Principal {
                name: "admin".into(),
                role: Some(super::super::principal::Role::Admin),
                ..anonymous("10.0.0.1:4000")
            };
            audit.ok(&admin, "retire", "node-1", "before the flood");
            for i in 0..30_000u32 {
                // 15,000 kinds of refusal (two each), from 15,000 sources.
                let source = format!("192.0.2.{}:{}", i % 250, 1000 + i % 60);
                audit.refused(
                    &anonymous(&source),
                    "login",
                    "",
                    "invalid or revoked API token",
                );
                if i == 15_000 {
                    audit.ok(&admin, "retire", "node-2", "during the flood");
                }
                let target = format!("node-{}", i % 15_000 / 250);
                audit.refused(
                    &anonymous(&source),
                    "/plumb.v1.QueryService/Retire",
                    &target,
                    "an API token is required",
                );
            }
            audit.ok(&admin, "retire", "node-3", "after the flood");
            audit.flush().await;
            let rows = store.audit(None, 100_000).await.unwrap();
            let actions: Vec<&str> = rows
                .iter()
                .filter(|r| r.outcome == Outcome::Ok)
                .map(|r| r.detail.as_str())
                .collect();
            assert_eq!(actions.len(), 3, "{actions:?}");
            // 250 login kinds and 60 × 250 retire kinds, capped.
            let refused = rows
                .iter()
                .filter(|r| r.outcome == Outcome::Refused)
                .count();
            assert!(
                refused <= 2 * MAX_REFUSAL_KINDS + 1,
                "{refused} refusal rows"
            );
            let summary = rows.iter().find(|r| r.action == "refusals").unwrap();
            assert!(
                summary.detail.contains("not itemised"),
                "{}",
                summary.detail
            );
            let logins = rows
                .iter()
                .find(|r| r.action == "login" && r.detail.contains("more time"))
                .expect("repeated logins summed up");
            assert!(logins.detail.contains("from 192.0.2."), "{}", logins.detail);
            assert!(audit.dropped.load(Ordering::Relaxed) > 0);

            // Pruning to a small budget keeps every action.
            store.prune_audit(10, now_ms()).await.unwrap();
            let rows = store.audit(None, 100_000).await.unwrap();
            assert_eq!(rows.iter().filter(|r| r.outcome == Outcome::Ok).count(), 3);
            assert_eq!(rows.iter().filter(|r| r.outcome != Outcome::Ok).count(), 10);
        }
    }
}

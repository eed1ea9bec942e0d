//! The outbox: what the agent has to tell the collector, kept on disk so
//! nothing is lost when the network, the collector or the agent itself
//! fails (even `kill -9`).
//!
//! Each change of the deviation set becomes one sequenced message, written
//! to `spool/<seq>.pb` (fsynced) before the in-memory state moves on; it is
//! deleted only when the collector acks its sequence number. The sequence
//! counter and the last reported set live in `agent-state.pb`. When the
//! spool is full, spooled messages stay as they are (the collector
//! verifies the chain of sequence numbers and hashes) and the changes that
//! follow go out as one `full_state` message once acks make room.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use plumb_proto::v1::{agent_message, AgentMessage, Deviation, DeviationBatch, DeviationRef};
use prost::Message;
use sha2::{Digest, Sha256};

use crate::manifest::now_ms;

/// What identifies a deviation: the node's own are keyed by (kind, key),
/// a container's by its id too.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DevKey {
    pub container: String,
    pub kind: i32,
    pub key: String,
}

impl DevKey {
    pub fn of(d: &Deviation) -> DevKey {
        DevKey {
            container: d.container.clone(),
            kind: d.kind,
            key: d.key.clone(),
        }
    }
}

/// Deviations by (container, kind, key).
pub type DeviationSet = BTreeMap<DevKey, Deviation>;

#[derive(Clone, PartialEq, prost::Message)]
struct StateFile {
    #[prost(uint64, tag = "1")]
    next_seq: u64,
    #[prost(bytes = "vec", tag = "2")]
    prev_hash: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    reported: Vec<Deviation>,
    /// Whether a first (full-state) batch was ever recorded.
    #[prost(bool, tag = "4")]
    initialized: bool,
    /// The spool was full when the set changed: a full-state batch is
    /// owed as soon as it has room.
    #[prost(bool, tag = "5")]
    full_state_owed: bool,
}

struct Inner {
    dir: PathBuf,
    spool: BTreeMap<u64, PathBuf>,
    next_seq: u64,
    prev_hash: Vec<u8>,
    reported: DeviationSet,
    initialized: bool,
    full_state_owed: bool,
    max_messages: usize,
    /// Why the spool or state file could not be written, until a write
    /// succeeds again (reported in heartbeats).
    write_error: Option<String>,
}

/// The durable outbox, shared by the scanner (writer) and the stream
/// (reader, acker).
pub struct Outbox {
    inner: Mutex<Inner>,
}

fn set_of(list: Vec<Deviation>) -> DeviationSet {
    list.into_iter().map(|d| (DevKey::of(&d), d)).collect()
}

impl Outbox {
    /// Opens (or creates) the outbox under `state_dir`.
    pub fn open(state_dir: &Path, max_messages: usize) -> io::Result<Outbox> {
        let dir = state_dir.join("spool");
        std::fs::create_dir_all(&dir)?;
        let mut spool = BTreeMap::new();
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            match name.strip_suffix(".pb").and_then(|n| n.parse::<u64>().ok()) {
                Some(seq) => {
                    spool.insert(seq, entry.path());
                }
                // A temp file from a write that never finished: not sent.
                None => {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let state = match std::fs::read(state_dir.join("agent-state.pb")) {
            Ok(bytes) => StateFile::decode(bytes.as_slice()).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}/agent-state.pb is corrupt: {e}", state_dir.display()),
                )
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => StateFile {
                next_seq: 1,
                ..Default::default()
            },
            Err(e) => return Err(e),
        };
        // A message may have been spooled just before a crash that kept the
        // state file from recording it: never reuse its sequence number,
        // and chain the next message to it, not to what the state file
        // last recorded (the spooled message is the chain's last link).
        let next_seq = state
            .next_seq
            .max(spool.keys().next_back().map_or(1, |s| s + 1))
            .max(1);
        let prev_hash = match spool.values().next_back() {
            Some(last) => Sha256::digest(std::fs::read(last)?).to_vec(),
            None => state.prev_hash,
        };
        Ok(Outbox {
            inner: Mutex::new(Inner {
                dir,
                spool,
                next_seq,
                prev_hash,
                reported: set_of(state.reported),
                initialized: state.initialized,
                full_state_owed: state.full_state_owed,
                max_messages,
                write_error: None,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the node's current deviation set; spools the difference
    /// from the last reported set. Returns the new message's sequence
    /// number, or `None` when nothing changed.
    pub fn record(&self, current: &DeviationSet) -> io::Result<Option<u64>> {
        let mut inner = self.lock();
        if inner.spool.len() >= inner.max_messages {
            // Never drop or renumber spooled messages: that would break
            // the report chain the collector verifies. The set is kept in
            // the state file and goes out whole once the spool drains.
            if !inner.full_state_owed {
                tracing::warn!(
                    spooled = inner.spool.len(),
                    "spool full; later changes go out as one full-state batch once the collector acks"
                );
            }
            inner.full_state_owed = true;
            inner.reported = current.clone();
            inner.save_state()?;
            return Ok(None);
        }
        let full = !inner.initialized || inner.full_state_owed;
        let batch = if full {
            DeviationBatch {
                added: current.values().cloned().collect(),
                resolved: vec![],
                full_state: true,
                observed_unix_ms: now_ms(),
            }
        } else {
            let added: Vec<Deviation> = current
                .iter()
                .filter(|(k, d)| inner.reported.get(k) != Some(d))
                .map(|(_, d)| d.clone())
                .collect();
            let resolved: Vec<DeviationRef> = inner
                .reported
                .keys()
                .filter(|k| !current.contains_key(k))
                .map(|k| DeviationRef {
                    kind: k.kind,
                    key: k.key.clone(),
                    container: k.container.clone(),
                })
                .collect();
            if added.is_empty() && resolved.is_empty() {
                return Ok(None);
            }
            DeviationBatch {
                added,
                resolved,
                full_state: false,
                observed_unix_ms: now_ms(),
            }
        };
        let written = inner.spool_batch(batch).and_then(|seqs| {
            inner.reported = current.clone();
            inner.initialized = true;
            inner.full_state_owed = false;
            inner.save_state().map(|()| seqs)
        });
        inner.note(&written);
        if written.is_err() {
            // Whatever part was written, the next write sends everything.
            inner.reported = current.clone();
            inner.full_state_owed = true;
        }
        written
    }

    /// The collector says it has stored everything through `last_seq`.
    /// If that is beyond anything this agent sent, the agent's state was
    /// lost or reset: continue after it and resend the full set.
    pub fn resync(&self, collector_last_seq: u64) -> io::Result<()> {
        let mut inner = self.lock();
        if collector_last_seq >= inner.next_seq {
            tracing::warn!(
                collector_last_seq,
                agent_next_seq = inner.next_seq,
                "collector is ahead of this agent's state; resending the full deviation set"
            );
            let old: Vec<u64> = inner.spool.keys().copied().collect();
            for seq in old {
                if let Some(p) = inner.spool.remove(&seq) {
                    let _ = std::fs::remove_file(p);
                }
            }
            inner.next_seq = collector_last_seq + 1;
            // Owed until written: a full disk delays it, never loses it.
            inner.full_state_owed = true;
            let written = inner.spool_owed();
            inner.note(&written);
            return written;
        }
        drop(inner);
        self.ack(collector_last_seq);
        Ok(())
    }

    /// Deletes every spooled message through `seq`; spools the full
    /// state owed since the spool was full, once there is room.
    pub fn ack(&self, seq: u64) {
        let mut inner = self.lock();
        let done: Vec<u64> = inner.spool.range(..=seq).map(|(s, _)| *s).collect();
        for s in done {
            if let Some(p) = inner.spool.remove(&s) {
                if let Err(e) = std::fs::remove_file(&p) {
                    tracing::warn!(path = %p.display(), error = %e, "cannot delete acked spool file");
                }
            }
        }
        if inner.full_state_owed && inner.spool.len() < inner.max_messages {
            let written = inner.spool_owed();
            inner.note(&written);
            if let Err(e) = written {
                tracing::error!(error = %e, "cannot spool the owed full-state batch; retrying at the next ack or scan");
            }
        }
    }

    /// After a failed write, tries again to spool the full state owed;
    /// true when something new was spooled.
    pub fn retry_owed(&self) -> bool {
        let mut inner = self.lock();
        if inner.write_error.is_none()
            || !inner.full_state_owed
            || inner.spool.len() >= inner.max_messages
        {
            return false;
        }
        let written = inner.spool_owed();
        inner.note(&written);
        written.is_ok()
    }

    /// Why the spool cannot be written right now, if it cannot.
    pub fn write_error(&self) -> Option<String> {
        self.lock().write_error.clone()
    }

    /// Spooled messages with a sequence number above `after`, in order.
    pub fn pending_after(&self, after: u64) -> Vec<AgentMessage> {
        let inner = self.lock();
        let mut out = Vec::new();
        for (seq, path) in inner.spool.range(after + 1..) {
            match std::fs::read(path)
                .map_err(|e| e.to_string())
                .and_then(|b| AgentMessage::decode(b.as_slice()).map_err(|e| e.to_string()))
            {
                Ok(m) => out.push(m),
                Err(e) => {
                    tracing::error!(seq, path = %path.display(), error = %e, "unreadable spool entry skipped")
                }
            }
        }
        out
    }

    pub fn spooled(&self) -> usize {
        self.lock().spool.len()
    }

    pub fn open_deviations(&self) -> usize {
        self.lock().reported.len()
    }

    pub fn last_seq(&self) -> u64 {
        self.lock().next_seq - 1
    }
}

impl Inner {
    /// Spools the full state owed (after a full spool, a lost state, or a
    /// failed write).
    fn spool_owed(&mut self) -> io::Result<()> {
        let batch = DeviationBatch {
            added: self.reported.values().cloned().collect(),
            resolved: vec![],
            full_state: true,
            observed_unix_ms: now_ms(),
        };
        self.spool_batch(batch)?;
        self.full_state_owed = false;
        self.save_state()
    }

    /// Remembers whether the last write worked.
    fn note<T>(&mut self, result: &io::Result<T>) {
        match result {
            Ok(_) => self.write_error = None,
            Err(e) => {
                if self.write_error.is_none() {
                    tracing::error!(error = %e, dir = %self.dir.display(), "cannot write the spool; the node is reported as not verified until it can");
                }
                self.write_error = Some(format!("spool {}: {e}", self.dir.display()));
            }
        }
    }

    fn spool_batch(&mut self, batch: DeviationBatch) -> io::Result<Option<u64>> {
        // Large sets go out as several messages within the batch limit;
        // only the first carries `full_state`.
        let limit = plumb_proto::MAX_BATCH_DEVIATIONS;
        let mut added = batch.added;
        let mut resolved = batch.resolved;
        let mut first = true;
        loop {
            let a: Vec<Deviation> = added.drain(..added.len().min(limit)).collect();
            let r: Vec<DeviationRef> = resolved.drain(..resolved.len().min(limit)).collect();
            let part = DeviationBatch {
                added: a,
                resolved: r,
                full_state: batch.full_state && first,
                observed_unix_ms: batch.observed_unix_ms,
            };
            let seq = self.next_seq;
            let msg = AgentMessage {
                seq,
                prev_hash: self.prev_hash.clone(),
                body: Some(agent_message::Body::Batch(part)),
            };
            let bytes = msg.encode_to_vec();
            let path = self.dir.join(format!("{seq:020}.pb"));
            crate::atomic::write(&path, &bytes)?;
            self.spool.insert(seq, path);
            self.prev_hash = Sha256::digest(&bytes).to_vec();
            self.next_seq += 1;
            first = false;
            if added.is_empty() && resolved.is_empty() {
                return Ok(Some(seq));
            }
        }
    }

    fn save_state(&self) -> io::Result<()> {
        let state = StateFile {
            next_seq: self.next_seq,
            prev_hash: self.prev_hash.clone(),
            reported: self.reported.values().cloned().collect(),
            initialized: self.initialized,
            full_state_owed: self.full_state_owed,
        };
        let path = self
            .dir
            .parent()
            .unwrap_or(Path::new("."))
            .join("agent-state.pb");
        crate::atomic::write(&path, &state.encode_to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plumb_proto::v1::DeviationKind;

    fn dev(key: &str, actual: &str) -> Deviation {
        Deviation {
            kind: DeviationKind::FileModified as i32,
            key: key.into(),
            actual: actual.into(),
            ..Default::default()
        }
    }

    fn set(devs: &[Deviation]) -> DeviationSet {
        set_of(devs.to_vec())
    }

    fn batch(m: &AgentMessage) -> &DeviationBatch {
        match &m.body {
            Some(agent_message::Body::Batch(b)) => b,
            _ => panic!("not a batch"),
        }
    }

    #[test]
    fn first_record_is_full_state_then_deltas() {
        let dir = tempfile::tempdir().unwrap();
        let o = Outbox::open(dir.path(), 100).unwrap();
        assert_eq!(
            o.record(&set(&[])).unwrap(),
            Some(1),
            "an empty first set is still reported"
        );
        assert_eq!(o.record(&set(&[])).unwrap(), None);
        assert_eq!(o.record(&set(&[dev("/a", "1")])).unwrap(), Some(2));
        assert_eq!(
            o.record(&set(&[dev("/a", "2")])).unwrap(),
            Some(3),
            "a changed deviation is re-sent"
        );
        assert_eq!(o.record(&set(&[])).unwrap(), Some(4));
        let p = o.pending_after(0);
        assert!(batch(&p[0]).full_state);
        assert_eq!(batch(&p[3]).resolved[0].key, "/a");
        assert_eq!(
            p[1].prev_hash,
            Sha256::digest(p[0].encode_to_vec()).to_vec(),
            "hash chain"
        );
        o.ack(3);
        assert_eq!(o.pending_after(0).len(), 1);
    }

    #[test]
    fn survives_restart_without_reusing_sequence_numbers() {
        let dir = tempfile::tempdir().unwrap();
        {
            let o = Outbox::open(dir.path(), 100).unwrap();
            o.record(&set(&[dev("/a", "1")])).unwrap();
            o.record(&set(&[dev("/b", "1")])).unwrap();
        }
        // Simulate a crash after spooling seq 3 but before the state file.
        let state = std::fs::read(dir.path().join("agent-state.pb")).unwrap();
        {
            let o = Outbox::open(dir.path(), 100).unwrap();
            o.record(&set(&[dev("/c", "1")])).unwrap();
        }
        std::fs::write(dir.path().join("agent-state.pb"), state).unwrap();
        let o = Outbox::open(dir.path(), 100).unwrap();
        assert_eq!(o.pending_after(0).len(), 3);
        assert_eq!(
            o.record(&set(&[dev("/d", "1")])).unwrap(),
            Some(4),
            "seq continues after the spool"
        );
        // And the chain continues from the spooled message, not from the
        // stale state file: the collector would flag a broken chain.
        let p = o.pending_after(0);
        assert_eq!(
            p[3].prev_hash,
            Sha256::digest(p[2].encode_to_vec()).to_vec(),
            "hash chain across the crash"
        );
    }

    #[test]
    fn a_full_spool_keeps_its_chain_and_owes_one_full_state_batch() {
        let dir = tempfile::tempdir().unwrap();
        let o = Outbox::open(dir.path(), 3).unwrap();
        for i in 0..5 {
            o.record(&set(&[dev("/x", &i.to_string())])).unwrap();
        }
        let p = o.pending_after(0);
        assert_eq!(p.len(), 3, "the spool stops at its limit");
        let seqs: Vec<u64> = p.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3], "no message is dropped or renumbered");
        for w in p.windows(2) {
            assert_eq!(
                w[1].prev_hash,
                Sha256::digest(w[0].encode_to_vec()).to_vec()
            );
        }
        // The state owed survives a restart and goes out once acks make room.
        drop(o);
        let o = Outbox::open(dir.path(), 3).unwrap();
        o.ack(2);
        let p = o.pending_after(2);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].seq, 4);
        assert!(batch(&p[1]).full_state);
        assert_eq!(batch(&p[1]).added[0].actual, "4", "the latest set");
        assert_eq!(
            p[1].prev_hash,
            Sha256::digest(p[0].encode_to_vec()).to_vec()
        );
    }

    #[test]
    fn collector_ahead_of_a_reset_agent_gets_the_full_set_after_its_seq() {
        let dir = tempfile::tempdir().unwrap();
        let o = Outbox::open(dir.path(), 100).unwrap();
        o.record(&set(&[dev("/a", "1")])).unwrap();
        o.resync(500).unwrap();
        let p = o.pending_after(500);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].seq, 501);
        assert!(batch(&p[0]).full_state);
    }

    #[test]
    fn large_sets_are_split_within_the_batch_limit() {
        let dir = tempfile::tempdir().unwrap();
        let o = Outbox::open(dir.path(), 100).unwrap();
        let many: Vec<Deviation> = (0..4500).map(|i| dev(&format!("/f{i}"), "x")).collect();
        o.record(&set(&many)).unwrap();
        let p = o.pending_after(0);
        assert_eq!(p.len(), 3);
        assert!(batch(&p[0]).full_state && !batch(&p[1]).full_state);
        assert!(p
            .iter()
            .all(|m| batch(m).added.len() <= plumb_proto::MAX_BATCH_DEVIATIONS));
    }

    #[test]
    fn corrupt_state_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("agent-state.pb"), b"\xff\xff\xff").unwrap();
        let err = Outbox::open(dir.path(), 10).err().unwrap();
        assert!(err.to_string().contains("agent-state.pb"), "{err}");
    }
}

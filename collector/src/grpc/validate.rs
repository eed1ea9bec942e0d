//! Every message from an agent is checked against the limits in
//! `agent.proto` before it touches the store: sizes, kinds, severities
//! and sequence rules. The fuzz target in `collector/fuzz` drives
//! [`validate_message`] with arbitrary bytes.

use plumb_proto::v1::{
    agent_message, AgentMessage, ContainerList, DeviationBatch, DeviationKind, Hello, Severity,
};
use tonic::Status;

pub(super) fn check_len(what: &str, value: &str, max: usize) -> Result<(), Status> {
    if value.len() > max {
        return Err(Status::invalid_argument(format!(
            "{what} is {} bytes, limit {max}",
            value.len()
        )));
    }
    Ok(())
}

pub(super) fn validate_hello(h: &Hello) -> Result<(), Status> {
    if h.node_id.is_empty() {
        return Err(Status::invalid_argument("hello: node_id is empty"));
    }
    if h.node_id.chars().any(|c| c.is_control()) {
        return Err(Status::invalid_argument(
            "hello: node_id contains control characters",
        ));
    }
    check_len("hello.node_id", &h.node_id, plumb_proto::MAX_ID_BYTES)?;
    check_len("hello.image_id", &h.image_id, plumb_proto::MAX_ID_BYTES)?;
    check_len("hello.hostname", &h.hostname, plumb_proto::MAX_ID_BYTES)?;
    check_len(
        "hello.agent_version",
        &h.agent_version,
        plumb_proto::MAX_ID_BYTES,
    )?;
    check_len("hello.boot_id", &h.boot_id, plumb_proto::MAX_ID_BYTES)?;
    if plumb_proto::v1::ExecMonitor::try_from(h.exec_monitor).is_err() {
        return Err(Status::invalid_argument(format!(
            "hello: unknown exec_monitor {}",
            h.exec_monitor
        )));
    }
    if h.image_id.is_empty() {
        return Err(Status::invalid_argument("hello: image_id is empty"));
    }
    Ok(())
}

/// A kind an agent may send: any of the schema's but unspecified and
/// integrity (the collector's own finding).
pub(super) fn agent_kind(kind: i32) -> bool {
    matches!(
        DeviationKind::try_from(kind),
        Ok(k) if k != DeviationKind::Unspecified && k != DeviationKind::Integrity
    )
}

pub(super) fn validate_batch(b: &DeviationBatch) -> Result<(), Status> {
    let max = plumb_proto::MAX_BATCH_DEVIATIONS;
    if b.added.len() > max || b.resolved.len() > max {
        return Err(Status::invalid_argument(format!(
            "batch has {} added and {} resolved deviations, limit {max} each",
            b.added.len(),
            b.resolved.len()
        )));
    }
    for d in &b.added {
        // Kind 9 (integrity) is the collector's own finding: never an agent's.
        if !agent_kind(d.kind) {
            return Err(Status::invalid_argument(format!(
                "deviation {:?}: unknown kind {}",
                d.key, d.kind
            )));
        }
        if d.key.is_empty() {
            return Err(Status::invalid_argument("deviation with an empty key"));
        }
        check_len("deviation key", &d.key, plumb_proto::MAX_KEY_BYTES)?;
        check_len(
            "deviation expected",
            &d.expected,
            plumb_proto::MAX_STATE_BYTES,
        )?;
        check_len("deviation actual", &d.actual, plumb_proto::MAX_STATE_BYTES)?;
        check_len("deviation package", &d.package, plumb_proto::MAX_ID_BYTES)?;
        check_len(
            "deviation explained_by",
            &d.explained_by,
            plumb_proto::MAX_KEY_BYTES + 64,
        )?;
        if d.changes.len() > 16 {
            return Err(Status::invalid_argument(format!(
                "deviation {:?} lists {} changes, limit 16",
                d.key,
                d.changes.len()
            )));
        }
        for c in &d.changes {
            check_len("deviation change", c, 32)?;
        }
        if !(Severity::Low as i32..=Severity::Critical as i32).contains(&d.severity) {
            return Err(Status::invalid_argument(format!(
                "deviation {:?}: unknown severity {}",
                d.key, d.severity
            )));
        }
    }
    for r in &b.resolved {
        check_len("resolved key", &r.key, plumb_proto::MAX_KEY_BYTES)?;
        check_container_id("resolved container", &r.container)?;
    }
    for d in &b.added {
        check_container_id("deviation container", &d.container)?;
    }
    Ok(())
}

/// Most containers one node may list: a Kubernetes node runs at most a
/// few hundred pods.
pub const MAX_CONTAINERS: usize = 2_000;

/// A container id as agents send it: a runtime's 64 hex digits or
/// `mntns:<inode>`, printable, at most 128 bytes.
fn check_container_id(what: &str, id: &str) -> Result<(), Status> {
    check_len(what, id, 128)?;
    if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Status::invalid_argument(format!(
            "{what} {id:?} contains control characters or spaces"
        )));
    }
    Ok(())
}

pub(super) fn validate_containers(list: &ContainerList) -> Result<(), Status> {
    if list.containers.len() > MAX_CONTAINERS {
        return Err(Status::invalid_argument(format!(
            "container list has {} containers, limit {MAX_CONTAINERS}",
            list.containers.len()
        )));
    }
    for c in &list.containers {
        if c.id.is_empty() {
            return Err(Status::invalid_argument("container with an empty id"));
        }
        check_container_id("container id", &c.id)?;
        for (what, value) in [
            ("container name", &c.name),
            ("container runtime", &c.runtime),
            ("container image", &c.image),
            ("container image_id", &c.image_id),
            ("container pod", &c.pod),
            ("container namespace", &c.namespace),
            ("container pod_container", &c.pod_container),
        ] {
            check_len(what, value, plumb_proto::MAX_ID_BYTES)?;
            if value.chars().any(char::is_control) {
                return Err(Status::invalid_argument(format!(
                    "{what} of {} contains control characters",
                    c.id
                )));
            }
        }
        // Decoded once, here: a status outside the closed set (or none,
        // as from an agent that still sends it as text) is refused.
        match plumb_proto::v1::ContainerStatus::try_from(c.status) {
            Ok(s) if s != plumb_proto::v1::ContainerStatus::Unspecified => {}
            _ => {
                return Err(Status::invalid_argument(format!(
                    "container {}: status {} is not verified, unverified or error",
                    c.id, c.status
                )))
            }
        }
    }
    Ok(())
}

/// Checks one message from an agent the way a stream does before acting
/// on it: sizes, kinds and sequence rules. The fuzz target in
/// `collector/fuzz` drives it with arbitrary bytes.
pub fn validate_message(message: &AgentMessage) -> Result<(), Status> {
    match &message.body {
        Some(agent_message::Body::Hello(h)) => validate_hello(h),
        Some(agent_message::Body::Heartbeat(hb)) => check_len(
            "heartbeat.spool_error",
            &hb.spool_error,
            plumb_proto::MAX_STATE_BYTES,
        ),
        Some(agent_message::Body::Batch(b)) => {
            if message.seq == 0 {
                return Err(Status::invalid_argument(
                    "a batch needs a sequence number above 0",
                ));
            }
            validate_batch(b)
        }
        Some(agent_message::Body::Containers(list)) => {
            if message.seq != 0 {
                return Err(Status::invalid_argument(
                    "a container list is not sequenced: its seq must be 0",
                ));
            }
            validate_containers(list)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use prost::Message as _;

    #[test]
    fn a_hello_naming_an_unknown_exec_monitor_is_refused() {
        let hello = plumb_proto::v1::Hello {
            node_id: "n".into(),
            image_id: "img".into(),
            exec_monitor: 7,
            ..Default::default()
        };
        let err = validate_hello(&hello).unwrap_err();
        assert!(
            err.message().contains("exec_monitor 7"),
            "{}",
            err.message()
        );
        let known = plumb_proto::v1::Hello {
            exec_monitor: plumb_proto::v1::ExecMonitor::Periodic as i32,
            ..hello
        };
        assert!(validate_hello(&known).is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Whatever bytes arrive, validation answers without panicking,
        /// and what it accepts is within the documented limits.
        #[test]
        fn message_validation_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
            if let Ok(m) = AgentMessage::decode(bytes.as_slice()) {
                match m.body {
                    Some(agent_message::Body::Hello(h)) if validate_hello(&h).is_ok() => {
                        prop_assert!(!h.node_id.is_empty() && h.node_id.len() <= plumb_proto::MAX_ID_BYTES);
                    }
                    Some(agent_message::Body::Batch(b)) if validate_batch(&b).is_ok() => {
                        for d in &b.added {
                            prop_assert!(agent_kind(d.kind));
                            prop_assert!(d.kind != 9 && d.kind != 0);
                            prop_assert!(d.key.len() <= plumb_proto::MAX_KEY_BYTES);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn a_container_status_outside_the_closed_set_is_refused() {
        use plumb_proto::v1::{ContainerInfo, ContainerList, ContainerStatus};
        let list = |status: i32| ContainerList {
            containers: vec![ContainerInfo {
                id: "c1".into(),
                status,
                ..Default::default()
            }],
            observed_unix_ms: 1,
        };
        assert!(validate_containers(&list(ContainerStatus::Verified as i32)).is_ok());
        // None (what an agent sending the old text field leaves) and a
        // value beyond the enum: refused, naming the container.
        for bad in [0, 99] {
            let err = validate_containers(&list(bad)).unwrap_err();
            assert!(err.message().contains("container c1"), "{}", err.message());
        }
    }

    /// The fuzz target's committed corpus and regression inputs
    /// (`collector/fuzz`), replayed with the suite.
    #[test]
    fn fuzz_corpus_replays_cleanly() {
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut replayed = 0;
        for kind in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join("agent_message")) else {
                continue;
            };
            for entry in entries {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                if let Ok(m) = AgentMessage::decode(bytes.as_slice()) {
                    let _ = validate_message(&m);
                }
                replayed += 1;
            }
        }
        assert!(replayed > 0, "no fuzz inputs under {}", fuzz.display());
    }

    /// Writes the seed corpus (run by `scripts/fuzz.sh seed`, with
    /// `PLUMB_FUZZ_SEEDS` naming the corpus directory).
    #[test]
    #[ignore = "writes files; run by scripts/fuzz.sh"]
    fn write_fuzz_seeds() {
        use plumb_proto::v1::{DeviationRef, Heartbeat, Severity};
        let dir = std::path::PathBuf::from(std::env::var("PLUMB_FUZZ_SEEDS").unwrap())
            .join("agent_message");
        std::fs::create_dir_all(&dir).unwrap();
        let hello = AgentMessage {
            seq: 0,
            body: Some(agent_message::Body::Hello(Hello {
                node_id: "node-1".into(),
                image_id: "img-1".into(),
                hostname: "web-1".into(),
                agent_version: "0.1.0".into(),
                boot_id: "b0".into(),
                manifest_digest: vec![7; 32],
                heartbeat_secs: 30,
                ..Default::default()
            })),
            ..Default::default()
        };
        let batch = AgentMessage {
            seq: 1,
            prev_hash: vec![1; 32],
            body: Some(agent_message::Body::Batch(DeviationBatch {
                added: vec![plumb_proto::v1::Deviation {
                    kind: DeviationKind::FileModified as i32,
                    key: "/usr/bin/ls".into(),
                    expected: "sha256:aa".into(),
                    actual: "sha256:bb".into(),
                    severity: Severity::Critical as i32,
                    package: "coreutils".into(),
                    changes: vec!["content".into()],
                    ..Default::default()
                }],
                resolved: vec![DeviationRef {
                    kind: DeviationKind::FileAdded as i32,
                    key: "/tmp/x".into(),
                    container: String::new(),
                }],
                full_state: true,
                observed_unix_ms: 1_700_000_000_000,
            })),
        };
        let heartbeat = AgentMessage {
            body: Some(agent_message::Body::Heartbeat(Heartbeat {
                spool_error: "No space left on device".into(),
                ..Default::default()
            })),
            ..Default::default()
        };
        for (i, m) in [hello, batch, heartbeat].iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), m.encode_to_vec()).unwrap();
        }
    }

    #[test]
    fn agents_cannot_send_collector_findings() {
        let b = DeviationBatch {
            added: vec![plumb_proto::v1::Deviation {
                kind: DeviationKind::Integrity as i32,
                key: "report_chain".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(validate_batch(&b)
            .unwrap_err()
            .message()
            .contains("unknown kind 9"));
    }

    #[test]
    fn agents_cannot_send_unknown_severities() {
        for severity in [0, 5, -1, i32::MAX] {
            let b = DeviationBatch {
                added: vec![plumb_proto::v1::Deviation {
                    kind: DeviationKind::FileModified as i32,
                    key: "/usr/bin/ls".into(),
                    severity,
                    ..Default::default()
                }],
                ..Default::default()
            };
            let e = validate_batch(&b).unwrap_err();
            assert!(
                e.message()
                    .contains(&format!("\"/usr/bin/ls\": unknown severity {severity}")),
                "{e}"
            );
        }
    }
}

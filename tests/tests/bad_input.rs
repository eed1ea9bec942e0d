//! Bad requests are refused with clear errors, and the collector keeps
//! serving everyone else.

mod support;

use std::time::Duration;

use plumb_proto::v1::{
    agent_message, AgentMessage, Deviation, DeviationBatch, DeviationKind, Heartbeat, Hello,
};
use plumb_proto::AgentServiceClient;
use support::*;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn hello(node: &str) -> AgentMessage {
    AgentMessage {
        seq: 0,
        prev_hash: vec![],
        body: Some(agent_message::Body::Hello(Hello {
            node_id: node.into(),
            hostname: "h".into(),
            image_id: "img".into(),
            manifest_digest: vec![1; 32],
            agent_version: "test".into(),
            boot_id: "b".into(),
            heartbeat_secs: 10,
        })),
    }
}

fn batch(seq: u64, added: Vec<Deviation>) -> AgentMessage {
    AgentMessage {
        seq,
        prev_hash: vec![],
        body: Some(agent_message::Body::Batch(DeviationBatch {
            added,
            resolved: vec![],
            full_state: false,
            observed_unix_ms: 0,
        })),
    }
}

/// Sends `messages` on one stream; returns the error the collector ended
/// it with, if any.
async fn send(c: &Collector, node: &str, messages: Vec<AgentMessage>) -> Option<tonic::Status> {
    let mut client =
        AgentServiceClient::new(c.node_channel(node).await).max_encoding_message_size(64 << 20);
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    for m in messages {
        tx.send(m).await.unwrap();
    }
    let response = client
        .stream(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await;
    let mut inbound = match response {
        Ok(r) => r.into_inner(),
        Err(s) => return Some(s),
    };
    let result = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match inbound.message().await {
                Ok(Some(_)) => continue,
                Ok(None) => return None,
                Err(s) => return Some(s),
            }
        }
    })
    .await;
    drop(tx);
    result.unwrap_or(None)
}

#[test]
fn malformed_streams_are_refused_and_others_keep_working() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut good = Node::new(tmp.path(), "good-node");
    good.start_agent(&c, &[]);
    c.wait_status("good-node", "clean", Duration::from_secs(20));
    let rt = rt();

    // A batch before any hello: the node is unknown on this stream.
    let hb = AgentMessage {
        seq: 0,
        prev_hash: vec![],
        body: Some(agent_message::Body::Heartbeat(Heartbeat::default())),
    };
    let err = rt
        .block_on(send(&c, "probe", vec![batch(1, vec![]), hb]))
        .expect("refused");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        err.message()
            .contains("first message of a stream must be a hello"),
        "{}",
        err.message()
    );

    // A hello without a node id.
    let mut anonymous = hello("");
    if let Some(agent_message::Body::Hello(h)) = anonymous.body.as_mut() {
        h.node_id.clear();
    }
    let err = rt
        .block_on(send(&c, "probe", vec![anonymous]))
        .expect("refused");
    assert!(
        err.message().contains("node_id is empty"),
        "{}",
        err.message()
    );

    // An oversized message (> 4 MiB).
    let huge = Deviation {
        kind: DeviationKind::FileAdded as i32,
        key: "/x".into(),
        actual: "a".repeat(5 << 20),
        ..Default::default()
    };
    let err = rt
        .block_on(send(
            &c,
            "big-node",
            vec![hello("big-node"), batch(1, vec![huge])],
        ))
        .expect("refused");
    assert!(
        matches!(
            err.code(),
            tonic::Code::ResourceExhausted | tonic::Code::OutOfRange | tonic::Code::Internal
        ),
        "{err:?}"
    );

    // Too many deviations in one batch, and an over-long key.
    let many: Vec<Deviation> = (0..2_001)
        .map(|i| Deviation {
            kind: DeviationKind::FileAdded as i32,
            key: format!("/f{i}"),
            ..Default::default()
        })
        .collect();
    let err = rt
        .block_on(send(
            &c,
            "many-node",
            vec![hello("many-node"), batch(1, many)],
        ))
        .expect("refused");
    assert!(err.message().contains("limit 2000"), "{}", err.message());
    let long = Deviation {
        kind: DeviationKind::FileAdded as i32,
        key: "/".repeat(5000),
        ..Default::default()
    };
    let err = rt
        .block_on(send(
            &c,
            "long-node",
            vec![hello("long-node"), batch(1, vec![long])],
        ))
        .expect("refused");
    assert!(
        err.message().contains("deviation key is 5000 bytes"),
        "{}",
        err.message()
    );
    let unknown_kind = Deviation {
        kind: 99,
        key: "/k".into(),
        ..Default::default()
    };
    let err = rt
        .block_on(send(
            &c,
            "kind-node",
            vec![hello("kind-node"), batch(1, vec![unknown_kind])],
        ))
        .expect("refused");
    assert!(
        err.message().contains("unknown kind 99"),
        "{}",
        err.message()
    );

    // None of it stored a deviation, and the good agent still works.
    assert_eq!(
        c.get("/api/v1/nodes/many-node")["node"]["deviation_count"],
        0
    );
    good.root.file("/etc/motd", b"still watched\n");
    c.wait_status("good-node", "drifted", Duration::from_secs(10));
}

#[test]
fn garbage_and_tampered_manifests_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let garbage = tmp.path().join("garbage.pb");
    std::fs::write(&garbage, b"\x0a\xff\xff\xff\xff this is not a manifest").unwrap();
    let out = c.ctl(&["manifest", "push", garbage.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("garbage.pb"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Bypass plumbctl's own check: the collector verifies the digest too.
    let n = Node::new(tmp.path(), "m");
    let mut bytes = std::fs::read(&n.manifest).unwrap();
    let at = bytes.windows(9).position(|w| w == b"coreutils").unwrap();
    bytes[at] = b'K';
    let rt = rt();
    let err = rt.block_on(async {
        let mut r = plumb_proto::ManifestRegistryClient::new(c.node_channel("tools").await);
        let mut req = tonic::Request::new(plumb_proto::v1::PushManifestRequest {
            manifest: bytes,
            replace: false,
        });
        req.metadata_mut()
            .insert("authorization", c.bearer().parse().unwrap());
        r.push(req).await.unwrap_err()
    });
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        err.message().contains("digest mismatch"),
        "{}",
        err.message()
    );
    let missing = rt.block_on(async {
        let mut r = plumb_proto::ManifestRegistryClient::new(c.node_channel("tools").await);
        r.fetch(plumb_proto::v1::FetchManifestRequest {
            image_id: "nope".into(),
        })
        .await
        .unwrap_err()
    });
    assert_eq!(missing.code(), tonic::Code::NotFound);
    assert!(c.ctl_json(&["images"]).as_array().unwrap().is_empty());
}

#[test]
fn bad_api_requests_get_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let (code, body) = c.get_raw("/api/v1/nodes?status=exploded");
    assert_eq!(code, 400);
    assert!(body.contains("unknown status \\\"exploded\\\""), "{body}");
    let (code, body) = c.get_raw("/api/v1/nodes?limit=99999");
    assert_eq!(code, 400);
    assert!(body.contains("limit"), "{body}");
    let (code, body) = c.get_raw("/api/v1/nodes?colour=red");
    assert_eq!(code, 400, "{body}");
    let (code, _) = c.get_raw("/api/v1/nodes/ghost");
    assert_eq!(code, 404);
    let out = c.ctl(&["node", "ghost"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no node \"ghost\""));
    let out = c.ctl(&["nodes", "--status", "exploded"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown status"));
    let (code, yaml) = c.get_raw("/api/v1/openapi.yaml");
    assert_eq!(code, 200);
    assert!(yaml.starts_with("openapi: 3"));
}

#[test]
fn bad_configuration_is_refused_before_anything_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "flag_severities = [\"urgent\"]\n").unwrap();
    let out = std::process::Command::new(bin("plumb-collector"))
        .args([
            "serve",
            "--grpc",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--policy",
            policy.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("urgent"));

    let cfg = tmp.path().join("agent.toml");
    std::fs::write(
        &cfg,
        "collector = \"http://127.0.0.1:1\"\nimage_id = \"x\"\nintervall = \"5m\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(bin("plumb-agent"))
        .args(["run", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("agent.toml") && err.contains("intervall"),
        "{err}"
    );
}

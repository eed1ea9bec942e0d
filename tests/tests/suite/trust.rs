//! Trust end to end, over real TLS on loopback: who may talk to the
//! collector, as whom, and what it refuses or flags when they lie.

use std::process::Command;
use std::time::Duration;

use crate::support::*;
use plumb_proto::v1::{agent_message, AgentMessage, DeviationBatch};
use plumb_proto::AgentServiceClient;

fn batch(seq: u64, prev_hash: Vec<u8>, full: bool) -> AgentMessage {
    AgentMessage {
        seq,
        prev_hash,
        body: Some(agent_message::Body::Batch(DeviationBatch {
            added: vec![],
            resolved: vec![],
            full_state: full,
            observed_unix_ms: 0,
        })),
    }
}

/// Sends messages as `cert_node`; returns (acked seqs, final error).
async fn stream_as(
    channel: tonic::transport::Channel,
    messages: Vec<AgentMessage>,
) -> (Vec<u64>, Option<tonic::Status>) {
    let mut client = AgentServiceClient::new(channel);
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    for m in messages {
        tx.send(m).await.unwrap();
    }
    let mut inbound = match client
        .stream(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
    {
        Ok(r) => r.into_inner(),
        Err(s) => return (vec![], Some(s)),
    };
    let mut acks = vec![];
    let err = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match inbound.message().await {
                Ok(Some(m)) => {
                    if let Some(plumb_proto::v1::collector_message::Body::Ack(a)) = m.body {
                        acks.push(a.seq);
                    }
                }
                Ok(None) => return None,
                Err(s) => return Some(s),
            }
        }
    })
    .await
    .unwrap_or(None);
    drop(tx);
    (acks, err)
}

fn open_integrity(c: &Collector, node: &str) -> Vec<String> {
    c.get(&format!("/api/v1/nodes/{node}/deviations?state=open"))["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "integrity")
        .map(|d| d["key"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn agents_must_prove_who_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let rt = rt();
    // Node A exists.
    let (acks, err) = rt.block_on(async {
        stream_as(
            c.node_channel("node-a").await,
            vec![hello("node-a"), batch(1, vec![], true)],
        )
        .await
    });
    assert_eq!(acks, vec![1], "{err:?}");

    // No client certificate: refused.
    let (_, err) =
        rt.block_on(async { stream_as(c.tool_channel().await, vec![hello("node-a")]).await });
    assert_eq!(err.unwrap().code(), tonic::Code::Unauthenticated);

    // Node A's certificate saying hello as node B: refused, and A flagged.
    let (_, err) = rt
        .block_on(async { stream_as(c.node_channel("node-a").await, vec![hello("node-b")]).await });
    let err = err.unwrap();
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    assert!(err.message().contains("node-a"), "{}", err.message());
    assert!(
        c.get_raw("/api/v1/nodes/node-b").0 == 404,
        "B was not created"
    );
    assert_eq!(open_integrity(&c, "node-a"), vec!["identity"]);
    c.wait_status("node-a", "flagged", Duration::from_secs(10));

    // A certificate from another CA: the handshake fails, and is counted.
    let other = tmp.path().join("other-pki");
    run_ok(
        Command::new(bin("plumbctl"))
            .args(["pki", "init", "--dir"])
            .arg(&other),
    );
    run_ok(
        Command::new(bin("plumbctl"))
            .args(["pki", "issue-node", "node-a", "--dir"])
            .arg(&other)
            .arg("--out")
            .arg(tmp.path().join("foreign")),
    );
    // An expired certificate from the right CA.
    let pki = c.security.as_ref().unwrap().pki.clone();
    run_ok(
        Command::new(bin("plumbctl"))
            .args(["pki", "issue-node", "node-a", "--days", "0", "--dir"])
            .arg(&pki)
            .arg("--out")
            .arg(tmp.path().join("expired")),
    );
    std::thread::sleep(Duration::from_millis(1100));
    for dir in ["foreign", "expired"] {
        let tls = plumb_proto::transport::ClientTls {
            ca_pem: Some(std::fs::read(c.ca().unwrap()).unwrap()),
            identity: Some((
                std::fs::read(tmp.path().join(dir).join("node-a.pem")).unwrap(),
                std::fs::read(tmp.path().join(dir).join("node-a.key")).unwrap(),
            )),
            insecure_plaintext: false,
        };
        let refused = rt.block_on(async {
            match plumb_proto::transport::endpoint(&c.grpc, &tls)
                .unwrap()
                .connect()
                .await
            {
                Err(_) => true,
                Ok(ch) => stream_as(ch, vec![hello("node-a")]).await.1.is_some(),
            }
        });
        assert!(refused, "{dir} certificate accepted");
    }
    let metrics = c.get_raw("/metrics").1;
    let failures: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("plumb_tls_handshake_failures_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(failures >= 2.0, "{metrics}");
    assert!(
        metrics.contains("plumb_identity_refusals_total 1"),
        "{metrics}"
    );

    // A revoked node is refused.
    let out = c.ctl(&["node", "revoke", "node-a"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, err) = rt
        .block_on(async { stream_as(c.node_channel("node-a").await, vec![hello("node-a")]).await });
    assert!(err.unwrap().message().contains("revoked"));
    // Its certificate fetches no manifest either: revocation is checked
    // on every call a node certificate makes, not only at hello.
    let fetched = rt.block_on(async {
        plumb_proto::ManifestRegistryClient::new(c.node_channel("node-a").await)
            .fetch(plumb_proto::v1::FetchManifestRequest {
                image_id: "img-1".into(),
            })
            .await
    });
    let err = fetched.unwrap_err();
    assert_eq!(err.code(), tonic::Code::PermissionDenied, "{err}");
    assert!(err.message().contains("revoked"), "{}", err.message());
    // A refused call names its target in the audit log: a Retire of
    // node-a without a token is found under node-a.
    let retired = rt.block_on(async {
        plumb_proto::QueryServiceClient::new(c.tool_channel().await)
            .retire(plumb_proto::v1::NodeActionRequest {
                node_id: "node-a".into(),
                cause: "test".into(),
            })
            .await
    });
    assert_eq!(retired.unwrap_err().code(), tonic::Code::Unauthenticated);
    let audit = c.ctl_json(&["audit", "--node", "node-a"]);
    let entries = audit.as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"revoke node"), "{actions:?}");
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "/plumb.v1.QueryService/Retire"
                && e["outcome"] == "refused"
                && e["target"] == "node-a"),
        "{audit}"
    );
}

#[test]
fn the_report_chain_is_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let rt = rt();
    let first = batch(1, vec![], true);
    let h1 = {
        use prost::Message;
        use sha2::Digest;
        sha2::Sha256::digest(first.encode_to_vec()).to_vec()
    };
    let (acks, err) = rt.block_on(async {
        stream_as(
            c.node_channel("chain").await,
            vec![hello("chain"), first.clone(), batch(2, h1.clone(), false)],
        )
        .await
    });
    assert_eq!(acks, vec![1, 2], "{err:?}");
    assert!(open_integrity(&c, "chain").is_empty());

    // The same number with other content: refused and recorded.
    let (_, err) = rt.block_on(async {
        stream_as(
            c.node_channel("chain").await,
            vec![hello("chain"), batch(2, vec![9; 32], true)],
        )
        .await
    });
    assert_eq!(err.unwrap().code(), tonic::Code::FailedPrecondition);
    assert_eq!(open_integrity(&c, "chain"), vec!["report_chain"]);

    // A gap, on another node: applied, recorded.
    let (acks, _) = rt.block_on(async {
        stream_as(
            c.node_channel("gappy").await,
            vec![
                hello("gappy"),
                batch(1, vec![], true),
                batch(7, vec![], false),
            ],
        )
        .await
    });
    assert_eq!(acks, vec![1, 7]);
    let d = c.get("/api/v1/nodes/gappy/deviations?state=open");
    assert!(d.to_string().contains("never arrived"), "{d}");

    // A gap larger than any agent's spool (a forged number from a stolen
    // certificate): refused and recorded, and the real reports that follow
    // are still stored, not taken for duplicates.
    let h7 = {
        use prost::Message;
        use sha2::Digest;
        sha2::Sha256::digest(batch(7, vec![], false).encode_to_vec()).to_vec()
    };
    let forged = 7 + plumb_proto::MAX_SPOOL_MESSAGES as u64 + 2;
    let (acks, err) = rt.block_on(async {
        stream_as(
            c.node_channel("gappy").await,
            vec![hello("gappy"), batch(forged, vec![], false)],
        )
        .await
    });
    assert!(acks.is_empty(), "{acks:?}");
    let err = err.unwrap();
    assert_eq!(err.code(), tonic::Code::FailedPrecondition, "{err}");
    let d = c.get("/api/v1/nodes/gappy/deviations?state=open");
    assert!(
        d.to_string()
            .contains("more messages than any agent can have spooled"),
        "{d}"
    );
    let (acks, err) = rt.block_on(async {
        stream_as(
            c.node_channel("gappy").await,
            vec![hello("gappy"), batch(8, h7, false)],
        )
        .await
    });
    assert_eq!(acks, vec![8], "{err:?}");

    // A sequence number that overflows: refused and recorded.
    let (_, err) = rt.block_on(async {
        stream_as(
            c.node_channel("overflow").await,
            vec![hello("overflow"), batch(u64::MAX, vec![], true)],
        )
        .await
    });
    assert_eq!(err.unwrap().code(), tonic::Code::InvalidArgument);
    assert_eq!(open_integrity(&c, "overflow"), vec!["report_chain"]);
    c.wait_status("overflow", "flagged", Duration::from_secs(10));
    // So is a first number beyond any real agent's, below i64's range.
    let (_, err) = rt.block_on(async {
        stream_as(
            c.node_channel("forged-first").await,
            vec![
                hello("forged-first"),
                batch(plumb_proto::MAX_SEQ + 1, vec![], true),
            ],
        )
        .await
    });
    assert_eq!(err.unwrap().code(), tonic::Code::InvalidArgument);
    assert_eq!(open_integrity(&c, "forged-first"), vec!["report_chain"]);
}

#[test]
fn manifests_are_signed_and_registered_once() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let pipeline = keys.join("pipeline");
    let rogue = keys.join("rogue");
    for k in [&pipeline, &rogue] {
        run_ok(
            Command::new(bin("plumbctl"))
                .args(["keys", "generate", "--out"])
                .arg(k),
        );
    }
    let trusted = pipeline.with_extension("pub");
    let c = Collector::start(tmp.path(), &["--trust-key", trusted.to_str().unwrap()]);
    let n = Node::new(tmp.path(), "signed-node");

    let out = c.ctl(&["manifest", "push", n.manifest.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not signed"));
    let sign = |key: &std::path::Path| {
        run_ok(
            Command::new(bin("plumb-agent"))
                .args(["manifest", "sign"])
                .arg(&n.manifest)
                .arg("--key")
                .arg(key.with_extension("key")),
        )
    };
    sign(&rogue);
    let out = c.ctl(&["manifest", "push", n.manifest.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("untrusted"), "{err}");
    sign(&pipeline);
    let out = c.ctl(&["manifest", "push", n.manifest.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Another build under the same image id: refused unless replaced.
    let other = Node::new(tmp.path(), "other-build");
    run_ok(
        Command::new(bin("plumb-agent"))
            .args(["manifest", "sign"])
            .arg(&other.manifest)
            .arg("--key")
            .arg(pipeline.with_extension("key")),
    );
    let out = c.ctl(&["manifest", "push", other.manifest.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("explicit"), "{err}");

    // An agent that checks against that other build: a critical finding.
    let mut agent = Node::new(tmp.path(), "odd-agent");
    agent.manifest = other.manifest.clone();
    agent.start_agent(&c, &[]);
    c.wait_status("odd-agent", "flagged", Duration::from_secs(20));
    assert_eq!(open_integrity(&c, "odd-agent"), vec!["manifest_digest"]);

    let out = c.ctl(&[
        "manifest",
        "push",
        "--replace",
        other.manifest.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audit = c.get("/api/v1/audit");
    assert!(audit.to_string().contains("manifest replace"), "{audit}");
}

#[test]
fn a_node_enrolls_once_and_a_retired_node_alive_is_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let token = String::from_utf8(
        c.ctl(&["enroll", "create", "--image", "img-e2e", "--ttl", "10m"])
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    assert!(token.starts_with("plumb-enroll_"), "{token}");
    let mut n = Node::new(tmp.path(), "enrolled");
    n.start_agent(&c, &["--enroll-token", &token]);
    c.wait_status("enrolled", "clean", Duration::from_secs(20));
    let key = n.dir.join("state/node.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The token was for one use.
    let mut second = Node::new(tmp.path(), "second");
    second.start_agent(&c, &["--enroll-token", &token]);
    wait_for("the reused token refused", Duration::from_secs(10), || {
        second
            .agent
            .as_mut()
            .unwrap()
            .child
            .try_wait()
            .unwrap()
            .filter(|s| !s.success())
    });
    assert!(second
        .agent
        .as_ref()
        .unwrap()
        .log_text()
        .contains("enrollment token unknown, used up or expired"));

    // Flag, ack, retire over mTLS; then the node speaks again.
    n.root
        .file_mode("/usr/local/bin/miner", b"#!/bin/sh\n", 0o755);
    c.wait_status("enrolled", "flagged", Duration::from_secs(10));
    assert!(c.ctl(&["ack", "enrolled"]).status.success());
    // Retired while its agent still streams: the stream ends at once, and
    // the agent's next hello is refused and recorded.
    assert!(c.ctl(&["retire", "enrolled"]).status.success());
    wait_for(
        "retired node alive recorded",
        Duration::from_secs(15),
        || {
            open_integrity(&c, "enrolled")
                .contains(&"retired_node_alive".to_string())
                .then_some(())
        },
    );
    let node = c.get("/api/v1/nodes/enrolled");
    assert_eq!(node["node"]["status"], "retired", "{node}");
    assert!(
        n.agent.as_ref().unwrap().log_text().contains("retired"),
        "the agent was told why: {}",
        n.agent.as_ref().unwrap().log_text()
    );
}

/// Enrollment checks the token before it parses the CSR or signs
/// anything, and a source that keeps sending bad tokens is cut off for
/// the minute; the refusals are summed up in the audit log, not a row
/// each.
#[test]
fn a_flood_of_bad_enrollment_tokens_is_cut_off_early() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let rt = rt();
    let codes: Vec<(tonic::Code, String)> = rt.block_on(async {
        let mut client = plumb_proto::EnrollmentClient::new(c.tool_channel().await);
        let mut codes = Vec::new();
        for i in 0..40 {
            let r = client
                .enroll(plumb_proto::v1::EnrollRequest {
                    token: format!("plumb-enroll_guess{i}"),
                    image_id: "img-1".into(),
                    node_id: format!("n{i}"),
                    csr_pem: "not a CSR".into(),
                })
                .await;
            let s = r.unwrap_err();
            codes.push((s.code(), s.message().to_string()));
        }
        codes
    });
    // The token is refused, not the CSR: nothing was parsed or signed.
    let limit = plumb_collector::security::ENROLL_REFUSALS_PER_MINUTE as usize;
    for (code, message) in &codes[..limit] {
        assert_eq!(*code, tonic::Code::PermissionDenied, "{message}");
        assert!(!message.contains("CSR"), "{message}");
    }
    for (code, message) in &codes[limit..] {
        assert_eq!(*code, tonic::Code::ResourceExhausted, "{message}");
    }
    // One row for the cut-off refusals' first, the rest counted.
    let audit = c.ctl_json(&["audit"]);
    let cut_off = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["detail"]
                .as_str()
                .unwrap()
                .starts_with("too many refused enrollments")
        })
        .count();
    assert!(cut_off <= 30, "{audit}");
}

#[test]
fn the_collector_bounds_the_heartbeat_period() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &["--max-heartbeat", "1s"]);
    let rt = rt();
    rt.block_on(async {
        let mut client = AgentServiceClient::new(c.node_channel("lazy").await);
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let mut h = hello("lazy");
        if let Some(agent_message::Body::Hello(h)) = h.body.as_mut() {
            h.heartbeat_secs = 3600;
        }
        tx.send(h).await.unwrap();
        let mut inbound = client
            .stream(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await
            .unwrap()
            .into_inner();
        let ack = inbound.message().await.unwrap().unwrap();
        match ack.body {
            Some(plumb_proto::v1::collector_message::Body::HelloAck(a)) => {
                assert_eq!(
                    a.heartbeat_secs, 1,
                    "the agent is told the collector's bound"
                )
            }
            other => panic!("{other:?}"),
        }
        // An agent that keeps its own hour-long period is silent within
        // seconds, not within hours; the stream stays open meanwhile.
        let c = &c;
        let started = std::time::Instant::now();
        loop {
            let status = c.get("/api/v1/nodes/lazy")["node"]["status"].clone();
            if status == "silent" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "still {status}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        drop(tx);
    });
}

fn chained(seq: u64, prev: &mut Vec<u8>, added: Vec<plumb_proto::v1::Deviation>) -> AgentMessage {
    use prost::Message;
    use sha2::Digest;
    let m = AgentMessage {
        seq,
        prev_hash: std::mem::take(prev),
        body: Some(agent_message::Body::Batch(DeviationBatch {
            added,
            resolved: vec![],
            full_state: seq == 1,
            observed_unix_ms: 0,
        })),
    };
    *prev = sha2::Sha256::digest(m.encode_to_vec()).to_vec();
    m
}

/// Opens a node's stream; returns its sender and inbound half after the
/// hello ack.
async fn open_stream(
    c: &Collector,
    node: &str,
) -> (
    tokio::sync::mpsc::Sender<AgentMessage>,
    tonic::Streaming<plumb_proto::v1::CollectorMessage>,
) {
    let mut client = AgentServiceClient::new(c.node_channel(node).await);
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tx.send(hello(node)).await.unwrap();
    let mut inbound = client
        .stream(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    inbound.message().await.unwrap().unwrap();
    (tx, inbound)
}

#[test]
fn one_flooding_node_does_not_delay_the_others() {
    use plumb_proto::v1::{Deviation, DeviationKind, Severity};
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let nodes: Vec<String> = (0..100).map(|i| format!("calm-{i:03}")).collect();
    rt.block_on(async {
        // The flooder: batches of 2,000 deviations, as fast as acks come.
        let (ftx, mut fin) = open_stream(&c, "flooder").await;
        let flooding = tokio::spawn(async move {
            let mut prev = vec![];
            // Bounded, and long enough to outlast the measurement (it is
            // aborted then).
            for seq in 1..=5_000u64 {
                let added = (0..2_000)
                    .map(|j| Deviation {
                        kind: DeviationKind::FileAdded as i32,
                        key: format!("/flood/{seq}/{j}"),
                        severity: Severity::Low as i32,
                        ..Default::default()
                    })
                    .collect();
                if ftx.send(chained(seq, &mut prev, added)).await.is_err() {
                    return;
                }
                if fin.message().await.ok().flatten().is_none() {
                    return;
                }
            }
        });
        let mut calm = Vec::new();
        for n in &nodes {
            let (tx, inbound) = open_stream(&c, n).await;
            let mut prev = vec![];
            tx.send(chained(1, &mut prev, vec![])).await.unwrap();
            calm.push((tx, inbound, prev));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        // Every calm node reports one critical change at once.
        let started = std::time::Instant::now();
        for (i, (tx, _, prev)) in calm.iter_mut().enumerate() {
            let d = Deviation {
                kind: DeviationKind::FileModified as i32,
                key: format!("/usr/bin/tool-{i}"),
                severity: Severity::Critical as i32,
                ..Default::default()
            };
            tx.send(chained(2, prev, vec![d])).await.unwrap();
        }
        let elapsed = tokio::task::block_in_place(|| {
            wait_for("every calm node flagged", Duration::from_secs(10), || {
                let page = c.get("/api/v1/flags?limit=1000");
                let flagged = page["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|n| nodes.iter().any(|id| n["node_id"] == id.as_str()))
                    .count();
                (flagged == nodes.len()).then_some(())
            });
            started.elapsed()
        });
        eprintln!("calm nodes flagged {elapsed:?} after their change");
        assert!(!flooding.is_finished(), "the flooder was still flooding");
        flooding.abort();
        assert!(
            elapsed < Duration::from_secs(2),
            "100 nodes flagged {elapsed:?} after their change while one node floods"
        );
        drop(calm);
    });
}

#[test]
fn a_node_holds_one_stream_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let rt = rt();
    rt.block_on(async {
        let (_old_tx, mut old) = open_stream(&c, "twice").await;
        let (_new_tx, _new) = open_stream(&c, "twice").await;
        let ended = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match old.message().await {
                    Ok(Some(_)) => continue,
                    Ok(None) => return None,
                    Err(s) => return Some(s),
                }
            }
        })
        .await
        .expect("the older stream is ended");
        let status = ended.expect("with an error saying why");
        assert_eq!(status.code(), tonic::Code::Aborted);
        assert!(
            status.message().contains("newer stream"),
            "{}",
            status.message()
        );
    });
}

#[test]
fn agents_refuse_manifests_their_trusted_keys_did_not_sign() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let key = tmp.path().join("pipeline");
    run_ok(
        Command::new(bin("plumbctl"))
            .args(["keys", "generate", "--out"])
            .arg(&key),
    );
    let public = key.with_extension("pub");
    let mut n = Node::new(tmp.path(), "picky");
    n.start_agent(&c, &["--trust-key", public.to_str().unwrap()]);
    let agent = n.agent.as_mut().unwrap();
    let status = wait_for(
        "the agent refuses the unsigned manifest",
        Duration::from_secs(10),
        || agent.child.try_wait().unwrap(),
    );
    assert!(!status.success());
    let log = agent.log_text();
    assert!(log.contains("is not signed"), "{log}");
    let key_id = run_ok(
        Command::new(bin("plumb-agent"))
            .args(["manifest", "sign"])
            .arg(&n.manifest)
            .arg("--key")
            .arg(key.with_extension("key")),
    );
    assert!(!key_id.is_empty());
    n.start_agent(&c, &["--trust-key", public.to_str().unwrap()]);
    c.wait_status("picky", "clean", Duration::from_secs(20));
}

/// The agent's state as it keeps it (`agent-state.pb`), for a test that
/// moves its sequence counter: tags as in the agent's outbox.
#[derive(Clone, PartialEq, prost::Message)]
struct AgentState {
    #[prost(uint64, tag = "1")]
    next_seq: u64,
    #[prost(bytes = "vec", tag = "2")]
    prev_hash: Vec<u8>,
    #[prost(bytes = "vec", repeated, tag = "3")]
    reported: Vec<Vec<u8>>,
    #[prost(bool, tag = "4")]
    initialized: bool,
    #[prost(bool, tag = "5")]
    full_state_owed: bool,
}

/// An agent whose hello is acknowledged but whose reports are refused
/// (here: its counter jumped further than any spool can explain) backs
/// off between attempts instead of reconnecting many times a second.
#[test]
fn an_agent_whose_reports_are_refused_backs_off() {
    use prost::Message;
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "refused");
    n.start_agent(&c, &[]);
    c.wait_status("refused", "clean", Duration::from_secs(20));
    // The collector can hear of the first scan before the agent saved its
    // state: wait for the file, then stop the agent.
    let state_file = n.dir.join("state/agent-state.pb");
    wait_for("the agent's saved state", Duration::from_secs(20), || {
        state_file.exists().then_some(())
    });
    n.kill_agent();
    let mut state = AgentState::decode(std::fs::read(&state_file).unwrap().as_slice()).unwrap();
    state.next_seq += plumb_proto::MAX_SPOOL_MESSAGES as u64 + 10;
    std::fs::write(&state_file, state.encode_to_vec()).unwrap();
    let connected_before = std::fs::read_to_string(c.dir.join("collector.log"))
        .unwrap()
        .matches("agent connected")
        .count();
    n.start_agent(&c, &[]);
    // A change to report: its batch is refused at every attempt.
    std::fs::write(n.path("/usr/bin/ls"), b"\x7fELF changed").unwrap();
    std::thread::sleep(Duration::from_secs(10));
    let log = std::fs::read_to_string(c.dir.join("collector.log")).unwrap();
    let attempts = log.matches("agent connected").count() - connected_before;
    assert!(
        log.contains("more messages than any agent can have spooled")
            || open_integrity(&c, "refused").contains(&"report_chain".to_string()),
        "the jump was refused and recorded"
    );
    assert!(
        (2..=10).contains(&attempts),
        "{attempts} connections in 10 s: the backoff should grow while reports are refused"
    );
}

//! The lean simulated agent of the fleet benchmarks
//! (`plumb_tests::lean`, played 100,000 times by `fleet_lean`) speaks to
//! a real collector as an agent does: mTLS with its own certificate,
//! HTTP/2, one gRPC stream, hash-chained batches; and a restart of the
//! collector is a lost stream it comes back from with a resumed session.

use std::sync::Arc;
use std::time::Duration;

use plumb_proto::v1::{
    agent_message, collector_message, Deviation, DeviationBatch, DeviationKind, Severity,
};
use plumb_tests::lean::{self, Chain, Ended, Target};

use crate::support::*;

fn configs(c: &Collector, nodes: &[&str]) -> Vec<Arc<rustls::ClientConfig>> {
    let pki = &c.security.as_ref().expect("a secured collector").pki;
    let ca =
        plumb_collector::security::pki::Ca::load(&pki.join("ca.pem"), &pki.join("ca.key")).unwrap();
    let ca_pem = std::fs::read(pki.join("ca.pem")).unwrap();
    let roots = lean::roots(&ca_pem).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    nodes
        .iter()
        .map(|n| {
            let (cert, key) = ca.issue_node(n, 1).unwrap();
            lean::client_config(&provider, roots.clone(), cert.as_bytes(), key.as_bytes()).unwrap()
        })
        .collect()
}

fn critical(key: &str) -> agent_message::Body {
    agent_message::Body::Batch(DeviationBatch {
        added: vec![Deviation {
            kind: DeviationKind::FileModified as i32,
            key: key.into(),
            severity: Severity::Critical as i32,
            expected: "file size=1".into(),
            actual: "file size=2".into(),
            changes: vec!["content".into()],
            ..Default::default()
        }],
        ..Default::default()
    })
}

#[test]
fn lean_agents_stream_drift_and_come_back_after_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Collector::start(&tmp.path().join("c"), &[]);
    let nodes: Vec<String> = (0..12).map(|i| format!("lean-{i}")).collect();
    let names: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let configs = configs(&c, &names);
    let target = Target::parse(&c.grpc).unwrap();
    let rt = rt();

    // Twelve agents, each its own connection and certificate: hello,
    // heartbeat; the first drifts and its batch is acknowledged.
    let mut streams = Vec::new();
    for (n, config) in names.iter().zip(&configs) {
        let (mut s, last, deferred) = rt
            .block_on(lean::open(&target, None, config.clone(), &hello(n), 1, 3))
            .unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!((last, deferred), (0, 0));
        assert!(!s.resumed(), "a first contact is a full handshake");
        rt.block_on(s.send(&lean::heartbeat())).unwrap();
        streams.push(s);
    }
    let mut chain = Chain::resume(0);
    rt.block_on(streams[0].send(&chain.next(critical("/usr/bin/lean-probe"))))
        .unwrap();
    let ack = rt.block_on(async {
        loop {
            if let Some(m) = streams[0].next().await.unwrap() {
                break m;
            }
        }
    });
    assert!(
        matches!(ack.body, Some(collector_message::Body::Ack(ref a)) if a.seq == 1),
        "{ack:?}"
    );
    c.wait_status("lean-0", "flagged", Duration::from_secs(20));
    c.wait_status("lean-11", "clean", Duration::from_secs(20));
    let listed = c.ctl_json(&["nodes"]);
    let lean_nodes = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["node_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("lean-"))
        })
        .count();
    assert_eq!(lean_nodes, 12);

    // The collector dies: the stream is lost, not hung; the agent comes
    // back with a resumed TLS session and the collector's last_seq.
    c.restart();
    let lost = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match streams[0].next().await {
                    Ok(_) => continue,
                    Err(e) => break e,
                }
            }
        })
        .await
    });
    assert!(matches!(lost, Ok(Ended::Lost(_))), "{lost:?}");
    let (mut s, last, _) = rt
        .block_on(lean::open(
            &target,
            None,
            configs[0].clone(),
            &hello("lean-0"),
            1,
            3,
        ))
        .unwrap();
    assert_eq!(
        last, 1,
        "the collector holds the batch sent before the restart"
    );
    assert!(s.resumed(), "the reconnect resumes the TLS session");
    rt.block_on(s.send(&lean::heartbeat())).unwrap();
}

#[test]
fn a_hello_the_collector_refuses_ends_with_its_status() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(&tmp.path().join("c"), &[]);
    let configs = configs(&c, &["lean-a"]);
    let target = Target::parse(&c.grpc).unwrap();
    // The certificate is lean-a's; the hello says it is someone else.
    let refused = rt().block_on(lean::open(
        &target,
        None,
        configs[0].clone(),
        &hello("lean-b"),
        1,
        3,
    ));
    match refused {
        Err(Ended::Status {
            code,
            message,
            retry_after_ms,
        }) => {
            assert_ne!(code, 0);
            assert!(message.contains("lean-"), "{message}");
            assert_eq!(retry_after_ms, None);
        }
        Err(other) => panic!("not a gRPC status: {other}"),
        Ok(_) => panic!("a hello for another node's id was accepted"),
    }
}

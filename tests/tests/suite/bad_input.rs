//! Bad requests are refused with clear errors, and the collector keeps
//! serving everyone else.

use std::time::Duration;

use crate::support::*;
use plumb_proto::v1::{
    agent_message, AgentMessage, Deviation, DeviationBatch, DeviationKind, Heartbeat,
};
use plumb_proto::AgentServiceClient;

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
    let long_package = Deviation {
        kind: DeviationKind::FileAdded as i32,
        key: "/p".into(),
        package: "p".repeat(300),
        ..Default::default()
    };
    let err = rt
        .block_on(send(
            &c,
            "pkg-node",
            vec![hello("pkg-node"), batch(1, vec![long_package])],
        ))
        .expect("refused");
    assert!(
        err.message().contains("deviation package is 300 bytes"),
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
    let unknown_severity = Deviation {
        kind: DeviationKind::FileAdded as i32,
        key: "/s".into(),
        severity: 7,
        ..Default::default()
    };
    let err = rt
        .block_on(send(
            &c,
            "severity-node",
            vec![hello("severity-node"), batch(1, vec![unknown_severity])],
        ))
        .expect("refused");
    assert!(
        err.message().contains("unknown severity 7"),
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

    // A sealed manifest whose package names a manager plumb does not
    // know: its versions could not be judged, so it is refused, naming it.
    let mut odd =
        plumb_proto::v1::Manifest::decode_verified(&std::fs::read(&n.manifest).unwrap()).unwrap();
    odd.packages.push(plumb_proto::v1::Package {
        manager: 42,
        name: "left-pad".into(),
        version: "1".into(),
        ..Default::default()
    });
    odd.seal();
    let err = rt.block_on(async {
        let mut r = plumb_proto::ManifestRegistryClient::new(c.node_channel("tools").await);
        let mut req = tonic::Request::new(plumb_proto::v1::PushManifestRequest {
            manifest: prost::Message::encode_to_vec(&odd),
            replace: false,
        });
        req.metadata_mut()
            .insert("authorization", c.bearer().parse().unwrap());
        r.push(req).await.unwrap_err()
    });
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        err.message().contains("\"left-pad\"")
            && err.message().contains("unknown package manager (42)"),
        "{}",
        err.message()
    );
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
    assert_eq!(code, 200, "unknown parameters are ignored: {body}");
    // A malformed body is a JSON error, like every other error.
    let (code, body) = c.post(
        "/api/v1/nodes/ghost/rescan",
        serde_json::json!({"full": "yes"}),
    );
    assert_eq!(code, 422, "{body}");
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("full")
    );
    let (code, _) = c.get_raw("/api/v1/nodes/ghost");
    assert_eq!(code, 404);
    let flags = c.get("/api/v1/flags?limit=10");
    assert_eq!(flags["total"], 0);
    assert!(flags["next_cursor"].is_null());
    let (code, body) = c.get_raw("/api/v1/flags?cursor=garbage");
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("invalid cursor"), "{body}");
    let (code, _) = c.get_raw("/api/v1/flags?limit=0");
    assert_eq!(code, 400);
    for bad in [
        "/api/v1/nodes?order=sideways",
        "/api/v1/nodes?offset=-1",
        "/api/v1/audit?limit=1001",
        "/api/v1/nodes/ghost/deviations?limit=0",
        "/api/v1/correlations?limit=5000",
    ] {
        assert_eq!(c.get_raw(bad).0, 400, "{bad}");
    }
    // A known route with a method it does not have.
    let r = c
        .http_agent()
        .delete(&format!("{}/api/v1/nodes", c.http))
        .header("authorization", &c.bearer())
        .call()
        .unwrap();
    assert_eq!(r.status(), 405);
    let out = c.ctl(&["node", "ghost"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no node \"ghost\""));
    // The status is a typed value: refused before any request, naming
    // the choices.
    let out = c.ctl(&["nodes", "--status", "exploded"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("exploded") && err.contains("possible values"),
        "{err}"
    );
    let (code, yaml) = c.get_raw("/api/v1/openapi.yaml");
    assert_eq!(code, 200);
    assert!(yaml.starts_with("openapi: 3"));
}

#[test]
fn bad_configuration_is_refused_before_anything_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "flag_severities = [\"urgent\"]\n").unwrap();
    let data_dir = tmp.path().join("never-created");
    let out = std::process::Command::new(bin("plumb-collector"))
        .args([
            "serve",
            "--grpc",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--policy",
            policy.to_str().unwrap(),
            "--data-dir",
            data_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("urgent"));
    assert!(
        !data_dir.exists(),
        "a refused configuration created the data dir"
    );

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

#[test]
fn slow_clients_do_not_take_the_collector_down() {
    use std::io::{Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let port = |url: &str| url.rsplit(':').next().unwrap().to_string();
    // 500 clients that open a connection, send a byte and then nothing.
    let mut slow = Vec::new();
    for i in 0..500 {
        let url = if i % 2 == 0 { &c.http } else { &c.grpc };
        let mut s = std::net::TcpStream::connect(format!("127.0.0.1:{}", port(url))).unwrap();
        s.write_all(&[0x16]).unwrap();
        slow.push(s);
    }
    let started = std::time::Instant::now();
    let (code, body) = c.get_raw("/healthz");
    assert_eq!(code, 200, "{body}");
    assert!(c.ctl(&["nodes"]).status.success(), "gRPC still serves");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The collector closes them once the handshake deadline passes.
    std::thread::sleep(Duration::from_secs(11));
    let mut closed = 0;
    for s in &mut slow {
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut buf = [0u8; 64];
        if matches!(s.read(&mut buf), Ok(0) | Err(_)) {
            closed += 1;
        }
    }
    assert_eq!(closed, 500, "idle half-open connections are closed");
    let metrics = c.get_raw("/metrics").1;
    assert!(
        metrics.contains("plumb_tls_handshake_failures_total 5")
            || metrics.contains("plumb_tls_handshake_failures_total 4"),
        "{metrics}"
    );
    // Told apart from refusals: they timed out.
    let timeouts: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("plumb_tls_handshake_timeouts_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no timeouts counter in\n{metrics}"));
    assert!(timeouts >= 400, "{timeouts}");
}

#[test]
fn responses_carry_security_headers_and_foreign_hosts_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let agent = c.http_agent();
    let r = agent.get(&format!("{}/healthz", c.http)).call().unwrap();
    let h = r.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h.contains_key("referrer-policy"));
    // A name that merely resolves here (DNS rebinding) is not served.
    let r = agent
        .get(&format!("{}/api/v1/nodes", c.http))
        .header("host", "attacker.example")
        .header("authorization", &c.bearer())
        .call()
        .unwrap();
    assert_eq!(r.status(), 421);
    // Kubernetes probes and Prometheus address the pod by its IP.
    let r = agent
        .get(&format!("{}/readyz", c.http))
        .header("host", "10.1.2.3:7480")
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn node_lists_are_never_cut_off() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    // 2,500 nodes written straight into the collector's database.
    let db = format!(
        "sqlite://{}",
        tmp.path().join("collector/plumb.db").display()
    );
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&db).await.unwrap();
            // Retired now: nodes retired before the retention period would
            // be pruned while the test reads them.
            let now = now_ms();
            sqlx::query(&format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2500) \
                 INSERT INTO nodes (node_id, hostname, image_id, manifest_digest, agent_version, boot_id, \
                 status, status_since, reasons, first_seen, last_seen, last_seq, heartbeat_secs, open_count, max_severity) \
                 SELECT 'many-' || i, 'h', 'img', 'd', 'v', 'b', 'retired', {now}, '[]', {now}, {now}, 0, 10, 0, 0 FROM s",
            ))
            .execute(&pool)
            .await
            .unwrap();
        });
    let listed = c.ctl_json(&["nodes"]);
    assert_eq!(
        listed.as_array().unwrap().len(),
        2500,
        "plumbctl pages through them all"
    );
    let page = c.get("/api/v1/nodes?limit=1000");
    assert_eq!(page["total"], 2500);
    let mut seen = page["nodes"].as_array().unwrap().len();
    let mut cursor = page["next_cursor"].as_str().unwrap().to_string();
    loop {
        let page = c.get(&format!("/api/v1/nodes?limit=1000&cursor={cursor}"));
        seen += page["nodes"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, 2500);
    let (code, body) = c.get_raw("/api/v1/nodes?sort=last_seen&cursor=soon|x");
    assert_eq!(code, 400, "{body}");
}

#[test]
fn the_grpc_port_answers_the_standard_health_check() {
    use tonic_health::pb::{health_check_response::ServingStatus, health_client::HealthClient};
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let status = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            // No token, no client certificate: probes have neither.
            let mut health = HealthClient::new(c.tool_channel().await);
            health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .unwrap()
                .into_inner()
                .status
        });
    assert_eq!(status, ServingStatus::Serving as i32);
}

#[test]
fn the_grpc_port_offers_server_reflection_to_token_holders() {
    use tonic_reflection::pb::v1::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        ServerReflectionRequest,
    };
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let read = format!("Bearer {}", c.token("read", "grpcurl"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let list = |token: Option<String>| {
        rt.block_on(async {
            let mut client = ServerReflectionClient::new(c.tool_channel().await);
            let mut req = tonic::Request::new(tokio_stream::iter([ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            }]));
            if let Some(t) = token {
                req.metadata_mut()
                    .insert("authorization", t.parse().unwrap());
            }
            let mut answers = client.server_reflection_info(req).await?.into_inner();
            let first = answers.message().await?.expect("one answer");
            Ok::<_, tonic::Status>(match first.message_response {
                Some(MessageResponse::ListServicesResponse(l)) => {
                    l.service.into_iter().map(|s| s.name).collect::<Vec<_>>()
                }
                other => panic!("unexpected answer {other:?}"),
            })
        })
    };
    let err = list(None).unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated, "{err}");
    let services = list(Some(read)).unwrap();
    for want in [
        "plumb.v1.AgentService",
        "plumb.v1.QueryService",
        "plumb.v1.AdminService",
        "plumb.v1.ManifestRegistry",
        "plumb.v1.Enrollment",
        "grpc.health.v1.Health",
    ] {
        assert!(
            services.iter().any(|s| s == want),
            "{want} not in {services:?}"
        );
    }
}

#[test]
fn a_nodes_deviations_page_by_cursor_over_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "paged");
    n.start_agent(&c, &[]);
    c.wait_status("paged", "clean", Duration::from_secs(20));
    for i in 0..5 {
        n.root
            .file(&format!("/usr/local/bin/added{i}"), b"#!/bin/sh\n");
    }
    wait_for("5 open deviations", Duration::from_secs(20), || {
        let d = c.get("/api/v1/nodes/paged/deviations");
        (d["deviations"].as_array().unwrap().len() == 5).then_some(())
    });
    let mut keys = Vec::new();
    let mut path = "/api/v1/nodes/paged/deviations?limit=2".to_string();
    for _ in 0..10 {
        let page = c.get(&path);
        keys.extend(
            page["deviations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["key"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cur) => path = format!("/api/v1/nodes/paged/deviations?limit=2&cursor={cur}"),
            None => break,
        }
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 5, "{keys:?}");
    let (code, body) = c.get_raw("/api/v1/nodes/paged/deviations?cursor=soon");
    assert_eq!(code, 400, "{body}");
}

#[test]
fn a_stored_row_the_schema_does_not_allow_is_named_not_called_unavailable() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "odd-row");
    n.start_agent(&c, &[]);
    c.wait_status("odd-row", "clean", Duration::from_secs(20));
    n.kill_agent();
    // Someone (a bad migration, a hand edit) leaves a status no version
    // of plumb writes.
    let db = tmp.path().join("collector").join("plumb.db");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db)
            .connect()
            .await
            .unwrap();
        sqlx::query("UPDATE nodes SET status = 'bogus' WHERE node_id = 'odd-row'")
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let (status, body) = c.get_raw("/api/v1/nodes/odd-row");
    assert_eq!(status, 500, "{body}");
    assert!(
        body.contains("odd-row") && body.contains("bogus"),
        "the error names the row and the value: {body}"
    );
    assert!(!body.contains("unavailable"), "{body}");
    let out = c.ctl(&["node", "odd-row"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("bogus") && err.contains("odd-row"), "{err}");
}

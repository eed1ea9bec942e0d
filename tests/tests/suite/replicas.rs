//! Two collector replicas on one PostgreSQL database, agents spread over
//! both: one replica dies with SIGKILL mid-ingest, its agents move to the
//! other, nothing is lost or duplicated, each alert goes out once, silence
//! is detected once, and commands and live events cross replicas.

use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;
use serde_json::Value;

/// Webhook events received, by node and status.
fn webhook_receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        server.server_addr().to_ip().unwrap().port()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut body = String::new();
            let _ = req.as_reader().read_to_string(&mut body);
            if let Ok(v) = serde_json::from_str::<Value>(&body) {
                log.lock().unwrap().push(v);
            }
            let _ = req.respond(tiny_http::Response::empty(200));
        }
    });
    (url, seen)
}

fn events_for(seen: &Mutex<Vec<Value>>, node: &str, status: &str) -> usize {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|e| e["node_id"] == node && e["status"] == status)
        .count()
}

#[test]
fn two_replicas_on_postgresql_share_the_fleet_and_survive_one_dying() {
    let Some(base) = test_postgres() else {
        return;
    };
    let scratch = fresh_database(&base);
    let database = scratch.url.clone();
    let tmp = tempfile::tempdir().unwrap();
    let (hook, events) = webhook_receiver();
    let flags = ["--database", database.as_str(), "--webhook", hook.as_str()];
    let a_dir = tmp.path().join("a");
    let b_dir = tmp.path().join("b");
    let a = Collector::start(&a_dir, &flags);
    share_pki(&a_dir, &b_dir);
    let mut b = Collector::start(&b_dir, &flags);

    // A live view on replica a, of transitions made anywhere.
    let mut watch = a
        .ctl_command()
        .args(["flags", "watch"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let watched = Arc::new(Mutex::new(Vec::<Value>::new()));
    {
        let out = BufReader::new(watch.stdout.take().unwrap());
        let watched = watched.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    watched.lock().unwrap().push(v);
                }
            }
        });
    }

    // Four agents; the odd ones prefer replica b. rep-3 watches no file
    // events: only a rescan finds its drift.
    let mut nodes = Vec::new();
    for i in 0..4 {
        let mut n = Node::new(tmp.path(), &format!("rep-{i}"));
        let urls = if i % 2 == 0 {
            format!("{},{}", a.grpc, b.grpc)
        } else {
            format!("{},{}", b.grpc, a.grpc)
        };
        let mut extra = vec!["--collector", urls.as_str()];
        if i == 3 {
            extra.push("--no-watch");
        }
        n.start_agent(&a, &extra);
        nodes.push(n);
    }
    for i in 0..4 {
        a.wait_status(&format!("rep-{i}"), "clean", Duration::from_secs(30));
    }

    // A rescan asked of replica a reaches rep-3, whose stream b holds.
    std::fs::write(nodes[3].path("/usr/bin/ls"), b"\x7fELF patched ls").unwrap();
    let (code, body) = a.post("/api/v1/nodes/rep-3/rescan", serde_json::json!({}));
    assert_eq!(code, 202, "{body}");
    assert!(
        body.contains("relayed_to"),
        "relayed, not sent from a: {body}"
    );
    a.wait_status("rep-3", "flagged", Duration::from_secs(15));
    // ... and the watch on a saw b's transition.
    wait_for(
        "the watch on a to see rep-3 flagged",
        Duration::from_secs(10),
        || {
            watched
                .lock()
                .unwrap()
                .iter()
                .any(|e| e["node_id"] == "rep-3" && e["status"] == "flagged")
                .then_some(())
        },
    );

    // Replica b dies mid-ingest: its agents are writing 150 new files.
    for f in 0..150 {
        nodes[1].root.file_mode(
            &format!("/usr/local/bin/dropped-{f}"),
            b"#!/bin/sh\n",
            0o755,
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    b.proc.kill9();

    // rep-1 moves to a; every file arrives exactly once.
    let node = wait_for(
        "rep-1's 150 deviations through replica a",
        Duration::from_secs(60),
        || a.node("rep-1").filter(|n| n["deviation_count"] == 150),
    );
    assert_eq!(node["status"], "flagged");
    let open = a.get("/api/v1/nodes/rep-1/deviations?state=open&limit=1000");
    let keys: Vec<&str> = open["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    let unique: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(keys.len(), 150, "no deviation lost or duplicated");
    assert_eq!(unique.len(), 150);

    // Each alert went out once, whichever replica queued and delivered it.
    std::thread::sleep(Duration::from_secs(3));
    for n in ["rep-1", "rep-3"] {
        assert_eq!(
            events_for(&events, n, "flagged"),
            1,
            "{n}: {:?}",
            events.lock().unwrap()
        );
    }

    // Silence: one transition, one alert, though two replicas ran.
    b.restart();
    nodes[0].kill_agent();
    a.wait_status("rep-0", "silent", Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(3));
    let history = a.get("/api/v1/nodes/rep-0");
    let silences = history["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["to"] == "silent")
        .count();
    assert_eq!(silences, 1, "{history}");
    assert_eq!(events_for(&events, "rep-0", "silent"), 1);
    let _ = watch.kill();
    let _ = watch.wait();
}

#[test]
fn an_agent_given_one_name_for_several_replicas_moves_to_the_next_address() {
    let Some(base) = test_postgres() else {
        return;
    };
    let scratch = fresh_database(&base);
    let database = scratch.url.clone();
    let tmp = tempfile::tempdir().unwrap();
    // One name, two addresses (the agent's own /etc/hosts): what a DNS
    // name with a record per replica gives.
    let name = "replicas.plumb.test";
    let hosts = tmp.path().join("hosts");
    std::fs::write(&hosts, format!("127.0.0.2 {name}\n127.0.0.3 {name}\n")).unwrap();
    let port = free_port();
    let (a_dir, b_dir) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a_dir, &b_dir] {
        std::fs::create_dir_all(dir).unwrap();
    }
    run_ok(
        std::process::Command::new(bin("plumbctl"))
            .args([
                "pki",
                "init",
                "--host",
                name,
                "--host",
                "127.0.0.2",
                "--host",
                "127.0.0.3",
            ])
            .arg("--dir")
            .arg(a_dir.join("pki")),
    );
    share_pki(&a_dir, &b_dir);
    let a_grpc = format!("127.0.0.2:{port}");
    let b_grpc = format!("127.0.0.3:{port}");
    let mut a = Collector::start(&a_dir, &["--database", &database, "--grpc", &a_grpc]);
    let b = Collector::start(&b_dir, &["--database", &database, "--grpc", &b_grpc]);

    let mut n = Node::new(tmp.path(), "named-1");
    let url = format!("https://{name}:{port}");
    n.start_agent_with_hosts(&a, &["--collector", &url], &hosts);
    a.wait_status("named-1", "clean", Duration::from_secs(30));
    let holder = |want: &str| {
        let database = database.clone();
        let want = want.to_string();
        wait_for(
            &format!("the stream held at {want}"),
            Duration::from_secs(60),
            move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let holder: Option<String> = rt.block_on(async {
                    sqlx::any::install_default_drivers();
                    let pool = sqlx::AnyPool::connect(&database).await.ok()?;
                    sqlx::query_scalar("SELECT holder FROM streams WHERE node_id = 'named-1'")
                        .fetch_optional(&pool)
                        .await
                        .ok()
                        .flatten()
                });
                holder.filter(|h| h.ends_with(&want))
            },
        )
    };
    holder(&a_grpc);

    // The first address's replica dies; the agent's next connection to the
    // same name reaches the second, which gets the next change.
    a.proc.kill9();
    n.root.file("/usr/local/bin/after-failover", b"#!/bin/sh\n");
    wait_for(
        "the change through the other replica",
        Duration::from_secs(60),
        || {
            let d = b.get("/api/v1/nodes/named-1/deviations");
            d["deviations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["key"] == "/usr/local/bin/after-failover")
                .then_some(())
        },
    );
}

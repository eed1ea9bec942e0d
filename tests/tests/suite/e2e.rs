//! The product's core loop with real processes on loopback: a change under
//! an agent's root becomes a flagged node at the collector; nothing is lost
//! or duplicated across collector and agent crashes.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn collector_killed_mid_stream_loses_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "node-b");
    n.start_agent(&c, &[]);
    c.wait_status("node-b", "clean", Duration::from_secs(20));
    n.root.file("/etc/motd", b"changed before the crash\n");
    wait_for("first deviation stored", Duration::from_secs(5), || {
        c.open_keys("node-b")
            .contains(&"/etc/motd".to_string())
            .then_some(())
    });

    c.proc.kill9();
    // While the collector is down the agent spools.
    n.root
        .file_mode("/usr/local/bin/miner", b"#!/bin/sh\n", 0o755)
        .file("/srv/app/data.json", b"{\"x\":1}\n");
    std::thread::sleep(Duration::from_millis(800));
    c.restart();
    wait_for(
        "spooled deviations delivered",
        Duration::from_secs(30),
        || {
            (c.open_keys("node-b")
                == vec!["/etc/motd", "/srv/app/data.json", "/usr/local/bin/miner"])
            .then_some(())
        },
    );
    for key in ["/etc/motd", "/srv/app/data.json", "/usr/local/bin/miner"] {
        assert_eq!(
            history_count(&c, "node-b", key),
            1,
            "{key} stored exactly once"
        );
    }
    c.wait_status("node-b", "flagged", Duration::from_secs(5));
}

#[test]
fn agent_killed_with_sigkill_resends_its_spool_without_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "node-c");
    n.start_agent(&c, &[]);
    c.wait_status("node-c", "clean", Duration::from_secs(20));
    c.proc.kill9();
    n.root.file(
        "/etc/passwd",
        b"root:x:0:0::/root:/bin/sh\nmallory:x:0:0::/:/bin/sh\n",
    );
    // Let the agent scan and spool, then kill it hard.
    wait_for("agent spooled the change", Duration::from_secs(10), || {
        let spool = n.dir.join("state/spool");
        (std::fs::read_dir(&spool).map(|d| d.count()).unwrap_or(0) >= 1).then_some(())
    });
    n.kill_agent();
    c.restart();
    n.start_agent(&c, &[]);
    // Generous: on a loaded machine the restarted collector and agent
    // take a while; the assertion is about what arrives, not how fast.
    wait_for(
        "spool delivered after the restart",
        Duration::from_secs(60),
        || (c.open_keys("node-c") == vec!["/etc/passwd"]).then_some(()),
    );
    // A second restart finds nothing new to say, and says it once.
    n.kill_agent();
    n.start_agent(&c, &[]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(history_count(&c, "node-c", "/etc/passwd"), 1);
    assert_eq!(c.open_keys("node-c"), vec!["/etc/passwd"]);
}

#[test]
fn an_agent_that_stops_heartbeating_becomes_silent_then_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "silent_after_secs = 3\n").unwrap();
    let c = Collector::start(tmp.path(), &["--policy", policy.to_str().unwrap()]);
    let mut n = Node::new(tmp.path(), "node-d");
    n.start_agent(&c, &[]);
    c.wait_status("node-d", "clean", Duration::from_secs(20));
    // A hung agent: the process exists, the stream stays open, nothing is sent.
    n.agent.as_ref().unwrap().signal(libc::SIGSTOP);
    let silent = c.wait_status("node-d", "silent", Duration::from_secs(15));
    assert_eq!(silent["flagged"], false);
    // The reason gives the time of the last heartbeat as a time.
    let reason = silent["reasons"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let since = reason
        .strip_prefix("no heartbeat since ")
        .unwrap_or_else(|| panic!("silent reason {reason:?}"));
    assert!(
        humantime::parse_rfc3339(since).is_ok(),
        "not an RFC 3339 time: {reason:?}"
    );
    n.agent.as_ref().unwrap().signal(libc::SIGCONT);
    c.wait_status("node-d", "clean", Duration::from_secs(15));
    let detail = c.get("/api/v1/nodes/node-d");
    let to: Vec<&str> = detail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to"].as_str().unwrap())
        .collect();
    assert_eq!(to, vec!["silent", "clean"]);
}

#[test]
fn operators_acknowledge_and_retire_and_watchers_see_it() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "node-e");
    n.start_agent(&c, &[]);
    c.wait_status("node-e", "clean", Duration::from_secs(20));

    let mut watch = c
        .ctl_command()
        .args(["flags", "watch"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    n.root
        .dpkg_package("netcat-openbsd", "1.219-1", &[("/usr/bin/nc", b"nc")]);
    c.wait_status("node-e", "flagged", Duration::from_secs(10));

    let flags = c.ctl_json(&["flags"]);
    assert_eq!(flags[0]["node_id"], "node-e");
    let acked = c.ctl_json(&["ack", "node-e", "--cause", "asg replace i-123"]);
    assert_eq!(acked["status"], "recycling");
    let retired = c.ctl_json(&["retire", "node-e"]);
    assert_eq!(retired["status"], "retired");
    let again = c.ctl(&["ack", "node-e"]);
    assert!(
        !again.status.success(),
        "a retired node cannot be acknowledged"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("retired"));

    std::thread::sleep(Duration::from_millis(300));
    let _ = watch.kill();
    let out = watch.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let statuses: Vec<&str> = lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec!["flagged", "recycling", "retired"],
        "{lines:?}"
    );
    assert_eq!(lines[0]["node_id"], "node-e");
    assert_eq!(lines[0]["flagged"], true);

    let detail = c.ctl_json(&["node", "node-e"]);
    // plumbctl prints the REST API's own shape, field for field (but
    // `last_seen`: the retired node's agent still reports, and the two
    // reads are moments apart).
    assert_eq!(
        without_last_seen(detail.clone()),
        without_last_seen(c.get("/api/v1/nodes/node-e"))
    );
    assert_eq!(
        without_last_seen(c.ctl_json(&["nodes"])),
        without_last_seen(c.get("/api/v1/nodes?limit=1000")["nodes"].clone())
    );
    assert_eq!(c.ctl_json(&["images"]), c.get("/api/v1/images")["images"]);
    let nc = detail["open"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "/usr/bin/nc")
        .unwrap();
    assert_eq!(nc["explained_by"], "package_added:netcat-openbsd");
    let causes: Vec<&str> = detail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["cause"].as_str().unwrap())
        .collect();
    assert!(causes.contains(&"asg replace i-123"));
}

#[test]
fn images_and_fleet_correlation() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut nodes: Vec<Node> = (0..3)
        .map(|i| Node::new(tmp.path(), &format!("fleet-{i}")))
        .collect();
    // One image, one manifest: every node checks against the registry's.
    let shared = nodes[0].manifest.clone();
    for n in &mut nodes[1..] {
        n.manifest = shared.clone();
    }
    assert!(c
        .ctl(&["manifest", "push", nodes[0].manifest.to_str().unwrap()])
        .status
        .success());
    for n in &mut nodes {
        n.start_agent(&c, &[]);
    }
    for n in &nodes {
        c.wait_status(&n.id, "clean", Duration::from_secs(20));
    }
    // A bad rollout: the same config on every node; tampering on one.
    for n in &nodes {
        n.root.file("/etc/motd", b"rolled out by hand\n");
    }
    nodes[1]
        .root
        .file_mode("/usr/local/bin/rootkit", b"#!/bin/sh\n", 0o755);
    let groups = wait_for("correlation groups", Duration::from_secs(10), || {
        let g = c.get("/api/v1/correlations?image=img-e2e");
        let groups = g["groups"].as_array().unwrap().clone();
        (groups.len() == 2 && groups[0]["nodes"] == 3).then_some(groups)
    });
    assert_eq!(groups[0]["key"], "/etc/motd");
    assert_eq!(groups[0]["scope"], "fleet");
    assert_eq!(groups[1]["key"], "/usr/local/bin/rootkit");
    assert_eq!(groups[1]["scope"], "single");
    assert_eq!(groups[1]["sample_nodes"][0], "fleet-1");

    // Statuses follow the stored deviations once the evaluator has run.
    let images = wait_for("every node judged drifted", Duration::from_secs(10), || {
        let images = c.ctl_json(&["images"]);
        (images[0]["drifted_nodes"] == 3).then_some(images)
    });
    assert_eq!(images[0]["image_id"], "img-e2e");
    assert_eq!(images[0]["nodes"], 3);
    let flagged = c.get("/api/v1/nodes?status=flagged");
    assert_eq!(flagged["total"], 1);
    assert_eq!(flagged["nodes"][0]["node_id"], "fleet-1");
}

#[test]
fn the_collector_runs_on_postgresql_too() {
    let Some(base) = test_postgres() else {
        return;
    };
    let db = fresh_database(&base);
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &["--database", &db.url]);
    let mut n = Node::new(tmp.path(), "pg-node");
    n.start_agent(&c, &[]);
    c.wait_status("pg-node", "clean", Duration::from_secs(20));
    n.root
        .file_mode("/usr/bin/su", b"\x7fELF su backdoored", 0o4755);
    let node = c.wait_status("pg-node", "flagged", Duration::from_secs(10));
    assert_eq!(node["deviation_count"], 1);
}

#[test]
fn the_example_recycling_pipeline_replaces_a_flagged_node() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "recycle-me");
    n.start_agent(&c, &[]);
    c.wait_status("recycle-me", "clean", Duration::from_secs(20));
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/examples/recycle.sh");
    let mut pipeline = std::process::Command::new("bash")
        .arg(script)
        .env("PLUMBCTL", bin("plumbctl"))
        .env("PLUMB_COLLECTOR", &c.grpc)
        .env("PLUMB_CA", c.ca().unwrap())
        .env("PLUMB_TOKEN", &c.security.as_ref().unwrap().token)
        .env("MAX_EVENTS", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    n.root
        .file_mode("/usr/local/bin/cryptominer", b"#!/bin/sh\n", 0o755);
    c.wait_status("recycle-me", "retired", Duration::from_secs(15));
    let deadline = Instant::now() + Duration::from_secs(10);
    while pipeline.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "recycle.sh did not stop after MAX_EVENTS"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = pipeline.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("would terminate recycle-me"), "{log}");
    let detail = c.get("/api/v1/nodes/recycle-me");
    let to: Vec<&str> = detail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to"].as_str().unwrap())
        .collect();
    assert_eq!(to, vec!["flagged", "recycling", "retired"]);
}

#[test]
fn agent_validate_checks_config_and_manifest_without_starting() {
    let tmp = tempfile::tempdir().unwrap();
    let n = Node::new(tmp.path(), "validate-node");
    let ok = std::process::Command::new(bin("plumb-agent"))
        .args([
            "run",
            "--validate",
            "--collector",
            "https://127.0.0.1:9",
            "--manifest",
        ])
        .arg(&n.manifest)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let plain = std::process::Command::new(bin("plumb-agent"))
        .args([
            "run",
            "--validate",
            "--collector",
            "http://127.0.0.1:9",
            "--manifest",
        ])
        .arg(&n.manifest)
        .output()
        .unwrap();
    assert_eq!(
        plain.status.code(),
        Some(64),
        "http:// is refused without consent"
    );
    assert!(String::from_utf8_lossy(&plain.stderr).contains("plaintext"));
    std::fs::write(&n.manifest, b"garbage").unwrap();
    let bad = std::process::Command::new(bin("plumb-agent"))
        .args([
            "run",
            "--validate",
            "--collector",
            "https://127.0.0.1:9",
            "--manifest",
        ])
        .arg(&n.manifest)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("manifest.pb"));
}

#[test]
fn the_collector_can_order_a_rescan() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "rescan-node");
    // No file events and hourly rescans: only the command can find it.
    n.start_agent(&c, &["--no-watch"]);
    c.wait_status("rescan-node", "clean", Duration::from_secs(20));
    n.root.file("/etc/motd", b"changed quietly\n");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(c.node("rescan-node").unwrap()["status"], "clean");
    let (status, _) = c.post(
        "/api/v1/nodes/rescan-node/rescan",
        serde_json::json!({"full": true}),
    );
    assert_eq!(status, 202);
    c.wait_status("rescan-node", "drifted", Duration::from_secs(10));
    // Repeated requests coalesce: the node is not rescanned again and again.
    let (status, body) = c.post(
        "/api/v1/nodes/rescan-node/rescan",
        serde_json::json!({"full": true}),
    );
    assert_eq!(status, 202);
    assert!(body.contains("\"coalesced\":true"), "{body}");
    let (status, _) = c.post("/api/v1/nodes/ghost/rescan", serde_json::json!({}));
    assert_eq!(status, 404);
    n.kill_agent();
    wait_for("agent disconnect noticed", Duration::from_secs(10), || {
        let (status, _) = c.post("/api/v1/nodes/rescan-node/rescan", serde_json::json!({}));
        (status == 409).then_some(())
    });
}

#[test]
fn a_corrupt_package_database_flags_the_node_and_files_stay_watched() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "bad-dpkg");
    n.start_agent(&c, &[]);
    c.wait_status("bad-dpkg", "clean", Duration::from_secs(20));
    let status = n.path("/var/lib/dpkg/status");
    let good = std::fs::read(&status).unwrap();
    std::fs::write(&status, b"Package: x\nbroken line\n").unwrap();
    c.wait_status("bad-dpkg", "flagged", Duration::from_secs(10));
    let d = c.get("/api/v1/nodes/bad-dpkg/deviations?state=open");
    let err = d["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "scan_error")
        .unwrap_or_else(|| panic!("{d}"))
        .clone();
    assert_eq!(err["key"], "/var/lib/dpkg/status");
    // The file scanner still runs: a patched binary shows up too.
    std::fs::write(n.path("/usr/bin/ls"), b"patched").unwrap();
    wait_for(
        "the patched binary reported",
        Duration::from_secs(10),
        || {
            c.open_keys("bad-dpkg")
                .contains(&"/usr/bin/ls".to_string())
                .then_some(())
        },
    );
    // The database readable again: the scan error clears.
    std::fs::write(&status, good).unwrap();
    wait_for("scan error resolved", Duration::from_secs(10), || {
        let d = c.get("/api/v1/nodes/bad-dpkg/deviations?state=open");
        (!d.to_string().contains("scan_error")).then_some(())
    });
}

#[test]
fn a_relative_root_keys_file_events_like_check_does() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let n = Node::new(tmp.path(), "relative-root");
    let (cert, key) = c.issue_node_cert("relative-root", &n.dir.join("certs"));
    // `--root root`, relative to the agent's working directory.
    let child = std::process::Command::new(bin("plumb-agent"))
        .current_dir(&n.dir)
        .args([
            "run",
            "--collector",
            &c.grpc,
            "--node-id",
            "relative-root",
            "--root",
            "root",
            "--state-dir",
            "state",
            "--heartbeat",
            "1s",
            "--interval",
            "1h",
            "--quick-interval",
            "1h",
            "--manifest",
            "manifest.pb",
        ])
        .arg("--ca")
        .arg(c.ca().unwrap())
        .arg("--cert")
        .arg(cert)
        .arg("--key")
        .arg(key)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed when the test ends, whichever way.
    let _agent = Proc {
        child,
        log: n.dir.join("agent.log"),
    };
    c.wait_status("relative-root", "clean", Duration::from_secs(20));
    n.root.file_mode("/usr/lib/evil.so", b"\x7fELF", 0o755);
    let keys = wait_for("the event reported", Duration::from_secs(10), || {
        let k = c.open_keys("relative-root");
        (!k.is_empty()).then_some(k)
    });
    assert_eq!(
        keys,
        vec!["/usr/lib/evil.so"],
        "keyed as the manifest names it"
    );
}

/// Mounts a tmpfs of `size` at `dir`; false when this process may not.
fn mount_tmpfs(dir: &std::path::Path, size: &str) -> bool {
    std::fs::create_dir_all(dir).unwrap();
    std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_full_state_disk_is_visible_and_nothing_is_lost_when_space_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "full-disk");
    let state = n.dir.join("state");
    if !mount_tmpfs(&state, "256k") {
        panic!("this test mounts a tmpfs: run it as root (scripts/test.sh does)");
    }
    let _unmount = Unmount(state.clone());
    n.start_agent(&c, &[]);
    c.wait_status("full-disk", "clean", Duration::from_secs(20));
    // 3,000 new libraries: a batch far larger than the state disk.
    for i in 0..3_000 {
        std::fs::write(n.path(&format!("/usr/lib/implant-{i:04}.so")), b"\x7fELF").unwrap();
    }
    wait_for(
        "the unwritable spool reported",
        Duration::from_secs(20),
        || {
            let d = c.get("/api/v1/nodes/full-disk/deviations?state=open");
            d["deviations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["kind"] == "scan_error" && d["key"] == "spool")
                .then_some(())
        },
    );
    let node = c.wait_status("full-disk", "flagged", Duration::from_secs(10));
    assert_eq!(node["status"], "flagged", "heartbeats go on: not silent");
    // No temporary file keeps the disk full.
    let leftovers: Vec<String> = walk(&state)
        .into_iter()
        .filter(|p| {
            p.rsplit('/')
                .next()
                .is_some_and(|name| name.contains(".tmp"))
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        c.node("full-disk").unwrap()["status"],
        "flagged",
        "still heartbeating"
    );

    // Space returns: everything is delivered, and the spool error clears.
    let grown = std::process::Command::new("mount")
        .args(["-o", "remount,size=64m"])
        .arg(&state)
        .status()
        .unwrap();
    assert!(grown.success());
    wait_for("every implant delivered", Duration::from_secs(30), || {
        let keys = c.open_keys("full-disk");
        let implants = keys
            .iter()
            .filter(|k| k.starts_with("/usr/lib/implant-"))
            .count();
        (implants == 3_000 && !keys.contains(&"spool".to_string())).then_some(())
    });
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            out.push(p.display().to_string());
            if p.is_dir() {
                out.extend(walk(&p));
            }
        }
    }
    out
}

#[test]
fn nodes_are_found_by_the_build_that_made_their_image() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "built-1");
    n.label_and_push(
        &c,
        &["commit=abc123", "pipeline=https://ci.example/builds/7"],
    );
    n.start_agent(&c, &[]);
    c.wait_status("built-1", "clean", Duration::from_secs(20));

    let images = c.ctl_json(&["images"]);
    assert_eq!(images[0]["labels"]["commit"], "abc123", "{images}");
    assert_eq!(
        images[0]["labels"]["pipeline"],
        "https://ci.example/builds/7"
    );
    let table = c.ctl(&["images"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("commit=abc123"));

    let found = c.ctl_json(&["nodes", "--label", "commit=abc123"]);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["node_id"], "built-1");
    let both = c.ctl_json(&[
        "nodes",
        "--label",
        "commit=abc123",
        "--label",
        "pipeline=https://ci.example/builds/7",
    ]);
    assert_eq!(both.as_array().unwrap().len(), 1);
    let none = c.ctl_json(&["nodes", "--label", "commit=fff000"]);
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    let bad = c.ctl(&["nodes", "--label", "no-equals-sign"]);
    assert!(!bad.status.success());

    assert_eq!(c.get("/api/v1/nodes?label=commit%3Dabc123")["total"], 1);
    assert_eq!(c.get("/api/v1/nodes?label=commit%3Dother")["total"], 0);
    let (code, body) = c.get_raw("/api/v1/nodes?label=Bad%20Key%3D1");
    assert_eq!(code, 400, "{body}");
    assert_eq!(
        c.get("/api/v1/images")["images"][0]["labels"]["commit"],
        "abc123"
    );
}

#[test]
fn runtime_drift_reaches_the_collector_and_flags_the_node() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "runtime-1");
    // Runtime checks over a root that is not `/`: every process of this
    // machine runs code from outside that root.
    n.rebuild_with(&["--runtime"]);
    // Not the running system's root, so judged only when asked for.
    n.start_agent(&c, &["--quick-interval", "1s", "--processes", "on"]);
    let flagged = c.wait_status("runtime-1", "flagged", Duration::from_secs(30));
    assert_eq!(flagged["flagged"], true, "{flagged}");
    let devs = c.get("/api/v1/nodes/runtime-1/deviations");
    let me = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
    let d = devs["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "process_unexpected" && d["key"] == me.to_str().unwrap())
        .unwrap_or_else(|| panic!("this test's process not reported: {devs}"));
    assert_eq!(d["severity"], "critical");
    assert!(d["actual"].as_str().unwrap().contains("pid="), "{d}");

    // A program started later is found by the periodic quick scan, with
    // no file event in the root.
    let late = tmp.path().join("late/dropped-later");
    std::fs::create_dir_all(late.parent().unwrap()).unwrap();
    std::fs::copy(std::fs::canonicalize("/bin/sleep").unwrap(), &late).unwrap();
    let mut child = spawn_fresh_copy(std::process::Command::new(&late).arg("60"));
    let key = late.to_str().unwrap().to_string();
    wait_for(
        "the later process reported",
        Duration::from_secs(20),
        || {
            let devs = c.get("/api/v1/nodes/runtime-1/deviations");
            devs["deviations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["kind"] == "process_unexpected" && d["key"] == key)
                .then_some(())
        },
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// `v` with every `last_seen` field taken out, at any depth.
fn without_last_seen(mut v: serde_json::Value) -> serde_json::Value {
    match &mut v {
        serde_json::Value::Object(map) => {
            map.remove("last_seen");
            for field in map.values_mut() {
                *field = without_last_seen(field.take());
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                *item = without_last_seen(item.take());
            }
        }
        _ => {}
    }
    v
}

//! The core loop's latency, alone in its own test binary so that no other
//! test competes for the CPU while it is timed: a change under an agent's
//! root makes the node flagged within 2 s through real-time file events.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn a_change_flags_the_node_within_two_seconds_and_its_resolution_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "node-a");
    // The image pipeline pushes the manifest; the agent fetches it by id.
    let push = c.ctl(&["manifest", "push", n.manifest.to_str().unwrap()]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    n.start_agent(&c, &["--image-id", "img-e2e"]);
    let node = c.wait_status("node-a", "clean", Duration::from_secs(20));
    assert_eq!(node["image_id"], "img-e2e");
    assert_eq!(node["flagged"], false);

    let original = std::fs::read(n.path("/usr/bin/ls")).unwrap();
    let started = Instant::now();
    std::fs::write(n.path("/usr/bin/ls"), b"\x7fELF trojaned ls").unwrap();
    let flagged = c.wait_status("node-a", "flagged", Duration::from_secs(10));
    let elapsed = started.elapsed();
    assert!(
        elapsed <= Duration::from_secs(2),
        "flagged after {elapsed:?}; periodic rescans are 1h apart, so only file events can do it"
    );
    assert_eq!(flagged["flagged"], true);
    assert_eq!(flagged["deviation_count"], 1);
    assert!(
        flagged["reasons"][0]
            .as_str()
            .unwrap()
            .contains("/usr/bin/ls"),
        "{flagged}"
    );

    // Put back, the deviation resolves within the same bound; the flag is
    // held (a compromise is not undone by restoring the file).
    std::fs::write(n.path("/usr/bin/ls"), original).unwrap();
    wait_for("the deviation resolved", Duration::from_secs(5), || {
        c.open_keys("node-a").is_empty().then_some(())
    });
    let node = c.get("/api/v1/nodes/node-a")["node"].clone();
    assert_eq!(node["status"], "flagged", "{node}");
    let all = c.get("/api/v1/nodes/node-a/deviations?state=resolved");
    assert_eq!(all["deviations"][0]["key"], "/usr/bin/ls");
    assert!(all["deviations"][0]["resolved_at"].as_i64().is_some());
}

/// At the default log level the daemon says what it does: connected,
/// whole scans done with their counts, deviation sets sent.
#[test]
fn the_daemon_says_what_it_does_at_the_default_log_level() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let n = Node::new(tmp.path(), "chatty");
    let log = tmp.path().join("chatty.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut child = n
        .agent_command(&c, &[])
        .env_remove("PLUMB_LOG")
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    c.wait_status("chatty", "clean", Duration::from_secs(20));
    let text = wait_for(
        "the daemon's lifecycle logged",
        Duration::from_secs(10),
        || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            (text.contains("connected to collector")
                && text.contains("scan finished")
                && text.contains("deviation set changed"))
            .then_some(text)
        },
    );
    assert!(!text.contains("DEBUG"), "{text}");
    let _ = child.kill();
    let _ = child.wait();
}

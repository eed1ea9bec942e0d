//! A compromise is not undone by cleaning up: held flags end to end.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

/// A node flagged for a planted binary stays flagged when the binary is
/// deleted (an intruder cleaning up), also across silence and a restart
/// of its agent, until an operator clears it with a reason; with
/// `sticky = false` for its image it returns to clean.
#[test]
fn a_compromise_is_not_undone_by_deleting_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "silent_after_secs = 3\n").unwrap();
    let c = Collector::start(tmp.path(), &["--policy", policy.to_str().unwrap()]);
    let mut n = Node::new(tmp.path(), "held");
    n.start_agent(&c, &[]);
    c.wait_status("held", "clean", Duration::from_secs(20));
    n.root
        .file_mode("/usr/local/bin/implant", b"#!/bin/sh\nnc -e sh\n", 0o755);
    c.wait_status("held", "flagged", Duration::from_secs(10));

    // The evidence goes: the deviation resolves, the flag stays, and the
    // resolved deviation is the reason shown.
    std::fs::remove_file(n.path("/usr/local/bin/implant")).unwrap();
    wait_for(
        "the implant's deviation resolved",
        Duration::from_secs(10),
        || {
            (history_count(&c, "held", "/usr/local/bin/implant") == 1
                && c.get("/api/v1/nodes/held/deviations?state=open")["deviations"]
                    .as_array()
                    .unwrap()
                    .is_empty())
            .then_some(())
        },
    );
    std::thread::sleep(Duration::from_secs(2));
    let node = c.get("/api/v1/nodes/held")["node"].clone();
    assert_eq!(node["status"], "flagged", "{node}");
    assert!(node["held_since"].as_i64().unwrap() > 0, "{node}");
    let reason = node["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("/usr/local/bin/implant") && reason.contains("flag held"),
        "{node}"
    );

    // Silence and a restart do not wash it out either.
    n.kill_agent();
    c.wait_status("held", "silent", Duration::from_secs(15));
    n.start_agent(&c, &[]);
    c.wait_status("held", "flagged", Duration::from_secs(15));

    // Clearing needs an operator and a reason.
    let reader = c.token("read", "viewer");
    let (code, _) = c.post_as(
        "/api/v1/nodes/held/clear",
        &reader,
        json!({ "reason": "fine" }),
    );
    assert_eq!(code, 403);
    let (code, body) = c.post("/api/v1/nodes/held/clear", json!({}));
    assert_eq!(code, 400, "{body}");
    assert!(body.to_string().contains("reason"), "{body}");
    let out = c.ctl(&["clear", "held"]);
    assert!(!out.status.success(), "clear without --reason");
    let cleared = c.ctl_json(&[
        "clear",
        "held",
        "--reason",
        "reimaged from ami-0abc; INC-77",
    ]);
    assert_eq!(cleared["status"], "clean", "{cleared}");
    let detail = c.get("/api/v1/nodes/held");
    assert_eq!(detail["node"]["held_since"], 0, "{detail}");
    let causes: Vec<&str> = detail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["cause"].as_str().unwrap())
        .collect();
    assert!(
        causes.contains(&"cleared: reimaged from ami-0abc; INC-77"),
        "{causes:?}"
    );
    let audit = c.ctl_json(&["audit", "--node", "held"]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "clear" && e["outcome"] == "ok"),
        "{audit}"
    );
    // Nothing is held now: a second clear has nothing to do.
    let again = c.ctl(&["clear", "held", "--reason", "twice"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("holds no flag"));
    n.kill_agent();

    // With sticky = false for the image, the flag goes with the evidence.
    let lax = tempfile::tempdir().unwrap();
    let policy = lax.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[[image]]\nimage_id = \"img-e2e\"\nsticky = false\n",
    )
    .unwrap();
    let c = Collector::start(lax.path(), &["--policy", policy.to_str().unwrap()]);
    let mut n = Node::new(lax.path(), "lax");
    n.start_agent(&c, &[]);
    c.wait_status("lax", "clean", Duration::from_secs(20));
    n.root
        .file_mode("/usr/local/bin/implant", b"#!/bin/sh\n", 0o755);
    c.wait_status("lax", "flagged", Duration::from_secs(10));
    std::fs::remove_file(n.path("/usr/local/bin/implant")).unwrap();
    c.wait_status("lax", "clean", Duration::from_secs(10));
}

//! Every exec, as it happens (fanotify): a process that lives 50 ms, run
//! from outside the image, becomes a deviation the collector keeps after
//! the process has exited and its file is gone, on the host and in a
//! container.

use std::process::Command;
use std::time::{Duration, Instant};

use plumb_agent::image_fixture::Podman;
use serde_json::Value;

use crate::support::*;

fn open_with_key(c: &Collector, node: &str, key: &str) -> Option<Value> {
    c.get(&format!("/api/v1/nodes/{node}/deviations?state=open"))["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .cloned()
}

#[test]
fn a_50ms_exec_on_the_host_is_a_deviation_kept_after_it_exits() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "exec-host");
    // The manifest judges what runs; the fixture root is not this
    // machine's, so its periodic process scan finds much: only the exec
    // is looked at here.
    n.rebuild_with(&["--runtime"]);
    n.start_agent(&c, &["--exec-monitor", "on", "--containers", "off"]);
    let node = wait_for("the agent's hello", Duration::from_secs(20), || {
        c.node("exec-host")
    });
    let detail = c.get("/api/v1/nodes/exec-host");
    assert_eq!(detail["node"]["exec_monitor"], "fanotify", "{node}");

    // A binary dropped into the root, run for 50 ms, deleted.
    let dropped = n.path("/tmp/dropped");
    std::fs::copy("/usr/bin/sleep", &dropped).unwrap();
    let ran = Instant::now();
    // (A fresh copy: another test's fork may hold it open for a moment.)
    let status = spawn_fresh_copy(Command::new(&dropped).arg("0.05"))
        .wait()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(&dropped).unwrap();
    let d = wait_for("the exec's deviation", Duration::from_secs(10), || {
        open_with_key(&c, "exec-host", "/tmp/dropped")
    });
    eprintln!("exec to deviation at the collector: {:?}", ran.elapsed());
    assert_eq!(d["kind"], "process_unexpected", "{d}");
    assert!(
        d["changes"].as_array().unwrap().contains(&"exec".into()),
        "{d}"
    );

    // It ran: the deviation stays although the process and the file are
    // gone, past the next scan and across a restart of the agent.
    let (code, _) = c.post("/api/v1/nodes/exec-host/rescan", serde_json::json!({}));
    assert_eq!(code, 202);
    std::thread::sleep(Duration::from_secs(3));
    assert!(open_with_key(&c, "exec-host", "/tmp/dropped").is_some());
    n.kill_agent();
    n.start_agent(&c, &["--exec-monitor", "on", "--containers", "off"]);
    std::thread::sleep(Duration::from_secs(4));
    assert!(open_with_key(&c, "exec-host", "/tmp/dropped").is_some());
    assert_eq!(history_count(&c, "exec-host", "/tmp/dropped"), 1);
}

#[test]
fn a_50ms_exec_in_a_container_is_a_deviation_of_that_container_kept_after_it_exits() {
    let Some(podman) = Podman::find() else {
        assert!(std::env::var_os("CI").is_none(), "podman is missing");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let tag = std::process::id();
    let c = Collector::start(tmp.path(), &[]);
    let root = tmp.path().join("image-root");
    Podman::busybox_root(&root, &[]);
    let image = format!("localhost/plumb-exec-{tag}:1");
    podman.import(&root, &image);
    let archive = tmp.path().join("image.tar");
    podman.save(&image, "oci-archive", &archive);
    let manifest = tmp.path().join("image.pb");
    run_ok(
        Command::new(bin("plumb-agent"))
            .args(["manifest", "build", "--image-archive"])
            .arg(&archive)
            .arg("-o")
            .arg(&manifest),
    );
    run_ok(c.ctl_command().args(["manifest", "push"]).arg(&manifest));
    let name = format!("plumb-exec-c-{tag}");
    let id = podman.run(&name, &image, &["/bin/sleep", "600"]);

    let mut n = Node::new(tmp.path(), "exec-ctr");
    n.start_agent(
        &c,
        &[
            "--exec-monitor",
            "on",
            "--containers",
            "on",
            "--quick-interval",
            "1s",
        ],
    );
    wait_for("the container verified", Duration::from_secs(30), || {
        c.get("/api/v1/containers?node=exec-ctr")["containers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == name.as_str() && x["status"] == "verified")
            .then_some(())
    });
    // The pass that listed it also put its root under watch.
    std::thread::sleep(Duration::from_millis(500));
    let out = podman.exec(
        &name,
        &[
            "/bin/sh",
            "-c",
            "mkdir -p /tmp/x && cp /bin/busybox /tmp/x/sleep && /tmp/x/sleep 0.05 && rm -r /tmp/x",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = wait_for(
        "the container exec's deviation",
        Duration::from_secs(10),
        || open_with_key(&c, "exec-ctr", "/tmp/x/sleep"),
    );
    assert_eq!(d["container"], id.as_str(), "{d}");
    assert_eq!(d["kind"], "process_unexpected");
    assert!(
        d["changes"].as_array().unwrap().contains(&"exec".into()),
        "{d}"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        open_with_key(&c, "exec-ctr", "/tmp/x/sleep").is_some(),
        "kept after the process exited and the container's pass ran again"
    );
}

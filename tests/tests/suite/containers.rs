//! Containers end to end, with a real container runtime (podman, runc):
//! an agent judges its node's containers against their images' manifests
//! fetched from the collector; the collector lists them, keys their
//! deviations per container, and forgets a container that stopped.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use plumb_agent::image_fixture::Podman;
use serde_json::Value;

use crate::support::*;

/// Podman, or `None` off CI where it is missing (scripts/test.sh
/// installs it).
pub(crate) fn podman() -> Option<Podman> {
    let p = Podman::find();
    if p.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "podman is missing: scripts/test.sh installs it"
        );
        eprintln!("skipped: no podman");
    }
    p
}

/// A busybox image named `name` with `/srv/app.conf`, and its manifest
/// built from `podman save` (not pushed).
pub(crate) fn image(podman: &Podman, dir: &Path, name: &str) -> (String, std::path::PathBuf) {
    let root = dir.join(format!("{}-root", name.replace(['/', ':'], "_")));
    Podman::busybox_root(&root, &[("/srv/app.conf", b"port = 8080\n")]);
    let id = podman.import(&root, name);
    let archive = root.with_extension("oci.tar");
    podman.save(name, "oci-archive", &archive);
    let manifest = root.with_extension("pb");
    run_ok(
        Command::new(bin("plumb-agent"))
            .args(["manifest", "build", "--image-archive"])
            .arg(&archive)
            .arg("-o")
            .arg(&manifest),
    );
    (id, manifest)
}

fn container<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list["containers"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)
}

#[test]
fn containers_are_judged_listed_keyed_and_forgotten_when_they_stop() {
    let Some(podman) = podman() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let tag = std::process::id();
    let c = Collector::start(tmp.path(), &[]);
    let (known_id, known_manifest) = image(
        &podman,
        tmp.path(),
        &format!("localhost/plumb-e2e-known-{tag}:1"),
    );
    let (unknown_id, _) = image(
        &podman,
        tmp.path(),
        &format!("localhost/plumb-e2e-unknown-{tag}:1"),
    );
    run_ok(
        c.ctl_command()
            .args(["manifest", "push"])
            .arg(&known_manifest),
    );
    let (a, b) = (format!("plumb-e2e-a-{tag}"), format!("plumb-e2e-b-{tag}"));
    // A is a pod's, as CRI-O (which shares podman's storage) records it.
    let a_id = podman.run_with(
        &a,
        &[
            "--annotation",
            "io.kubernetes.pod.name=web-1",
            "--annotation",
            "io.kubernetes.pod.namespace=prod",
            "--annotation",
            "io.kubernetes.container.name=app",
        ],
        &format!("localhost/plumb-e2e-known-{tag}:1"),
        &["/bin/sleep", "600"],
    );
    podman.run(
        &b,
        &format!("localhost/plumb-e2e-unknown-{tag}:1"),
        &["/bin/sleep", "600"],
    );

    let mut n = Node::new(tmp.path(), "ctr");
    n.start_agent(
        &c,
        &[
            "--containers",
            "on",
            "--exec-monitor",
            "off",
            "--quick-interval",
            "1s",
        ],
    );
    let path = "/api/v1/containers?node=ctr";
    let list = wait_for("both containers listed", Duration::from_secs(30), || {
        let list = c.get(path);
        (container(&list, &a).is_some() && container(&list, &b).is_some()).then_some(list)
    });
    let ca = container(&list, &a).unwrap();
    assert_eq!(ca["container_id"], a_id.as_str());
    assert_eq!(ca["runtime"], "cri-o");
    assert_eq!(
        (ca["pod"].as_str(), ca["namespace"].as_str()),
        (Some("web-1"), Some("prod"))
    );
    assert_eq!(ca["image_id"], known_id.as_str());
    assert_eq!(ca["status"], "verified", "{ca}");
    assert_eq!(ca["drifted"], false, "a fresh container is clean: {ca}");
    let cb = container(&list, &b).unwrap();
    assert_eq!(cb["status"], "unverified", "{cb}");
    assert_eq!(cb["image_id"], unknown_id.as_str());
    let node = c.get("/api/v1/nodes/ctr")["node"].clone();
    assert_eq!(node["sees_containers"], true, "{node}");
    // A listing is bounded by `limit`, in the listing's order.
    let one = c.get(&format!("{path}&limit=1"))["containers"].clone();
    assert_eq!(one.as_array().map(Vec::len), Some(1), "{one}");
    assert_eq!(
        one[0]["container_id"],
        list["containers"][0]["container_id"]
    );
    let (status, body) = c.get_raw(&format!("{path}&limit=0"));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("limit must be"), "{body}");

    // A one-off check with the daemon's configuration fetches the
    // image's manifest from the collector.
    let config = tmp.path().join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "collector = \"{}\"\nca = \"{}\"\nstate_dir = \"{}\"\nimage_id = \"img-e2e\"\n",
            c.grpc,
            c.ca().unwrap().display(),
            n.dir.join("state").display()
        ),
    )
    .unwrap();
    let mut check = Command::new(bin("plumb-agent"));
    check
        .args([
            "check",
            "--containers",
            "--from-collector",
            "--json",
            "--config",
        ])
        .arg(&config);
    let out = output_within(&mut check, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains(&a_id))
        .unwrap_or_else(|| panic!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
    let one: Value = serde_json::from_str(line).unwrap();
    assert_eq!(one["status"], "verified", "{one}");
    assert_eq!(one["deviations"], serde_json::json!([]), "{one}");

    // A file written in the container is drift of that container.
    let out = podman.exec(&a, &["/bin/sh", "-c", "echo evil > /srv/new"]);
    assert!(out.status.success());
    let dev = wait_for("the container's deviation", Duration::from_secs(30), || {
        c.get("/api/v1/nodes/ctr/deviations?state=open")["deviations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["key"] == "/srv/new")
            .cloned()
    });
    assert_eq!(dev["container"], a_id.as_str(), "{dev}");
    assert_eq!(dev["kind"], "file_added");
    let drifted = c.get(&format!("{path}&status=drifted"));
    assert!(container(&drifted, &a).is_some(), "{drifted}");
    let images = c.get("/api/v1/container-images");
    let known = images["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["image_id"] == known_id.as_str())
        .unwrap();
    assert!(
        known["running"].as_i64().unwrap() >= 1 && known["drifted"].as_i64().unwrap() >= 1,
        "{known}"
    );
    assert_eq!(known["has_manifest"], true);
    let unknown = images["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["image_id"] == unknown_id.as_str())
        .unwrap();
    assert_eq!(unknown["has_manifest"], false, "{unknown}");

    // plumbctl lists them too, filtered.
    let listed = c.ctl_json(&["containers", "--node", "ctr", "--status", "drifted"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&a.as_str()) && !names.contains(&b.as_str()),
        "{listed}"
    );

    // The Kubernetes recycling example deletes the drifted container's
    // pod (a dry run: the command is printed).
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../packaging/examples/recycle-pods.sh");
    let out = Command::new("bash")
        .arg(script)
        .env("PLUMBCTL", bin("plumbctl"))
        .env("PLUMB_COLLECTOR", &c.grpc)
        .env("PLUMB_CA", c.ca().unwrap())
        .env("PLUMB_TOKEN", &c.security.as_ref().unwrap().token)
        .env("MAX_EVENTS", "1")
        .env("INTERVAL", "1")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        log.contains("would run: kubectl delete pod --namespace prod web-1"),
        "{log}"
    );

    // The node page shows the container and its deviation.
    let (code, page) = c.get_raw("/nodes/ctr");
    assert_eq!(code, 200);
    // (The page escapes `/` as `&#x2f;`.)
    assert!(
        page.contains(&a) && page.contains("&#x2f;srv&#x2f;new"),
        "{page}"
    );

    // A container that stops leaves the list, and its deviations resolve.
    podman.remove(&a);
    wait_for(
        "the stopped container forgotten",
        Duration::from_secs(30),
        || {
            let gone = container(&c.get(path), &a).is_none();
            let resolved = !c.get("/api/v1/nodes/ctr/deviations?state=open")["deviations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["container"] == a_id.as_str());
            (gone && resolved).then_some(())
        },
    );
    assert_eq!(history_count(&c, "ctr", "/srv/new"), 1);
}

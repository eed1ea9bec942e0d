//! `check --containers` against a real container runtime (podman with
//! runc): containers found from the host, named from podman's metadata,
//! judged against the manifest of the image they were started from.

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use plumb_agent::image_fixture::Podman;
use serde_json::Value;
use support::agent;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A unique name for this test process.
fn unique(tag: &str) -> String {
    format!(
        "plumb-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

struct Setup {
    podman: Podman,
    dir: tempfile::TempDir,
    image: String,
    image_id: String,
    manifest: PathBuf,
}

/// Podman with an image of busybox (plus `/srv/app.conf`) imported and
/// its manifest built from `podman save`; `None` where there is no podman.
fn setup(tag: &str) -> Option<Setup> {
    let Some(podman) = Podman::find() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "podman is missing: scripts/test.sh installs it"
        );
        eprintln!("skipped: no podman (scripts/test.sh installs it)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    Podman::busybox_root(&root, &[("/srv/app.conf", b"port = 8080\n")]);
    let image = format!("localhost/{}:1", unique(tag));
    let image_id = podman.import(&root, &image);
    let archive = dir.path().join("image.tar");
    podman.save(&image, "oci-archive", &archive);
    let manifest = dir.path().join("image.pb");
    support::build_image_manifest(&archive, &manifest);
    Some(Setup {
        podman,
        dir,
        image,
        image_id,
        manifest,
    })
}

/// `check --containers --json` with `manifests`: exit code and the
/// report of each container, by name.
fn check(manifests: &[&Path]) -> (i32, Vec<Value>) {
    let mut cmd = agent();
    cmd.args(["check", "--containers", "--json"]);
    for m in manifests {
        cmd.arg("--manifest").arg(m);
    }
    // A hostile container must not stall the pass: a hang fails the test.
    let out = support::output_within(&mut cmd, 120);
    let code = out.status.code().unwrap_or(-1);
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (code, lines)
}

fn of<'a>(reports: &'a [Value], name: &str) -> Option<&'a Value> {
    reports.iter().find(|r| r["name"] == name)
}

fn kinds(report: &Value) -> Vec<(String, String)> {
    report["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["key"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_clean_container_is_silent_and_a_file_it_writes_is_drift_with_its_identity() {
    let Some(s) = setup("write") else { return };
    let name = unique("c");
    let id = s.podman.run(&name, &s.image, &["/bin/sleep", "300"]);
    let (_, reports) = check(&[&s.manifest]);
    let r = of(&reports, &name).expect("the container is found");
    assert_eq!(r["container_id"], id.as_str());
    assert_eq!(r["runtime"], "podman");
    assert_eq!(r["image"], s.image.as_str());
    assert_eq!(r["image_digest"], s.image_id.as_str());
    assert_eq!(r["status"], "verified");
    assert_eq!(kinds(r), vec![], "a fresh container is clean: {r}");

    let out = s.podman.exec(
        &name,
        &[
            "/bin/sh",
            "-c",
            "echo evil > /srv/new && echo 9 >> /srv/app.conf && rm /bin/ls",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, reports) = check(&[&s.manifest]);
    assert_eq!(code, 1);
    let r = of(&reports, &name).unwrap();
    let found = kinds(r);
    for want in [
        ("file_added", "/srv/new"),
        ("file_modified", "/srv/app.conf"),
        ("file_removed", "/bin/ls"),
    ] {
        assert!(
            found.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not in {found:?}"
        );
    }
    assert_eq!(found.len(), 3, "nothing else: {found:?}");
}

#[test]
fn a_binary_dropped_and_run_in_the_container_is_unexpected_code_there() {
    let Some(s) = setup("drop") else { return };
    let name = unique("c");
    s.podman.run(
        &name,
        &s.image,
        &[
            "/bin/sh",
            "-c",
            "mkdir -p /tmp/x && cp /bin/busybox /tmp/x/sleep && exec /tmp/x/sleep 300",
        ],
    );
    let mut found = Vec::new();
    for _ in 0..50 {
        let (_, reports) = check(&[&s.manifest]);
        found = of(&reports, &name).map(kinds).unwrap_or_default();
        if !found.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        found.contains(&("process_unexpected".into(), "/tmp/x/sleep".into())),
        "{found:?}"
    );
}

#[test]
fn an_image_layer_changed_on_disk_is_drift_of_every_container_of_the_image() {
    let Some(s) = setup("layer") else { return };
    let (a, b) = (unique("a"), unique("b"));
    s.podman.run(&a, &s.image, &["/bin/sleep", "300"]);
    s.podman.run(&b, &s.image, &["/bin/sleep", "300"]);
    let (_, lowers) = s.podman.overlay(&a);
    let lower = std::fs::canonicalize(&lowers[0]).unwrap();
    let conf = lower.join("srv/app.conf");
    let original = std::fs::read(&conf).unwrap();
    std::fs::write(&conf, b"port = 31337\n").unwrap();
    let (code, reports) = check(&[&s.manifest]);
    // The store is shared: put it back before asserting.
    std::fs::write(&conf, original).unwrap();
    assert_eq!(code, 1);
    for name in [&a, &b] {
        let r = of(&reports, name).unwrap();
        let d = &r["deviations"][0];
        assert_eq!(
            (d["kind"].as_str(), d["key"].as_str()),
            (Some("file_modified"), Some("/srv/app.conf")),
            "{r}"
        );
        assert!(
            d["changes"]
                .as_array()
                .unwrap()
                .contains(&"image_layer".into()),
            "{r}"
        );
    }
}

#[test]
fn a_container_of_an_image_without_a_manifest_is_unverified_never_clean() {
    let Some(s) = setup("unknown") else { return };
    let name = unique("c");
    s.podman.run(&name, &s.image, &["/bin/sleep", "300"]);
    let (code, reports) = check(&[]);
    assert_eq!(code, 1);
    let r = of(&reports, &name).unwrap();
    assert_eq!(r["status"], "unverified");
    assert_eq!(
        kinds(r),
        vec![("scan_error".to_string(), "image".to_string())]
    );
    assert!(r["deviations"][0]["actual"]
        .as_str()
        .unwrap()
        .contains("no manifest is registered"));
}

#[test]
fn a_stopped_container_leaves_the_report() {
    let Some(s) = setup("stop") else { return };
    let name = unique("c");
    s.podman.run(&name, &s.image, &["/bin/sleep", "300"]);
    assert!(of(&check(&[&s.manifest]).1, &name).is_some());
    s.podman.remove(&name);
    assert!(of(&check(&[&s.manifest]).1, &name).is_none());
    let _ = &s.dir;
}

/// Checks until `name`'s report satisfies `done` (a process the container
/// starts takes a moment to appear), at most 5 s; the last report.
fn report_when(s: &Setup, name: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..50 {
        let (_, reports) = check(&[&s.manifest]);
        if let Some(r) = of(&reports, name) {
            last = r.clone();
            if done(r) {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    last
}

fn deviation<'a>(report: &'a Value, kind: &str, key: &str) -> Option<&'a Value> {
    report["deviations"]
        .as_array()?
        .iter()
        .find(|d| d["kind"] == kind && d["key"] == key)
}

#[test]
fn a_terabyte_sparse_file_is_drift_by_its_size_and_does_not_stall_the_pass() {
    let Some(s) = setup("sparse") else { return };
    let (hostile, quiet) = (unique("sparse"), unique("quiet"));
    s.podman.run(
        &hostile,
        &s.image,
        &[
            "/bin/sh",
            "-c",
            "mkdir -p /app && truncate -s 1099511627776 /app/sparse && truncate -s 1099511627776 /srv/app.conf && mkfifo /app/fifo && exec sleep 300",
        ],
    );
    s.podman.run(&quiet, &s.image, &["/bin/sleep", "300"]);
    let started = std::time::Instant::now();
    let r = report_when(&s, &hostile, |r| {
        deviation(r, "file_added", "/app/sparse").is_some()
    });
    let took = started.elapsed();
    let added = deviation(&r, "file_added", "/app/sparse").unwrap_or_else(|| panic!("{r}"));
    assert!(
        added["actual"]
            .as_str()
            .unwrap()
            .contains("size=1099511627776"),
        "{added}"
    );
    assert!(
        added["changes"]
            .as_array()
            .unwrap()
            .contains(&"hash_capped".into()),
        "{added}"
    );
    // A file of the image grown to a terabyte: changed, by its size.
    let grown = deviation(&r, "file_modified", "/srv/app.conf").unwrap_or_else(|| panic!("{r}"));
    assert!(
        grown["changes"]
            .as_array()
            .unwrap()
            .contains(&"content".into()),
        "{grown}"
    );
    assert!(deviation(&r, "file_added", "/app/fifo").is_some(), "{r}");
    assert!(took < std::time::Duration::from_secs(60), "{took:?}");
    // The other container is judged, and clean.
    let (_, reports) = check(&[&s.manifest]);
    let q = of(&reports, &quiet).unwrap();
    assert_eq!(q["status"], "verified", "{q}");
    assert_eq!(kinds(q), vec![], "{q}");
}

#[test]
fn a_writable_layer_past_the_entry_budget_is_an_error_never_clean() {
    let Some(s) = setup("many") else { return };
    let name = unique("many");
    // 120,000 empty files in one directory: past the 100,000 entries one
    // container's writable layer may hold.
    s.podman.run(
        &name,
        &s.image,
        &[
            "/bin/sh",
            "-c",
            "mkdir -p /d && cd /d && for i in $(seq 1 120); do for j in $(seq 1 1000); do echo > $i-$j; done; done; touch /d/done; exec sleep 300",
        ],
    );
    let (upper, _) = s.podman.overlay(&name);
    for _ in 0..1200 {
        if upper.join("d/done").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(upper.join("d/done").exists(), "the files were not written");
    let (code, reports) = check(&[&s.manifest]);
    assert_eq!(code, 1);
    let r = of(&reports, &name).unwrap();
    assert_eq!(r["status"], "error", "{}", r["status"]);
    let stop =
        deviation(r, "scan_error", "files").unwrap_or_else(|| panic!("{}", r["deviations"][0]));
    assert!(
        stop["actual"]
            .as_str()
            .unwrap()
            .contains("more than 100000 entries"),
        "{stop}"
    );
}

#[test]
fn a_script_the_container_runs_is_judged_inside_the_container() {
    let Some(s) = setup("script") else { return };
    let name = unique("script");
    // A tmpfs of the container's own, and a script on it; another script
    // that deletes itself once started.
    s.podman.run_with(
        &name,
        &["--tmpfs", "/scratch"],
        &s.image,
        &["/bin/sleep", "300"],
    );
    let out = s.podman.exec(
        &name,
        &[
            "/bin/sh",
            "-c",
            "printf 'while true; do sleep 1; done\n' > /scratch/x.sh && \
             printf 'rm -f \"$0\"\nwhile true; do sleep 1; done\n' > /tmp/gone.sh && \
             (sh /scratch/x.sh > /dev/null 2>&1 &) && (sh /tmp/gone.sh > /dev/null 2>&1 &)",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The host has a file at the same path: it must not be what is judged.
    let host = Path::new("/scratch");
    let planted = !host.exists();
    if planted {
        std::fs::create_dir_all(host).unwrap();
        std::fs::write(host.join("x.sh"), "exit 0\n").unwrap();
    }
    let r = report_when(&s, &name, |r| {
        deviation(r, "process_unexpected", "/scratch/x.sh").is_some()
            && deviation(r, "process_deleted", "/tmp/gone.sh").is_some()
    });
    if planted {
        let _ = std::fs::remove_dir_all(host);
    }
    assert!(
        deviation(&r, "process_unexpected", "/scratch/x.sh").is_some(),
        "the script on the container's tmpfs: {}",
        r["deviations"]
    );
    assert!(
        deviation(&r, "process_deleted", "/tmp/gone.sh").is_some(),
        "the script that deleted itself: {}",
        r["deviations"]
    );
}

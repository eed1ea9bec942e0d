//! `check --containers` against a real containerd (from Debian's
//! packages, with runc), started by the test with its own root, state
//! dir and socket: a container found from the host, tied to its task by
//! its init pid, its image id read from containerd's metadata database
//! and content store, and judged like any other.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use plumb_agent::image_fixture::Podman;
use serde_json::Value;
use support::{agent, kinds};

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A containerd of the test's own, stopped (with its containers) on drop.
struct Containerd {
    dir: PathBuf,
    child: Child,
    runc: PathBuf,
    ids: Vec<String>,
    /// Whether /run/containerd was there before the test (then it is left).
    run_dir_existed: bool,
}

impl Containerd {
    /// `None` off CI where containerd, ctr or runc is missing
    /// (scripts/test.sh installs them).
    fn start(dir: &Path) -> Option<Containerd> {
        let found = (which("containerd"), which("ctr"), which("runc"));
        let (Some(bin), Some(_), Some(runc)) = found else {
            assert!(
                std::env::var_os("CI").is_none(),
                "containerd, ctr or runc is missing: scripts/test.sh installs them"
            );
            eprintln!("skipped: no containerd");
            return None;
        };
        let run_dir_existed = Path::new("/run/containerd").exists();
        let dir = dir.join("ctd");
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("config.toml"),
            format!(
                "version = 2\nroot = \"{d}/root\"\nstate = \"{d}/state\"\n\
                 disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
                 [grpc]\n  address = \"{d}/sock\"\n[ttrpc]\n  address = \"{d}/sock.ttrpc\"\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("containerd.log")).unwrap();
        let child = Command::new(bin)
            .arg("--config")
            .arg(dir.join("config.toml"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let c = Containerd {
            dir,
            child,
            runc,
            ids: Vec::new(),
            run_dir_existed,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !c.ctr(&["version"]).status.success() {
            assert!(
                Instant::now() < deadline,
                "containerd did not start: {}",
                std::fs::read_to_string(c.dir.join("containerd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(c)
    }

    fn ctr(&self, args: &[&str]) -> std::process::Output {
        Command::new("ctr")
            .arg("--address")
            .arg(self.dir.join("sock"))
            .args(args)
            .output()
            .unwrap()
    }

    fn ctr_ok(&self, args: &[&str]) -> String {
        let out = self.ctr(args);
        assert!(
            out.status.success(),
            "ctr {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn run(&mut self, image: &str, id: &str) {
        let runc = self.runc.display().to_string();
        // FIFOs and runc's state in the test's directory, not /run.
        let fifos = self.dir.join("fifo").display().to_string();
        let runc_root = self.dir.join("runc").display().to_string();
        self.ctr_ok(&[
            "run",
            "-d",
            "--fifo-dir",
            &fifos,
            "--runc-root",
            &runc_root,
            "--runc-binary",
            &runc,
            image,
            id,
            "/bin/sleep",
            "300",
        ]);
        self.ids.push(id.to_string());
    }

    fn stop(&self, id: &str) {
        let _ = self.ctr(&["tasks", "kill", "-s", "SIGKILL", id]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.ctr(&["tasks", "rm", "-f", id]).status.success() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.ctr(&["containers", "rm", id]);
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root")
    }

    fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// The container's root overlay: its lower dirs.
    fn lowers(&self, id: &str) -> Vec<PathBuf> {
        let pid = std::fs::read_to_string(
            self.state()
                .join("io.containerd.runtime.v2.task/default")
                .join(id)
                .join("init.pid"),
        )
        .unwrap();
        let text = std::fs::read(format!("/proc/{}/mountinfo", pid.trim())).unwrap();
        match plumb_agent::containers::discover::parse_mountinfo(&text).0 {
            plumb_agent::containers::Root::Overlay { lowers, .. } => lowers,
            other => panic!("container {id}'s root is {other:?}"),
        }
    }

    /// `check --containers --json` against this containerd.
    fn check(&self, manifests: &[&Path]) -> (i32, Vec<Value>) {
        let mut cmd = agent();
        cmd.args(["check", "--containers", "--json", "--containerd-root"])
            .arg(self.root())
            .arg("--containerd-state")
            .arg(self.state());
        for m in manifests {
            cmd.arg("--manifest").arg(m);
        }
        let out = cmd.output().unwrap();
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        (out.status.code().unwrap_or(-1), lines)
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        for id in std::mem::take(&mut self.ids) {
            self.stop(&id);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The shims put their sockets under /run/containerd/s whatever the
        // configuration says: what this test made there and left empty goes.
        if !self.run_dir_existed {
            for d in ["s", "fifo", "runc/default", "runc", ""] {
                let _ = std::fs::remove_dir(Path::new("/run/containerd").join(d));
            }
        }
    }
}

fn of<'a>(reports: &'a [Value], id: &str) -> Option<&'a Value> {
    reports.iter().find(|r| r["container_id"] == id)
}

#[test]
fn a_containerd_container_is_named_from_its_metadata_and_judged_against_its_image() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mut ctd) = Containerd::start(tmp.path()) else {
        return;
    };
    let podman = Podman::find().expect("podman: scripts/test.sh installs it");
    // The image: busybox and /srv/app.conf, saved as an OCI archive that
    // both containerd and the manifest build read.
    let tag = std::process::id();
    let name = format!("localhost/plumb-ctd-{tag}");
    let root = tmp.path().join("image-root");
    Podman::busybox_root(&root, &[("/srv/app.conf", b"port = 8080\n")]);
    let image_id = podman.import(&root, &format!("{name}:1"));
    let archive = tmp.path().join("image.tar");
    podman.save(&format!("{name}:1"), "oci-archive", &archive);
    let manifest = tmp.path().join("image.pb");
    support::build_image_manifest(&archive, &manifest);
    ctd.ctr_ok(&[
        "images",
        "import",
        "--base-name",
        &name,
        archive.to_str().unwrap(),
    ]);
    // Not 64 hex digits and not in its cgroup path: found by its init pid.
    let id = format!("plumb-ctd-{tag}");
    ctd.run(&format!("{name}:1"), &id);

    // Clean: verified against the image containerd's metadata names.
    let (code, reports) = ctd.check(&[&manifest]);
    let r = of(&reports, &id).unwrap_or_else(|| panic!("{reports:?}"));
    assert_eq!(r["runtime"], "containerd", "{r}");
    assert_eq!(r["image"], format!("{name}:1").as_str(), "{r}");
    assert_eq!(r["image_digest"], image_id.as_str(), "{r}");
    assert_eq!(r["status"], "verified", "{r}");
    assert_eq!(kinds(r), vec![], "a fresh container is clean: {r}");
    let _ = code;

    // Without its image's manifest: unverified, never clean.
    let (code, reports) = ctd.check(&[]);
    assert_eq!(code, 1);
    let r = of(&reports, &id).unwrap();
    assert_eq!(r["status"], "unverified", "{r}");
    assert_eq!(kinds(r), vec![("scan_error".into(), "image".into())]);

    // A file written in the container is drift of that container.
    ctd.ctr_ok(&[
        "tasks",
        "exec",
        "--exec-id",
        "w",
        &id,
        "/bin/sh",
        "-c",
        "echo evil > /srv/new",
    ]);
    let (code, reports) = ctd.check(&[&manifest]);
    assert_eq!(code, 1);
    let r = of(&reports, &id).unwrap();
    assert_eq!(
        kinds(r),
        vec![("file_added".into(), "/srv/new".into())],
        "{r}"
    );

    // The image's layer changed in containerd's snapshot store.
    let lower = ctd
        .lowers(&id)
        .into_iter()
        .find(|l| l.join("srv/app.conf").exists())
        .expect("a lower dir holds /srv/app.conf");
    std::fs::write(lower.join("srv/app.conf"), b"port = 31337\n").unwrap();
    let (_, reports) = ctd.check(&[&manifest]);
    let r = of(&reports, &id).unwrap();
    let layer = r["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "/srv/app.conf")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(layer["kind"], "file_modified");
    assert!(
        layer["changes"]
            .as_array()
            .unwrap()
            .contains(&"image_layer".into()),
        "{layer}"
    );

    // Stopped: it is gone from the next pass.
    ctd.stop(&id);
    let (_, reports) = ctd.check(&[&manifest]);
    assert!(of(&reports, &id).is_none(), "{reports:?}");
}

//! Test harness for the `plumb-agent` binary: a fixture root, a manifest
//! of it, and `check` runs whose JSON is parsed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use plumb_agent::fixture::FixtureRoot;
use serde_json::Value;

pub struct Node {
    pub _dir: tempfile::TempDir,
    pub root: FixtureRoot,
    pub manifest: PathBuf,
    pub state: PathBuf,
}

pub fn agent() -> Command {
    Command::new(env!("CARGO_BIN_EXE_plumb-agent"))
}

impl Node {
    /// A realistic root, not yet recorded.
    pub fn new() -> Node {
        let dir = tempfile::tempdir().unwrap();
        let root = FixtureRoot::at(dir.path().join("root"));
        root.realistic();
        Node {
            manifest: dir.path().join("image.pb"),
            state: dir.path().join("state"),
            root,
            _dir: dir,
        }
    }

    /// Records the manifest with extra `manifest build` arguments. The
    /// fixture root's runtime is not this test machine's: runtime checks
    /// are left out unless `--runtime` is among them.
    pub fn build_with(&self, extra: &[&str]) -> &Self {
        let out = agent()
            .args(["manifest", "build", "--image-id", "img-test-1", "--root"])
            .arg(self.root.path())
            .arg("-o")
            .arg(&self.manifest)
            .args(extra)
            .args(no_runtime_unless_asked(extra))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self
    }

    pub fn build(&self) -> &Self {
        self.build_with(&[])
    }

    /// `check --json` of the fixture root. What runs on the test machine
    /// is judged against it (`--processes`: the fixture root is not the
    /// running system's) unless `extra` says otherwise.
    pub fn check_cmd(&self, extra: &[&str]) -> Command {
        let mut c = agent();
        c.args(["check", "--json", "--manifest"])
            .arg(&self.manifest)
            .arg("--root")
            .arg(self.root.path())
            .arg("--state-dir")
            .arg(&self.state)
            .args(extra)
            .args(judge_running(extra));
        c
    }

    /// Runs `check --json` and returns (exit code, report).
    pub fn check_with(&self, extra: &[&str]) -> (i32, Value) {
        let out = self.check_cmd(extra).output().unwrap();
        parse(out)
    }

    pub fn check(&self) -> (i32, Value) {
        self.check_with(&[])
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.root.join(p)
    }

    /// `plumb-agent` run as the unprivileged user nobody (who can reach
    /// the root but not read what only root may), arguments to follow.
    pub fn agent_as_nobody(&self) -> Command {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(self._dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_plumb-agent"),
        ]);
        cmd
    }

    /// `check --json` as nobody, with no state directory it could write.
    pub fn check_as_nobody(&self) -> (i32, Value) {
        let mut cmd = self.agent_as_nobody();
        cmd.args([
            "check",
            "--json",
            "--state-dir",
            "/nonexistent/plumb",
            "--manifest",
        ])
        .arg(&self.manifest)
        .arg("--root")
        .arg(self.root.path())
        .arg("--processes");
        parse(cmd.output().unwrap())
    }
}

pub fn parse(out: Output) -> (i32, Value) {
    let code = out.status.code().unwrap_or(-1);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}); exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

/// The deviations as (kind, key) pairs.
pub fn kinds(report: &Value) -> Vec<(String, String)> {
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

/// The one deviation on `key`.
pub fn deviation<'a>(report: &'a Value, key: &str) -> &'a Value {
    let matching: Vec<&Value> = report["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["key"] == key)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one deviation on {key}, report: {report:#}"
    );
    matching[0]
}

/// The `scan_error` deviation on `key` (a database, `files`) of a report.
pub fn scan_error<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "scan_error" && d["key"] == key)
        .unwrap_or_else(|| panic!("no scan_error on {key} in {report:#}"))
}

/// Sets a file's mtime back to `reference`'s (what an attacker does).
pub fn restore_mtime(path: &Path, reference: std::time::SystemTime) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(reference).unwrap();
}

/// Spawns a program that was just copied: another test thread forking at
/// the moment of the copy holds its write descriptor for an instant, and
/// exec fails with "text file busy" until that child has exec'd too.
pub fn spawn_fresh_copy(cmd: &mut Command) -> std::process::Child {
    for _ in 0..50 {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            other => return other.unwrap(),
        }
    }
    cmd.spawn().unwrap()
}

/// `--processes` unless `extra` decides about the runtime checks itself.
pub fn judge_running(extra: &[&str]) -> Option<&'static str> {
    (!extra.contains(&"--no-processes") && !extra.contains(&"--processes")).then_some("--processes")
}

/// `--no-runtime` unless `extra` asks for the runtime checks: a fixture
/// root is not what runs on the test machine.
pub fn no_runtime_unless_asked(extra: &[&str]) -> Option<&'static str> {
    (!extra.contains(&"--runtime")).then_some("--no-runtime")
}

/// Runs `cmd`, returning its exit code and standard error.
pub fn stderr_of(mut cmd: std::process::Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Replays every committed input of `targets`; returns how many.
pub fn replay(targets: &[(&str, plumb_agent::fuzzing::Target)]) -> usize {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (name, target) in targets {
        for kind in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join(name)) else {
                continue;
            };
            for entry in entries.flatten() {
                // A corpus a running fuzzer is minimising may lose files.
                let Ok(bytes) = std::fs::read(entry.path()) else {
                    continue;
                };
                target(&bytes);
                replayed += 1;
            }
        }
    }
    replayed
}

/// `manifest build --image-archive ARCHIVE -o MANIFEST`, which must succeed.
pub fn build_image_manifest(archive: &Path, manifest: &Path) {
    let out = agent()
        .args(["manifest", "build", "--image-archive"])
        .arg(archive)
        .arg("-o")
        .arg(manifest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "image manifest build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cmd` to its end, or kills it after `secs` and fails the test: a
/// command that could hang on hostile input must not hang the suite.
pub fn output_within(cmd: &mut Command, secs: u64) -> Output {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the command starts");
    // Drained on threads of their own: a full pipe must not stall it.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

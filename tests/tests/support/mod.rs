//! Harness for end-to-end tests: real binaries on loopback ports, each
//! test in its own temp directory, and polling helpers with deadlines.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use plumb_agent::fixture::FixtureRoot;
use serde_json::Value;

/// The directory holding the workspace's built binaries.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (scripts/test.sh does)",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `f` until it returns Some or `timeout` passes.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process killed when dropped.
pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn signal(&self, sig: i32) {
        // Sending a signal to our own child by pid.
        let _ = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(cmd: &mut Command, log: PathBuf) -> Proc {
    let out = std::fs::File::create(&log).unwrap();
    let child = cmd
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .stdin(Stdio::null())
        .env("PLUMB_LOG", "info,plumb_agent=debug")
        .spawn()
        .unwrap();
    Proc { child, log }
}

pub struct Collector {
    pub proc: Proc,
    pub grpc: String,
    pub http: String,
    pub args: Vec<String>,
    pub dir: PathBuf,
}

impl Collector {
    /// Starts a collector on free ports with an embedded database in `dir`.
    pub fn start(dir: &Path, extra: &[&str]) -> Collector {
        let (g, h) = (free_port(), free_port());
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--grpc".into(),
            format!("127.0.0.1:{g}"),
            "--http".into(),
            format!("127.0.0.1:{h}"),
            "--data-dir".into(),
            dir.join("collector").display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut c = Collector {
            proc: spawn(
                Command::new(bin("plumb-collector")).args(&args),
                dir.join("collector.log"),
            ),
            grpc: format!("http://127.0.0.1:{g}"),
            http: format!("http://127.0.0.1:{h}"),
            args,
            dir: dir.to_path_buf(),
        };
        c.wait_ready();
        c
    }

    fn wait_ready(&mut self) {
        let url = format!("{}/readyz", self.http);
        let log = self.proc.log.clone();
        wait_for(
            &format!("collector ready ({})", log.display()),
            Duration::from_secs(20),
            || ureq::get(&url).call().ok().filter(|r| r.status() == 200),
        );
    }

    /// Kills (SIGKILL) and starts again on the same ports and database.
    pub fn restart(&mut self) {
        self.proc.kill9();
        let log = self.dir.join(format!("collector-{}.log", now_ms()));
        self.proc = spawn(Command::new(bin("plumb-collector")).args(&self.args), log);
        self.wait_ready();
    }

    pub fn get(&self, path: &str) -> Value {
        let mut r = ureq::get(&format!("{}{path}", self.http))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        r.body_mut().read_json().unwrap()
    }

    /// GET returning (status, body) even for error statuses.
    pub fn get_raw(&self, path: &str) -> (u16, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = agent.get(&format!("{}{path}", self.http)).call().unwrap();
        (
            r.status().as_u16(),
            r.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    pub fn ctl(&self, args: &[&str]) -> Output {
        Command::new(bin("plumbctl"))
            .arg("--collector")
            .arg(&self.grpc)
            .args(args)
            .output()
            .unwrap()
    }

    /// `plumbctl --json ARGS`, parsed; panics with stderr on failure.
    pub fn ctl_json(&self, args: &[&str]) -> Value {
        let out = self.ctl(&[&["--json"], args].concat());
        assert!(
            out.status.success(),
            "plumbctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The keys of a node's open deviations, sorted.
    pub fn open_keys(&self, node: &str) -> Vec<String> {
        let d = self.get(&format!("/api/v1/nodes/{node}/deviations?state=open"));
        let mut keys: Vec<String> = d["deviations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["key"].as_str().unwrap().to_string())
            .collect();
        keys.sort();
        keys
    }

    /// The node as `plumbctl nodes --json` reports it.
    pub fn node(&self, id: &str) -> Option<Value> {
        let nodes = self.ctl_json(&["nodes"]);
        nodes
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["node_id"] == id)
            .cloned()
    }

    pub fn wait_status(&self, node: &str, status: &str, timeout: Duration) -> Value {
        wait_for(&format!("node {node} to become {status}"), timeout, || {
            self.node(node).filter(|n| n["status"] == status)
        })
    }
}

pub fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// A fixture node: its root, its manifest, and its agent (when running).
pub struct Node {
    pub id: String,
    pub dir: PathBuf,
    pub root: FixtureRoot,
    pub manifest: PathBuf,
    pub agent: Option<Proc>,
}

impl Node {
    /// A realistic root and its manifest (image `img-e2e`).
    pub fn new(base: &Path, id: &str) -> Node {
        let dir = base.join(id);
        let root = FixtureRoot::at(dir.join("root"));
        root.realistic();
        let manifest = dir.join("manifest.pb");
        let out = Command::new(bin("plumb-agent"))
            .args(["manifest", "build", "--image-id", "img-e2e", "--root"])
            .arg(root.path())
            .arg("-o")
            .arg(&manifest)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Node {
            id: id.to_string(),
            dir,
            root,
            manifest,
            agent: None,
        }
    }

    /// Starts the agent with extra flags (e.g. `--image-id` instead of the
    /// manifest file).
    pub fn start_agent(&mut self, collector: &str, extra: &[&str]) {
        let mut cmd = Command::new(bin("plumb-agent"));
        cmd.args([
            "run",
            "--collector",
            collector,
            "--node-id",
            &self.id,
            "--root",
        ])
        .arg(self.root.path())
        .arg("--state-dir")
        .arg(self.dir.join("state"))
        .args([
            "--heartbeat",
            "1s",
            "--interval",
            "1h",
            "--quick-interval",
            "1h",
        ]);
        if !extra.contains(&"--image-id") {
            cmd.arg("--manifest").arg(&self.manifest);
        }
        cmd.args(extra);
        let log = self.dir.join(format!("agent-{}.log", now_ms()));
        self.agent = Some(spawn(&mut cmd, log));
    }

    pub fn kill_agent(&mut self) {
        if let Some(mut p) = self.agent.take() {
            p.kill9();
        }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.root.join(p)
    }
}

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

/// A port free right now, below the kernel's ephemeral range: ports the
/// kernel hands out (to `bind(0)` and to outgoing connections, of which
/// some tests open hundreds) cannot take it before the test binds it.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    // Each test process walks its own slice of 10000-32000.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 10_000 + (std::process::id() % 200) as u16 * 110;
    for _ in 0..110 {
        let port = base + NEXT.fetch_add(1, Ordering::Relaxed) % 110;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
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

/// Runs `cmd` to its end and returns what it printed; a command still
/// running after `limit` is killed and the test fails naming it, so a hang
/// costs one test, not the suite.
pub fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!(
                "{cmd:?} still running after {limit:?}; it printed: {}",
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
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

pub fn spawn(cmd: &mut Command, log: PathBuf) -> Proc {
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

/// How a test collector is secured.
#[derive(Clone, Debug)]
pub struct Security {
    /// `plumbctl pki init` output: ca.pem, ca.key, collector.pem, collector.key.
    pub pki: PathBuf,
    /// An admin API token.
    pub token: String,
}

pub struct Collector {
    pub proc: Proc,
    pub grpc: String,
    pub http: String,
    pub args: Vec<String>,
    pub dir: PathBuf,
    /// `None`: plaintext and no authentication (loopback, explicit flags).
    pub security: Option<Security>,
}

/// Runs a command and returns its stdout, panicking with its stderr.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

impl Collector {
    /// Starts a collector on free ports with an embedded database in
    /// `dir`: TLS on both ports, agents authenticated by node certificates
    /// from a fresh development CA, the API by an admin token.
    pub fn start(dir: &Path, extra: &[&str]) -> Collector {
        let pki = dir.join("pki");
        if !pki.join("ca.pem").exists() {
            run_ok(
                Command::new(bin("plumbctl"))
                    .args(["pki", "init", "--dir"])
                    .arg(&pki),
            );
        }
        let data = dir.join("collector");
        let mut create = Command::new(bin("plumb-collector"));
        create
            .args([
                "token",
                "create",
                "--role",
                "admin",
                "--name",
                "tests",
                "--data-dir",
            ])
            .arg(&data);
        if let Some(i) = extra.iter().position(|a| *a == "--database") {
            create.arg("--database").arg(extra[i + 1]);
        }
        let token = run_ok(&mut create).trim().to_string();
        let p = |f: &str| pki.join(f).display().to_string();
        let mut args: Vec<String> = vec![
            "--tls-cert".into(),
            p("collector.pem"),
            "--tls-key".into(),
            p("collector.key"),
            "--client-ca".into(),
            p("ca.pem"),
            "--enroll-ca-cert".into(),
            p("ca.pem"),
            "--enroll-ca-key".into(),
            p("ca.key"),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Collector::launch(dir, &refs, Some(Security { pki, token }))
    }

    /// Starts a collector without TLS or authentication (the explicit
    /// loopback-only development mode).
    pub fn start_insecure(dir: &Path, extra: &[&str]) -> Collector {
        let mut args = vec!["--insecure-plaintext", "--insecure-no-auth"];
        args.extend(extra);
        Collector::launch(dir, &args, None)
    }

    fn launch(dir: &Path, extra: &[&str], security: Option<Security>) -> Collector {
        // `--grpc ADDR` in `extra` replaces the free loopback port.
        let grpc_addr = match extra.iter().position(|a| *a == "--grpc") {
            Some(i) => extra[i + 1].to_string(),
            None => format!("127.0.0.1:{}", free_port()),
        };
        // `--http ADDR` in `extra` replaces it too (requests still go to
        // loopback, on the same port).
        let http_addr = match extra.iter().position(|a| *a == "--http") {
            Some(i) => extra[i + 1].to_string(),
            None => format!("127.0.0.1:{}", free_port()),
        };
        let h = http_addr.rsplit_once(':').unwrap().1.to_string();
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--data-dir".into(),
            dir.join("collector").display().to_string(),
        ];
        if !extra.contains(&"--http") {
            args.extend(["--http".to_string(), http_addr.clone()]);
        }
        if !extra.contains(&"--grpc") {
            args.extend(["--grpc".to_string(), grpc_addr.clone()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let scheme = if security.is_some() { "https" } else { "http" };
        let mut c = Collector {
            proc: spawn(
                Command::new(bin("plumb-collector")).args(&args),
                dir.join("collector.log"),
            ),
            grpc: format!("{scheme}://{grpc_addr}"),
            http: format!("{scheme}://127.0.0.1:{h}"),
            args,
            dir: dir.to_path_buf(),
            security,
        };
        c.wait_ready();
        c
    }

    pub fn ca(&self) -> Option<PathBuf> {
        self.security.as_ref().map(|s| s.pki.join("ca.pem"))
    }

    /// An HTTP client that trusts the test CA and keeps error statuses.
    pub fn http_agent(&self) -> ureq::Agent {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0);
        if let Some(ca) = self.ca() {
            let pem = std::fs::read(ca).unwrap();
            let cert = ureq::tls::Certificate::from_pem(&pem).unwrap();
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
                        cert,
                    ])))
                    .build(),
            );
        }
        config.build().into()
    }

    /// `Authorization` header value of the admin token.
    pub fn bearer(&self) -> String {
        format!(
            "Bearer {}",
            self.security.as_ref().map_or("", |s| s.token.as_str())
        )
    }

    fn wait_ready(&mut self) {
        let url = format!("{}/readyz", self.http);
        let log = self.proc.log.clone();
        let agent = self.http_agent();
        wait_for(
            &format!("collector ready ({})", log.display()),
            Duration::from_secs(20),
            || agent.get(&url).call().ok().filter(|r| r.status() == 200),
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
        let (status, body) = self.get_raw(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// GET (as admin) returning (status, body) even for error statuses.
    pub fn get_raw(&self, path: &str) -> (u16, String) {
        let mut r = self
            .http_agent()
            .get(&format!("{}{path}", self.http))
            .header("authorization", &self.bearer())
            .call()
            .unwrap();
        (
            r.status().as_u16(),
            r.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    /// POST a JSON body (as admin) returning (status, body).
    pub fn post(&self, path: &str, body: Value) -> (u16, String) {
        self.post_with(path, &self.bearer(), body)
    }

    /// POST a JSON body with API token `token` returning (status, body).
    pub fn post_as(&self, path: &str, token: &str, body: Value) -> (u16, String) {
        self.post_with(path, &format!("Bearer {token}"), body)
    }

    fn post_with(&self, path: &str, authorization: &str, body: Value) -> (u16, String) {
        let mut r = self
            .http_agent()
            .post(&format!("{}{path}", self.http))
            .header("authorization", authorization)
            .send_json(body)
            .unwrap();
        (
            r.status().as_u16(),
            r.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    /// plumbctl against this collector (as admin), TLS and token set.
    pub fn ctl_command(&self) -> Command {
        let mut cmd = Command::new(bin("plumbctl"));
        cmd.env("PLUMB_COLLECTOR", &self.grpc)
            .env_remove("PLUMB_TOKEN")
            .env_remove("PLUMB_CA");
        match &self.security {
            Some(s) => {
                cmd.env("PLUMB_CA", s.pki.join("ca.pem"))
                    .env("PLUMB_TOKEN", &s.token);
            }
            None => {
                cmd.arg("--insecure-plaintext");
            }
        }
        cmd
    }

    pub fn ctl(&self, args: &[&str]) -> Output {
        self.ctl_command().args(args).output().unwrap()
    }

    /// An API token with `role`.
    pub fn token(&self, role: &str, name: &str) -> String {
        let out = self.ctl(&["token", "create", "--role", role, "--name", name]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Issues a node certificate (development path of the PKI) into
    /// `out`; returns (cert, key).
    pub fn issue_node_cert(&self, node: &str, out: &Path) -> (PathBuf, PathBuf) {
        let s = self.security.as_ref().expect("a secured collector");
        run_ok(
            Command::new(bin("plumbctl"))
                .args(["pki", "issue-node", node, "--dir"])
                .arg(&s.pki)
                .arg("--out")
                .arg(out),
        );
        (
            out.join(format!("{node}.pem")),
            out.join(format!("{node}.key")),
        )
    }

    /// A gRPC channel as a tool opens it: TLS, no client certificate.
    pub async fn tool_channel(&self) -> tonic::transport::Channel {
        let tls = plumb_proto::transport::ClientTls {
            ca_pem: self.ca().map(|ca| std::fs::read(ca).unwrap()),
            insecure_plaintext: self.security.is_none(),
            ..Default::default()
        };
        plumb_proto::transport::endpoint(&self.grpc, &tls)
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    /// A gRPC channel as node `node` would open it (its own certificate).
    pub async fn node_channel(&self, node: &str) -> tonic::transport::Channel {
        let mut tls = plumb_proto::transport::ClientTls {
            insecure_plaintext: self.security.is_none(),
            ..Default::default()
        };
        if let Some(s) = &self.security {
            let certs = self.dir.join("node-certs");
            let (cert, key) = if certs.join(format!("{node}.pem")).exists() {
                (
                    certs.join(format!("{node}.pem")),
                    certs.join(format!("{node}.key")),
                )
            } else {
                self.issue_node_cert(node, &certs)
            };
            tls.ca_pem = Some(std::fs::read(s.pki.join("ca.pem")).unwrap());
            tls.identity = Some((std::fs::read(cert).unwrap(), std::fs::read(key).unwrap()));
        }
        plumb_proto::transport::endpoint(&self.grpc, &tls)
            .unwrap()
            .connect()
            .await
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

/// An agent's first message: a hello for image `img`.
pub fn hello(node: &str) -> plumb_proto::v1::AgentMessage {
    use plumb_proto::v1::{agent_message, AgentMessage, Hello};
    AgentMessage {
        seq: 0,
        prev_hash: vec![],
        body: Some(agent_message::Body::Hello(Hello {
            node_id: node.into(),
            hostname: "h".into(),
            image_id: "img".into(),
            manifest_digest: vec![1; 32],
            agent_version: "test".into(),
            boot_id: "b".into(),
            heartbeat_secs: 10,
            ..Default::default()
        })),
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
            .args([
                "manifest",
                "build",
                "--image-id",
                "img-e2e",
                "--no-runtime",
                "--root",
            ])
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

    /// Rebuilds this node's manifest with extra `manifest build` flags.
    pub fn rebuild_with(&self, extra: &[&str]) {
        run_ok(
            Command::new(bin("plumb-agent"))
                .args(["manifest", "build", "--image-id", "img-e2e", "--root"])
                .arg(self.root.path())
                .arg("-o")
                .arg(&self.manifest)
                .args(extra)
                .args((!extra.contains(&"--runtime")).then_some("--no-runtime")),
        );
    }

    /// Rebuilds this node's manifest with provenance labels (`KEY=VALUE`)
    /// and registers it with the collector.
    pub fn label_and_push(&self, collector: &Collector, labels: &[&str]) {
        let flags: Vec<&str> = labels.iter().flat_map(|l| ["--label", l]).collect();
        self.rebuild_with(&flags);
        run_ok(
            collector
                .ctl_command()
                .args(["manifest", "push"])
                .arg(&self.manifest),
        );
    }

    /// Starts the agent with extra flags (e.g. `--image-id` instead of the
    /// manifest file), with a node certificate from the collector's CA
    /// unless the flags bring their own identity (an enrollment token).
    pub fn start_agent(&mut self, collector: &Collector, extra: &[&str]) {
        let mut cmd = self.agent_command(collector, extra);
        let log = self.dir.join(format!("agent-{}.log", now_ms()));
        self.agent = Some(spawn(&mut cmd, log));
    }

    /// [`Node::start_agent`] with `hosts` as the agent's /etc/hosts (in a
    /// mount namespace of its own; needs root): names that resolve to
    /// several loopback addresses.
    pub fn start_agent_with_hosts(&mut self, collector: &Collector, extra: &[&str], hosts: &Path) {
        let inner = self.agent_command(collector, extra);
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg("mount --bind \"$0\" /etc/hosts && exec \"$@\"")
            .arg(hosts)
            .arg(inner.get_program())
            .args(inner.get_args());
        let log = self.dir.join(format!("agent-{}.log", now_ms()));
        self.agent = Some(spawn(&mut cmd, log));
    }

    /// The agent's command line, as [`Node::start_agent`] runs it.
    pub fn agent_command(&self, collector: &Collector, extra: &[&str]) -> Command {
        let mut cmd = Command::new(bin("plumb-agent"));
        cmd.arg("run");
        // `--collector` in `extra` (a list of replicas) replaces the default.
        if !extra.contains(&"--collector") {
            cmd.args(["--collector", &collector.grpc]);
        }
        cmd.args(["--node-id", &self.id, "--root"])
            .arg(self.root.path())
            .arg("--state-dir")
            .arg(self.dir.join("state"));
        // Test periods, unless `extra` sets its own.
        for (flag, value) in [
            ("--heartbeat", "1s"),
            ("--interval", "1h"),
            ("--quick-interval", "1h"),
        ] {
            if !extra.contains(&flag) {
                cmd.args([flag, value]);
            }
        }
        match &collector.security {
            Some(s) => {
                cmd.arg("--ca").arg(s.pki.join("ca.pem"));
                let enrolls = extra.iter().any(|a| a.starts_with("--enroll-token"));
                let has_cert = self.dir.join("state/node.pem").exists();
                if !enrolls && !has_cert {
                    std::fs::create_dir_all(self.dir.join("state")).unwrap();
                    let (cert, key) = collector.issue_node_cert(&self.id, &self.dir.join("certs"));
                    std::fs::copy(cert, self.dir.join("state/node.pem")).unwrap();
                    std::fs::copy(key, self.dir.join("state/node.key")).unwrap();
                }
            }
            None => {
                cmd.arg("--insecure-plaintext");
            }
        }
        if !extra.contains(&"--image-id") {
            cmd.arg("--manifest").arg(&self.manifest);
        }
        cmd.args(extra);
        cmd
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

/// A fresh PostgreSQL database on the server `base` names (a URL of one
/// of its databases), dropped when the guard is (its `url` to connect).
pub fn fresh_database(base: &str) -> plumb_collector::store::scratch::ScratchDatabase {
    plumb_collector::store::scratch::ScratchDatabase::create(base)
}

/// Spawns a program that was just copied: another test thread forking at
/// the moment of the copy holds its write descriptor for an instant, and
/// exec fails with "text file busy" until that child has exec'd too.
pub fn spawn_fresh_copy(cmd: &mut Command) -> std::process::Child {
    for _ in 0..50 {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            other => return other.unwrap(),
        }
    }
    cmd.spawn().unwrap()
}

/// A single-threaded runtime for a test's gRPC clients.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// How many deviations (open and resolved) of `node` have `key`.
pub fn history_count(c: &Collector, node: &str, key: &str) -> usize {
    let d = c.get(&format!("/api/v1/nodes/{node}/deviations?state=all"));
    d["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["key"] == key)
        .count()
}

/// Gives replica `to` the fleet's CA and server certificate of replica
/// `from` (one CA for the fleet: every replica serves the same names).
pub fn share_pki(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("pki")).unwrap();
    for f in ["ca.pem", "ca.key", "collector.pem", "collector.key"] {
        std::fs::copy(from.join("pki").join(f), to.join("pki").join(f)).unwrap();
    }
}

/// The PostgreSQL server the suite uses (`PLUMB_TEST_POSTGRES`, which
/// `scripts/test.sh` sets); `None`, said on stderr, when there is none.
pub fn test_postgres() -> Option<String> {
    let base = std::env::var("PLUMB_TEST_POSTGRES").ok();
    if base.is_none() {
        eprintln!("PLUMB_TEST_POSTGRES not set; scripts/test.sh sets it");
    }
    base
}

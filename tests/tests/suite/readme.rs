//! README.md's commands, run as written. Every command line of the
//! README's `sh` blocks is run here, in an order that gives each what it
//! needs (the README explains the collector after the agent; a collector
//! must run first), against fixtures: a node root built by the fixtures
//! stands for `/` and `/mnt/image`, `collector.internal` is this machine
//! (`localhost`), its ports are free ones, and `/etc/plumb`,
//! `/var/lib/plumb-collector` and `~` are directories of the test. Those
//! substitutions are the only changes made to a command. A README command
//! this file does not know fails the test, so an example cannot be added
//! or changed without being run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use plumb_agent::image_fixture::{ImageWriter, LayerBuilder, Podman};

use crate::support::*;

/// The README's command lines: `sh` blocks, continuation lines joined,
/// here-documents kept with their command, comments and blank lines out.
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut lines = readme.lines();
    let mut current = String::new();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = strip_comment(line);
        if code.trim().is_empty() {
            continue;
        }
        if let Some(rest) = code.trim_end().strip_suffix('\\') {
            current.push_str(rest.trim_end());
            current.push(' ');
            continue;
        }
        current.push_str(code.trim_end());
        // A here-document runs to its delimiter.
        if let Some(at) = current.find("<<'") {
            let word: String = current[at + 3..]
                .chars()
                .take_while(|c| *c != '\'')
                .collect();
            for body in lines.by_ref() {
                current.push('\n');
                current.push_str(body);
                if body == word {
                    break;
                }
            }
        }
        out.push(normalize(&current));
        current.clear();
    }
    out
}

/// A line without its `# comment` (a `#` outside quotes, after a space).
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && (i == 0 || bytes[i - 1] == b' ') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn normalize(cmd: &str) -> String {
    cmd.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Commands the suite runs elsewhere, and where.
const ELSEWHERE: &[(&str, &str)] = &[
    ("./scripts/test.sh", "the suite itself (.ci/run calls it)"),
    (
        "./scripts/demo.sh",
        "runs until Ctrl-C; every step it takes is a command run here (pki init, token, serve, manifest push, enroll create, agent run)",
    ),
    ("scripts/package.sh", "packaging.rs runs it"),
];

/// Where the README's commands run: the fixtures and what the commands
/// leave for each other.
struct Sandbox {
    t: tempfile::TempDir,
    root: PathBuf,
    grpc: u16,
    http: u16,
    ran: BTreeSet<String>,
    background: Vec<Child>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for c in &mut self.background {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Sandbox {
    fn new() -> Sandbox {
        let t = tempfile::tempdir().unwrap();
        for d in ["etc/plumb", "home", "work", "state"] {
            std::fs::create_dir_all(t.path().join(d)).unwrap();
        }
        let root = t.path().join("root");
        plumb_agent::fixture::FixtureRoot::at(&root).realistic();
        std::fs::write(t.path().join("env.sh"), "").unwrap();
        Sandbox {
            root,
            grpc: free_port(),
            http: free_port(),
            t,
            ran: BTreeSet::new(),
            background: Vec::new(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.t.path().join(p)
    }

    /// The command as it runs here: the substitutions the module
    /// documentation lists, and nothing else.
    fn substitute(&self, cmd: &str) -> String {
        let t = self.t.path().display().to_string();
        let root = self.root.display().to_string();
        let cmd = match cmd.strip_suffix("--root /") {
            Some(head) => format!("{head}--root {root}"),
            None => cmd.to_string(),
        };
        cmd.replace("collector.internal", "localhost")
            .replace("0.0.0.0:7400", &format!("127.0.0.1:{}", self.grpc))
            .replace("0.0.0.0:7480", &format!("127.0.0.1:{}", self.http))
            .replace("localhost:7400", &format!("localhost:{}", self.grpc))
            .replace("localhost:7480", &format!("localhost:{}", self.http))
            .replace("/etc/plumb", &format!("{t}/etc/plumb"))
            .replace("/var/lib/plumb-collector", &format!("{t}/collector"))
            .replace("/mnt/image", &root)
            .replace("--root / ", &format!("--root {root} "))
    }

    fn shell(&self, cmd: &str) -> Command {
        let bin = bin("plumb-agent").parent().unwrap().to_path_buf();
        let mut c = Command::new("bash");
        // Each command sees what the commands before it exported.
        c.arg("-c")
            .arg(format!(
                "set -eo pipefail; . \"$SANDBOX/env.sh\"; {}",
                self.substitute(cmd)
            ))
            .current_dir(self.path("work"))
            .env("SANDBOX", self.t.path())
            .env("HOME", self.path("home"))
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            // What a node's agent is told by its unit file.
            .env("PLUMB_ROOT", &self.root)
            .env("PLUMB_STATE_DIR", self.path("state"))
            .env("PLUMB_NODE_ID", "readme-node")
            .env("PLUMB_DATA_DIR", self.path("collector"))
            .env_remove("PLUMB_COLLECTOR")
            .env_remove("PLUMB_CA")
            .env_remove("PLUMB_TOKEN_FILE");
        c
    }

    /// Runs README command `cmd`; its standard output.
    fn run(&mut self, cmd: &str) -> String {
        let out = output_within(&mut self.shell(cmd), Duration::from_secs(120));
        assert!(
            out.status.success(),
            "README command failed: {cmd}\n(run as: {})\n{}{}",
            self.substitute(cmd),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(exports) = cmd.strip_prefix("export ") {
            let mut env = std::fs::read_to_string(self.path("env.sh")).unwrap();
            env.push_str(&format!("export {}\n", self.substitute(exports)));
            std::fs::write(self.path("env.sh"), env).unwrap();
        }
        self.ran.insert(cmd.to_string());
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts README command `cmd`, which runs until stopped.
    fn start(&mut self, cmd: &str, log: &str) {
        let log = std::fs::File::create(self.path(log)).unwrap();
        // `exec` so that stopping the shell stops the command (through
        // `env` when the command starts with an assignment).
        let first = cmd.split_whitespace().next().unwrap_or("");
        let exec = if first.contains('=') {
            "exec env"
        } else {
            "exec"
        };
        let child = self
            .shell(&format!("{exec} {cmd}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        self.background.push(child);
        self.ran.insert(cmd.to_string());
    }

    fn plumbctl(&self, args: &str) -> String {
        let out = output_within(
            &mut self.shell(&format!("plumbctl {args}")),
            Duration::from_secs(60),
        );
        assert!(
            out.status.success(),
            "plumbctl {args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The README command that is `prefix`, or else the one that starts
/// with it (exactly one).
fn command<'a>(all: &'a [String], prefix: &str) -> &'a str {
    if let Some(exact) = all.iter().find(|c| c.as_str() == prefix) {
        return exact;
    }
    let found: Vec<&String> = all.iter().filter(|c| c.starts_with(prefix)).collect();
    assert_eq!(
        found.len(),
        1,
        "README commands starting with {prefix:?}: {found:?}"
    );
    found[0]
}

#[test]
fn every_readme_command_runs_as_written() {
    let all = readme_commands();
    let mut s = Sandbox::new();
    let cmd = |p: &str| command(&all, p).to_string();

    // The collector, as "The fleet" sets it up; the pipeline's key first
    // (the collector trusts its public half).
    s.run(&cmd("plumbctl pki init"));
    s.run(&cmd("(umask 077; plumb-collector token create"));
    s.run(&cmd("plumbctl keys generate"));
    std::fs::copy(
        s.path("work/pipeline.pub"),
        s.path("etc/plumb/pipeline.pub"),
    )
    .unwrap();
    s.start(&cmd("plumb-collector serve"), "collector.log");
    s.run(&cmd("export PLUMB_COLLECTOR="));
    wait_for("the README's collector", Duration::from_secs(30), || {
        s.shell("plumbctl nodes")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| ())
    });

    // The image pipeline and a node enrolling.
    s.run(&cmd(
        "plumb-agent manifest build --root / --image-id ami-0abc123 --sign-key",
    ));
    s.run(&cmd("plumbctl manifest push manifest.pb"));
    let enroll = s.run(&cmd("plumbctl enroll create")).trim().to_string();
    std::fs::copy(s.path("etc/plumb/pki/ca.pem"), s.path("work/ca.pem")).unwrap();
    let agent = cmd("PLUMB_ENROLL_TOKEN=... plumb-agent run");
    s.start(
        &agent.replace(
            "PLUMB_ENROLL_TOKEN=...",
            &format!("PLUMB_ENROLL_TOKEN={enroll}"),
        ),
        "agent.log",
    );
    s.ran.insert(agent.clone());
    // Enrolled, streaming, and clean: the root stands for `/` but is not
    // the running system, so the daemon does not judge this machine's
    // processes against it, and says so.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let nodes: serde_json::Value = serde_json::from_str(&s.plumbctl("--json nodes")).unwrap();
        let enrolled = nodes.as_array().into_iter().flatten().any(|n| {
            n["node_id"] == "readme-node"
                && n["image_id"] == "ami-0abc123"
                && n["status"] == "clean"
        });
        if enrolled {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the README's node did not enroll: {nodes}\nagent log:\n{}",
            std::fs::read_to_string(s.path("agent.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(250));
    }

    assert!(
        std::fs::read_to_string(s.path("agent.log"))
            .unwrap()
            .contains("running processes and kernel modules not judged"),
        "the agent does not say it skips the processes"
    );

    // Using it: a manifest of `/`, shown, checked.
    s.run(&cmd(
        "plumb-agent manifest build --root / --image-id ami-0abc123 -o",
    ));
    let shown = s.run(&cmd("plumb-agent manifest show"));
    assert!(shown.contains("ami-0abc123"), "{shown}");
    s.run(&cmd(
        "plumb-agent check --manifest /etc/plumb/manifest.pb --root /",
    ));
    // The image mounted at /mnt/image was recorded as manifest.pb.
    let json = s.run(&cmd(
        "plumb-agent check --manifest manifest.pb --root /mnt/image --json",
    ));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["clean"], true, "{report}");

    // plumbctl's own configuration: an operator token and the config
    // file, then plumbctl with nothing in its environment.
    s.run(&cmd("mkdir -p ~/.config/plumb"));
    s.run(&cmd("plumbctl token create --role operator"));
    s.run(&cmd("cat > ~/.config/plumb/plumbctl.toml"));
    std::fs::copy(
        s.path("etc/plumb/pki/ca.pem"),
        s.path("home/.config/plumb/ca.pem"),
    )
    .unwrap();
    let out = Command::new(bin("plumbctl"))
        .arg("nodes")
        .env("HOME", s.path("home"))
        .env_remove("PLUMB_COLLECTOR")
        .env_remove("PLUMB_CA")
        .env_remove("PLUMB_TOKEN_FILE")
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("readme-node"),
        "plumbctl with only its config file: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Containers: an image saved by podman (or, without podman, the same
    // archive written by the fixtures), recorded, pushed, judged, listed.
    let save = cmd("podman save");
    match Podman::find() {
        Some(podman) => {
            let image_root = s.path("app-root");
            Podman::busybox_root(&image_root, &[("/srv/app", b"app 1.4\n")]);
            podman.import(&image_root, "registry/app:1.4");
            s.run(&save);
        }
        None => {
            eprintln!("no podman: app.tar written by the fixtures instead of `{save}`");
            ImageWriter::new("registry/app:1.4")
                .layer(LayerBuilder::new().file("srv/app", b"app 1.4\n", 0o644))
                .write_oci_tar(&s.path("work/app.tar"));
            s.ran.insert(save.clone());
        }
    }
    s.run(&cmd("plumb-agent manifest build --image-archive app.tar"));
    s.run(&cmd("plumbctl manifest push app.pb"));
    ImageWriter::new("registry/web:2")
        .layer(LayerBuilder::new().file("srv/web", b"web 2\n", 0o644))
        .write_oci_tar(&s.path("work/web.tar"));
    let web = s
        .shell("plumb-agent manifest build --image-archive web.tar -o web.pb")
        .output()
        .unwrap();
    assert!(
        web.status.success(),
        "{}",
        String::from_utf8_lossy(&web.stderr)
    );
    // Whatever runs on this machine is judged: each line is a container's
    // report, exit 0 when all are clean and 1 otherwise.
    let check = cmd("plumb-agent check --containers");
    let out = output_within(&mut s.shell(&check), Duration::from_secs(120));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{check}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let c: serde_json::Value = serde_json::from_str(line).unwrap();
        for field in [
            "container_id",
            "image",
            "image_digest",
            "status",
            "deviations",
        ] {
            assert!(c.get(field).is_some(), "{field} missing: {c}");
        }
    }
    s.ran.insert(check);
    s.run(&cmd("plumbctl containers --status drifted"));
    let listed = s.run(&cmd("curl -fsS"));
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert!(listed["containers"].is_array(), "{listed}");

    // Patch posture: the README's node image's packages, an advisory
    // directory of OSV records (one that names a package of the image).
    s.run(&cmd("plumbctl packages openssl --below"));
    std::fs::create_dir_all(s.path("work/debian-osv")).unwrap();
    std::fs::write(
        s.path("work/debian-osv/DSA-5900-1.json"),
        serde_json::to_vec(&serde_json::json!({
            "id": "DSA-5900-1",
            "aliases": ["CVE-2099-0001"],
            "summary": "coreutils - security update",
            "modified": "2026-12-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "Debian:12", "name": "coreutils"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.1-2"}]}]}]
        }))
        .unwrap(),
    )
    .unwrap();
    s.run(&cmd("plumbctl advisories import debian-osv/"));
    let list = all
        .iter()
        .find(|c| *c == "plumbctl advisories")
        .expect("the README lists advisories");
    let listed = s.run(list);
    assert!(listed.contains("DSA-5900-1"), "{listed}");
    let exposed = s.run(&cmd("plumbctl exposure --advisory DSA-5900-1"));
    assert!(
        exposed.contains("ami-0abc123") && exposed.contains("9.1-2"),
        "{exposed}"
    );
    let families = s.run(&cmd("plumbctl families"));
    assert!(families.contains("FAMILY"), "{families}");
    let rollout = s.run(&cmd("plumbctl rollout web --since 7d"));
    assert!(rollout.contains("ON THE NEWEST"), "{rollout}");
    s.run(&cmd("plumbctl due"));
    s.run(&cmd("plumbctl due --nodes"));

    // Every README command ran here or is run elsewhere.
    let elsewhere: BTreeSet<&str> = ELSEWHERE.iter().map(|(c, _)| *c).collect();
    let missed: Vec<&String> = all
        .iter()
        .filter(|c| !s.ran.contains(*c) && !elsewhere.contains(c.as_str()))
        .collect();
    assert!(
        missed.is_empty(),
        "README commands this test does not run: {missed:#?}"
    );
}

#[test]
fn commands_are_read_from_the_readme_as_a_shell_reads_them() {
    assert_eq!(strip_comment("a b   # c"), "a b   ");
    assert_eq!(strip_comment("echo '#x' \"#y\" #z"), "echo '#x' \"#y\" ");
    assert_eq!(strip_comment("curl a#b"), "curl a#b");
    let all = readme_commands();
    assert!(all.len() >= 20, "{all:#?}");
    let heredoc = command(&all, "cat > ~/.config/plumb/plumbctl.toml");
    assert!(heredoc.ends_with("\nTOML"), "{heredoc}");
    let serve = command(&all, "plumb-collector serve");
    assert!(
        serve.contains("--data-dir /var/lib/plumb-collector"),
        "{serve}"
    );
    assert!(!serve.contains('#'), "{serve}");
}

//! Runtime drift on the machine's real /proc: processes that run code the
//! manifest does not hold, deleted or replaced files, memfd payloads and
//! scripts; kernel modules and logins from fixture files.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use plumb_agent::scan::runtime::{utmp_record, USER_PROCESS};
use serde_json::Value;
use support::*;

/// A child killed when the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(cmd: &mut Command) -> Running {
    let child = spawn_fresh_copy(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    // Long enough for exec to happen.
    std::thread::sleep(Duration::from_millis(300));
    Running(child)
}

fn copy_exec(from: &str, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

/// The runtime deviations of a report, as (kind, key).
fn runtime(report: &Value) -> Vec<(String, String)> {
    report["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            let k = d["kind"].as_str().unwrap_or("");
            k.starts_with("process_") || k.starts_with("module_") || k == "kernel_tainted"
        })
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["key"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(found: &[(String, String)], kind: &str, key: &str) -> bool {
    found.iter().any(|(k, v)| k == kind && v == key)
}

#[test]
fn processes_running_code_outside_the_image_are_found() {
    let node = Node::new();
    let root = node.root.path().to_path_buf();
    let sleep = std::fs::canonicalize("/bin/sleep").unwrap();
    let sleep = sleep.to_str().unwrap();
    for name in ["sleep", "sleep-deleted", "sleep-replaced"] {
        copy_exec(sleep, &root.join("usr/bin").join(name));
    }
    std::fs::write(root.join("usr/bin/job.sh"), "sleep 30\n").unwrap();
    let truth = std::fs::canonicalize("/bin/true").unwrap();
    copy_exec(truth.to_str().unwrap(), &root.join("usr/bin/patched"));
    node.build_with(&["--runtime"]);
    // Patched in place after the image was built: same path, same inode,
    // other code.
    std::fs::copy(sleep, root.join("usr/bin/patched")).unwrap();
    let _patched = run(Command::new(root.join("usr/bin/patched")).arg("30"));
    let text = |p: &Path| p.to_str().unwrap().to_string();

    // A file of the image: silent.
    let _ok = run(Command::new(root.join("usr/bin/sleep")).arg("30"));
    // A copy outside the manifest (inside the root, not recorded).
    copy_exec(sleep, &root.join("opt/dropped/sleep"));
    let _dropped = run(Command::new(root.join("opt/dropped/sleep")).arg("30"));
    // Deleted after it started.
    let _deleted = run(Command::new(root.join("usr/bin/sleep-deleted")).arg("30"));
    std::fs::remove_file(root.join("usr/bin/sleep-deleted")).unwrap();
    // Replaced by another file at the same path after it started.
    let _replaced = run(Command::new(root.join("usr/bin/sleep-replaced")).arg("30"));
    let fresh = root.join("usr/bin/.new");
    copy_exec(sleep, &fresh);
    std::fs::rename(&fresh, root.join("usr/bin/sleep-replaced")).unwrap();
    // Scripts: one of the image, one dropped next to it.
    std::fs::write(root.join("opt/dropped/x.sh"), "sleep 30\n").unwrap();
    let _script = run(Command::new("sh").arg(root.join("opt/dropped/x.sh")));
    let _good_script = run(Command::new("sh").arg(root.join("usr/bin/job.sh")));
    // A program run from memory (memfd_create + fexecve).
    let _memfd = run(Command::new("python3").args([
        "-c",
        "import os; fd = os.memfd_create('plumb-payload', 0); \
         os.write(fd, open('/bin/sleep', 'rb').read()); \
         os.execve(fd, ['payload', '30'], {})",
    ]));
    let pid = _memfd.0.id();
    for _ in 0..100 {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if exe.to_string_lossy().starts_with("/memfd:") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    let (code, report) = node.check();
    assert_eq!(code, 1, "{report}");
    // The report says how many processes were judged, and how many of
    // other mount namespaces were not.
    assert!(
        report["processes_checked"].as_u64().unwrap() > 5,
        "{report}"
    );
    assert!(report["processes_other_namespaces"].is_u64(), "{report}");
    let found = runtime(&report);
    assert!(
        has(
            &found,
            "process_unexpected",
            &text(&root.join("opt/dropped/sleep"))
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "process_deleted",
            &text(&root.join("usr/bin/sleep-deleted"))
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "process_deleted",
            &text(&root.join("usr/bin/sleep-replaced"))
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "process_unexpected",
            &text(&root.join("opt/dropped/x.sh"))
        ),
        "{found:?}"
    );
    assert!(
        has(&found, "process_memfd", "memfd:plumb-payload"),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "process_unexpected",
            &text(&root.join("usr/bin/patched"))
        ),
        "a binary patched in place: {found:?}"
    );
    // The image's own binary and script are silent.
    for quiet in ["usr/bin/sleep", "usr/bin/job.sh"] {
        let key = text(&root.join(quiet));
        assert!(
            !found.iter().any(|(_, k)| *k == key),
            "{key} reported: {found:?}"
        );
    }
    // Who runs it is said, and runtime drift is critical.
    let d = report["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == text(&root.join("opt/dropped/sleep")))
        .unwrap();
    assert!(d["actual"].as_str().unwrap().contains("pid="), "{d}");
    assert_eq!(d["severity"], "critical");

    // An allow rule names what may run; --no-processes turns it all off.
    let policy = node.root.path().parent().unwrap().join("allow.toml");
    std::fs::write(
        &policy,
        format!(
            "[[allow]]\npath = \"{}/opt/dropped/**\"\nreason = \"deployment directory\"\n",
            root.display()
        ),
    )
    .unwrap();
    let (_, allowed) = node.check_with(&["--policy", policy.to_str().unwrap()]);
    let found = runtime(&allowed);
    assert!(
        !has(
            &found,
            "process_unexpected",
            &text(&root.join("opt/dropped/sleep"))
        ),
        "{found:?}"
    );
    let (_, off) = node.check_with(&["--no-processes"]);
    assert!(runtime(&off).is_empty(), "{off}");
}

/// A fake /proc holding only what the module and taint checks read.
fn fake_proc(dir: &Path, modules: &str, tainted: u64) {
    std::fs::create_dir_all(dir.join("sys/kernel")).unwrap();
    std::fs::write(dir.join("sys/kernel/osrelease"), "6.1.0-test\n").unwrap();
    std::fs::write(dir.join("sys/kernel/tainted"), format!("{tainted}\n")).unwrap();
    std::fs::write(dir.join("modules"), modules).unwrap();
}

#[test]
fn kernel_modules_without_a_file_in_the_image_and_taint_are_found() {
    let node = Node::new();
    node.root.file(
        "/lib/modules/6.1.0-test/kernel/fs/ext4/ext4.ko.xz",
        b"module",
    );
    node.root.file(
        "/lib/modules/6.1.0-test/kernel/drivers/net/virtio-net.ko",
        b"module",
    );
    node.build_with(&["--runtime"]);
    let proc_dir = node.root.path().parent().unwrap().join("proc");
    fake_proc(
        &proc_dir,
        "ext4 1024000 1 - Live 0x0000000000000000\n\
         virtio_net 61440 0 - Live 0x0000000000000000\n\
         rootkit 16384 0 - Live 0x0000000000000000 (OE)\n",
        4096 | 8192,
    );
    let (code, report) = node.check_with(&["--proc-dir", proc_dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{report}");
    let found = runtime(&report);
    assert_eq!(
        found,
        vec![
            ("module_unexpected".to_string(), "rootkit".to_string()),
            ("kernel_tainted".to_string(), "kernel".to_string()),
        ],
        "{report}"
    );
    // A clean kernel with the image's modules: nothing.
    fake_proc(&proc_dir, "ext4 1024000 1 - Live 0x0\n", 0);
    let (code, report) = node.check_with(&["--proc-dir", proc_dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn logins_are_drift_unless_from_an_allowed_proxy() {
    let node = Node::new();
    node.build_with(&["--runtime"]);
    let proc_dir = node.root.path().parent().unwrap().join("proc");
    fake_proc(&proc_dir, "", 0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i32
        + 1;
    let mut wtmp = Vec::new();
    // Before the manifest was built: the image pipeline's own login.
    wtmp.extend(utmp_record(
        USER_PROCESS,
        10,
        "pts/9",
        "packer",
        "10.9.9.9",
        now - 86_400,
        Some([10, 9, 9, 9]),
    ));
    // Boot and logout records are not logins.
    wtmp.extend(utmp_record(2, 0, "~", "reboot", "6.1.0", now, None));
    wtmp.extend(utmp_record(8, 11, "pts/1", "", "", now, None));
    // A login, and one through the administrative proxy.
    wtmp.extend(utmp_record(
        USER_PROCESS,
        12,
        "pts/0",
        "alice",
        "10.0.0.9",
        now,
        Some([10, 0, 0, 9]),
    ));
    wtmp.extend(utmp_record(
        USER_PROCESS,
        13,
        "pts/2",
        "ops",
        "10.0.0.5",
        now,
        Some([10, 0, 0, 5]),
    ));
    node.root.file("/var/log/wtmp", &wtmp);
    node.root.file("/run/utmp", &[]);
    let policy = node.root.path().parent().unwrap().join("proxy.toml");
    std::fs::write(
        &policy,
        "[[session_allow]]\nfrom = \"10.0.0.5\"\nreason = \"bastion\"\n",
    )
    .unwrap();
    let (code, report) = node.check_with(&[
        "--proc-dir",
        proc_dir.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{report}");
    let sessions: Vec<&Value> = report["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "session_opened")
        .collect();
    assert_eq!(sessions.len(), 1, "{report}");
    assert_eq!(sessions[0]["key"], "alice@pts/0");
    let actual = sessions[0]["actual"].as_str().unwrap();
    assert!(
        actual.contains("10.0.0.9") && actual.contains("pid 12"),
        "{actual}"
    );
    assert_eq!(sessions[0]["severity"], "critical");

    // The history truncated in place during the same boot: the logins it
    // held are not gone, they are unverified (not an empty history).
    let boot_id = proc_dir.join("sys/kernel/random/boot_id");
    std::fs::create_dir_all(boot_id.parent().unwrap()).unwrap();
    std::fs::write(&boot_id, "boot-1\n").unwrap();
    let check = |node: &Node| {
        node.check_with(&[
            "--proc-dir",
            proc_dir.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
        ])
    };
    check(&node);
    let wtmp_path = node.path("/var/log/wtmp");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&wtmp_path)
        .unwrap();
    f.set_len(0).unwrap();
    drop(f);
    let (code, report) = check(&node);
    assert_eq!(code, 1, "{report}");
    let unverified = deviation(&report, "sessions");
    assert_eq!(unverified["kind"], "scan_error", "{report}");
    assert_eq!(unverified["severity"], "critical", "{report}");
    assert!(
        unverified["actual"].as_str().unwrap().contains("shrank"),
        "{unverified}"
    );
    // It stays unverified for the rest of the boot, even once it grows.
    node.root.file("/var/log/wtmp", &wtmp);
    let (_, report) = check(&node);
    assert_eq!(
        deviation(&report, "sessions")["kind"],
        "scan_error",
        "{report}"
    );
    // A new boot starts afresh.
    std::fs::write(&boot_id, "boot-2\n").unwrap();
    let (_, report) = check(&node);
    assert!(
        !kinds(&report).iter().any(|(k, _)| k == "scan_error"),
        "{report}"
    );
    // Rewritten in place (same inode) with its records edited, and grown:
    // its start changed, so logins were removed.
    let mut rewritten = wtmp.clone();
    rewritten[44..49].copy_from_slice(b"nobod");
    rewritten.extend_from_slice(&wtmp);
    std::fs::write(&wtmp_path, &rewritten).unwrap();
    let (_, report) = check(&node);
    assert!(
        deviation(&report, "sessions")["actual"]
            .as_str()
            .unwrap()
            .contains("rewritten"),
        "{report}"
    );
    // Another boot; logrotate's rotation is no loss.
    std::fs::write(&boot_id, "boot-3\n").unwrap();
    let (_, report) = check(&node);
    assert!(
        !kinds(&report).iter().any(|(k, _)| k == "scan_error"),
        "{report}"
    );
    std::fs::rename(&wtmp_path, node.path("/var/log/wtmp.1")).unwrap();
    node.root.file("/var/log/wtmp", &[]);
    let (_, report) = check(&node);
    assert!(
        !kinds(&report).iter().any(|(k, _)| k == "scan_error"),
        "{report}"
    );
    // Replaced by another file that is not the rotation: a loss. (The new
    // file is made while the old one exists, so it cannot reuse its inode.)
    std::fs::remove_file(node.path("/var/log/wtmp.1")).unwrap();
    node.root.file("/var/log/wtmp.new", &wtmp[..384]);
    std::fs::rename(node.path("/var/log/wtmp.new"), &wtmp_path).unwrap();
    let (_, report) = check(&node);
    assert!(
        deviation(&report, "sessions")["actual"]
            .as_str()
            .unwrap()
            .contains("replaced"),
        "{report}"
    );
}

#[test]
fn manifests_written_before_labels_and_runtime_checks_still_load() {
    // Built by the agent of the commit before provenance labels and the
    // runtime section existed, over the demo root (`FixtureRoot::realistic`).
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/manifest-before-labels-and-runtime.pb");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    FixtureRoot::at(&root).realistic();
    let out = agent()
        .args(["check", "--json", "--manifest"])
        .arg(&fixture)
        .arg("--root")
        .arg(&root)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .output()
        .unwrap();
    let (code, report) = parse(out);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["image_id"], "before-runtime");
    assert!(report.get("processes_checked").is_none(), "{report}");
}

#[test]
fn a_manifest_without_a_runtime_section_checks_no_processes() {
    // Manifests of roots that are not `/` record none (and older
    // manifests have none): nothing of the machine's /proc is judged.
    let node = Node::new();
    node.build();
    let (code, report) = node.check();
    assert_eq!(code, 0, "{report}");
}

/// Whether some process's executable, mappings or command line show `what`.
fn some_process_shows(what: &str) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    for e in entries.flatten() {
        let dir = e.path();
        if !e
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        if let Ok(exe) = std::fs::read_link(dir.join("exe")) {
            if exe.to_string_lossy().starts_with(what) {
                return true;
            }
        }
        for f in ["maps", "cmdline"] {
            if let Ok(text) = std::fs::read(dir.join(f)) {
                if String::from_utf8_lossy(&text).contains(what) {
                    return true;
                }
            }
        }
    }
    false
}

#[test]
fn on_this_machine_every_runtime_deviation_is_true() {
    // The machine's own executables and libraries, without its scratch,
    // data and the toolchains of this build (which then rightly run as
    // code outside the image).
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("host.json");
    let mut build = agent();
    build.args([
        "manifest",
        "build",
        "--root",
        "/",
        "--image-id",
        "host",
        "-o",
    ]);
    build.arg(&manifest).args(["--memory-limit", "1G"]);
    // This checkout and its build output, wherever CI put them: the test
    // binary must run from outside the image.
    let workspace = std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .unwrap()
        .display()
        .to_string();
    let target = std::fs::canonicalize(std::env::current_exe().unwrap())
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .display()
        .to_string();
    for x in [
        "/root",
        "/work",
        "/home",
        "/usr/share",
        "/usr/include",
        "/usr/src",
        "/var",
        "/srv",
        "/opt",
        "/nix",
        "/snap",
        "/mnt",
        "/media",
        &workspace,
        &target,
    ] {
        build.args(["--exclude", &format!("{x}/**")]);
    }
    let out = build.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let files: std::collections::HashSet<String> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str().map(String::from))
        .collect();
    let out = agent()
        .args(["check", "--json", "--root", "/", "--manifest"])
        .arg(&manifest)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .output()
        .unwrap();
    let (_, report) = parse(out);
    let mut checked = 0;
    for d in report["deviations"].as_array().unwrap() {
        let (kind, key) = (d["kind"].as_str().unwrap(), d["key"].as_str().unwrap());
        let true_finding = match kind {
            "process_memfd" => some_process_shows(&format!("/memfd:{}", &key["memfd:".len()..])),
            "process_deleted" => {
                some_process_shows(&format!("{key} (deleted)"))
                    || (files.contains(key) && some_process_shows(key))
            }
            "process_unexpected" => {
                // A script is named on its command line as it was typed.
                let name = key.rsplit('/').next().unwrap_or(key);
                !files.contains(key) && (some_process_shows(key) || some_process_shows(name))
            }
            "module_unexpected" => std::fs::read_to_string("/proc/modules")
                .unwrap()
                .lines()
                .any(|l| l.split_whitespace().next() == Some(key)),
            "kernel_tainted" => {
                std::fs::read_to_string("/proc/sys/kernel/tainted")
                    .unwrap()
                    .trim()
                    != "0"
            }
            _ => continue,
        };
        // A process that exited meanwhile cannot be shown again; one that
        // still runs must show what was reported.
        let pid = d["actual"]
            .as_str()
            .unwrap_or("")
            .strip_prefix("pid=")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("0");
        let exited = kind.starts_with("process_") && !Path::new("/proc").join(pid).exists();
        assert!(true_finding || exited, "untrue {kind} {key}: {d}");
        checked += 1;
    }
    eprintln!("{checked} runtime deviations verified");
    // This test's own binary runs from outside the image: found.
    let me = std::fs::canonicalize(std::env::current_exe().unwrap()).unwrap();
    let me = me.to_str().unwrap();
    assert!(
        report["deviations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "process_unexpected" && d["key"] == me),
        "{me} not reported"
    );
}

#[test]
fn processes_the_agent_cannot_read_leave_the_node_unverified() {
    // An agent without CAP_SYS_PTRACE cannot see other users' processes:
    // that is a scan_error, never a clean node.
    let node = Node::new();
    node.build_with(&["--runtime"]);
    let (code, report) = node.check_as_nobody();
    assert_eq!(code, 1, "{report}");
    let unverified = report["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "scan_error" && d["key"] == "processes")
        .unwrap_or_else(|| panic!("no scan_error for processes: {report}"));
    assert_eq!(unverified["severity"], "critical");
    assert!(unverified["actual"]
        .as_str()
        .unwrap()
        .contains("CAP_SYS_PTRACE"));
}

#[test]
fn a_root_that_is_not_the_running_system_does_not_answer_for_its_processes() {
    // A mounted image (here a fixture root) with a runtime section: what
    // runs on this machine is not its to answer for, and the check says so.
    let node = Node::new();
    node.build_with(&["--runtime"]);
    let out = agent()
        .args(["check", "--json", "--manifest"])
        .arg(&node.manifest)
        .arg("--root")
        .arg(node.root.path())
        .arg("--state-dir")
        .arg(&node.state)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let (code, report) = parse(out);
    assert_eq!(code, 0, "an unchanged image is clean: {report}");
    assert!(
        err.contains("not judged") && err.contains("--processes"),
        "{err}"
    );
    assert!(report.get("processes_checked").is_none(), "{report}");
    // Asked for, they are judged (this test's own binary is not the image's).
    let (code, report) = node.check_with(&["--processes"]);
    assert_eq!(code, 1, "{report}");
    assert!(
        report["processes_checked"].as_u64().unwrap() > 0,
        "{report}"
    );
}

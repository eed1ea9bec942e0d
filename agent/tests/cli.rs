//! `plumb-agent manifest build` and `check` on realistic fixture roots:
//! every kind of mutation is reported exactly, and nothing else is.

mod support;

use std::os::unix::fs::PermissionsExt;

use support::*;

#[test]
fn untouched_root_is_clean_despite_churn() {
    let node = Node::new();
    node.build();
    // Churn that differs between two healthy nodes of one image.
    node.root
        .file("/var/log/syslog", b"boot\nmore logs\n")
        .file("/tmp/scratch", b"x")
        .file("/etc/machine-id", b"fedcba\n");
    std::fs::write(node.path("/srv/app/new-dir-entry-then-gone"), b"x").unwrap();
    std::fs::remove_file(node.path("/srv/app/new-dir-entry-then-gone")).unwrap(); // directory size/mtime change
    let (code, report) = node.check();
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["clean"], true);
    assert_eq!(report["deviations"].as_array().unwrap().len(), 0);
}

#[test]
fn content_change_with_same_size_and_mtime_is_detected_even_with_a_warm_cache() {
    let node = Node::new();
    node.build();
    assert_eq!(node.check().0, 0); // warms the hash cache
    let ls = node.path("/usr/bin/ls");
    let mtime = std::fs::metadata(&ls).unwrap().modified().unwrap();
    std::fs::write(&ls, b"\x7fELF ls v2").unwrap(); // same length as v1
    restore_mtime(&ls, mtime);
    let (code, report) = node.check();
    assert_eq!(code, 1);
    let d = deviation(&report, "/usr/bin/ls");
    assert_eq!(d["kind"], "file_modified");
    assert_eq!(d["changes"], serde_json::json!(["content"]));
    assert_eq!(d["severity"], "critical");
    assert_eq!(d["package"], "coreutils");
    assert_eq!(
        report["deviations"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
}

#[test]
fn second_check_of_an_unchanged_tree_hashes_nothing() {
    let node = Node::new();
    node.build();
    let (_, first) = node.check();
    assert!(first["files_hashed"].as_u64().unwrap() > 0);
    let (_, second) = node.check();
    assert_eq!(
        second["files_hashed"], 0,
        "unchanged files are verified by stat alone"
    );
    let (_, full) = node.check_with(&["--full"]);
    assert_eq!(
        full["files_hashed"], first["files_hashed"],
        "--full rehashes"
    );
}

#[test]
fn chmod_chown_and_setuid_are_reported() {
    let node = Node::new();
    node.build();
    std::fs::set_permissions(
        node.path("/etc/motd"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    std::os::unix::fs::chown(node.path("/etc/passwd"), Some(1000), Some(1000)).unwrap();
    std::fs::set_permissions(
        node.path("/srv/app/data.json"),
        std::fs::Permissions::from_mode(0o4644),
    )
    .unwrap();
    let (code, report) = node.check();
    assert_eq!(code, 1);
    let motd = deviation(&report, "/etc/motd");
    assert_eq!(motd["changes"], serde_json::json!(["mode"]));
    assert_eq!(motd["severity"], "medium");
    let passwd = deviation(&report, "/etc/passwd");
    assert_eq!(passwd["changes"], serde_json::json!(["owner"]));
    assert_eq!(passwd["severity"], "high");
    let setuid = deviation(&report, "/srv/app/data.json");
    assert_eq!(
        setuid["severity"], "critical",
        "a setuid bit gained is critical anywhere"
    );
    assert_eq!(kinds(&report).len(), 3, "{report:#}");
}

#[test]
fn file_replaced_by_symlink_removed_and_added() {
    let node = Node::new();
    node.build();
    std::fs::remove_file(node.path("/usr/bin/cat")).unwrap();
    std::os::unix::fs::symlink("/usr/local/bin/deploy", node.path("/usr/bin/cat")).unwrap();
    std::fs::remove_file(node.path("/usr/share/doc/coreutils/README")).unwrap();
    node.root
        .file_mode("/usr/bin/backdoor", b"#!/bin/sh\nnc -l 4444\n", 0o755);
    let (code, report) = node.check();
    assert_eq!(code, 1);
    let cat = deviation(&report, "/usr/bin/cat");
    assert_eq!(cat["kind"], "file_modified");
    assert!(cat["changes"].as_array().unwrap().contains(&"type".into()));
    assert!(cat["actual"]
        .as_str()
        .unwrap()
        .starts_with("symlink -> /usr/local/bin/deploy"));
    assert_eq!(
        deviation(&report, "/usr/share/doc/coreutils/README")["kind"],
        "file_removed"
    );
    let backdoor = deviation(&report, "/usr/bin/backdoor");
    assert_eq!(backdoor["kind"], "file_added");
    assert_eq!(backdoor["severity"], "critical");
    assert_eq!(kinds(&report).len(), 3, "{report:#}");
}

#[test]
fn dpkg_install_remove_and_upgrade_explain_their_files() {
    let node = Node::new();
    node.build();
    node.root
        .dpkg_package(
            "netcat-openbsd",
            "1.219-1",
            &[
                ("/usr/bin/nc.openbsd", b"nc"),
                ("/usr/share/man/nc.1", b"man"),
            ],
        )
        .remove_dpkg_package("login")
        .dpkg_package(
            "libfix1",
            "2.0-4",
            &[("/usr/lib/libfix.so.1", b"\x7fELF libfix patched")],
        );
    let (code, report) = node.check();
    assert_eq!(code, 1);
    let added = deviation(&report, "netcat-openbsd");
    assert_eq!(added["kind"], "package_added");
    assert_eq!(added["severity"], "critical");
    assert_eq!(deviation(&report, "login")["kind"], "package_removed");
    let changed = deviation(&report, "libfix1");
    assert_eq!(changed["kind"], "package_changed");
    assert!(changed["expected"].as_str().unwrap().starts_with("2.0-3"));
    assert!(changed["actual"].as_str().unwrap().starts_with("2.0-4"));
    assert_eq!(
        deviation(&report, "/usr/bin/nc.openbsd")["explained_by"],
        "package_added:netcat-openbsd"
    );
    assert_eq!(
        deviation(&report, "/usr/bin/su")["explained_by"],
        "package_removed:login"
    );
    assert_eq!(
        deviation(&report, "/usr/lib/libfix.so.1")["explained_by"],
        "package_changed:libfix1"
    );

    let out = agent()
        .args(["check", "--manifest"])
        .arg(&node.manifest)
        .arg("--root")
        .arg(node.root.path())
        .arg("--state-dir")
        .arg(&node.state)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("package netcat-openbsd added 1.219-1 amd64 (dpkg) (2 files)"),
        "{text}"
    );
    assert!(
        !text.contains("/usr/bin/nc.openbsd"),
        "explained files are folded: {text}"
    );
}

#[test]
fn rpm_and_apk_package_changes_are_reported() {
    let node = Node::new();
    node.root
        .rpm_package("bash", "5.2.15", "3.el9", &[("/usr/bin/bash", b"bash")])
        .rpm_package("tar", "1.34", "6.el9", &[])
        .apk_package("busybox", "1.36.1-r2", &[("/bin/busybox", b"bb")]);
    node.build();
    node.root
        .remove_rpm_package("tar")
        .rpm_package("nmap", "7.92", "1.el9", &[])
        .apk_package("busybox", "1.36.1-r3", &[("/bin/busybox", b"bb2")]);
    let (code, report) = node.check();
    assert_eq!(code, 1);
    assert_eq!(deviation(&report, "tar")["kind"], "package_removed");
    assert_eq!(deviation(&report, "nmap")["kind"], "package_added");
    let bb = deviation(&report, "busybox");
    assert_eq!(bb["kind"], "package_changed");
    assert_eq!(
        deviation(&report, "/usr/bin/busybox")["explained_by"],
        "package_changed:busybox"
    );
}

#[test]
fn a_new_listener_is_reported() {
    let node = Node::new();
    node.build_with(&["--listeners", "--allow-listener", "tcp:*:plumb-agent"]);
    // Below the ephemeral range, so the port identifies the listener.
    let port = 20000 + (std::process::id() % 10000) as u16;
    let _listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (code, report) = node.check();
    assert_eq!(code, 1);
    let key = format!("tcp:127.0.0.1:{port}");
    let d = deviation(&report, &key);
    assert_eq!(d["kind"], "listener_added");
    assert_eq!(d["severity"], "critical");
}

#[test]
fn allowed_listeners_are_not_noise() {
    let node = Node::new();
    let port = 20000 + (std::process::id() % 10000) as u16 + 1;
    node.build_with(&["--listeners", "--allow-listener", &format!("tcp:{port}")]);
    let _listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (_, report) = node.check();
    assert!(
        !kinds(&report)
            .iter()
            .any(|(_, k)| k.ends_with(&format!(":{port}"))),
        "{report:#}"
    );
}

#[test]
fn huge_file_change_is_detected() {
    let node = Node::new();
    let big = node.path("/srv/app/huge.img");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(1 << 30).unwrap(); // 1 GiB, sparse
    drop(f);
    node.build();
    let mtime = std::fs::metadata(&big).unwrap().modified().unwrap();
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::File::options().write(true).open(&big).unwrap();
        f.seek(SeekFrom::Start((1 << 30) - 10)).unwrap();
        f.write_all(b"implant").unwrap();
    }
    restore_mtime(&big, mtime);
    let (code, report) = node.check();
    assert_eq!(code, 1);
    assert_eq!(
        deviation(&report, "/srv/app/huge.img")["changes"],
        serde_json::json!(["content"])
    );
}

#[test]
fn non_utf8_names_round_trip_and_are_reported_unambiguously() {
    use std::os::unix::ffi::OsStrExt;
    let node = Node::new();
    let name = std::ffi::OsStr::from_bytes(b"weird\xffname");
    std::fs::write(node.path("/srv").join(name), b"v1").unwrap();
    node.build();
    assert_eq!(node.check().0, 0, "non-UTF-8 names match themselves");
    std::fs::write(node.path("/srv").join(name), b"v2").unwrap();
    let (_, report) = node.check();
    assert_eq!(
        deviation(&report, "/srv/weird\\xffname")["kind"],
        "file_modified"
    );
}

#[test]
fn json_manifest_is_equivalent_to_binary() {
    let node = Node::new();
    node.build();
    let json = node._dir.path().join("image.json");
    let out = agent()
        .args([
            "manifest",
            "build",
            "--image-id",
            "img-test-1",
            "--no-runtime",
            "--root",
        ])
        .arg(node.root.path())
        .arg("-o")
        .arg(&json)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(
        text.contains("\"imageId\": \"img-test-1\""),
        "{}",
        &text[..200]
    );
    let (code, _) = parse(
        agent()
            .args(["check", "--json", "--manifest"])
            .arg(&json)
            .arg("--root")
            .arg(node.root.path())
            .arg("--state-dir")
            .arg(&node.state)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0);
    let show = agent()
        .args(["manifest", "show"])
        .arg(&json)
        .output()
        .unwrap();
    let show = String::from_utf8(show.stdout).unwrap();
    assert!(
        show.contains("image id:     img-test-1") && show.contains("packages:     3"),
        "{show}"
    );
}

#[test]
fn policy_file_can_ignore_and_reclassify() {
    let node = Node::new();
    node.build();
    node.root
        .file("/srv/app/data.json", b"{\"changed\":true}\n")
        .file("/etc/motd", b"hello\n");
    let policy = node._dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "ignore = [\"/srv/app\"]\n[[severity]]\npath = \"/etc/motd\"\nseverity = \"low\"\n",
    )
    .unwrap();
    let (code, report) = node.check_with(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        kinds(&report),
        vec![("file_modified".to_string(), "/etc/motd".to_string())]
    );
    assert_eq!(deviation(&report, "/etc/motd")["severity"], "low");
}

#[test]
fn missing_root_is_a_clear_error() {
    let node = Node::new();
    node.build();
    let (code, err) = stderr_of({
        let mut c = agent();
        c.args(["check", "--manifest"])
            .arg(&node.manifest)
            .args(["--root", "/does/not/exist"]);
        c
    });
    assert_eq!(code, 2);
    assert!(err.contains("/does/not/exist"), "{err}");
}

#[test]
fn a_corrupt_package_database_is_reported_and_files_are_still_checked() {
    let node = Node::new();
    node.build();
    std::fs::write(
        node.path("/var/lib/dpkg/status"),
        "Package: x\nbroken line\n",
    )
    .unwrap();
    // Drift the package database hides nothing else: a patched binary.
    std::fs::write(node.path("/usr/bin/ls"), b"patched").unwrap();
    let (code, json) = node.check();
    assert_eq!(
        code, 1,
        "a node that cannot be verified is not clean: {json}"
    );
    let devs = json["deviations"].as_array().unwrap();
    let err = devs
        .iter()
        .find(|d| d["kind"] == "scan_error")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(err["key"], "/var/lib/dpkg/status");
    assert_eq!(err["severity"], "critical");
    assert!(err["actual"].as_str().unwrap().contains("line 2"), "{err}");
    assert!(
        devs.iter()
            .any(|d| d["key"] == "/usr/bin/ls" && d["kind"] == "file_modified"),
        "files are still checked: {json}"
    );
    assert!(
        !devs.iter().any(|d| d["kind"] == "package_removed"),
        "packages not read are not reported removed: {json}"
    );
}

#[test]
fn unreadable_file_is_a_deviation_not_a_skip() {
    let node = Node::new();
    node.root.file_mode("/srv/app/secret.key", b"secret", 0o600);
    node.build();
    // Check as an unprivileged user, who cannot read the 0600 file.
    let (code, report) = node.check_as_nobody();
    assert_eq!(code, 1);
    let d = deviation(&report, "/srv/app/secret.key");
    assert_eq!(d["changes"], serde_json::json!(["unreadable"]));
    assert!(
        d["actual"].as_str().unwrap().contains("Permission denied"),
        "{d}"
    );
    assert_eq!(d["severity"], "high");
}

#[test]
fn build_refuses_an_incomplete_manifest() {
    let node = Node::new();
    node.root.file_mode("/srv/app/secret.key", b"secret", 0o600);
    let mut cmd = node.agent_as_nobody();
    cmd.args([
        "manifest",
        "build",
        "--image-id",
        "x",
        "-o",
        "/dev/null",
        "--root",
    ])
    .arg(node.root.path());
    let (code, err) = stderr_of(cmd);
    assert_eq!(code, 2);
    assert!(err.contains("/srv/app/secret.key: cannot open"), "{err}");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let node = Node::new();
    node.build();
    for i in 0..3000 {
        std::fs::write(node.path(&format!("/srv/app/added-{i:04}")), b"x").unwrap();
    }
    // Text output far larger than a pipe's buffer, read by nobody.
    let mut child = node
        .check_cmd(&[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
}

#[test]
fn terminal_escapes_in_file_names_are_not_printed_raw() {
    let node = Node::new();
    node.build();
    node.root.file("/etc/evil\x1b[2K\rOK clean", b"x");
    let out = agent()
        .args(["check", "--manifest"])
        .arg(&node.manifest)
        .arg("--root")
        .arg(node.root.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.stdout.contains(&0x1b), "raw escape printed: {text:?}");
    assert!(
        !out.stdout.contains(&b'\r'),
        "raw carriage return printed: {text:?}"
    );
    assert!(text.contains("/etc/evil\\u{1b}[2K\\u{d}OK clean"), "{text}");
}

/// Run as a child (see below): names itself rpc.statd, listens on the port
/// in PLUMB_HELPER_PORT and waits to be killed.
#[test]
fn helper_renamed_listener() {
    let Ok(port) = std::env::var("PLUMB_HELPER_PORT") else {
        return;
    };
    #[allow(unsafe_code)]
    // SAFETY: PR_SET_NAME copies at most 16 bytes from a NUL-terminated
    // string that outlives the call.
    unsafe {
        libc::prctl(
            libc::PR_SET_NAME,
            c"rpc.statd".as_ptr() as libc::c_ulong,
            0,
            0,
            0,
        );
    }
    let _l = std::net::TcpListener::bind(("0.0.0.0", port.parse::<u16>().unwrap())).unwrap();
    println!("listening");
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn a_process_cannot_borrow_an_allowed_name() {
    use std::io::BufRead;
    // Below the ephemeral range, so the port identifies the listener.
    let base = 12000 + (std::process::id() % 4000) as u16 * 2;
    let (by_name, by_path) = (base, base + 1);
    let me = std::env::current_exe().unwrap();
    let node = Node::new();
    node.build_with(&[
        "--listeners",
        "--allow-listener",
        &format!("tcp:{by_name}:rpc.statd"),
        "--allow-listener",
        &format!("tcp:{by_path}:{}", me.display()),
    ]);
    // Started through a link named rpc.statd, the helper's process name is
    // rpc.statd; its executable is still this test binary.
    let link = node._dir.path().join("rpc.statd");
    std::os::unix::fs::symlink(&me, &link).unwrap();
    let mut helpers = Vec::new();
    for port in [by_name, by_path] {
        let mut child = std::process::Command::new(&link)
            .args([
                "--exact",
                "helper_renamed_listener",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("PLUMB_HELPER_PORT", port.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("listening") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "helper ended");
        }
        helpers.push(child);
    }
    let (code, report) = node.check();
    for mut h in helpers {
        let _ = h.kill();
        let _ = h.wait();
    }
    assert_eq!(code, 1);
    // Named rpc.statd, but its executable is not the image's rpc.statd.
    let d = deviation(&report, &format!("tcp:0.0.0.0:{by_name}"));
    assert_eq!(d["kind"], "listener_added");
    assert!(d["actual"].as_str().unwrap().contains("rpc.statd"), "{d}");
    // Allowed by the path of the program it runs.
    assert!(
        !kinds(&report)
            .iter()
            .any(|(_, key)| key == &format!("tcp:0.0.0.0:{by_path}")),
        "{report:#}"
    );
}

#[test]
fn logs_are_plain_text_off_a_terminal_or_json_when_asked() {
    let node = Node::new();
    node.build();
    std::fs::write(node.path("/var/lib/dpkg/status"), "garbage\n").unwrap();
    let run = |format: &str| {
        let out = node
            .check_cmd(&["--log-format", format])
            .env("PLUMB_LOG", "warn")
            .output()
            .unwrap();
        String::from_utf8(out.stderr).unwrap()
    };
    let text = run("text");
    assert!(text.contains("package database unreadable"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour codes in a file or pipe: {text:?}"
    );
    let json = run("json");
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["level"] == "WARN"
            && l["fields"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("package database")),
        "{json}"
    );
}

#[test]
fn an_empty_image_id_is_a_configuration_error() {
    let out = agent()
        .args([
            "run",
            "--collector",
            "https://collector:7400",
            "--image-id",
            "",
            "--validate",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("image_id is empty"), "{err}");
}

#[test]
fn every_run_setting_comes_from_the_environment_too_and_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agent.toml");
    std::fs::write(
        &config,
        "collector = \"https://from-file:7400\"\nimage_id = \"img-file\"\nnode_id = \"file-node\"\n",
    )
    .unwrap();
    let out = agent()
        .args(["run", "--validate"])
        .env("PLUMB_CONFIG", &config)
        .env("PLUMB_COLLECTOR", "https://from-env:7400")
        .env("PLUMB_STATE_DIR", dir.path().join("state"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("node file-node reporting to https://from-env:7400"),
        "{stdout}"
    );
    // A setting given by a variable is checked like the flag.
    let out = agent()
        .args(["run", "--validate"])
        .env("PLUMB_CONFIG", &config)
        .env("PLUMB_INTERVAL", "soon")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("soon"), "{err}");
}

#[test]
fn errors_name_each_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    for args in [
        vec!["manifest", "show", missing.to_str().unwrap()],
        vec![
            "check",
            "--manifest",
            missing.to_str().unwrap(),
            "--root",
            dir.path().to_str().unwrap(),
        ],
        vec![
            "manifest",
            "build",
            "--root",
            dir.path().to_str().unwrap(),
            "--image-id",
            "x",
            "-o",
            dir.path().join("no/such/dir/m.pb").to_str().unwrap(),
        ],
    ] {
        let out = agent().args(&args).output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.matches("No such file or directory").count(),
            1,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn manifests_record_provenance_labels() {
    let node = Node::new();
    let out = agent()
        .args(["manifest", "build", "--image-id", "img", "--root"])
        .arg(node.root.path())
        .arg("-o")
        .arg(&node.manifest)
        .args(["--label", "commit=abc123", "--label", "packer_build=01HX"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let show = agent()
        .args(["manifest", "show"])
        .arg(&node.manifest)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    // A root that is not `/` (an image mounted for the build) records the
    // runtime checks too: its files are what may run on its nodes.
    assert!(
        text.contains("runtime:      on: processes, kernel modules, logins"),
        "{text}"
    );
    assert!(text.contains("label:        commit=abc123"), "{text}");
    assert!(text.contains("label:        packer_build=01HX"), "{text}");
    // Times are shown as times.
    assert!(text.contains("created:      20"), "{text}");
    let bad = agent()
        .args(["manifest", "build", "--image-id", "img", "--root"])
        .arg(node.root.path())
        .arg("-o")
        .arg(&node.manifest)
        .args(["--label", "Commit=x"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("Commit"), "{err}");

    // Only --no-runtime leaves them out, and show says so.
    node.build();
    let show = agent()
        .args(["manifest", "show"])
        .arg(&node.manifest)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(text.contains("runtime:      off"), "{text}");
}

#[test]
fn a_remote_shell_listening_is_critical_whatever_the_rules() {
    let node = Node::new();
    node.build_with(&["--listeners"]);
    let dir = tempfile::tempdir().unwrap();
    // A program named sshd that listens (a copy of the system's python).
    let sshd = dir.path().join("sshd");
    std::fs::copy(std::fs::canonicalize("/usr/bin/python3").unwrap(), &sshd).unwrap();
    let port = 20000 + (std::process::id() % 10000) as u16 + 2;
    let code = format!(
        "import socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', {port})); s.listen(); time.sleep(30)"
    );
    let mut child = spawn_fresh_copy(std::process::Command::new(&sshd).args(["-c", &code]));
    let other = std::net::TcpListener::bind(("127.0.0.1", port + 1)).unwrap();
    let policy = dir.path().join("quiet.toml");
    std::fs::write(
        &policy,
        "[[severity]]\npath = \"tcp:**\"\nkinds = [\"listener_added\"]\nseverity = \"low\"\n",
    )
    .unwrap();
    let key = format!("tcp:127.0.0.1:{port}");
    let mut report = serde_json::Value::Null;
    for _ in 0..50 {
        let (_, r) = node.check_with(&["--policy", policy.to_str().unwrap()]);
        report = r;
        if kinds(&report).iter().any(|(_, k)| *k == key) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    drop(other);
    assert_eq!(deviation(&report, &key)["severity"], "critical", "{report}");
    let plain = format!("tcp:127.0.0.1:{}", port + 1);
    assert_eq!(deviation(&report, &plain)["severity"], "low", "{report}");
}

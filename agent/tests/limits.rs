//! Inputs past the agent's bounds (memory ceiling, package file lists
//! that expand, trees too large, unreadable files) are errors naming them,
//! never an abort; and a one-off check writes nothing of the daemon's.

mod support;

use support::*;

#[test]
fn inputs_beyond_the_memory_ceiling_are_errors_naming_them() {
    let node = Node::new();
    node.build();
    // A package database larger than the whole ceiling: it is not read,
    // the scan says so and goes on with the files.
    let mut status = std::fs::read(node.path("/var/lib/dpkg/status")).unwrap();
    status.resize(24 << 20, b'\n');
    std::fs::write(node.path("/var/lib/dpkg/status"), &status).unwrap();
    std::fs::write(node.path("/usr/bin/ls"), b"patched").unwrap();
    let (code, json) = node.check_with(&["--memory-limit", "16M"]);
    assert_eq!(code, 1, "{json}");
    let devs = json["deviations"].as_array().unwrap();
    let err = scan_error(&json, "/var/lib/dpkg/status");
    let why = err["actual"].as_str().unwrap();
    assert!(why.contains("memory ceiling of 16.0 MiB"), "{why}");
    assert!(
        devs.iter().any(|d| d["key"] == "/usr/bin/ls"),
        "files are still checked: {json}"
    );

    // A manifest larger than the ceiling: an error naming it, not an abort.
    let big = node.state.with_file_name("huge.pb");
    std::fs::write(&big, vec![0u8; 20 << 20]).unwrap();
    let (code, err) = stderr_of({
        let mut c = agent();
        c.args(["check", "--memory-limit", "16M", "--manifest"])
            .arg(&big)
            .arg("--root")
            .arg(node.root.path());
        c
    });
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("huge.pb") && err.contains("memory ceiling"),
        "{err}"
    );

    let (code, err) = stderr_of({
        let mut c = agent();
        c.args(["check", "--memory-limit", "1M", "--manifest"])
            .arg(&big);
        c
    });
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("below the minimum"), "{err}");
}

/// File lists built from references into their input (rpm's dir names
/// joined to base names by index, apk's `R:` lines under the last `F:`)
/// can name gigabytes of paths in a megabyte: they are charged to the
/// ceiling before they are built, at any ceiling, and the scan goes on.
#[test]
fn package_file_lists_that_expand_past_the_ceiling_are_scan_errors() {
    use plumb_agent::fixture::{rpm_header_lists, FixtureRoot};
    for limit in ["256M", "1G"] {
        let node = Node::new();
        node.build();
        // 100,000 base names, all in one 200 kB directory: 20 GB of paths.
        let dir = format!("/{}/", "d".repeat(200_000));
        let bases: Vec<String> = (0..100_000).map(|i| format!("{i:x}")).collect();
        let idx = vec![0; bases.len()];
        FixtureRoot::at(node.root.path()).rpm_blob(&rpm_header_lists(
            "bomb",
            "1",
            "1",
            None,
            vec![dir],
            bases,
            idx,
        ));
        std::fs::write(node.path("/usr/bin/ls"), b"patched").unwrap();
        let (code, json) = node.check_with(&["--memory-limit", limit]);
        assert_eq!(code, 1, "exit {code} at {limit}: {json}");
        let devs = json["deviations"].as_array().unwrap();
        let err = scan_error(&json, "/var/lib/rpm/rpmdb.sqlite");
        let why = err["actual"].as_str().unwrap();
        assert!(
            why.contains("package bomb: its file list (100000 paths")
                && why.contains("memory ceiling"),
            "{why}"
        );
        assert!(
            devs.iter().any(|d| d["key"] == "/usr/bin/ls"),
            "files are still checked: {json}"
        );
    }

    // apk: one 4 MB directory line and a million one-letter files.
    let node = Node::new();
    node.build();
    let mut db = format!("P:bomb\nV:1\nF:{}\n", "d".repeat(4 << 20)).into_bytes();
    for _ in 0..1_000_000 {
        db.extend_from_slice(b"R:x\n");
    }
    let path = node.path("/lib/apk/db/installed");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &db).unwrap();
    let (code, json) = node.check_with(&["--memory-limit", "256M"]);
    assert_eq!(code, 1, "{json}");
    let err = scan_error(&json, "/lib/apk/db/installed");
    let why = err["actual"].as_str().unwrap();
    assert!(
        why.contains("memory ceiling") && why.contains(" line "),
        "{why}"
    );
}

#[test]
fn a_tree_too_large_for_the_memory_ceiling_is_reported_not_fatal() {
    let node = Node::new();
    node.build();
    // Long paths make a few thousand entries weigh tens of megabytes.
    let mut deep = String::new();
    for i in 0..14 {
        deep.push_str(&format!("/{}{i:02}", "d".repeat(250)));
    }
    let dir = node.path(&format!("/opt{deep}"));
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..6000 {
        std::fs::write(dir.join(format!("{}{i:05}", "f".repeat(200))), b"x").unwrap();
    }
    std::fs::write(node.path("/usr/bin/ls"), b"patched").unwrap();
    let (code, json) = node.check_with(&["--memory-limit", "16M"]);
    assert_eq!(code, 1, "{json}");
    let err = scan_error(&json, "files");
    assert_eq!(err["severity"], "critical");
    assert!(
        err["actual"].as_str().unwrap().contains("memory ceiling"),
        "{err}"
    );
}

/// A one-off `check` without `--state-dir` never writes the daemon's
/// state: the daemon's hash cache is not replaced behind its back.
#[test]
fn an_ad_hoc_check_leaves_the_daemons_state_alone() {
    let node = Node::new();
    node.build();
    let daemon = std::path::Path::new("/var/lib/plumb");
    let listing = || -> Vec<(std::path::PathBuf, Option<std::time::SystemTime>)> {
        match std::fs::read_dir(daemon) {
            Ok(entries) => entries
                .flatten()
                .map(|e| (e.path(), e.metadata().ok().and_then(|m| m.modified().ok())))
                .collect(),
            Err(_) => Vec::new(),
        }
    };
    let existed = daemon.exists();
    let before = listing();
    std::fs::write(node.path("/usr/bin/ls"), b"patched").unwrap();
    let out = agent()
        .args(["check", "--json", "--manifest"])
        .arg(&node.manifest)
        .arg("--root")
        .arg(node.root.path())
        .output()
        .unwrap();
    let (code, json) = parse(out);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        daemon.exists(),
        existed,
        "the check created {}",
        daemon.display()
    );
    assert_eq!(listing(), before, "the check wrote the daemon's state");
}

#[test]
fn tampered_truncated_and_garbage_manifests_are_refused() {
    let node = Node::new();
    node.build();
    let bytes = std::fs::read(&node.manifest).unwrap();
    std::fs::write(&node.manifest, &bytes[..bytes.len() / 2]).unwrap();
    let (code, err) = stderr_of(node.check_cmd(&[]));
    assert_eq!(code, 2);
    assert!(err.contains("image.pb"), "{err}");

    let mut tampered = bytes.clone();
    let at = tampered.windows(9).position(|w| w == b"coreutils").unwrap();
    tampered[at] = b'C';
    std::fs::write(&node.manifest, &tampered).unwrap();
    let (code, err) = stderr_of(node.check_cmd(&[]));
    assert_eq!(code, 2);
    assert!(err.contains("digest mismatch"), "{err}");

    std::fs::write(&node.manifest, b"{ not json").unwrap();
    let (code, err) = stderr_of(node.check_cmd(&[]));
    assert_eq!(code, 2);
    assert!(err.contains("invalid JSON"), "{err}");
}

/// A package database of millions of tiny lines: the parsers read lines
/// one at a time and charge a stanza's fields to the ceiling as they grow
/// (a collected line list alone was 16 bytes per 2-byte line).
#[test]
fn a_database_of_millions_of_tiny_lines_is_a_scan_error_not_an_abort() {
    let node = Node::new();
    node.build();
    let mut status = b"Package: x\n".to_vec();
    for _ in 0..2_000_000 {
        status.extend_from_slice(b"a:b\n");
    }
    std::fs::write(node.path("/var/lib/dpkg/status"), &status).unwrap();
    let (code, json) = node.check_with(&["--memory-limit", "32M"]);
    assert_eq!(code, 1, "{json}");
    let err = scan_error(&json, "/var/lib/dpkg/status");
    assert!(
        err["actual"].as_str().unwrap().contains("memory ceiling"),
        "{err}"
    );
}

#[test]
fn a_terabyte_sparse_file_on_a_node_is_drift_by_its_size_not_hours_of_hashing() {
    let node = Node::new();
    node.build();
    // Larger than any file of the image: whatever its content, it is not
    // one of them. Its hash is evidence only, and not computed past the cap.
    let sparse = node.path("/opt/sparse");
    std::fs::create_dir_all(sparse.parent().unwrap()).unwrap();
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let mut cmd = node.check_cmd(&["--full"]);
    let out = support::output_within(&mut cmd, 120);
    let (code, report) = support::parse(out);
    assert_eq!(code, 1, "{report}");
    let d = support::deviation(&report, "/opt/sparse");
    assert_eq!(d["kind"], "file_added", "{d}");
    assert!(
        d["changes"]
            .as_array()
            .unwrap()
            .contains(&"hash_capped".into()),
        "{d}"
    );
    assert!(
        d["actual"].as_str().unwrap().contains("size=1099511627776"),
        "{d}"
    );
}

//! Arbitrary bytes where a node's own files are read (package databases,
//! `/proc/net`, manifests, policy files) give an error or a result, never
//! a panic or an unbounded allocation. Property tests over random and
//! mutated inputs, run with the suite.

mod support;

use std::path::Path;

use plumb_agent::fixture::{rpm_header, FixtureRoot};
use plumb_agent::scan::packages;
use proptest::prelude::*;

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// A valid input with some bytes overwritten.
fn mutated(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len().max(1);
    prop::collection::vec((0..len, any::<u8>()), 0..12).prop_map(move |edits| {
        let mut v = valid.clone();
        for (at, b) in edits {
            if at < v.len() {
                v[at] = b;
            }
        }
        v
    })
}

fn dpkg_status() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    FixtureRoot::at(dir.path()).realistic();
    std::fs::read(dir.path().join("var/lib/dpkg/status")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn dpkg_status_never_panics(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        mutated(dpkg_status()),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "var/lib/dpkg/status", &bytes);
        let _ = packages::scan(dir.path());
    }

    #[test]
    fn apk_database_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "lib/apk/db/installed", &bytes);
        let _ = packages::scan(dir.path());
    }

    #[test]
    fn rpm_headers_never_panic(blob in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        mutated(rpm_header("bash", "5.2", "1", Some(1), &["/usr/bin/bash", "/etc/skel/.bashrc"])),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        FixtureRoot::at(dir.path()).rpm_blob(&blob);
        let _ = packages::scan(dir.path());
    }

    #[test]
    fn proc_net_tables_never_panic(text in "[ -~\n]{0,600}") {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "net/tcp", text.as_bytes());
        write(dir.path(), "net/udp", b"");
        let _ = plumb_agent::scan::listeners::scan(dir.path());
    }

    #[test]
    fn manifests_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let _ = plumb_proto::v1::Manifest::decode_verified(&bytes);
        let _ = plumb_proto::v1::Manifest::decode_streaming(&bytes, |_| Ok(()));
        let _ = serde_json::from_slice::<plumb_proto::v1::Manifest>(&bytes);
    }

    #[test]
    fn policy_files_never_panic(text in "[ -~\n]{0,400}") {
        let _ = plumb_agent::policy::PolicyFile::parse(&text, "fuzz.toml");
    }
}

/// Every committed fuzz input (seed corpora, minimised corpora and the
/// inputs that once failed, in `agent/fuzz/{corpus,regressions}`) replayed
/// through its target with the suite: a fixed crash stays fixed.
#[test]
fn fuzz_corpora_and_regressions_replay_cleanly() {
    let replayed = support::replay(plumb_agent::fuzzing::TARGETS);
    assert!(
        replayed >= plumb_agent::fuzzing::TARGETS.len(),
        "only {replayed} inputs found under agent/fuzz"
    );
}

/// Writes the seed corpora (run by `scripts/fuzz.sh seed`, with
/// `PLUMB_FUZZ_SEEDS` naming the corpus directory).
#[test]
#[ignore = "writes files; run by scripts/fuzz.sh"]
fn write_fuzz_seeds() {
    let dir =
        std::path::PathBuf::from(std::env::var("PLUMB_FUZZ_SEEDS").expect("PLUMB_FUZZ_SEEDS"));
    for (i, (name, bytes)) in plumb_agent::fuzzing::seeds().into_iter().enumerate() {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("seed-{i}")), bytes).unwrap();
    }
}

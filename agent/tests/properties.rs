//! Properties of the diff over generated trees: a manifest checked against
//! the tree it was built from never deviates, and one mutation of that
//! tree yields exactly the deviation it should.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use indicatif::ProgressBar;
use plumb_agent::check::Checker;
use plumb_agent::manifest::{self, BuildOptions};
use plumb_proto::v1::{Deviation, DeviationKind};
use proptest::prelude::*;

/// What a generated path holds.
#[derive(Clone, Debug)]
enum Entry {
    File { content: Vec<u8>, mode: u32 },
    Link { target: String },
}

/// One change to the tree and the deviation it must cause.
#[derive(Clone, Debug)]
enum Mutation {
    /// Same size, other bytes.
    Content(usize),
    Grow(usize),
    Mode(usize),
    Setuid(usize),
    Remove(usize),
    Add(String),
    Retarget(usize),
}

fn tree() -> impl Strategy<Value = BTreeMap<String, Entry>> {
    let name = "[a-z]{1,6}";
    let path = prop::collection::vec(name, 1..4).prop_map(|p| p.join("/"));
    let entry = prop_oneof![
        4 => (prop::collection::vec(any::<u8>(), 0..300), prop_oneof![Just(0o644u32), Just(0o755), Just(0o600)])
            .prop_map(|(content, mode)| Entry::File { content, mode }),
        1 => "[a-z]{1,8}".prop_map(|t| Entry::Link { target: format!("../{t}") }),
    ];
    prop::collection::btree_map(path, entry, 1..16).prop_map(|m| {
        // No path may be both a file and a directory's ancestor.
        let keys: Vec<String> = m.keys().cloned().collect();
        m.into_iter()
            .filter(|(k, _)| !keys.iter().any(|o| o.starts_with(&format!("{k}/"))))
            .collect()
    })
}

fn lay_out(root: &Path, tree: &BTreeMap<String, Entry>) {
    for (path, entry) in tree {
        let full = root.join("srv/pt").join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        match entry {
            Entry::File { content, mode } => {
                std::fs::write(&full, content).unwrap();
                std::fs::set_permissions(&full, std::fs::Permissions::from_mode(*mode)).unwrap();
            }
            Entry::Link { target } => std::os::unix::fs::symlink(target, &full).unwrap(),
        }
    }
}

fn build(root: &Path) -> manifest::Baseline {
    manifest::build(&BuildOptions::new(root.to_path_buf(), "prop"))
        .unwrap()
        .manifest
}

/// Checks `root` against `manifest`, rehashing everything.
fn check(root: &Path, manifest: manifest::Baseline) -> Vec<Deviation> {
    let mut checker = Checker::new(root, manifest, None, None, Path::new("/proc")).unwrap();
    checker
        .scan(true, ProgressBar::hidden())
        .unwrap()
        .deviations
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_tree_checked_against_its_own_manifest_never_deviates(t in tree()) {
        let dir = tempfile::tempdir().unwrap();
        lay_out(dir.path(), &t);
        let devs = check(dir.path(), build(dir.path()));
        prop_assert!(devs.is_empty(), "{devs:?}");
    }

    #[test]
    fn one_mutation_yields_exactly_its_deviation(t in tree(), m in prop_oneof![
        any::<usize>().prop_map(Mutation::Content),
        any::<usize>().prop_map(Mutation::Grow),
        any::<usize>().prop_map(Mutation::Mode),
        any::<usize>().prop_map(Mutation::Setuid),
        any::<usize>().prop_map(Mutation::Remove),
        "[a-z]{7,9}".prop_map(Mutation::Add),
        any::<usize>().prop_map(Mutation::Retarget),
    ]) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        lay_out(root, &t);
        let built = build(root);
        let files: Vec<(&String, &Entry)> = t.iter().filter(|(_, e)| matches!(e, Entry::File { .. })).collect();
        let links: Vec<(&String, &Entry)> = t.iter().filter(|(_, e)| matches!(e, Entry::Link { .. })).collect();
        let full = |p: &str| root.join("srv/pt").join(p);
        let key = |p: &str| format!("/srv/pt/{p}");
        let expected: (DeviationKind, String, Option<&str>) = match &m {
            Mutation::Content(i) | Mutation::Grow(i) | Mutation::Mode(i) | Mutation::Setuid(i) | Mutation::Remove(i) => {
                prop_assume!(!files.is_empty());
                let (path, entry) = files[i % files.len()];
                let Entry::File { content, mode } = entry else { unreachable!() };
                match &m {
                    Mutation::Content(_) => {
                        prop_assume!(!content.is_empty());
                        let flipped: Vec<u8> = content.iter().map(|b| b ^ 0xff).collect();
                        std::fs::write(full(path), flipped).unwrap();
                        (DeviationKind::FileModified, key(path), Some("content"))
                    }
                    Mutation::Grow(_) => {
                        let mut more = content.clone();
                        more.push(b'!');
                        std::fs::write(full(path), more).unwrap();
                        (DeviationKind::FileModified, key(path), Some("content"))
                    }
                    Mutation::Mode(_) => {
                        std::fs::set_permissions(full(path), std::fs::Permissions::from_mode(mode ^ 0o020)).unwrap();
                        (DeviationKind::FileModified, key(path), Some("mode"))
                    }
                    Mutation::Setuid(_) => {
                        std::fs::set_permissions(full(path), std::fs::Permissions::from_mode(mode | 0o4000)).unwrap();
                        (DeviationKind::FileModified, key(path), Some("mode"))
                    }
                    _ => {
                        std::fs::remove_file(full(path)).unwrap();
                        (DeviationKind::FileRemoved, key(path), None)
                    }
                }
            }
            Mutation::Add(name) => {
                std::fs::write(full(name), b"new").unwrap();
                (DeviationKind::FileAdded, key(name), None)
            }
            Mutation::Retarget(i) => {
                prop_assume!(!links.is_empty());
                let (path, _) = links[i % links.len()];
                std::fs::remove_file(full(path)).unwrap();
                std::os::unix::fs::symlink("/elsewhere", full(path)).unwrap();
                (DeviationKind::FileModified, key(path), Some("link_target"))
            }
        };
        let devs = check(root, built);
        prop_assert_eq!(devs.len(), 1, "{:?} gave {:?}", m, devs);
        let d = &devs[0];
        prop_assert_eq!(d.kind, expected.0 as i32);
        prop_assert_eq!(&d.key, &expected.1);
        if let Some(change) = expected.2 {
            prop_assert!(d.changes.iter().any(|c| c == change), "{:?}", d);
        }
        if matches!(m, Mutation::Setuid(_)) {
            prop_assert_eq!(d.severity, plumb_proto::v1::Severity::Critical as i32);
        }
    }
}

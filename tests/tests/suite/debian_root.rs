//! Patch posture on a real Debian root: a minimal Debian 12 made by
//! debootstrap from Debian's packages (`scripts/lib/deps.sh` makes it
//! once, in `target/debian-root`), its dpkg database as an image build
//! leaves it. Advisories in the OSV format name packages and versions
//! really in that root, and versions just above and below them: an
//! epoch on the binary but not on the source (util-linux), an epoch on
//! both (zlib), `~`, and source-package names (glibc for libc6).

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::inventory::osv;
use crate::support::*;

/// The root, when the test script made it; in CI its absence fails.
fn debian_root() -> Option<PathBuf> {
    match std::env::var_os("PLUMB_TEST_DEBIAN_ROOT") {
        Some(dir) => Some(PathBuf::from(dir)),
        None if std::env::var_os("CI").is_some() => {
            panic!("PLUMB_TEST_DEBIAN_ROOT is not set: scripts/test.sh makes the Debian root")
        }
        None => {
            eprintln!("no debootstrap'd Debian root (scripts/test.sh makes one): skipped");
            None
        }
    }
}

/// (binary version, source name, source version) of `package` in the root.
fn in_root(root: &std::path::Path, package: &str) -> (String, String, String) {
    let out = run_ok(
        Command::new("dpkg-query")
            .arg(format!(
                "--admindir={}",
                root.join("var/lib/dpkg").display()
            ))
            .args([
                "-W",
                "-f",
                "${Version}\t${source:Package}\t${source:Version}",
                package,
            ]),
    );
    let mut f = out.trim().split('\t').map(str::to_string);
    (f.next().unwrap(), f.next().unwrap(), f.next().unwrap())
}

#[test]
fn a_debootstrapped_debian_root_is_inventoried_and_matched_in_dpkg_order() {
    let Some(root) = debian_root() else { return };
    let (libc, glibc, glibc_v) = in_root(&root, "libc6");
    let (bsdutils, util_linux, util_linux_v) = in_root(&root, "bsdutils");
    let (zlib_bin, zlib, zlib_v) = in_root(&root, "zlib1g");
    // What the root really holds (Debian 12's own packaging).
    assert_eq!(glibc, "glibc");
    assert_eq!(util_linux, "util-linux");
    assert_eq!(zlib, "zlib");
    assert!(
        bsdutils.starts_with("1:") && !util_linux_v.contains(':'),
        "{bsdutils} / {util_linux_v}"
    );
    assert!(
        zlib_bin.starts_with("1:") && zlib_v.starts_with("1:"),
        "{zlib_bin} / {zlib_v}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(&tmp.path().join("c"), &[]);
    let manifest = tmp.path().join("deb12.pb");
    run_ok(
        Command::new(bin("plumb-agent"))
            .args([
                "manifest",
                "build",
                "--no-runtime",
                "--image-id",
                "deb12",
                "--root",
            ])
            .arg(&root)
            .arg("-o")
            .arg(&manifest),
    );
    run_ok(c.ctl_command().args(["manifest", "push"]).arg(&manifest));

    // The inventory: libc6 by its own name and by its source's.
    for name in ["libc6", "glibc"] {
        let rows = c.ctl_json(&["packages", name]);
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "libc6")
            .unwrap_or_else(|| panic!("libc6 not found as {name}: {rows}"));
        assert_eq!(row["image_id"], "deb12");
        assert_eq!(row["manager"], "dpkg");
        assert_eq!(row["version"], libc.as_str());
        assert_eq!(row["source"], "glibc");
        assert_eq!(row["source_version"], glibc_v.as_str());
    }
    // In dpkg's order `~` sorts before anything: `V~1` is older than `V`,
    // and `V+1` newer.
    let below = |v: &str| c.ctl_json(&["packages", "libc6", "--below", v]);
    assert_eq!(below(&format!("{libc}~1")).as_array().unwrap().len(), 0);
    assert_eq!(below(&format!("{libc}+1")).as_array().unwrap().len(), 1);

    // Advisories written for what is really there, as Debian publishes
    // them (source packages, source versions).
    let release = "Debian:12";
    let records = json!([
        // Fixed just above: exposed.
        osv("DSA-9101-1", release, "glibc", &format!("{glibc_v}+1")),
        // Fixed at the installed version, and at a `~` version below it:
        // not exposed.
        osv("DSA-9102-1", release, "glibc", &glibc_v),
        osv("DSA-9103-1", release, "glibc", &format!("{glibc_v}~1")),
        // zlib's epoch: a fix without it is older than what is installed.
        osv("DSA-9104-1", release, "zlib", "1.9-1"),
        osv("DSA-9105-1", release, "zlib", &format!("{}+1", zlib_v)),
        // util-linux's source version has no epoch (its binaries do).
        osv(
            "DSA-9106-1",
            release,
            "util-linux",
            &format!("{util_linux_v}+1")
        ),
        // Another release of Debian: not this image.
        osv("DSA-9107-1", "Debian:11", "glibc", &format!("{glibc_v}+1")),
    ]);
    let file = tmp.path().join("debian.json");
    std::fs::write(&file, serde_json::to_vec(&records).unwrap()).unwrap();
    let imported = c.ctl_json(&["advisories", "import", file.to_str().unwrap()]);
    assert_eq!(imported["advisories"], 7, "{imported}");

    let exposed = |id: &str| -> Vec<Value> {
        c.ctl_json(&["exposure", "--advisory", id])
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["image_id"] == "deb12")
            .cloned()
            .collect()
    };
    let a = exposed("DSA-9101-1");
    assert!(
        a.iter()
            .any(|r| r["package"] == "libc6" && r["version"] == glibc_v.as_str()),
        "{a:?}"
    );
    assert!(a.iter().all(|r| r["release"] == release), "{a:?}");
    assert!(
        exposed("DSA-9102-1").is_empty(),
        "fixed at the installed version"
    );
    assert!(
        exposed("DSA-9103-1").is_empty(),
        "fixed in a `~` version below it"
    );
    assert!(
        exposed("DSA-9104-1").is_empty(),
        "a fix without the epoch is older"
    );
    assert!(
        exposed("DSA-9105-1")
            .iter()
            .any(|r| r["package"] == "zlib1g"),
        "zlib with its epoch"
    );
    let u = exposed("DSA-9106-1");
    assert!(
        u.iter().any(|r| r["package"] == "bsdutils"),
        "bsdutils through its source util-linux: {u:?}"
    );
    assert!(exposed("DSA-9107-1").is_empty(), "Debian 11's advisory");
}

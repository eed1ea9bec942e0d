//! Patch posture, first part: the package inventory of registered images,
//! from this machine's own dpkg database (a real one: binNMUs whose source
//! version differs, libraries named after their source package), queried
//! through plumbctl and the REST API in dpkg's own version order.

use std::process::Command;

use crate::support::*;

/// `dpkg-query`'s version and source of `package` on this machine.
fn installed(package: &str) -> Option<(String, String)> {
    let out = Command::new("dpkg-query")
        .args([
            "-W",
            "-f=${Version}\t${source:Package}\t${source:Version}",
            package,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut f = text.split('\t');
    let version = f.next()?.to_string();
    let source = format!("{}\t{}", f.next()?, f.next()?);
    out.status.success().then_some((version, source))
}

#[test]
fn the_images_carrying_a_package_are_listed_in_dpkgs_version_order() {
    let Some((ssl, ssl_source)) = installed("libssl3") else {
        eprintln!("no dpkg database with libssl3 on this machine: skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(&tmp.path().join("c"), &[]);
    // A root whose package database is this machine's.
    let root = plumb_agent::fixture::FixtureRoot::at(tmp.path().join("root"));
    root.dir("/var/lib/dpkg");
    std::fs::copy("/var/lib/dpkg/status", root.join("/var/lib/dpkg/status")).unwrap();
    let manifest = tmp.path().join("real.pb");
    run_ok(
        Command::new(bin("plumb-agent"))
            .args([
                "manifest",
                "build",
                "--no-runtime",
                "--image-id",
                "img-real",
                "--root",
            ])
            .arg(root.path())
            .arg("-o")
            .arg(&manifest),
    );
    run_ok(c.ctl_command().args(["manifest", "push"]).arg(&manifest));

    let rows = c.ctl_json(&["packages", "libssl3"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["image_id"], "img-real");
    assert_eq!(rows[0]["version"], ssl.as_str());
    assert_eq!(
        format!(
            "{}\t{}",
            rows[0]["source"].as_str().unwrap(),
            rows[0]["source_version"].as_str().unwrap()
        ),
        ssl_source
    );
    assert_eq!(rows[0]["image_kind"], "machine");

    // By source package, as advisories name it, below a fixed version just
    // above this machine's (dpkg order: `+1` is newer), and not below the
    // version it has.
    let source = ssl_source.split('\t').next().unwrap().to_string();
    let newer = format!("{ssl}+1");
    let below = c.ctl_json(&["packages", &source, "--below", &newer]);
    assert!(
        below
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "libssl3"),
        "{below}"
    );
    let same = c.ctl_json(&["packages", &source, "--below", &ssl]);
    assert!(
        same.as_array()
            .unwrap()
            .iter()
            .all(|r| r["name"] != "libssl3"),
        "{same}"
    );
    // `~` sorts before the end: a version with `~` appended is older.
    let tilde = format!("{ssl}~pre");
    assert!(c
        .ctl_json(&["packages", "libssl3", "--below", &tilde])
        .as_array()
        .unwrap()
        .is_empty());
    let exact = c.ctl_json(&["packages", "libssl3", "--version", &ssl]);
    assert_eq!(exact.as_array().unwrap().len(), 1, "{exact}");

    // The REST API answers the same.
    let rest = c.get(&format!(
        "/api/v1/packages?name={source}&below={}",
        newer.replace('+', "%2B").replace('~', "%7E")
    ));
    assert!(
        rest["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "libssl3"),
        "{rest}"
    );
    let (status, body) = c.get_raw("/api/v1/packages?name=x&version=1&below=2");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not both"), "{body}");

    // A package of a binNMU: its source's version differs from its own.
    if let Some((bash, bash_source)) = installed("bash") {
        let rows = c.ctl_json(&["packages", "bash"]);
        let row = &rows.as_array().unwrap()[0];
        assert_eq!(row["version"], bash.as_str());
        assert_eq!(
            format!(
                "{}\t{}",
                row["source"].as_str().unwrap(),
                row["source_version"].as_str().unwrap()
            ),
            bash_source
        );
    }
}

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

/// A copy of this machine's dpkg status with `package`'s version (and its
/// source's, for packages built from `source`) replaced by `version`.
fn status_with(source: &str, version: &str) -> String {
    let status = std::fs::read_to_string("/var/lib/dpkg/status").unwrap();
    status
        .split("\n\n")
        .map(|stanza| {
            let from_source = stanza.lines().any(|l| {
                l == format!("Source: {source}") || l.starts_with(&format!("Source: {source} ("))
            }) || stanza.lines().any(|l| l == format!("Package: {source}"));
            if !from_source {
                return stanza.to_string();
            }
            stanza
                .lines()
                .map(|l| {
                    if l.starts_with("Version: ") {
                        format!("Version: {version}")
                    } else if l.starts_with(&format!("Source: {source} (")) {
                        format!("Source: {source}")
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// An OSV record of Debian's kind: source package `name` in `ecosystem`,
/// affected from the start until `fixed`.
pub(crate) fn osv(id: &str, ecosystem: &str, name: &str, fixed: &str) -> serde_json::Value {
    serde_json::json!({
        "schema_version": "1.6.0",
        "id": id,
        "aliases": [format!("CVE-2099-{}", id.len())],
        "summary": format!("{name} - security update"),
        "modified": "2026-12-01T00:00:00Z",
        "published": "2026-12-01T00:00:00Z",
        "database_specific": {"severity": "high"},
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name, "purl": format!("pkg:deb/debian/{name}")},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    })
}

#[test]
fn the_fleet_exposed_to_an_advisory_and_the_image_that_fixes_it() {
    let (Some((ssl, ssl_source)), Some((base, _))) =
        (installed("libssl3"), installed("base-files"))
    else {
        eprintln!("no dpkg database with libssl3 on this machine: skipped");
        return;
    };
    let release = format!("Debian:{}", base.split('.').next().unwrap());
    let source = ssl_source.split('\t').next().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    // Images exposed to a high advisory are due for replacement.
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "[posture]\nexposure_severity = \"high\"\n").unwrap();
    let c = Collector::start(
        &tmp.path().join("c"),
        &["--policy", policy.to_str().unwrap()],
    );
    // Two images: this machine's packages, and the same with the source
    // package at the fixed version.
    let fixed = format!("{ssl}+1");
    for (image, status) in [
        (
            "img-vulnerable",
            std::fs::read_to_string("/var/lib/dpkg/status").unwrap(),
        ),
        ("img-fixed", status_with(&source, &fixed)),
    ] {
        let root = plumb_agent::fixture::FixtureRoot::at(tmp.path().join(image));
        root.dir("/var/lib/dpkg");
        std::fs::write(root.join("/var/lib/dpkg/status"), status).unwrap();
        let manifest = tmp.path().join(format!("{image}.pb"));
        run_ok(
            Command::new(bin("plumb-agent"))
                .args([
                    "manifest",
                    "build",
                    "--no-runtime",
                    "--image-id",
                    image,
                    "--label",
                    "family=base",
                    "--root",
                ])
                .arg(root.path())
                .arg("-o")
                .arg(&manifest),
        );
        run_ok(c.ctl_command().args(["manifest", "push"]).arg(&manifest));
        // Registered one after the other: the second supersedes the first.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let families = c.ctl_json(&["families"]);
    let base = &families.as_array().unwrap()[0];
    assert_eq!(base["family"], "base", "{families}");
    assert_eq!(base["newest"], "img-fixed", "{families}");
    let old = &base["images"][1];
    assert_eq!(old["image_id"], "img-vulnerable");
    assert!(old["superseded_since"].as_i64().unwrap() > 0, "{families}");
    // The rollout over time: recorded by the posture judgement that the
    // push asked for.
    let rollout = wait_for(
        "the family's rollout",
        std::time::Duration::from_secs(10),
        || {
            let r = c.get("/api/v1/families/base/rollout");
            r["points"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["newest"] == "img-fixed")
                .then_some(r)
        },
    );
    assert_eq!(rollout["family"], "base", "{rollout}");
    // The same through plumbctl (gRPC).
    let points = c.ctl_json(&["rollout", "base"]);
    assert!(
        points
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["newest"] == "img-fixed" && p["units"] == 0),
        "{points}"
    );
    assert!(
        !c.ctl(&["rollout", "nope"]).status.success(),
        "an unknown family"
    );
    assert_eq!(
        c.get_raw("/api/v1/families/nope/rollout").0,
        404,
        "an unknown family"
    );

    // Advisories, in a directory: one this release is exposed to, one
    // fixed before this machine's version, one for another release.
    let dir = tmp.path().join("osv");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.json"),
        serde_json::to_vec(&osv("DSA-9001-1", &release, &source, &fixed)).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("b.json"),
        serde_json::to_vec(&serde_json::json!([
            osv("DSA-9002-1", &release, &source, "0.9-1"),
            osv("DSA-9003-1", "Debian:9", &source, &fixed),
        ]))
        .unwrap(),
    )
    .unwrap();
    let imported = c.ctl_json(&["advisories", "import", dir.to_str().unwrap()]);
    assert_eq!(imported["advisories"], 3, "{imported}");

    let exposure = c.ctl_json(&["exposure"]);
    let rows = exposure.as_array().unwrap();
    assert!(!rows.is_empty(), "{exposure}");
    for r in rows {
        assert_eq!(r["advisory_id"], "DSA-9001-1", "{r}");
        assert_eq!(r["image_id"], "img-vulnerable", "{r}");
        assert_eq!(r["release"], release.as_str(), "{r}");
        assert_eq!(r["fixed"], fixed.as_str(), "{r}");
        assert_eq!(r["fixed_images"], serde_json::json!(["img-fixed"]), "{r}");
        assert_eq!(r["severity"], "high");
    }
    assert!(rows
        .iter()
        .any(|r| r["package"] == "libssl3" && r["version"] == ssl.as_str()));
    let one = c.ctl_json(&["exposure", "--advisory", "DSA-9002-1"]);
    assert!(one.as_array().unwrap().is_empty(), "{one}");
    let listed = c.ctl_json(&["advisories"]);
    let first = &listed.as_array().unwrap()[0];
    assert_eq!(first["id"], "DSA-9001-1", "{listed}");
    assert_eq!(first["images"], 1);

    // The exposed image is due for replacement (by posture, not drift),
    // the fixed one is not.
    let due = c.ctl_json(&["due"]);
    let due = due.as_array().unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0]["image_id"], "img-vulnerable");
    assert_eq!(due[0]["advisories"], serde_json::json!(["DSA-9001-1"]));

    // The REST API answers the same.
    let rest = c.get("/api/v1/exposure?advisory=DSA-9001-1");
    assert_eq!(rest["exposure"].as_array().unwrap().len(), rows.len());

    // A file with one bad record imports nothing, and says which record.
    std::fs::write(
        dir.join("c.json"),
        r#"[{"id": "DSA-9004-1", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1.0"}]}]}]}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("a.json"),
        serde_json::to_vec(&osv("DSA-9005-1", &release, &source, &fixed)).unwrap(),
    )
    .unwrap();
    let out = c.ctl(&["advisories", "import", dir.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("DSA-9004-1") && err.contains("introduced"),
        "{err}"
    );
    let ids: Vec<String> = c
        .ctl_json(&["advisories"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !ids.contains(&"DSA-9005-1".to_string()),
        "half imported: {ids:?}"
    );
}

/// Builds a noarch rpm with `rpmbuild` from a spec body and installs it
/// into `root` with `rpm --root`: a package database as rpm itself
/// writes it (SQLite, header blobs, a subpackage's SOURCERPM).
fn rpm_install(work: &std::path::Path, root: &std::path::Path, name: &str, spec: &str) {
    let top = work.join(format!("rpmbuild-{name}"));
    for d in ["SPECS", "BUILD", "RPMS", "SOURCES", "BUILDROOT"] {
        std::fs::create_dir_all(top.join(d)).unwrap();
    }
    let spec_file = top.join("SPECS").join(format!("{name}.spec"));
    std::fs::write(&spec_file, spec).unwrap();
    run_ok(
        Command::new("rpmbuild")
            .args(["-bb", "--quiet", "--define"])
            .arg(format!("_topdir {}", top.display()))
            .arg(&spec_file),
    );
    let rpms: Vec<std::path::PathBuf> = std::fs::read_dir(top.join("RPMS/noarch"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    run_ok(
        Command::new("rpm")
            .arg("--root")
            .arg(root)
            .args(["--dbpath", "/var/lib/rpm", "--nodeps", "--noscripts", "-i"])
            .args(&rpms),
    );
}

/// A Rocky Linux 9 root whose package database `rpm` wrote: its packages
/// are listed in rpm's own version order (epochs, a release of 24 above
/// one of 9), an advisory naming the source package by Rocky 9's
/// ecosystem finds the image, and one for Rocky 8 does not.
#[test]
fn an_rpm_database_written_by_rpm_is_inventoried_and_matched() {
    if Command::new("rpmbuild").arg("--version").output().is_err() {
        // scripts/test.sh installs it: in CI its absence is a failure.
        assert!(std::env::var_os("CI").is_none(), "rpmbuild is missing");
        eprintln!("no rpmbuild on this machine: skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    rpm_install(
        tmp.path(),
        &root,
        "openssl",
        "Name: openssl\nEpoch: 1\nVersion: 3.0.7\nRelease: 24.el9\nSummary: t\nLicense: MIT\nBuildArch: noarch\n\
         %description\nt\n%package libs\nSummary: libs\n%description libs\nlibs\n\
         %install\nmkdir -p %{buildroot}/usr/lib64\necho lib > %{buildroot}/usr/lib64/libssl.so.3\n\
         %files libs\n/usr/lib64/libssl.so.3\n",
    );
    rpm_install(
        tmp.path(),
        &root,
        "rocky-release",
        "Name: rocky-release\nVersion: 9.3\nRelease: 1.2.el9\nSummary: t\nLicense: MIT\nBuildArch: noarch\n\
         %description\nt\n%install\nmkdir -p %{buildroot}/etc\necho 'Rocky Linux release 9.3' > %{buildroot}/etc/rocky-release\n\
         %files\n/etc/rocky-release\n",
    );
    let c = Collector::start(&tmp.path().join("c"), &[]);
    let manifest = tmp.path().join("rocky.pb");
    run_ok(
        Command::new(bin("plumb-agent"))
            .args([
                "manifest",
                "build",
                "--no-runtime",
                "--image-id",
                "img-rocky",
                "--root",
            ])
            .arg(&root)
            .arg("-o")
            .arg(&manifest),
    );
    run_ok(c.ctl_command().args(["manifest", "push"]).arg(&manifest));

    let listed = c.ctl_json(&["packages", "openssl-libs"]);
    let row = &listed.as_array().unwrap()[0];
    assert_eq!(row["image_id"], "img-rocky", "{listed}");
    assert_eq!(row["version"], "1:3.0.7-24.el9", "{listed}");
    assert_eq!(row["source"], "openssl", "{listed}");
    // rpm's order: release 24 is above 9, and the epoch outranks all.
    for (below, found) in [
        ("1:3.0.7-25.el9", true),
        ("1:3.0.7-9.el9", false),
        ("3.0.8-1.el9", false),
    ] {
        let rows = c.ctl_json(&["packages", "openssl-libs", "--below", below]);
        assert_eq!(
            !rows.as_array().unwrap().is_empty(),
            found,
            "below {below}: {rows}"
        );
    }

    let dir = tmp.path().join("osv");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rlsa.json"),
        serde_json::to_vec(&serde_json::json!([
            osv("RLSA-2099:1", "Rocky Linux:9", "openssl", "1:3.0.7-25.el9"),
            osv("RLSA-2099:2", "Rocky Linux:8", "openssl", "1:3.0.7-25.el8"),
        ]))
        .unwrap(),
    )
    .unwrap();
    c.ctl_json(&["advisories", "import", dir.to_str().unwrap()]);
    let exposure = c.ctl_json(&["exposure"]);
    let rows = exposure.as_array().unwrap();
    assert!(!rows.is_empty(), "{exposure}");
    for r in rows {
        assert_eq!(r["advisory_id"], "RLSA-2099:1", "{r}");
        assert_eq!(r["image_id"], "img-rocky", "{r}");
        assert_eq!(r["release"], "Rocky Linux:9", "{r}");
        assert_eq!(r["package"], "openssl-libs", "{r}");
    }
}

/// An Ubuntu image's release is its os-release name (Ubuntu's base-files
/// does not tell it): an advisory for its release (`Ubuntu:22.04:LTS`)
/// finds it, one for another Ubuntu release or for Debian does not.
#[test]
fn an_ubuntu_image_is_matched_by_its_own_release_only() {
    let tmp = tempfile::tempdir().unwrap();
    let root = plumb_agent::fixture::FixtureRoot::at(tmp.path().join("jammy"));
    root.dir("/etc")
        .file(
            "/etc/os-release",
            b"PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n",
        )
        .dpkg_package(
            "base-files",
            "12ubuntu4.6",
            &[("/etc/issue", b"Ubuntu 22.04.4 LTS")],
        )
        .dpkg_package(
            "openssl",
            "3.0.2-0ubuntu1.15",
            &[("/usr/bin/openssl", b"\x7fELF openssl")],
        );
    let c = Collector::start(&tmp.path().join("c"), &[]);
    let manifest = tmp.path().join("jammy.pb");
    run_ok(
        Command::new(bin("plumb-agent"))
            .args([
                "manifest",
                "build",
                "--no-runtime",
                "--image-id",
                "img-jammy",
                "--root",
            ])
            .arg(root.path())
            .arg("-o")
            .arg(&manifest),
    );
    run_ok(c.ctl_command().args(["manifest", "push"]).arg(&manifest));
    let dir = tmp.path().join("osv");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("all.json"),
        serde_json::to_vec(&serde_json::json!([
            osv(
                "USN-9001-1",
                "Ubuntu:22.04:LTS",
                "openssl",
                "3.0.2-0ubuntu1.16"
            ),
            osv(
                "USN-9002-1",
                "Ubuntu:20.04:LTS",
                "openssl",
                "3.0.2-0ubuntu1.16"
            ),
            osv("DSA-9004-1", "Debian:12", "openssl", "3.0.15-1~deb12u1"),
        ]))
        .unwrap(),
    )
    .unwrap();
    c.ctl_json(&["advisories", "import", dir.to_str().unwrap()]);
    let exposure = c.ctl_json(&["exposure"]);
    let rows = exposure.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{exposure}");
    assert_eq!(rows[0]["advisory_id"], "USN-9001-1", "{exposure}");
    assert_eq!(rows[0]["release"], "Ubuntu:22.04", "{exposure}");
}

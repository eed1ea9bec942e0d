//! The packaging files hold what they promise: hardened systemd units
//! (measured by `systemd-analyze security`, offline) that never restart on
//! a configuration error, and .deb and .rpm packages that install a
//! working layout.

use std::path::{Path, PathBuf};
use std::process::Command;

fn unit(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../packaging/systemd")
        .join(name)
}

/// The overall exposure `systemd-analyze security` gives a unit file
/// (0 is fully sandboxed, 10 not at all).
fn exposure(name: &str) -> f64 {
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(unit(name))
        .output()
        .expect("systemd-analyze (Debian's systemd package; scripts/test.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| {
            panic!(
                "no exposure level for {name}: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    line.rsplit_once(": ")
        .and_then(|(_, v)| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("unreadable exposure line {line:?}"))
}

#[test]
fn the_agent_unit_is_sandboxed_to_an_exposure_of_at_most_4() {
    let e = exposure("plumb-agent.service");
    assert!(e <= 4.0, "plumb-agent.service exposure {e}");
}

#[test]
fn the_collector_unit_is_sandboxed_to_an_exposure_of_at_most_2() {
    let e = exposure("plumb-collector.service");
    assert!(e <= 2.0, "plumb-collector.service exposure {e}");
}

#[test]
fn no_unit_restarts_forever_on_a_configuration_error() {
    for name in ["plumb-agent.service", "plumb-collector.service"] {
        let text = std::fs::read_to_string(unit(name)).unwrap();
        assert!(
            text.lines()
                .any(|l| l.trim() == "RestartPreventExitStatus=64"),
            "{name} restarts on exit status 64 (a configuration error)"
        );
        assert!(!text.contains("Restart=always"), "{name}");
    }
}

#[test]
fn the_kubernetes_manifests_validate_against_the_kubernetes_schemas() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../packaging/kubernetes");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    assert!(files.len() >= 2, "{files:?}");
    let out = Command::new("kubernetes-validate")
        .args(["--strict", "--quiet"])
        .args(&files)
        .output()
        .expect("kubernetes-validate (from PyPI; scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let daemonset = std::fs::read_to_string(dir.join("plumb-agent-daemonset.yaml")).unwrap();
    for needed in [
        "hostNetwork: true",
        "hostPID: true",
        "readOnly: true",
        "livenessProbe",
        "readinessProbe",
        "type: RuntimeDefault",
        "drop: [ALL]",
        "configMapKeyRef: { name: plumb-agent, key: image-id }",
        "--containers=on",
        "--runtime-root=/proc/1/root",
        "add: [DAC_READ_SEARCH, SYS_PTRACE, SYS_ADMIN]",
    ] {
        assert!(daemonset.contains(needed), "the DaemonSet lacks {needed}");
    }
}

/// Runs `cmd`, which must succeed; its standard output.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_packages_hold_binaries_units_config_completions_and_man_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("packages");
    let bin_dir = crate::support::bin("plumb-agent")
        .parent()
        .unwrap()
        .to_path_buf();
    run(Command::new(workspace().join("scripts/package.sh"))
        .env("PLUMB_PACKAGE_FAST", "1")
        .arg("--bin-dir")
        .arg(&bin_dir)
        .arg(&out));
    let find = |prefix: &str, ext: &str| -> PathBuf {
        std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with(prefix) && name.ends_with(ext)
            })
            .unwrap_or_else(|| panic!("no {prefix}*{ext} in {}", out.display()))
    };
    let (agent_deb, collector_deb) = (
        find("plumb-agent_", ".deb"),
        find("plumb-collector_", ".deb"),
    );
    let (agent_rpm, collector_rpm) = (
        find("plumb-agent-", ".rpm"),
        find("plumb-collector-", ".rpm"),
    );

    let agent_files = [
        "/usr/bin/plumb-agent",
        "/usr/lib/systemd/system/plumb-agent.service",
        "/usr/lib/sysusers.d/plumb-agent.conf",
        "/usr/lib/tmpfiles.d/plumb-agent.conf",
        "/etc/plumb/agent.toml",
        "/usr/share/bash-completion/completions/plumb-agent",
        "/usr/share/zsh/vendor-completions/_plumb-agent",
        "/usr/share/fish/vendor_completions.d/plumb-agent.fish",
        "/usr/share/man/man1/plumb-agent.1.gz",
        "/usr/share/man/man1/plumb-agent-run.1.gz",
    ];
    let collector_files = [
        "/usr/bin/plumb-collector",
        "/usr/bin/plumbctl",
        "/usr/lib/systemd/system/plumb-collector.service",
        "/etc/plumb/collector-policy.toml",
        "/etc/plumb/collector.env",
        "/usr/share/bash-completion/completions/plumbctl",
        "/usr/share/man/man1/plumbctl.1.gz",
        "/usr/share/man/man1/plumbctl-nodes.1.gz",
        "/usr/share/man/man1/plumb-collector-serve.1.gz",
    ];
    for (deb, rpm, files, config) in [
        (
            &agent_deb,
            &agent_rpm,
            &agent_files[..],
            &["/etc/plumb/agent.toml"][..],
        ),
        (
            &collector_deb,
            &collector_rpm,
            &collector_files[..],
            &[
                "/etc/plumb/collector-policy.toml",
                "/etc/plumb/collector.env",
            ][..],
        ),
    ] {
        let deb_list = run(Command::new("dpkg-deb").arg("-c").arg(deb));
        let rpm_list = run(Command::new("rpm").arg("-qlp").arg(rpm));
        for f in files {
            assert!(
                deb_list.contains(&format!(".{f}")),
                "{f} not in {}:\n{deb_list}",
                deb.display()
            );
            assert!(
                rpm_list.lines().any(|l| l == *f),
                "{f} not in {}:\n{rpm_list}",
                rpm.display()
            );
        }
        // Configuration survives upgrades in both formats.
        let conffiles = run(Command::new("dpkg-deb").arg("-I").arg(deb).arg("conffiles"));
        let rpm_config = run(Command::new("rpm").arg("-qcp").arg(rpm));
        for f in config {
            assert!(
                conffiles.lines().any(|l| l == *f),
                "{f} is no conffile of {}",
                deb.display()
            );
            assert!(
                rpm_config.lines().any(|l| l == *f),
                "{f} is no %config of {}",
                rpm.display()
            );
        }
    }
    // Binaries are stripped: the agent stays small on every node.
    let staged = tmp.path().join("x");
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(&agent_deb)
        .arg(&staged));
    let agent = staged.join("usr/bin/plumb-agent");
    let sections = run(Command::new("readelf").arg("-S").arg(&agent));
    assert!(
        !sections.contains(".symtab"),
        "{} is not stripped",
        agent.display()
    );
    // Completions and man pages are real.
    let bash =
        std::fs::read_to_string(staged.join("usr/share/bash-completion/completions/plumb-agent"))
            .unwrap();
    assert!(
        bash.contains("manifest") && bash.contains("--collector"),
        "{bash}"
    );

    // Installed into a throwaway root: the user, the state directory and
    // units systemd accepts.
    let root = tmp.path().join("root");
    install_deb(&root, &agent_deb);
    install_deb(&root, &collector_deb);
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    assert!(passwd.lines().any(|l| l.starts_with("plumb:")), "{passwd}");
    let state = std::fs::metadata(root.join("var/lib/plumb")).expect("/var/lib/plumb created");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(state.mode() & 0o7777, 0o700);
    assert_ne!(state.uid(), 0, "/var/lib/plumb belongs to the plumb user");
    // The units they depend on (sysinit.target, ...) come from the host's
    // systemd, as they would from the node's.
    run(Command::new("cp")
        .arg("-rn")
        .arg("/usr/lib/systemd/system/.")
        .arg(root.join("usr/lib/systemd/system")));
    for unit in ["plumb-agent.service", "plumb-collector.service"] {
        let out = Command::new("systemd-analyze")
            .arg("verify")
            // Its man: links are pages of the package (checked above),
            // not of the host's man database.
            .arg("--man=no")
            .arg(format!("--root={}", root.display()))
            .arg(root.join("usr/lib/systemd/system").join(unit))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "systemd-analyze verify {unit}: {stderr}"
        );
    }
    // The installed agent reads its installed configuration: the shipped
    // file names what is still to be filled in.
    let validate = Command::new(root.join("usr/bin/plumb-agent"))
        .args(["run", "--validate", "--config"])
        .arg(root.join("etc/plumb/agent.toml"))
        .output()
        .unwrap();
    assert_eq!(validate.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&validate.stderr);
    assert!(stderr.contains("collector"), "{stderr}");
}

/// `dpkg -i` into `root`, an empty directory, with its maintainer scripts
/// run from the host against `root` (`DPKG_ROOT`).
fn install_deb(root: &Path, deb: &Path) {
    for d in [
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "var/lib/dpkg/triggers",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let status = root.join("var/lib/dpkg/status");
    if !status.exists() {
        std::fs::write(&status, "").unwrap();
    }
    run(Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .arg(format!("--log={}", root.join("dpkg.log").display()))
        .args([
            "--force-script-chrootless",
            "--force-depends",
            "--force-not-root",
            "-i",
        ])
        .arg(deb));
}

#[test]
fn the_ci_example_fails_an_image_build_on_drift_between_provisioning_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let root = crate::support::FixtureRoot::at(tmp.path().join("root"));
    root.realistic();
    let script = workspace().join("packaging/packer/ci-image-drift.sh");
    let bin_dir = crate::support::bin("plumb-agent")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let step = |mode: &str| {
        Command::new(&script)
            .arg(mode)
            .arg(root.path())
            .env("PATH", &path)
            .env("PLUMB_CI_STATE", tmp.path().join("state"))
            .env("CI_COMMIT_SHA", "abc123")
            .output()
            .unwrap()
    };
    let recorded = step("record");
    assert!(
        recorded.status.success(),
        "{}",
        String::from_utf8_lossy(&recorded.stderr)
    );
    let same = step("verify");
    assert!(
        same.status.success(),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    // A later step rewrites a binary: the build fails, naming it.
    std::fs::write(root.path().join("usr/bin/ls"), b"\x7fELF patched").unwrap();
    let drifted = step("verify");
    assert_eq!(drifted.status.code(), Some(1));
    let report = String::from_utf8_lossy(&drifted.stdout);
    assert!(report.contains("/usr/bin/ls"), "{report}");
}

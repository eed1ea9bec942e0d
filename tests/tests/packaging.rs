//! The packaging files hold what they promise: hardened systemd units
//! (measured by `systemd-analyze security`, offline) that never restart on
//! a configuration error.

use std::path::PathBuf;
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
    ] {
        assert!(daemonset.contains(needed), "the DaemonSet lacks {needed}");
    }
}

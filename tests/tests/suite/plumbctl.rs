//! `plumbctl` on first contact: its defaults, its config file, and errors
//! that say what to set.

use std::process::Command;

use crate::support::*;

/// plumbctl with nothing of the test environment: no PLUMB_* variables,
/// a HOME of its own (so no user config file is read).
fn bare(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(bin("plumbctl"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", home);
    cmd
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_defaults_the_config_file_and_the_errors_say_what_to_set() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let security = c.security.as_ref().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let grpc = c.grpc.clone();

    // The default collector URL is https: plumbctl never refuses its own
    // default (nothing listens on 7400 here: a connection error, not a
    // refusal to use plaintext).
    let out = bare(&home).args(["nodes"]).output().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("https://127.0.0.1:7400"), "{err}");
    assert!(!err.contains("insecure-plaintext"), "{err}");

    // A collector whose CA plumbctl was not given.
    let out = bare(&home)
        .args(["nodes", "--collector", &grpc])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("not signed by a CA plumbctl trusts")
            && err.contains("--ca")
            && err.contains("PLUMB_CA"),
        "{err}"
    );

    // The CA but no token.
    let ca = security.pki.join("ca.pem");
    let out = bare(&home)
        .args(["nodes", "--collector", &grpc, "--ca"])
        .arg(&ca)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("--token-file") && err.contains("PLUMB_TOKEN_FILE"),
        "{err}"
    );

    // The HTTP port given for the gRPC one.
    let token_file = tmp.path().join("token");
    std::fs::write(&token_file, format!("{}\n", security.token)).unwrap();
    let out = bare(&home)
        .args(["nodes", "--collector", &c.http, "--ca"])
        .arg(&ca)
        .arg("--token-file")
        .arg(&token_file)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("HTTP port") && err.contains("gRPC port"),
        "{err}"
    );

    // Everything from the user's config file (relative paths are the
    // file's), flags and variables still winning over it.
    let config_dir = home.join(".config/plumb");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::copy(&ca, config_dir.join("ca.pem")).unwrap();
    std::fs::write(
        config_dir.join("plumbctl.toml"),
        format!(
            "collector = \"{grpc}\"\nca = \"ca.pem\"\ntoken_file = \"{}\"\n",
            token_file.display()
        ),
    )
    .unwrap();
    let out = bare(&home).args(["--json", "nodes"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bare(&home)
        .env("PLUMB_COLLECTOR", "https://127.0.0.1:1")
        .args(["nodes"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("127.0.0.1:1"), "{}", stderr(&out));
    // A config file with a typo is an error naming it.
    std::fs::write(config_dir.join("plumbctl.toml"), "colector = \"x\"\n").unwrap();
    let out = bare(&home).args(["nodes"]).output().unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("plumbctl.toml") && err.contains("colector"),
        "{err}"
    );

    // Typed values: an unknown status or role is refused with the choices.
    let out = bare(&home)
        .args(["nodes", "--status", "broken"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("flagged") && err.contains("clean"), "{err}");
    let out = bare(&home)
        .args(["token", "create", "--role", "root", "--name", "x"])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("operator"), "{}", stderr(&out));
}

#[test]
fn a_usage_line_does_not_demand_what_the_environment_gives() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(home.path())
        .args(["clear", "node-x"])
        .env("PLUMB_CA", home.path().join("ca.pem"))
        .env("PLUMB_TOKEN_FILE", home.path().join("token"))
        .env("PLUMB_COLLECTOR", "https://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--reason <REASON>"), "{err}");
    for given in ["--ca", "--token-file", "--collector"] {
        assert!(!err.contains(given), "{given} in: {err}");
    }
}

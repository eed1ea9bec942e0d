//! `plumb-agent run` reads /etc/plumb/agent.toml when no --config is given.
//! In a test binary of its own: it writes that file on the machine (only
//! when /etc/plumb does not exist, and removes it again), and cargo runs
//! test binaries one at a time, so no other agent test can read it.

use std::path::Path;
use std::process::Command;

struct Remove(&'static Path);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0);
    }
}

#[test]
fn run_reads_the_default_config_file_when_it_exists() {
    let dir = Path::new("/etc/plumb");
    if dir.exists() {
        eprintln!("skipped: /etc/plumb exists on this machine (an installed plumb)");
        return;
    }
    let agent = || Command::new(env!("CARGO_BIN_EXE_plumb-agent"));
    // Without the file: no collector configured.
    let out = agent().args(["run", "--validate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(64));
    if std::fs::create_dir(dir).is_err() {
        eprintln!("skipped: cannot create /etc/plumb (not root)");
        return;
    }
    let _cleanup = Remove(dir);
    std::fs::write(
        dir.join("agent.toml"),
        "collector = \"https://collector.example:7400\"\nimage_id = \"img\"\nnode_id = \"n1\"\n",
    )
    .unwrap();
    let out = agent().args(["run", "--validate"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("node n1 reporting to https://collector.example:7400"),
        "{stdout}"
    );
}

//! Records the commit the collector is built from (`PLUMB_COMMIT`, for
//! `--version` and `plumb_build_info`): the environment's value when set
//! (release builds from a tarball), else git's, else "unknown".

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PLUMB_COMMIT");
    let git = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.git");
    if git.join("HEAD").exists() {
        println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
        if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
            if let Some(r) = head.trim().strip_prefix("ref: ") {
                println!("cargo:rerun-if-changed={}", git.join(r).display());
            }
        }
    }
    let commit = std::env::var("PLUMB_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            let out = Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        });
    println!(
        "cargo:rustc-env=PLUMB_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
}

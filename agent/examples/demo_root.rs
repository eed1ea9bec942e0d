//! Lays out a small realistic node root (system files, a dpkg database,
//! packages' file lists) to try plumb on: `cargo run -p plumb-agent
//! --features test-support --example demo_root -- DIR`. Used by
//! `scripts/demo.sh` and the benchmarks.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: demo_root DIR");
        return ExitCode::from(64);
    };
    plumb_agent::fixture::FixtureRoot::at(std::path::Path::new(&dir)).realistic();
    println!(
        "demo root ready at {}",
        std::path::Path::new(&dir).display()
    );
    ExitCode::SUCCESS
}

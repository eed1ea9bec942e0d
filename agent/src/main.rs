//! `plumb-agent`: build manifests, check nodes, run the daemon. The
//! commands live in `cmd/`, a room each; `main` sets the process up (logs,
//! memory ceiling, a closed stdout) and dispatches.

use std::process::ExitCode;

use clap::Parser;

mod cmd;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    // The daemon says what it does (connected, scans done, deviations
    // sent) at info; one-off commands only warn.
    cli.log.init(if cli.command.is_daemon() {
        "warn,plumb_agent=info"
    } else {
        "warn"
    });
    // A one-off build reads a whole root and exits: its default is sized
    // to the machine; everything else keeps the daemon's bound.
    let memory_limit = cli.memory_limit.unwrap_or_else(|| {
        if cli.command.is_build() {
            plumb_agent::memory::build_ceiling()
        } else {
            plumb_agent::memory::DEFAULT_CEILING
        }
    });
    if let Err(e) = plumb_agent::memory::set_ceiling(memory_limit) {
        eprintln!("plumb-agent: error: {e}");
        return ExitCode::from(64);
    }
    // Not for the daemon: its sockets never raise SIGPIPE, but a closed
    // log pipe must not kill it.
    if !cli.command.is_daemon() {
        plumb_proto::cli::die_quietly_on_closed_stdout();
    }
    cmd::dispatch(cli.command, cli.memory_limit.is_some())
}

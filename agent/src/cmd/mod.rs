//! The commands, one room each. Each room owns its flags (the clap
//! `…Args`, the low level), turns them once into the resolved options its
//! work needs (the high level: files read, keys loaded, choices made, any
//! contradiction refused with a message), and runs them. `main` only sets
//! the process up and dispatches here.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

mod build;
mod check;
mod run;
mod show;
mod sign;

/// Drift detection for immutable infrastructure: the node agent.
#[derive(Parser)]
#[command(name = "plumb-agent", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Heap ceiling (K, M or G; default 256M, and for `manifest build` a
    /// quarter of the machine's memory): an input that would need more (a
    /// package database, a manifest, a tree) is an error naming it,
    /// reported as `scan_error`, not an abort.
    #[arg(long, global = true, env = "PLUMB_MEMORY_LIMIT", value_parser = plumb_agent::memory::parse_size)]
    pub memory_limit: Option<usize>,
    #[command(flatten)]
    pub log: plumb_proto::cli::LogArgs,
}

#[derive(Subcommand)]
pub enum Command {
    /// Build and inspect golden-image manifests.
    Manifest {
        #[command(subcommand)]
        command: ManifestCommand,
    },
    /// Compare a root with a manifest once and report deviations.
    /// Exit status: 0 matches, 1 deviates, 2 error.
    Check(Box<check::CheckArgs>),
    /// Run the node daemon: scan, watch, and stream deviations to the
    /// collector. Configuration errors exit with status 64.
    Run(Box<run::RunArgs>),
    #[command(flatten)]
    Docs(plumb_proto::cli::DocsCommand),
}

#[derive(Subcommand)]
pub enum ManifestCommand {
    /// Record every file, package and listener of a root.
    Build(Box<build::BuildArgs>),
    /// Print a manifest's summary (image id, digest, counts).
    Show {
        /// Manifest file (binary protobuf or JSON).
        file: PathBuf,
    },
    /// Sign a manifest with an Ed25519 key (PKCS#8 PEM, from `plumbctl
    /// keys generate`); the file is rewritten with the signature added.
    Sign {
        file: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
}

impl Command {
    /// The daemon: it logs what it does, and a closed log pipe must not
    /// kill it.
    pub fn is_daemon(&self) -> bool {
        matches!(self, Command::Run(_))
    }

    /// A one-off manifest build: its memory ceiling is sized to the
    /// machine, not the daemon's.
    pub fn is_build(&self) -> bool {
        matches!(
            self,
            Command::Manifest {
                command: ManifestCommand::Build(_)
            }
        )
    }
}

/// Runs a command; its exit status. A command's error is printed with its
/// causes and exits 2; the daemon has statuses of its own.
pub fn dispatch(command: Command, memory_limit_given: bool) -> ExitCode {
    let result = match command {
        Command::Manifest {
            command: ManifestCommand::Build(args),
        } => build::Build::resolve(*args).and_then(build::Build::run),
        Command::Manifest {
            command: ManifestCommand::Show { file },
        } => show::show(&file),
        Command::Manifest {
            command: ManifestCommand::Sign { file, key },
        } => sign::sign(&file, &key),
        Command::Check(args) => check::Check::resolve(*args).and_then(check::Check::run),
        Command::Run(args) => return run::run(*args, memory_limit_given),
        Command::Docs(docs) => docs
            .run(Cli::command())
            .context("writing the documentation")
            .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "plumb-agent: error: {}",
                plumb_proto::cli::error_chain(e.as_ref())
            );
            ExitCode::from(2)
        }
    }
}

/// A spinner on stderr while `label` goes on, when stderr is a terminal.
fn progress(label: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {pos} entries ({per_sec}, {elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(label);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// How a report is printed: one JSON object, or text (in colour on a
/// terminal unless `NO_COLOR` is set).
#[derive(Clone, Copy)]
enum Output {
    Json,
    Text { color: bool },
}

impl Output {
    fn new(json: bool) -> Output {
        if json {
            Output::Json
        } else {
            Output::Text {
                color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            }
        }
    }
}

/// The exit status of a report: 0 when nothing deviates, 1 otherwise.
fn verdict(clean: bool) -> ExitCode {
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

//! What every plumb binary's command line shares: the log flags, shell
//! completions and man pages generated from its clap definition (the
//! packages ship both), the end of output on a closed pipe, and how a
//! time is printed.

use std::io;
use std::path::Path;

pub use clap_complete::Shell;

/// The log flags of every binary (flattened into its top level).
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct LogArgs {
    /// Log lines as text or as JSON objects (stderr; `PLUMB_LOG` filters).
    #[arg(
        long,
        global = true,
        env = "PLUMB_LOG_FORMAT",
        value_enum,
        default_value_t
    )]
    pub log_format: crate::logging::LogFormat,
}

impl LogArgs {
    /// Installs the logger (see [`crate::logging::init`]).
    pub fn init(self, default_filter: &str) {
        crate::logging::init(self.log_format, default_filter);
    }
}

/// The documentation commands of every binary (flattened into its
/// subcommands): `completions SHELL` and the packages' hidden `man DIR`.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum DocsCommand {
    /// Print a shell completion script (bash, zsh, fish, elvish,
    /// powershell).
    Completions { shell: Shell },
    /// Write the man pages into DIR.
    #[command(hide = true)]
    Man { dir: std::path::PathBuf },
}

impl DocsCommand {
    /// Prints the completions of, or writes the man pages of, `cmd`.
    pub fn run(self, cmd: clap::Command) -> io::Result<()> {
        match self {
            DocsCommand::Completions { shell } => {
                print_completions(cmd, shell);
                Ok(())
            }
            DocsCommand::Man { dir } => write_man_pages(cmd, &dir).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("writing man pages into {}: {e}", dir.display()),
                )
            }),
        }
    }
}

/// A unix-milliseconds time as people and Alertmanager read it: RFC 3339
/// in UTC, to the millisecond (before 1970 is 1970).
pub fn rfc3339(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

/// Prints `cmd`'s completion script for `shell` to standard output.
pub fn print_completions(mut cmd: clap::Command, shell: Shell) {
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, &mut io::stdout());
}

/// Writes `cmd`'s man pages into `dir`: `NAME.1` and one page per
/// subcommand (`NAME-SUB.1`, ...).
pub fn write_man_pages(cmd: clap::Command, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(cmd, dir)
}

/// An error and its causes on one line, `a: b: c`, each cause once: a
/// cause whose text its error already shows (many libraries' errors print
/// their source too) is not repeated.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// Lets `plumbctl ... | head` end the way command-line tools do, by
/// SIGPIPE, instead of panicking in `println!`. Sockets never raise SIGPIPE
/// (Rust sends with `MSG_NOSIGNAL`).
#[allow(unsafe_code)]
pub fn die_quietly_on_closed_stdout() {
    // SAFETY: restoring a signal's default disposition has no
    // preconditions; callers do it first thing in `main`, before any
    // other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    #[command(name = "demo", about = "A demo tool")]
    struct Demo {
        #[command(subcommand)]
        command: Sub,
    }

    #[derive(clap::Subcommand)]
    enum Sub {
        /// Run it.
        Run,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("reading {0}: {1}")]
    struct Outer(&'static str, #[source] std::io::Error);

    #[test]
    fn error_chains_name_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Outer("ca.pem", io);
        assert_eq!(error_chain(&e), "reading ca.pem: no such file");
        let wrapped = anyhow::Error::new(e).context("connecting");
        assert_eq!(
            error_chain(wrapped.as_ref()),
            "connecting: reading ca.pem: no such file"
        );
    }

    #[test]
    fn man_pages_cover_every_subcommand() {
        use clap::CommandFactory;
        let dir = tempfile::tempdir().unwrap();
        write_man_pages(Demo::command(), dir.path()).unwrap();
        let page = std::fs::read_to_string(dir.path().join("demo.1")).unwrap();
        assert!(page.contains(".TH demo 1"), "{page}");
        assert!(page.contains("A demo tool"), "{page}");
        assert!(dir.path().join("demo-run.1").exists());
    }
}

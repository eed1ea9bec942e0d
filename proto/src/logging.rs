//! How every plumb binary logs: to stderr, filtered by `PLUMB_LOG`
//! (tracing's `EnvFilter` syntax), as text or one JSON object per line
//! (`--log-format json`, for journald and log shippers). Colour only when
//! stderr is a terminal, so files and the journal hold no escape codes.

use std::io::IsTerminal;

/// `--log-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the global subscriber; `default_filter` applies when
/// `PLUMB_LOG` is unset.
pub fn init(format: LogFormat, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLUMB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

//! `run`: the node daemon ([`plumb_agent::daemon`]) with its
//! configuration resolved from the file, `PLUMB_*` variables and flags.
//! Its exit statuses: 64 a configuration error, 70 no runtime, 1 a
//! daemon that stopped on an error.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunArgs {
    /// TOML configuration file; flags and PLUMB_* variables override it
    /// [default: /etc/plumb/agent.toml when it exists].
    #[arg(long, env = "PLUMB_CONFIG")]
    config: Option<PathBuf>,
    /// The daemon's settings (the same as the file's).
    #[command(flatten)]
    settings: plumb_agent::daemon::config::RunConfigFile,
    /// Disable real-time file events (periodic rescans only).
    #[arg(long, env = "PLUMB_NO_WATCH")]
    no_watch: bool,
    /// One-time enrollment token, used when the node has no certificate.
    #[arg(long, env = "PLUMB_ENROLL_TOKEN", hide_env_values = true)]
    enroll_token: Option<String>,
    /// Check the configuration (and the manifest file, if given) and exit.
    #[arg(long)]
    validate: bool,
}

/// Resolves the configuration and runs the daemon until it is told to
/// stop; `memory_limit_given`: `--memory-limit` was given (it then wins
/// over the file's).
pub fn run(args: RunArgs, memory_limit_given: bool) -> ExitCode {
    use plumb_agent::daemon::config::RunConfig;
    let mut flags = args.settings;
    if args.no_watch {
        flags.watch = Some(false);
    }
    let mut cfg = match RunConfig::load(args.config.as_deref(), flags, memory_limit_given) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("plumb-agent: error: {e}");
            return ExitCode::from(64);
        }
    };
    if args.enroll_token.is_some() {
        cfg.enroll_token = args.enroll_token;
    }
    if args.validate {
        if let Some(m) = &cfg.manifest {
            if let Err(e) = plumb_agent::manifest::read(m) {
                eprintln!("plumb-agent: error: {e}");
                return ExitCode::from(64);
            }
        }
        println!(
            "configuration ok: node {} reporting to {}",
            cfg.node_id, cfg.collector
        );
        return ExitCode::SUCCESS;
    }
    plumb_agent::daemon::process::prepare();
    // Two workers are plenty for one stream; scans run on their own thread.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .thread_name("plumb-agent")
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("plumb-agent: error: starting runtime: {e}");
            return ExitCode::from(70);
        }
    };
    let stop = plumb_agent::daemon::process::shutdown_signal();
    match runtime.block_on(plumb_agent::daemon::run(cfg, stop)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "plumb-agent: error: {}",
                plumb_proto::cli::error_chain(e.as_ref())
            );
            ExitCode::from(1)
        }
    }
}

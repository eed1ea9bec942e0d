//! `plumb-collector`: the fleet collector.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use plumb_collector::serve::{serve, ServeConfig};

/// Drift detection for immutable infrastructure: the fleet collector.
#[derive(Parser)]
#[command(name = "plumb-collector", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve agents (gRPC), tools (gRPC, REST) and the dashboard (HTTP).
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// gRPC address for agents and tools.
    #[arg(long, default_value = "127.0.0.1:7400")]
    grpc: SocketAddr,
    /// HTTP address for the REST API, dashboard and metrics.
    #[arg(long, default_value = "127.0.0.1:7480")]
    http: SocketAddr,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: an
    /// embedded SQLite file in --data-dir.
    #[arg(long, env = "PLUMB_DATABASE_URL")]
    database: Option<String>,
    /// Where the embedded database lives.
    #[arg(long, default_value = "/var/lib/plumb-collector")]
    data_dir: PathBuf,
    /// Replacement policy (TOML).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// POST a JSON event to this URL on alerting transitions (repeatable).
    #[arg(long = "webhook")]
    webhooks: Vec<String>,
    /// HMAC-SHA256 key for the X-Plumb-Signature header.
    #[arg(long, env = "PLUMB_WEBHOOK_SECRET")]
    webhook_secret: Option<String>,
    /// Alertmanager base URL (alerts go to /api/v2/alerts).
    #[arg(long)]
    alertmanager: Option<String>,
    /// Public base URL of the dashboard, for links in alerts.
    #[arg(long)]
    public_url: Option<String>,
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLUMB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let Command::Serve(args) = Cli::parse().command;
    let database = match args.database {
        Some(d) => d,
        None => {
            if let Err(e) = std::fs::create_dir_all(&args.data_dir) {
                eprintln!(
                    "plumb-collector: error: data dir {}: {e}",
                    args.data_dir.display()
                );
                return ExitCode::from(64);
            }
            format!("sqlite://{}", args.data_dir.join("plumb.db").display())
        }
    };
    // Refuse a bad policy before anything is bound.
    if let Err(e) = plumb_collector::policy::Policy::load(args.policy.as_deref()) {
        eprintln!("plumb-collector: error: {e}");
        return ExitCode::from(64);
    }
    let cfg = ServeConfig {
        grpc: args.grpc,
        http: args.http,
        database,
        policy: args.policy,
        webhooks: args.webhooks,
        webhook_secret: args.webhook_secret,
        alertmanager: args.alertmanager,
        public_url: args.public_url,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("plumb-collector")
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("plumb-collector: error: starting runtime: {e}");
            return ExitCode::from(70);
        }
    };
    match runtime.block_on(serve(cfg, shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plumb-collector: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

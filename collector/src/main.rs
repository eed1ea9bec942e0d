//! `plumb-collector`: the fleet collector.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use plumb_collector::security::tls::TlsFiles;
use plumb_collector::serve::{serve, ServeConfig};

/// Drift detection for immutable infrastructure: the fleet collector.
#[derive(Parser)]
#[command(name = "plumb-collector", version = plumb_collector::VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    log: plumb_proto::cli::LogArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve agents (gRPC), tools (gRPC, REST) and the dashboard (HTTP).
    Serve(Box<ServeArgs>),
    /// Create an API token directly in the database: how the first admin
    /// token is made (later ones come from `plumbctl token create`).
    Token(TokenArgs),
    #[command(flatten)]
    Docs(plumb_proto::cli::DocsCommand),
}

#[derive(clap::Args)]
struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new token (shown once; only its hash is stored).
    Create {
        /// read, operator or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(clap::Args)]
struct DbArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: an
    /// embedded SQLite file in --data-dir.
    #[arg(long, env = "PLUMB_DATABASE_URL")]
    database: Option<String>,
    /// Where the embedded database lives.
    #[arg(
        long,
        env = "PLUMB_DATA_DIR",
        default_value = "/var/lib/plumb-collector"
    )]
    data_dir: PathBuf,
}

impl DbArgs {
    /// The database's URL; nothing is created yet.
    fn url(&self) -> String {
        match &self.database {
            Some(d) => d.clone(),
            None => format!("sqlite://{}", self.data_dir.join("plumb.db").display()),
        }
    }

    /// Creates the embedded database's directory: only once everything
    /// else was accepted, so a refused configuration leaves nothing behind.
    fn create_data_dir(&self) -> Result<(), String> {
        if self.database.is_none() {
            std::fs::create_dir_all(&self.data_dir)
                .map_err(|e| format!("data dir {}: {e}", self.data_dir.display()))?;
        }
        Ok(())
    }
}

#[derive(clap::Args)]
struct ServeArgs {
    /// gRPC address for agents and tools.
    #[arg(long, default_value = "127.0.0.1:7400")]
    grpc: SocketAddr,
    /// HTTP address for the REST API, dashboard and metrics.
    #[arg(long, default_value = "127.0.0.1:7480")]
    http: SocketAddr,
    #[command(flatten)]
    db: DbArgs,
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
    /// Collector certificate (PEM) for TLS on both ports.
    #[arg(long, env = "PLUMB_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "PLUMB_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// CA that signs node certificates: agents authenticate with them.
    #[arg(long, env = "PLUMB_CLIENT_CA")]
    client_ca: Option<PathBuf>,
    /// Serve without TLS. Refused unless both addresses are loopback.
    #[arg(long)]
    insecure_plaintext: bool,
    /// Serve the API and dashboard without authentication. Refused unless
    /// both addresses are loopback.
    #[arg(long)]
    insecure_no_auth: bool,
    /// Public key (SPKI PEM) manifests must be signed with (repeatable).
    #[arg(long = "trust-key")]
    trust_keys: Vec<PathBuf>,
    /// CA certificate that signs enrollment CSRs (usually --client-ca).
    #[arg(long, requires = "enroll_ca_key")]
    enroll_ca_cert: Option<PathBuf>,
    /// Its private key.
    #[arg(long, requires = "enroll_ca_cert")]
    enroll_ca_key: Option<PathBuf>,
    /// Validity of enrolled node certificates.
    #[arg(long, default_value = "90d", value_parser = humantime::parse_duration)]
    cert_validity: std::time::Duration,
    /// Another name the dashboard and API answer to (repeatable); the HTTP
    /// address (on 0.0.0.0 or ::, the machine's host name and addresses)
    /// and the --public-url host always are. Requests for other names are
    /// refused (DNS rebinding); `*` answers to any name.
    #[arg(long = "allowed-host")]
    allowed_hosts: Vec<String>,
    /// Open deviations stored per node; a node reporting more is flagged
    /// with a finding that counts the rest.
    #[arg(long = "max-open-deviations", default_value_t = plumb_collector::store::MAX_OPEN_PER_NODE)]
    max_open_per_node: i64,
    /// How long history is kept (resolved deviations, transitions,
    /// delivered alerts, audit, retired nodes); older rows are pruned
    /// every ten minutes. At least 1m; under 1h only makes sense for
    /// tests.
    #[arg(long, default_value = "90d", value_parser = humantime::parse_duration)]
    retention: std::time::Duration,
    /// Open connections per port; more wait in the kernel's backlog.
    #[arg(long, default_value_t = 50_000)]
    max_connections: usize,
    /// Connections this replica opens to PostgreSQL at most, besides one
    /// for its leases; the replicas' sum must stay under the server's
    /// `max_connections` (100 by default). SQLite has one writer and four
    /// readers.
    #[arg(long, default_value_t = plumb_collector::store::POSTGRES_CONNECTIONS)]
    database_connections: u32,
    /// Longest heartbeat period agents may keep (a node is silent after
    /// a few missed heartbeats of at most this period).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    max_heartbeat: std::time::Duration,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.log.init("info");
    let args = match cli.command {
        Command::Serve(args) => *args,
        Command::Token(TokenArgs {
            command: TokenCommand::Create { role, name, db },
        }) => return create_token(&role, &name, &db),
        Command::Docs(docs) => {
            return match docs.run(Cli::command()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("plumb-collector: error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    let database = args.db.url();
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
        tls: match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert,
                key,
                client_ca: args.client_ca,
            }),
            _ => None,
        },
        insecure_plaintext: args.insecure_plaintext,
        insecure_no_auth: args.insecure_no_auth,
        trust_keys: args.trust_keys,
        enroll_ca: args.enroll_ca_cert.zip(args.enroll_ca_key),
        cert_days: (args.cert_validity.as_secs() / 86_400).max(1) as i64,
        max_heartbeat_secs: args.max_heartbeat.as_secs().clamp(0, 86_400) as u32,
        allowed_hosts: args.allowed_hosts,
        max_connections: args.max_connections,
        database_connections: args.database_connections,
        max_open_per_node: args.max_open_per_node,
        retention: args.retention,
    };
    let accepted = cfg
        .check()
        .map_err(|e| e.to_string())
        .and_then(|()| args.db.create_data_dir());
    if let Err(e) = accepted {
        eprintln!("plumb-collector: error: {e}");
        return ExitCode::from(64);
    }
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
            eprintln!(
                "plumb-collector: error: {}",
                plumb_proto::cli::error_chain(e.as_ref())
            );
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

fn create_token(role: &str, name: &str, db: &DbArgs) -> ExitCode {
    use plumb_collector::security::auth::Role;
    let Some(role) = Role::parse(role) else {
        eprintln!("plumb-collector: error: --role must be read, operator or admin, got {role:?}");
        return ExitCode::from(64);
    };
    let url = db.url();
    if let Err(e) = db.create_data_dir() {
        eprintln!("plumb-collector: error: {e}");
        return ExitCode::from(64);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("plumb-collector: error: starting runtime: {e}");
            return ExitCode::from(70);
        }
    };
    let result = runtime.block_on(async {
        let store = plumb_collector::store::Store::connect(&url).await?;
        let (token, _) = plumb_collector::security::auth::create_token(
            &store,
            role,
            name,
            "plumb-collector token create",
        )
        .await?;
        anyhow::Ok(token)
    });
    match result {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "plumb-collector: error: {}",
                plumb_proto::cli::error_chain(e.as_ref())
            );
            ExitCode::from(1)
        }
    }
}

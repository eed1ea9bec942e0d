//! `plumbctl`: the collector's command line for SREs and scripts.
//! Human tables by default, `--json` everywhere. One module per command
//! group; `conn` says how the collector is reached (flags, environment,
//! the config file) and turns its refusals into what to set.

mod admin;
mod advisories;
mod conn;
mod containers;
mod manifests;
mod nodes;
mod output;
mod packages;
mod pki;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use conn::Conn;

/// A node status, as `--status` takes it.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum StatusArg {
    Clean,
    Drifted,
    Flagged,
    Recycling,
    Silent,
    Retired,
}

impl StatusArg {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusArg::Clean => "clean",
            StatusArg::Drifted => "drifted",
            StatusArg::Flagged => "flagged",
            StatusArg::Recycling => "recycling",
            StatusArg::Silent => "silent",
            StatusArg::Retired => "retired",
        }
    }
}

/// An API role, as `--role` takes it.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RoleArg {
    /// Dashboard, queries, watch, metrics.
    Read,
    /// Acknowledge, retire, rescan, clear.
    Operator,
    /// Manifests, tokens, enrollment, revocation.
    Admin,
}

impl RoleArg {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleArg::Read => "read",
            RoleArg::Operator => "operator",
            RoleArg::Admin => "admin",
        }
    }

    pub fn to_pb(self) -> plumb_proto::v1::Role {
        match self {
            RoleArg::Read => plumb_proto::v1::Role::Read,
            RoleArg::Operator => plumb_proto::v1::Role::Operator,
            RoleArg::Admin => plumb_proto::v1::Role::Admin,
        }
    }
}

/// Query and act on plumb's fleet state.
#[derive(Parser)]
#[command(
    name = "plumbctl",
    version = plumb_collector::VERSION,
    about = "plumbctl: query and act on plumb's fleet state (nodes, flags, manifests, tokens, enrollment, audit)"
)]
///
/// The connection settings are read from the environment by `conn`, not
/// by clap: a value clap takes from the environment counts as given, and
/// its usage lines would then demand it (`Usage: plumbctl clear --reason
/// <REASON> --ca <CA> ...`).
pub struct Cli {
    /// The collector's gRPC URL [env: PLUMB_COLLECTOR; default: the config
    /// file's `collector`, else https://127.0.0.1:7400].
    #[arg(long, global = true)]
    pub collector: Option<String>,
    /// Configuration file with defaults for `collector`, `ca` and
    /// `token_file` [env: PLUMBCTL_CONFIG; default:
    /// ~/.config/plumb/plumbctl.toml, else /etc/plumb/plumbctl.toml, when
    /// they exist].
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// CA bundle (PEM) that signs the collector's certificate [env:
    /// PLUMB_CA; default: the config file's `ca`, else the system's roots].
    #[arg(long, global = true)]
    pub ca: Option<PathBuf>,
    /// API token [env: PLUMB_TOKEN] (prefer PLUMB_TOKEN or --token-file:
    /// arguments are visible to other users).
    #[arg(long, global = true)]
    pub token: Option<String>,
    /// File holding the API token [env: PLUMB_TOKEN_FILE; default: the
    /// config file's `token_file`].
    #[arg(long, global = true)]
    pub token_file: Option<PathBuf>,
    /// Allow an http:// collector URL (loopback only).
    #[arg(long, global = true)]
    pub insecure_plaintext: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// List nodes.
    Nodes {
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[arg(long)]
        image: Option<String>,
        /// Only nodes whose image's manifest has this provenance label,
        /// KEY=VALUE (repeatable: all must match), e.g. commit=abc123.
        #[arg(long)]
        label: Vec<String>,
    },
    /// Show one node: identity, open deviations, history, transitions;
    /// or `node revoke ID`.
    #[command(args_conflicts_with_subcommands = true)]
    Node {
        id: Option<String>,
        #[command(subcommand)]
        command: Option<NodeCommand>,
    },
    /// The flag queue (flagged and recycling nodes), oldest first.
    Flags {
        #[command(subcommand)]
        watch: Option<FlagsCommand>,
    },
    /// Acknowledge a flagged node: automation is replacing it.
    Ack {
        node: String,
        #[arg(long)]
        cause: Option<String>,
    },
    /// Retire a node: its replacement is confirmed.
    Retire {
        node: String,
        #[arg(long)]
        cause: Option<String>,
    },
    /// Release a node's held flag (operator): it stays flagged after what
    /// flagged it resolved until acknowledged, retired or cleared. The
    /// node is then judged afresh from what is open now.
    Clear {
        node: String,
        /// Why the node may be trusted again (recorded in its lifecycle
        /// and the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Manage the manifest registry.
    Manifest {
        #[command(subcommand)]
        command: ManifestCommand,
    },
    /// List images with their node counts and drift.
    Images,
    /// List the containers running on the fleet's nodes, judged against
    /// their images' manifests.
    Containers {
        /// Only the containers of this node.
        #[arg(long)]
        node: Option<String>,
        /// Only the containers of this image id (sha256:...).
        #[arg(long)]
        image: Option<String>,
        #[arg(long, value_enum)]
        status: Option<containers::ContainerStatusArg>,
    },
    /// Which images carry a package (by its name or its source package's),
    /// at which version, and how many nodes and containers run each now.
    Packages {
        /// A package name, or the source package it was built from.
        name: String,
        /// Only this version (in the package manager's own order).
        #[arg(long, conflicts_with = "below")]
        version: Option<String>,
        /// Only versions older than this one (e.g. an advisory's fixed
        /// version).
        #[arg(long)]
        below: Option<String>,
    },
    /// Security advisories (OSV): list them with what each exposes, or
    /// import them.
    Advisories {
        #[command(subcommand)]
        command: Option<AdvisoryCommand>,
    },
    /// Image families (the `family` label): each image's supersession,
    /// and the share of the family on its newest image.
    Families,
    /// A family's rollout over time: the share of its nodes and
    /// containers on its newest image, one point per ten minutes.
    Rollout {
        /// The family (its `family` label).
        family: String,
        /// How far back.
        #[arg(long, default_value = "7d", value_parser = humantime::parse_duration)]
        since: std::time::Duration,
    },
    /// The images whose nodes and containers are due for replacement by
    /// the collector policy's `[posture]` rules, and why (not drift).
    Due {
        /// One line per node due for replacement, for scripts: node,
        /// image and why, tab-separated (`--json` prints the images).
        #[arg(long)]
        nodes: bool,
    },
    /// Which images, nodes and containers run a package version an
    /// advisory affects, and which image fixes it.
    Exposure {
        /// Only this advisory (its id, e.g. DSA-5900-1).
        #[arg(long)]
        advisory: Option<String>,
        /// Only this image id.
        #[arg(long)]
        image: Option<String>,
    },
    /// Development PKI: a CA, the collector's certificate, node certificates.
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// API tokens (admin).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Enrollment tokens for new nodes (admin).
    Enroll {
        #[command(subcommand)]
        command: EnrollCommand,
    },
    /// Manifest signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The audit log, newest first.
    Audit {
        /// Only entries about this node (or image, token name).
        #[arg(long)]
        node: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    #[command(flatten)]
    Docs(plumb_proto::cli::DocsCommand),
}

#[derive(Subcommand)]
pub enum NodeCommand {
    /// Refuse the node's certificates from now on (admin).
    Revoke { id: String },
}

#[derive(Subcommand)]
pub enum PkiCommand {
    /// Write a development CA and a collector certificate into DIR.
    Init {
        #[arg(long)]
        dir: PathBuf,
        /// DNS name or IP of the collector (repeatable; localhost and the
        /// loopback addresses are always included).
        #[arg(long = "host")]
        hosts: Vec<String>,
    },
    /// Issue a node certificate and key from the CA in DIR (development;
    /// nodes normally enroll so their key never leaves them).
    IssueNode {
        node_id: String,
        #[arg(long)]
        dir: PathBuf,
        /// Where to write NODE.pem and NODE.key.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once.
    Create {
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        name: String,
    },
    /// List tokens (ids, names, roles; never the secrets).
    List,
    /// Revoke a token by id: it and its dashboard sessions stop working.
    Revoke { id: String },
}

#[derive(Subcommand)]
pub enum EnrollCommand {
    /// A one-time, expiring enrollment token scoped to an image.
    Create {
        #[arg(long)]
        image: String,
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: std::time::Duration,
        #[arg(long, default_value_t = 1)]
        uses: u32,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Write an Ed25519 key pair: PREFIX.key (private, 0600) and PREFIX.pub.
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum FlagsCommand {
    /// Stream lifecycle events as JSON lines until interrupted.
    Watch {
        /// Start with the nodes already flagged, recycling or silent.
        #[arg(long)]
        current: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum AdvisoryCommand {
    /// Import OSV records (a file, or a directory of *.json files): all of
    /// them, or none (admin).
    Import { path: std::path::PathBuf },
}

#[derive(Subcommand)]
pub enum ManifestCommand {
    /// Push a manifest (binary or JSON) so agents can fetch it by image id.
    Push {
        file: PathBuf,
        /// Replace a different manifest registered for the same image id
        /// (admin; audited).
        #[arg(long)]
        replace: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    plumb_proto::cli::die_quietly_on_closed_stdout();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("plumbctl: error: {e}");
            return ExitCode::from(70);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "plumbctl: error: {}",
                plumb_proto::cli::error_chain(e.as_ref())
            );
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    // Commands that need no collector.
    match &cli.command {
        Command::Pki { command } => return pki::pki(command),
        Command::Keys {
            command: KeysCommand::Generate { out },
        } => return pki::generate_keys(out, cli.json),
        Command::Docs(docs) => {
            docs.clone().run(Cli::command())?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let conn = &Conn::from_cli(&cli)?;
    let json = cli.json;
    match cli.command {
        Command::Pki { .. } | Command::Keys { .. } | Command::Docs(_) => {
            unreachable!("handled above")
        }
        Command::Node {
            command: Some(NodeCommand::Revoke { id }),
            ..
        } => admin::revoke_node(conn, id, json).await?,
        Command::Node { id: None, .. } => {
            anyhow::bail!("plumbctl node: give a node id (or `node revoke ID`)")
        }
        Command::Node { id: Some(id), .. } => nodes::node(conn, id, json).await?,
        Command::Token {
            command: TokenCommand::Create { role, name },
        } => admin::token_create(conn, role, name, json).await?,
        Command::Token {
            command: TokenCommand::List,
        } => admin::token_list(conn, json).await?,
        Command::Token {
            command: TokenCommand::Revoke { id },
        } => admin::token_revoke(conn, id, json).await?,
        Command::Enroll {
            command: EnrollCommand::Create { image, ttl, uses },
        } => admin::enroll_create(conn, image, ttl, uses, json).await?,
        Command::Audit { node, limit } => admin::audit(conn, node, limit, json).await?,
        Command::Nodes {
            status,
            image,
            label,
        } => nodes::nodes(conn, status, image, label, json).await?,
        Command::Flags { watch: None } => nodes::flags(conn, json).await?,
        Command::Flags {
            watch: Some(FlagsCommand::Watch { current }),
        } => nodes::watch(conn, current).await?,
        Command::Ack { node, cause } => {
            nodes::act(conn, nodes::Action::Acknowledge, node, cause, json).await?
        }
        Command::Retire { node, cause } => {
            nodes::act(conn, nodes::Action::Retire, node, cause, json).await?
        }
        Command::Clear { node, reason } => {
            nodes::act(conn, nodes::Action::Clear, node, Some(reason), json).await?
        }
        Command::Manifest {
            command: ManifestCommand::Push { file, replace },
        } => manifests::push(conn, file, replace, json).await?,
        Command::Images => manifests::images(conn, json).await?,
        Command::Containers {
            node,
            image,
            status,
        } => containers::containers(conn, node, image, status, json).await?,
        Command::Packages {
            name,
            version,
            below,
        } => packages::packages(conn, name, version, below, json).await?,
        Command::Advisories { command: None } => advisories::list(conn, json).await?,
        Command::Advisories {
            command: Some(AdvisoryCommand::Import { path }),
        } => advisories::import(conn, path, json).await?,
        Command::Families => advisories::families(conn, json).await?,
        Command::Rollout { family, since } => {
            advisories::rollout(conn, json, family, since).await?
        }
        Command::Due { nodes } => advisories::due(conn, json, nodes).await?,
        Command::Exposure { advisory, image } => {
            advisories::exposure(conn, advisory, image, json).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

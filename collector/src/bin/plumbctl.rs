//! `plumbctl`: the collector's command line for SREs and scripts.
//! Human tables by default, `--json` everywhere.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use plumb_proto::v1::{
    CreateEnrollmentRequest, CreateTokenRequest, ListAuditRequest, ListTokensRequest,
    RevokeTokenRequest,
};
use plumb_proto::v1::{
    GetNodeRequest, ListFlagsRequest, ListImagesRequest, ListNodesRequest, Manifest,
    NodeActionRequest, NodeSummary, PushManifestRequest, WatchFlagsRequest,
};
use plumb_proto::{
    kind_snake, severity_snake, AdminServiceClient, ManifestRegistryClient, QueryServiceClient,
};
use prost::Message;
use serde_json::{json, Value};
use tonic::transport::Channel;

/// Prints a line made of text from the nodes, with anything a terminal
/// would act on escaped.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", plumb_proto::printable(&format!($($arg)*)))
    };
}

/// Query and act on plumb's fleet state.
#[derive(Parser)]
#[command(
    name = "plumbctl",
    version = plumb_collector::VERSION,
    about = "plumbctl: query and act on plumb's fleet state (nodes, flags, manifests, tokens, enrollment, audit)"
)]
struct Cli {
    /// The collector's gRPC URL.
    #[arg(
        long,
        global = true,
        env = "PLUMB_COLLECTOR",
        default_value = "http://127.0.0.1:7400"
    )]
    collector: String,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// CA bundle (PEM) that signs the collector's certificate (default:
    /// the system's roots).
    #[arg(long, global = true, env = "PLUMB_CA")]
    ca: Option<PathBuf>,
    /// API token (prefer PLUMB_TOKEN or --token-file: arguments are
    /// visible to other users).
    #[arg(long, global = true, env = "PLUMB_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// File holding the API token.
    #[arg(long, global = true, env = "PLUMB_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    /// Allow an http:// collector URL (loopback only).
    #[arg(long, global = true)]
    insecure_plaintext: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List nodes.
    Nodes {
        #[arg(long)]
        status: Option<String>,
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
    /// Print a shell completion script (bash, zsh, fish, elvish,
    /// powershell).
    Completions { shell: plumb_proto::cli::Shell },
    /// Write the man pages into DIR.
    #[command(hide = true)]
    Man { dir: PathBuf },
}

#[derive(Subcommand)]
enum NodeCommand {
    /// Refuse the node's certificates from now on (admin).
    Revoke { id: String },
}

#[derive(Subcommand)]
enum PkiCommand {
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
enum TokenCommand {
    /// Create a token; it is printed once.
    Create {
        /// read, operator or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
    },
    /// List tokens (ids, names, roles; never the secrets).
    List,
    /// Revoke a token by id: it and its dashboard sessions stop working.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum EnrollCommand {
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
enum KeysCommand {
    /// Write an Ed25519 key pair: PREFIX.key (private, 0600) and PREFIX.pub.
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum FlagsCommand {
    /// Stream lifecycle events as JSON lines until interrupted.
    Watch {
        /// Start with the nodes already flagged, recycling or silent.
        #[arg(long)]
        current: bool,
    },
}

#[derive(Subcommand)]
enum ManifestCommand {
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

/// How to reach the collector: its URL, TLS material and API token.
struct Conn {
    url: String,
    tls: plumb_proto::transport::ClientTls,
    token: Option<String>,
}

impl Conn {
    fn from_cli(cli: &Cli) -> Result<Conn> {
        let ca_pem = cli
            .ca
            .as_ref()
            .map(|p| std::fs::read(p).with_context(|| format!("reading CA {}", p.display())))
            .transpose()?;
        let token = match (&cli.token, &cli.token_file) {
            (Some(t), _) => Some(t.trim().to_string()),
            (None, Some(f)) => Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("reading token file {}", f.display()))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        Ok(Conn {
            url: cli.collector.clone(),
            tls: plumb_proto::transport::ClientTls {
                ca_pem,
                identity: None,
                insecure_plaintext: cli.insecure_plaintext,
            },
            token,
        })
    }
}

/// Adds the API token to every request.
#[derive(Clone)]
struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut r: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            r.metadata_mut().insert("authorization", v.clone());
        }
        Ok(r)
    }
}

type AuthChannel = tonic::service::interceptor::InterceptedService<Channel, Bearer>;

async fn channel(c: &Conn) -> Result<AuthChannel> {
    let endpoint = plumb_proto::transport::endpoint(&c.url, &c.tls)?;
    let channel = endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("connecting to the collector at {}", c.url))?;
    let bearer = match &c.token {
        Some(t) => Some(
            format!("Bearer {t}")
                .parse()
                .context("the API token has characters a header cannot carry")?,
        ),
        None => None,
    };
    Ok(tonic::service::interceptor::InterceptedService::new(
        channel,
        Bearer(bearer),
    ))
}

fn status_error(s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{}", s.message())
}

fn node_json(n: &NodeSummary) -> Value {
    json!({
        "node_id": n.node_id,
        "hostname": n.hostname,
        "image_id": n.image_id,
        "status": n.status,
        "flagged": n.flagged,
        "deviation_count": n.deviation_count,
        "max_severity": n.max_severity,
        "reasons": n.reasons,
        "last_seen": n.last_seen_unix_ms,
        "status_since": n.status_since_unix_ms,
        "agent_version": n.agent_version,
    })
}

fn ago(ms: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let s = ((now - ms) / 1000).max(0);
    match s {
        _ if ms == 0 => "never".into(),
        0..=119 => format!("{s}s ago"),
        120..=7199 => format!("{}m ago", s / 60),
        7200..=172_799 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) {
    // Cells come from the nodes: nothing in them may act on the terminal.
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            r.iter()
                .map(|c| plumb_proto::printable(c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r);
    }
}

fn print_nodes(nodes: &[NodeSummary], as_json: bool) {
    if as_json {
        println!("{}", Value::Array(nodes.iter().map(node_json).collect()));
        return;
    }
    table(
        &[
            "NODE",
            "IMAGE",
            "STATUS",
            "DEVIATIONS",
            "MAX",
            "LAST SEEN",
            "REASON",
        ],
        nodes
            .iter()
            .map(|n| {
                vec![
                    n.node_id.clone(),
                    n.image_id.clone(),
                    n.status.clone(),
                    n.deviation_count.to_string(),
                    n.max_severity.clone(),
                    ago(n.last_seen_unix_ms),
                    n.reasons.first().cloned().unwrap_or_default(),
                ]
            })
            .collect(),
    );
}

async fn run(cli: Cli) -> Result<ExitCode> {
    // Commands that need no collector.
    match &cli.command {
        Command::Pki { command } => return pki(command),
        Command::Keys {
            command: KeysCommand::Generate { out },
        } => return generate_keys(out, cli.json),
        Command::Completions { shell } => {
            plumb_proto::cli::print_completions(Cli::command(), *shell);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Man { dir } => {
            plumb_proto::cli::write_man_pages(Cli::command(), dir)
                .with_context(|| format!("writing man pages into {}", dir.display()))?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let url = Conn::from_cli(&cli)?;
    match cli.command {
        Command::Pki { .. }
        | Command::Keys { .. }
        | Command::Completions { .. }
        | Command::Man { .. } => unreachable!("handled above"),
        Command::Node {
            command: Some(NodeCommand::Revoke { id }),
            ..
        } => {
            let mut a = AdminServiceClient::new(channel(&url).await?);
            let r = a
                .revoke_node(NodeActionRequest {
                    node_id: id,
                    cause: String::new(),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            if cli.json {
                println!(
                    "{}",
                    json!({"node_id": r.node_id, "certificates_revoked": r.certificates_revoked})
                );
            } else {
                println!(
                    "node {} revoked ({} certificate(s) issued by plumb)",
                    r.node_id, r.certificates_revoked
                );
            }
        }
        Command::Node { id: None, .. } => {
            anyhow::bail!("plumbctl node: give a node id (or `node revoke ID`)")
        }
        Command::Token {
            command: TokenCommand::Create { role, name },
        } => {
            let mut a = AdminServiceClient::new(channel(&url).await?);
            let r = a
                .create_token(CreateTokenRequest { role, name })
                .await
                .map_err(status_error)?
                .into_inner();
            if cli.json {
                println!("{}", json!({"token": r.token, "id": r.id}));
            } else {
                println!("{}", r.token);
            }
        }
        Command::Token {
            command: TokenCommand::List,
        } => {
            let mut a = AdminServiceClient::new(channel(&url).await?);
            let r = a
                .list_tokens(ListTokensRequest {})
                .await
                .map_err(status_error)?
                .into_inner();
            if cli.json {
                let v: Vec<Value> = r.tokens.iter().map(|t| json!({
                    "id": t.id, "name": t.name, "role": t.role, "created_at": t.created_unix_ms,
                    "created_by": t.created_by, "revoked_at": (t.revoked_unix_ms > 0).then_some(t.revoked_unix_ms),
                })).collect();
                println!("{}", Value::Array(v));
            } else {
                table(
                    &["ID", "NAME", "ROLE", "CREATED", "BY", "REVOKED"],
                    r.tokens
                        .iter()
                        .map(|t| {
                            vec![
                                t.id.clone(),
                                t.name.clone(),
                                t.role.clone(),
                                ago(t.created_unix_ms),
                                t.created_by.clone(),
                                if t.revoked_unix_ms > 0 {
                                    ago(t.revoked_unix_ms)
                                } else {
                                    "-".into()
                                },
                            ]
                        })
                        .collect(),
                );
            }
        }
        Command::Token {
            command: TokenCommand::Revoke { id },
        } => {
            let mut a = AdminServiceClient::new(channel(&url).await?);
            let r = a
                .revoke_token(RevokeTokenRequest { id })
                .await
                .map_err(status_error)?
                .into_inner();
            if !r.revoked {
                anyhow::bail!("no valid token with id {:?}", r.id);
            }
            if cli.json {
                println!("{}", json!({"id": r.id, "revoked": true}));
            } else {
                println!("token {} revoked", r.id);
            }
        }
        Command::Enroll {
            command: EnrollCommand::Create { image, ttl, uses },
        } => {
            let mut a = AdminServiceClient::new(channel(&url).await?);
            let r = a
                .create_enrollment(CreateEnrollmentRequest {
                    image_id: image,
                    ttl_secs: ttl.as_secs().min(u64::from(u32::MAX)) as u32,
                    uses,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            if cli.json {
                println!(
                    "{}",
                    json!({"token": r.token, "expires_at": r.expires_unix_ms})
                );
            } else {
                println!("{}", r.token);
            }
        }
        Command::Audit { node, limit } => {
            let mut a = AdminServiceClient::new(channel(&url).await?);
            let r = a
                .list_audit(ListAuditRequest {
                    node_id: node.unwrap_or_default(),
                    limit,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            if cli.json {
                let v: Vec<Value> = r.entries.iter().map(|e| json!({
                    "at": e.at_unix_ms, "actor": e.actor, "role": e.role, "action": e.action,
                    "target": e.target, "source": e.source, "outcome": e.outcome, "detail": e.detail,
                })).collect();
                println!("{}", Value::Array(v));
            } else {
                table(
                    &["WHEN", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL"],
                    r.entries
                        .iter()
                        .map(|e| {
                            vec![
                                ago(e.at_unix_ms),
                                e.actor.clone(),
                                e.action.clone(),
                                e.target.clone(),
                                e.outcome.clone(),
                                e.detail.clone(),
                            ]
                        })
                        .collect(),
                );
            }
        }
        Command::Nodes {
            status,
            image,
            label,
        } => {
            // Every node, a page at a time: nothing is cut off.
            let mut q = QueryServiceClient::new(channel(&url).await?);
            let mut nodes = Vec::new();
            let mut cursor = String::new();
            loop {
                let r = q
                    .list_nodes(ListNodesRequest {
                        status: status.clone().unwrap_or_default(),
                        image_id: image.clone().unwrap_or_default(),
                        limit: 1000,
                        offset: 0,
                        cursor: std::mem::take(&mut cursor),
                        labels: label.clone(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner();
                nodes.extend(r.nodes);
                if r.next_cursor.is_empty() {
                    break;
                }
                cursor = r.next_cursor;
            }
            print_nodes(&nodes, cli.json);
        }
        Command::Node { id: Some(id), .. } => {
            let mut q = QueryServiceClient::new(channel(&url).await?);
            let d = q
                .get_node(GetNodeRequest { node_id: id })
                .await
                .map_err(status_error)?
                .into_inner();
            let node = d.node.unwrap_or_default();
            let dev = |s: &plumb_proto::v1::StoredDeviation| {
                let d = s.deviation.clone().unwrap_or_default();
                json!({
                    "kind": kind_snake(d.kind()),
                    "key": d.key,
                    "severity": severity_snake(d.severity()),
                    "expected": d.expected,
                    "actual": d.actual,
                    "changes": d.changes,
                    "package": d.package,
                    "explained_by": d.explained_by,
                    "first_seen": s.first_seen_unix_ms,
                    "resolved_at": (s.resolved_unix_ms > 0).then_some(s.resolved_unix_ms),
                })
            };
            if cli.json {
                let v = json!({
                    "node": node_json(&node),
                    "open": d.open.iter().map(dev).collect::<Vec<_>>(),
                    "history": d.history.iter().map(dev).collect::<Vec<_>>(),
                    "transitions": d.transitions.iter().map(|t| json!({"from": t.from, "to": t.to, "cause": t.cause, "at": t.at_unix_ms})).collect::<Vec<_>>(),
                });
                println!("{v}");
            } else {
                say!("node:       {} ({})", node.node_id, node.hostname);
                say!("image:      {}", node.image_id);
                say!(
                    "status:     {} since {}",
                    node.status,
                    ago(node.status_since_unix_ms)
                );
                for r in &node.reasons {
                    say!("reason:     {r}");
                }
                say!(
                    "agent:      {}, last seen {}",
                    node.agent_version,
                    ago(node.last_seen_unix_ms)
                );
                println!();
                say!("open deviations ({}):", d.open.len());
                for s in &d.open {
                    let x = s.deviation.clone().unwrap_or_default();
                    let pkg = if x.package.is_empty() {
                        String::new()
                    } else {
                        format!(" (owned by {})", x.package)
                    };
                    say!(
                        "  {:<8} {:<16} {}{pkg}",
                        severity_snake(x.severity()),
                        kind_snake(x.kind()),
                        x.key
                    );
                }
                println!();
                say!("lifecycle:");
                for t in &d.transitions {
                    say!(
                        "  {} {} -> {} ({})",
                        ago(t.at_unix_ms),
                        t.from,
                        t.to,
                        t.cause
                    );
                }
            }
        }
        Command::Flags { watch: None } => {
            // The whole queue, page by page.
            let mut q = QueryServiceClient::new(channel(&url).await?);
            let mut nodes = Vec::new();
            let mut cursor = String::new();
            loop {
                let r = q
                    .list_flags(ListFlagsRequest {
                        limit: 1000,
                        cursor,
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner();
                nodes.extend(r.nodes);
                if r.next_cursor.is_empty() {
                    break;
                }
                cursor = r.next_cursor;
            }
            print_nodes(&nodes, cli.json);
        }
        Command::Flags {
            watch: Some(FlagsCommand::Watch { current }),
        } => {
            use std::io::Write;
            let mut q = QueryServiceClient::new(channel(&url).await?);
            let mut stream = q
                .watch_flags(WatchFlagsRequest {
                    include_current: current,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let stdout = std::io::stdout();
            while let Some(e) = stream.message().await.map_err(status_error)? {
                let line = json!({
                    "node_id": e.node_id,
                    "hostname": e.hostname,
                    "image_id": e.image_id,
                    "from": e.from,
                    "status": e.to,
                    "flagged": e.to == "flagged",
                    "reasons": e.reasons,
                    "at": e.at_unix_ms,
                });
                let mut out = stdout.lock();
                writeln!(out, "{line}")?;
                out.flush()?;
            }
        }
        Command::Ack { node, cause } => {
            act(&url, Action::Acknowledge, node, cause, cli.json).await?
        }
        Command::Retire { node, cause } => act(&url, Action::Retire, node, cause, cli.json).await?,
        Command::Clear { node, reason } => {
            act(&url, Action::Clear, node, Some(reason), cli.json).await?
        }
        Command::Manifest {
            command: ManifestCommand::Push { file, replace },
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let mut manifest: Manifest =
                if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                    serde_json::from_slice(&bytes)
                        .with_context(|| format!("{}: invalid JSON manifest", file.display()))?
                } else {
                    Manifest::decode(bytes.as_slice())
                        .with_context(|| format!("{}: not a plumb manifest", file.display()))?
                };
            manifest
                .verify()
                .with_context(|| format!("{}: refusing to push", file.display()))?;
            let mut r = ManifestRegistryClient::new(channel(&url).await?)
                .max_encoding_message_size(plumb_proto::MAX_MANIFEST_BYTES);
            let resp = r
                .push(PushManifestRequest {
                    manifest: manifest.encode_to_vec(),
                    replace,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            if cli.json {
                println!(
                    "{}",
                    json!({"image_id": resp.image_id, "digest": plumb_proto::hex(&resp.digest), "replaced": resp.replaced})
                );
            } else {
                println!(
                    "pushed manifest for image {} (sha256:{}){}",
                    resp.image_id,
                    plumb_proto::hex(&resp.digest),
                    if resp.replaced {
                        ", replacing an older one"
                    } else {
                        ""
                    }
                );
            }
        }
        Command::Images => {
            let mut q = QueryServiceClient::new(channel(&url).await?);
            let r = q
                .list_images(ListImagesRequest {})
                .await
                .map_err(status_error)?
                .into_inner();
            if cli.json {
                let v: Vec<Value> = r.images.iter().map(|i| json!({
                    "image_id": i.image_id, "digest": plumb_proto::hex(&i.digest), "files": i.files,
                    "packages": i.packages, "nodes": i.nodes, "drifted_nodes": i.drifted_nodes, "pushed_at": i.pushed_unix_ms,
                    "labels": i.labels.iter().map(|l| (l.key.clone(), Value::from(l.value.clone()))).collect::<serde_json::Map<_, _>>(),
                })).collect();
                println!("{}", Value::Array(v));
            } else {
                table(
                    &[
                        "IMAGE", "DIGEST", "FILES", "PACKAGES", "NODES", "DRIFTED", "LABELS",
                    ],
                    r.images
                        .iter()
                        .map(|i| {
                            let d = plumb_proto::hex(&i.digest);
                            vec![
                                i.image_id.clone(),
                                d.chars().take(12).collect(),
                                i.files.to_string(),
                                i.packages.to_string(),
                                i.nodes.to_string(),
                                i.drifted_nodes.to_string(),
                                i.labels
                                    .iter()
                                    .map(|l| format!("{}={}", l.key, l.value))
                                    .collect::<Vec<_>>()
                                    .join(","),
                            ]
                        })
                        .collect(),
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

enum Action {
    Acknowledge,
    Retire,
    Clear,
}

/// Acknowledges or retires a node and reports its new status.
async fn act(
    url: &Conn,
    action: Action,
    node: String,
    cause: Option<String>,
    as_json: bool,
) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(url).await?);
    let request = NodeActionRequest {
        node_id: node,
        cause: cause.unwrap_or_default(),
    };
    let response = match action {
        Action::Acknowledge => q.acknowledge(request).await,
        Action::Retire => q.retire(request).await,
        Action::Clear => q.clear(request).await,
    };
    report_action(&response.map_err(status_error)?.into_inner(), as_json);
    Ok(())
}

fn report_action(n: &NodeSummary, as_json: bool) {
    if as_json {
        println!("{}", node_json(n));
    } else {
        println!("node {} is now {}", n.node_id, n.status);
    }
}

fn pki(command: &PkiCommand) -> Result<ExitCode> {
    use plumb_collector::security::pki::{self, Ca};
    match command {
        PkiCommand::Init { dir, hosts } => {
            let f = pki::init(dir, hosts)?;
            println!(
                "CA:         {} (key {})",
                f.ca_cert.display(),
                f.ca_key.display()
            );
            println!(
                "collector:  {} (key {})",
                f.server_cert.display(),
                f.server_key.display()
            );
            println!(
                "serve with: plumb-collector serve --tls-cert {} --tls-key {} --client-ca {} --enroll-ca-cert {} --enroll-ca-key {}",
                f.server_cert.display(),
                f.server_key.display(),
                f.ca_cert.display(),
                f.ca_cert.display(),
                f.ca_key.display()
            );
        }
        PkiCommand::IssueNode {
            node_id,
            dir,
            out,
            days,
        } => {
            let ca = Ca::load(&dir.join("ca.pem"), &dir.join("ca.key"))?;
            let (cert, key) = ca.issue_node(node_id, *days)?;
            std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
            pki::write_file(&out.join(format!("{node_id}.key")), &key, true)?;
            pki::write_file(&out.join(format!("{node_id}.pem")), &cert, false)?;
            println!("{}", out.join(format!("{node_id}.pem")).display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn generate_keys(out: &std::path::Path, as_json: bool) -> Result<ExitCode> {
    use plumb_proto::signature::ManifestSigner;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    let signer = ManifestSigner::from_seed(seed);
    let private = out.with_extension("key");
    let public = out.with_extension("pub");
    plumb_collector::security::pki::write_file(&private, &signer.private_pem(), true)?;
    plumb_collector::security::pki::write_file(&public, &signer.public().public_pem(), false)?;
    if as_json {
        println!(
            "{}",
            json!({"key_id": signer.key_id(), "private": private, "public": public})
        );
    } else {
        println!(
            "key {}: {} (private), {} (public)",
            signer.key_id(),
            private.display(),
            public.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

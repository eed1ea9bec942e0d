//! `plumbctl`: the collector's command line for SREs and scripts.
//! Human tables by default, `--json` everywhere.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use plumb_proto::v1::{
    GetNodeRequest, ListFlagsRequest, ListImagesRequest, ListNodesRequest, Manifest,
    NodeActionRequest, NodeSummary, PushManifestRequest, WatchFlagsRequest,
};
use plumb_proto::{kind_snake, severity_snake, ManifestRegistryClient, QueryServiceClient};
use prost::Message;
use serde_json::{json, Value};
use tonic::transport::Channel;

/// Query and act on plumb's fleet state.
#[derive(Parser)]
#[command(name = "plumbctl", version, about)]
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
    },
    /// Show one node: identity, open deviations, history, transitions.
    Node { id: String },
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
    /// Manage the manifest registry.
    Manifest {
        #[command(subcommand)]
        command: ManifestCommand,
    },
    /// List images with their node counts and drift.
    Images,
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
    Push { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    die_quietly_on_closed_stdout();
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
            eprintln!("plumbctl: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Lets `plumbctl ... | head` end the way command-line tools do, by
/// SIGPIPE, instead of panicking in `println!`. Its sockets never raise
/// SIGPIPE (Rust sends with `MSG_NOSIGNAL`).
#[allow(unsafe_code)]
fn die_quietly_on_closed_stdout() {
    // SAFETY: restoring a signal's default disposition has no
    // preconditions; no other thread exists yet.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

async fn channel(url: &str) -> Result<Channel> {
    let endpoint = Channel::from_shared(url.to_string())
        .with_context(|| format!("invalid collector URL {url:?}"))?;
    endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("connecting to the collector at {url}"))
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
    let url = cli.collector.clone();
    match cli.command {
        Command::Nodes { status, image } => {
            let mut q = QueryServiceClient::new(channel(&url).await?);
            let r = q
                .list_nodes(ListNodesRequest {
                    status: status.unwrap_or_default(),
                    image_id: image.unwrap_or_default(),
                    limit: 0,
                    offset: 0,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            print_nodes(&r.nodes, cli.json);
        }
        Command::Node { id } => {
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
                println!("node:       {} ({})", node.node_id, node.hostname);
                println!("image:      {}", node.image_id);
                println!(
                    "status:     {} since {}",
                    node.status,
                    ago(node.status_since_unix_ms)
                );
                for r in &node.reasons {
                    println!("reason:     {r}");
                }
                println!(
                    "agent:      {}, last seen {}",
                    node.agent_version,
                    ago(node.last_seen_unix_ms)
                );
                println!("\nopen deviations ({}):", d.open.len());
                for s in &d.open {
                    let x = s.deviation.clone().unwrap_or_default();
                    let pkg = if x.package.is_empty() {
                        String::new()
                    } else {
                        format!(" (owned by {})", x.package)
                    };
                    println!(
                        "  {:<8} {:<16} {}{pkg}",
                        severity_snake(x.severity()),
                        kind_snake(x.kind()),
                        x.key
                    );
                }
                println!("\nlifecycle:");
                for t in &d.transitions {
                    println!(
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
            let mut q = QueryServiceClient::new(channel(&url).await?);
            let r = q
                .list_flags(ListFlagsRequest {})
                .await
                .map_err(status_error)?
                .into_inner();
            print_nodes(&r.nodes, cli.json);
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
        Command::Manifest {
            command: ManifestCommand::Push { file },
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
                })).collect();
                println!("{}", Value::Array(v));
            } else {
                table(
                    &["IMAGE", "DIGEST", "FILES", "PACKAGES", "NODES", "DRIFTED"],
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
}

/// Acknowledges or retires a node and reports its new status.
async fn act(
    url: &str,
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

//! Plays a share of a large fleet against real collectors: each
//! simulated agent has its own TCP connection (from `--source`, one
//! loopback address per generator process), TLS 1.3 session and node
//! certificate, says hello on one gRPC stream, heartbeats at a realistic
//! interval, and a share of them drift. Lean enough (`plumb_tests::lean`)
//! that six processes hold 100,000 agents on one machine.
//!
//! Prints, as `key: value` lines for `scripts/bench-fleet.sh`:
//! certificates issued; agents connected, resumed and deferred, with the
//! time it took; this process's memory per agent; every `--report`
//! seconds what is streaming; with `--storm`, the time from the first
//! stream lost to the last one back; with `--flag-probes`, how long a
//! critical deviation took from the agent to a flagged node on the REST
//! API.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use plumb_proto::v1::{
    agent_message, collector_message, AgentMessage, Deviation, DeviationBatch, DeviationKind,
    DeviationRef, Hello, Severity,
};
use plumb_tests::lean::{self, Chain, Ended, Target};

#[derive(Parser)]
struct Args {
    /// A collector replica (`https://IP:PORT`), repeated; agent i starts
    /// on replica i mod their number.
    #[arg(long = "collector", required = true)]
    collectors: Vec<String>,
    /// The directory of `plumbctl pki init` (its CA issues each agent's
    /// certificate).
    #[arg(long)]
    ca_dir: std::path::PathBuf,
    /// Node ids are PREFIX-N for N in FIRST..FIRST+AGENTS.
    #[arg(long, default_value = "lean")]
    prefix: String,
    #[arg(long, default_value_t = 0)]
    first: u64,
    #[arg(long, default_value_t = 1000)]
    agents: u64,
    /// The local address to connect from (this process's ports).
    #[arg(long)]
    source: Option<IpAddr>,
    #[arg(long, default_value_t = 10)]
    heartbeat: u64,
    /// Agents in a thousand that drift: each adds a low-severity
    /// deviation every `--drift-every` seconds and resolves it the next
    /// time.
    #[arg(long, default_value_t = 10)]
    drift_permille: u64,
    #[arg(long, default_value_t = 60)]
    drift_every: u64,
    /// Images the nodes run: image i mod IMAGES.
    #[arg(long, default_value_t = 200)]
    images: u64,
    /// Connection attempts in flight at once in this process.
    #[arg(long, default_value_t = 256)]
    in_flight: usize,
    /// Seconds to hold the streams once connected (then exit).
    #[arg(long, default_value_t = 60)]
    hold: u64,
    /// Reconnect when a stream is lost (a replica restarted), for up to
    /// this many seconds after the loss, and report the storm.
    #[arg(long, default_value_t = 0)]
    storm: u64,
    /// Seconds within which every agent must have connected (failed
    /// attempts are tried again meanwhile).
    #[arg(long, default_value_t = 600)]
    connect_budget: u64,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 10)]
    report: u64,
    /// Agents (the first ones) that each send one critical deviation
    /// during the hold and time it to a flagged node on `--http`.
    #[arg(long, default_value_t = 0)]
    flag_probes: u64,
    #[arg(long)]
    http: Option<String>,
    #[arg(long, env = "PLUMB_TOKEN")]
    token: Option<String>,
    /// No agent drifts and no probe runs until this file exists (the
    /// benchmark measures the idle fleet first).
    #[arg(long)]
    go: Option<std::path::PathBuf>,
}

#[derive(Default)]
struct Stats {
    connected: AtomicU64,
    streaming: AtomicU64,
    failed: AtomicU64,
    deferred: AtomicU64,
    /// Connection attempts that failed and were tried again.
    retried: AtomicU64,
    /// Failed attempts by [`Failure`] kind.
    failures: [AtomicU64; 5],
    resumed: AtomicU64,
    heartbeats: AtomicU64,
    batches_acked: AtomicU64,
    lost: AtomicU64,
    back: AtomicU64,
    /// Agents that gave up coming back (`--storm` seconds after a loss).
    abandoned: AtomicU64,
    /// ms since the start: the first stream lost, the last one back.
    first_loss_ms: AtomicU64,
    last_back_ms: AtomicU64,
}

struct Ctx {
    a: Args,
    targets: Vec<Target>,
    stats: Stats,
    start: Instant,
    in_flight: tokio::sync::Semaphore,
    /// Each probe's time to a flagged node (`None`: not within 30 s).
    probes: Arc<std::sync::Mutex<Vec<Option<Duration>>>>,
    http: Option<(ureq::Agent, String, String)>,
    /// Until when a first connection is tried again after a failure.
    connect_until: Instant,
    /// When drift and probes began (`--go`).
    go: std::sync::OnceLock<Instant>,
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn hello(ctx: &Ctx, n: u64) -> AgentMessage {
    let node = format!("{}-{n}", ctx.a.prefix);
    AgentMessage {
        body: Some(agent_message::Body::Hello(Hello {
            hostname: format!("{node}.fleet"),
            node_id: node,
            image_id: format!("img-{}", n % ctx.a.images),
            manifest_digest: vec![7; 32],
            agent_version: "lean".into(),
            boot_id: "boot".into(),
            heartbeat_secs: ctx.a.heartbeat as u32,
            ..Default::default()
        })),
        ..Default::default()
    }
}

fn deviation(key: String, severity: Severity) -> Deviation {
    Deviation {
        kind: DeviationKind::FileModified as i32,
        key,
        severity: severity as i32,
        expected: "file mode=0644 owner=0:0 size=10".into(),
        actual: "file mode=0644 owner=0:0 size=11".into(),
        changes: vec!["content".into()],
        ..Default::default()
    }
}

fn batch(added: Vec<Deviation>, resolved: Vec<DeviationRef>) -> agent_message::Body {
    agent_message::Body::Batch(DeviationBatch {
        added,
        resolved,
        ..Default::default()
    })
}

/// How long an agent waits for its collector's answer (connection,
/// handshake and hello) before it tries again.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// One attempt at a stream.
enum Attempt {
    Streaming(lean::AgentStream, u64),
    /// The collector said to come back in so many milliseconds.
    Deferred(lean::AgentStream, u64),
    Failed(Failure, String),
}

/// Why an attempt failed, counted per kind for the storm's report.
#[derive(Clone, Copy)]
enum Failure {
    /// The TCP connection was refused (no replica listening yet).
    Refused,
    /// TCP or the TLS handshake failed otherwise.
    Connect,
    /// The collector ended the hello with a gRPC status.
    Status,
    /// The stream or connection went away before the hello's ack.
    Lost,
    /// No answer within [`ANSWER_WITHIN`] (accepted, never served).
    Timeout,
}

/// Connects (or reuses a deferred connection) and says hello.
async fn try_hello(
    kept: Option<lean::AgentStream>,
    target: &Target,
    source: Option<IpAddr>,
    config: &Arc<rustls::ClientConfig>,
    hello: &AgentMessage,
) -> Attempt {
    let mut s = match kept {
        Some(s) => s,
        None => match lean::AgentStream::connect(target, source, config.clone()).await {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Attempt::Failed(Failure::Refused, e.to_string())
            }
            Err(e) => return Attempt::Failed(Failure::Connect, e.to_string()),
        },
    };
    match s.hello(hello).await {
        Ok(last) => Attempt::Streaming(s, last),
        Err(Ended::Status {
            retry_after_ms: Some(ms),
            ..
        }) => Attempt::Deferred(s, ms),
        Err(e @ Ended::Status { .. }) => Attempt::Failed(Failure::Status, e.to_string()),
        Err(e) => Attempt::Failed(Failure::Lost, e.to_string()),
    }
}

/// One agent for the whole run: connect, hold, and (with `--storm`)
/// reconnect after a loss.
async fn agent(ctx: Arc<Ctx>, k: u64, config: Arc<rustls::ClientConfig>, until: Instant) {
    let n = ctx.a.first + k;
    let hello = hello(&ctx, n);
    let mut replica = (k as usize) % ctx.targets.len();
    let mut lost_at: Option<Instant> = None;
    let mut tries = 0u64;
    // A connection whose hello was deferred, kept for the next hello.
    let mut kept: Option<lean::AgentStream> = None;
    while Instant::now() < until {
        let permit = ctx.in_flight.acquire().await.expect("never closed");
        // An agent waits so long for its collector's answer, then tries
        // again (a connection a dying replica accepted never answers).
        let target = &ctx.targets[replica];
        let attempt = tokio::time::timeout(
            ANSWER_WITHIN,
            try_hello(kept.take(), target, ctx.a.source, &config, &hello),
        )
        .await
        .unwrap_or_else(|_| {
            Attempt::Failed(
                Failure::Timeout,
                format!("no answer within {ANSWER_WITHIN:?}"),
            )
        });
        drop(permit);
        let (mut stream, last_seq) = match attempt {
            Attempt::Streaming(s, last) => (s, last),
            // Told when to come back: then, on the same connection.
            Attempt::Deferred(s, ms) => {
                ctx.stats.deferred.fetch_add(1, Relaxed);
                kept = Some(s);
                tries += 1;
                lean::back_off(ms, n + tries).await;
                continue;
            }
            Attempt::Failed(why, e) => {
                ctx.stats.failures[why as usize].fetch_add(1, Relaxed);
                // As agents do: retry (the collector may be overloaded or
                // restarting), within the connect budget at first and
                // `--storm` seconds after a loss.
                let retry = match lost_at {
                    Some(t) => t.elapsed() < Duration::from_secs(ctx.a.storm),
                    None => Instant::now() < ctx.connect_until,
                };
                if !retry {
                    if lost_at.is_some() {
                        ctx.stats.abandoned.fetch_add(1, Relaxed);
                    }
                    if ctx.stats.failed.fetch_add(1, Relaxed) < 3 {
                        eprintln!("{}-{n}: {e}", ctx.a.prefix);
                    }
                    return;
                }
                ctx.stats.retried.fetch_add(1, Relaxed);
                // Back off (with jitter), then try the next replica.
                tries += 1;
                lean::back_off(200 * tries.min(5), n + tries).await;
                replica = (replica + 1) % ctx.targets.len();
                continue;
            }
        };
        tries = 0;
        if stream.resumed() {
            ctx.stats.resumed.fetch_add(1, Relaxed);
        }
        if lost_at.take().is_some() {
            ctx.stats.back.fetch_add(1, Relaxed);
            ctx.stats
                .last_back_ms
                .fetch_max(ctx.start.elapsed().as_millis() as u64, Relaxed);
        } else {
            ctx.stats.connected.fetch_add(1, Relaxed);
        }
        ctx.stats.streaming.fetch_add(1, Relaxed);
        let ended = hold(&ctx, k, n, &mut stream, Chain::resume(last_seq), until).await;
        ctx.stats.streaming.fetch_sub(1, Relaxed);
        let Err(why) = ended else { return };
        ctx.stats.lost.fetch_add(1, Relaxed);
        let now_ms = ctx.start.elapsed().as_millis() as u64;
        let _ = ctx.stats.first_loss_ms.fetch_update(Relaxed, Relaxed, |v| {
            (v == 0 || now_ms < v).then_some(now_ms)
        });
        if ctx.a.storm == 0 {
            if ctx.stats.lost.load(Relaxed) <= 3 {
                eprintln!("{}-{n}: stream lost: {why}", ctx.a.prefix);
            }
            return;
        }
        lost_at = Some(Instant::now());
        lean::back_off(200, n).await;
    }
}

/// Holds an open stream until `until`: heartbeats, drift, acks.
async fn hold(
    ctx: &Ctx,
    k: u64,
    n: u64,
    s: &mut lean::AgentStream,
    mut chain: Chain,
    until: Instant,
) -> Result<(), Ended> {
    let a = &ctx.a;
    let period = Duration::from_secs(a.heartbeat);
    // Heartbeats and drift spread over their periods, as in a fleet.
    let mut next_hb = Instant::now() + Duration::from_millis((n * 7919) % (a.heartbeat * 1000));
    let drifts = (n * 7) % 1000 < a.drift_permille;
    let drift_period = Duration::from_secs(a.drift_every.max(1));
    let mut next_drift =
        Instant::now() + Duration::from_millis((n * 104_729) % (a.drift_every.max(1) * 1000));
    let mut drifted = false;
    // A probe sends its critical deviation once, a second apart from the
    // previous probe, from two seconds after drift begins.
    let mut probe_at = (k < a.flag_probes).then(|| Instant::now() + Duration::from_secs(1));
    loop {
        let now = Instant::now();
        if now >= until {
            return Ok(());
        }
        let mut wake = next_hb.min(until);
        if drifts {
            wake = wake.min(next_drift);
        }
        if let Some(p) = probe_at {
            wake = wake.min(p);
        }
        let readable = tokio::select! {
            r = s.readable().readable() => { r?; true }
            _ = tokio::time::sleep_until(wake.into()) => false,
        };
        if readable {
            let mut message = s.poll().await?;
            while let Some(m) = message {
                if let Some(collector_message::Body::Ack(_)) = m.body {
                    ctx.stats.batches_acked.fetch_add(1, Relaxed);
                }
                message = s.buffered()?;
            }
            continue;
        }
        let now = Instant::now();
        if now >= next_hb {
            s.send(&lean::heartbeat()).await?;
            ctx.stats.heartbeats.fetch_add(1, Relaxed);
            next_hb += period;
        }
        let going = ctx.go.get().copied();
        if drifts && now >= next_drift && going.is_none() {
            next_drift += drift_period;
        }
        if drifts && now >= next_drift {
            let key = format!("/srv/drift/{n}");
            let body = if drifted {
                let r = DeviationRef {
                    kind: DeviationKind::FileModified as i32,
                    key,
                    container: String::new(),
                };
                batch(vec![], vec![r])
            } else {
                batch(vec![deviation(key, Severity::Low)], vec![])
            };
            drifted = !drifted;
            s.send(&chain.next(body)).await?;
            next_drift += drift_period;
        }
        if probe_at.is_some_and(|p| now >= p) {
            let Some(go) = going else {
                probe_at = Some(now + Duration::from_secs(1));
                continue;
            };
            let at = go + Duration::from_secs(2 + k);
            if now < at {
                probe_at = Some(at);
                continue;
            }
            probe_at = None;
            let sent = Instant::now();
            let body = batch(
                vec![deviation(format!("/usr/bin/probe-{n}"), Severity::Critical)],
                vec![],
            );
            s.send(&chain.next(body)).await?;
            if let Some((agent, base, bearer)) = ctx.http.clone() {
                let node = format!("{}-{n}", a.prefix);
                let probes = ctx.probes.clone();
                // Polled beside the stream, which goes on heartbeating.
                tokio::task::spawn_blocking(move || {
                    let url = format!("{base}/api/v1/nodes/{node}");
                    let took = flagged_after(&agent, &url, &bearer, sent);
                    probes.lock().unwrap().push(took);
                });
            }
        }
    }
}

/// Polls a node's page every 20 ms (for at most 30 s) until it is
/// flagged: the time since `sent`.
fn flagged_after(agent: &ureq::Agent, url: &str, bearer: &str, sent: Instant) -> Option<Duration> {
    while sent.elapsed() < Duration::from_secs(30) {
        let body = agent
            .get(url)
            .header("authorization", bearer)
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok());
        if body.is_some_and(|b| b.contains("\"status\":\"flagged\"")) {
            return Some(sent.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The failed attempts so far, by kind.
fn failures(s: &Stats) -> String {
    let n = |f: Failure| s.failures[f as usize].load(Relaxed);
    format!(
        "refused {}, connect/TLS {}, status {}, lost {}, no answer {}",
        n(Failure::Refused),
        n(Failure::Connect),
        n(Failure::Status),
        n(Failure::Lost),
        n(Failure::Timeout)
    )
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn report_probes(ctx: &Ctx) {
    let done = ctx.probes.lock().unwrap().clone();
    let mut probes: Vec<Duration> = done.iter().flatten().copied().collect();
    probes.sort();
    println!(
        "flag latency: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms over {} probes ({} not flagged within 30 s, {} not run)",
        percentile(&probes, 0.5),
        percentile(&probes, 0.99),
        percentile(&probes, 1.0),
        probes.len(),
        done.len() - probes.len(),
        ctx.a.flag_probes.saturating_sub(done.len() as u64),
    );
}

fn main() {
    let a = Args::parse();
    // One thread: a generator process per source address, several per
    // machine; the collectors need the cores more.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(a));
}

async fn run(a: Args) {
    let start = Instant::now();
    let targets: Vec<Target> = a
        .collectors
        .iter()
        .map(|u| Target::parse(u).unwrap_or_else(|e| panic!("--collector {e}")))
        .collect();
    let ca = plumb_collector::security::pki::Ca::load(
        &a.ca_dir.join("ca.pem"),
        &a.ca_dir.join("ca.key"),
    )
    .unwrap_or_else(|e| panic!("the CA in {}: {e}", a.ca_dir.display()));
    let ca_pem = std::fs::read(a.ca_dir.join("ca.pem")).expect("ca.pem");
    let roots = lean::roots(&ca_pem).expect("ca.pem");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let http = a.http.clone().map(|base| {
        let cert = ureq::tls::Certificate::from_pem(&ca_pem)
            .expect("ca.pem")
            .to_owned();
        let config = ureq::Agent::config_builder()
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
                    .build(),
            )
            .timeout_global(Some(Duration::from_secs(5)))
            .build();
        (
            config.into(),
            base,
            format!("Bearer {}", a.token.clone().unwrap_or_default()),
        )
    });
    let base_rss = rss_kb();
    let t = Instant::now();
    let configs: Vec<Arc<rustls::ClientConfig>> = (0..a.agents)
        .map(|k| {
            let (cert, key) = ca
                .issue_node(&format!("{}-{}", a.prefix, a.first + k), 2)
                .expect("a node certificate");
            lean::client_config(&provider, roots.clone(), cert.as_bytes(), key.as_bytes())
                .expect("a client configuration")
        })
        .collect();
    println!("certificates: {} in {:.1} s", a.agents, lean::since(t));
    let ctx = Arc::new(Ctx {
        in_flight: tokio::sync::Semaphore::new(a.in_flight),
        targets,
        stats: Stats::default(),
        start,
        probes: Default::default(),
        http,
        go: Default::default(),
        connect_until: start + Duration::from_secs(a.connect_budget),
        a,
    });
    if ctx.a.go.is_none() {
        let _ = ctx.go.set(Instant::now());
    }
    let t = Instant::now();
    // Every agent holds until the same moment: connect time plus --hold.
    let connect_budget = Duration::from_secs(ctx.a.connect_budget);
    let until = Instant::now() + connect_budget + Duration::from_secs(ctx.a.hold);
    let mut tasks = tokio::task::JoinSet::new();
    for (k, config) in configs.into_iter().enumerate() {
        tasks.spawn(agent(ctx.clone(), k as u64, config, until));
    }
    let total = ctx.a.agents;
    let s = &ctx.stats;
    while s.connected.load(Relaxed) + s.failed.load(Relaxed) < total && t.elapsed() < connect_budget
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = lean::since(t);
    println!(
        "connected: {} of {total} in {secs:.1} s ({:.0}/s); failed {}; attempts retried {}; hellos deferred {}; sessions resumed {}",
        s.connected.load(Relaxed),
        s.connected.load(Relaxed) as f64 / secs,
        s.failed.load(Relaxed),
        s.retried.load(Relaxed),
        s.deferred.load(Relaxed),
        s.resumed.load(Relaxed),
    );
    // Memory once connected and past the first heartbeats.
    tokio::time::sleep(Duration::from_secs(ctx.a.heartbeat.min(ctx.a.hold))).await;
    let rss = rss_kb();
    println!(
        "memory: {rss} kB, {base_rss} kB before the agents; per agent {:.2} KB",
        (rss - base_rss) as f64 * 1.024 / s.streaming.load(Relaxed).max(1) as f64
    );
    let hold_until =
        Instant::now() + Duration::from_secs(ctx.a.hold.saturating_sub(ctx.a.heartbeat));
    let mut reported_storm = false;
    let mut reported_probes = ctx.a.flag_probes == 0;
    let mut last_report = Instant::now();
    while Instant::now() < hold_until && !tasks.is_empty() {
        tokio::time::sleep(Duration::from_secs(1).min(hold_until - Instant::now())).await;
        if ctx.go.get().is_none() && ctx.a.go.as_ref().is_some_and(|f| f.exists()) {
            let _ = ctx.go.set(Instant::now());
            println!(
                "go: drift and probes begin at t={:.0}s",
                lean::since(ctx.start)
            );
        }
        // Every probe done, or given up on (one whose agent never
        // connected does not run).
        let probes_over = ctx.probes.lock().unwrap().len() as u64 >= ctx.a.flag_probes
            || ctx
                .go
                .get()
                .is_some_and(|g| g.elapsed() > Duration::from_secs(ctx.a.flag_probes + 60));
        if !reported_probes && probes_over {
            reported_probes = true;
            report_probes(&ctx);
        }
        if last_report.elapsed() < Duration::from_secs(ctx.a.report) {
            continue;
        }
        last_report = Instant::now();
        println!(
            "t={:.0}s streaming: {}; heartbeats {}; batches acked {}; lost {}; back {}",
            lean::since(ctx.start),
            s.streaming.load(Relaxed),
            s.heartbeats.load(Relaxed),
            s.batches_acked.load(Relaxed),
            s.lost.load(Relaxed),
            s.back.load(Relaxed),
        );
        if s.lost.load(Relaxed) > 0 {
            println!("  attempts failed: {}", failures(s));
        }
        let (lost, back) = (s.lost.load(Relaxed), s.back.load(Relaxed));
        if ctx.a.storm > 0
            && lost > 0
            && !reported_storm
            && back + s.abandoned.load(Relaxed) >= lost
        {
            reported_storm = true;
            let first = s.first_loss_ms.load(Relaxed);
            let last = s.last_back_ms.load(Relaxed);
            println!(
                "storm: {back} of {lost} streams back, the last {:.1} s after the first was lost; {} gave up; sessions resumed {}; hellos deferred {}",
                last.saturating_sub(first) as f64 / 1000.0,
                s.abandoned.load(Relaxed),
                s.resumed.load(Relaxed),
                s.deferred.load(Relaxed),
            );
            println!("storm attempts failed: {}", failures(s));
        }
    }
    if !reported_probes {
        report_probes(&ctx);
    }
    println!(
        "final: streaming {}; heartbeats {}; batches acked {}; lost {}; back {}; failed {}",
        s.streaming.load(Relaxed),
        s.heartbeats.load(Relaxed),
        s.batches_acked.load(Relaxed),
        s.lost.load(Relaxed),
        s.back.load(Relaxed),
        s.failed.load(Relaxed),
    );
    std::process::exit(0);
}

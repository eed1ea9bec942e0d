//! Fleet load generator: real gRPC clients simulating many agents from one
//! process, against a running collector. Used by `scripts/bench-collector.sh`.
//!
//! Phases: connect N agents (hello); hold their streams with heartbeats
//! every `--heartbeat` seconds; meanwhile `--ingesters` agents stream
//! deviation batches as fast as acks return; then measure REST query
//! latency under that load. Every loop is bounded by `--seconds`.
//!
//! Against an `https://` collector every simulated agent is what a real one
//! is: its own TLS connection with its own node certificate (issued here
//! from `--ca-dir`, the directory of `plumbctl pki init`), a hash-chained
//! report stream, and REST queries with `--token`. The time to connect all
//! agents is the reconnect storm's TLS handshake rate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plumb_proto::v1::{
    agent_message, collector_message, AgentMessage, ContainerInfo, ContainerList, Deviation,
    DeviationBatch, DeviationKind, DeviationRef, Heartbeat, Hello, Severity,
};
use plumb_proto::AgentServiceClient;
use tonic::transport::{Channel, Endpoint};

struct Args {
    /// Failover mode: agents hold heartbeat-only streams to `collector`
    /// and, when it dies, reconnect here; prints how long the move took.
    failover: Option<String>,
    /// Node ids are `<prefix>-NNNNN` (several generators, one database).
    prefix: String,
    ca_dir: Option<String>,
    token: Option<String>,
    collector: String,
    http: String,
    agents: usize,
    connections: usize,
    heartbeat: u64,
    ingesters: usize,
    batch: usize,
    seconds: u64,
    queries: usize,
    /// Soak mode: each batch also resolves the previous batch's
    /// deviations (history grows, open deviations do not), and each
    /// ingester waits this long between batches.
    churn_ms: u64,
    /// Query again this many seconds after the flood ends (0: no).
    settle: u64,
    /// Seconds after the start when the ingesters begin (default: once
    /// the connection storm is over).
    ingest_after: Option<u64>,
    /// Containers each agent lists (0: a host fleet); an ingester's
    /// deviations are then spread over its containers.
    containers: usize,
    /// More paths to query (`--path`, repeated), after the flagged nodes.
    paths: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        prefix: "load".into(),
        failover: None,
        ca_dir: None,
        token: None,
        collector: "http://127.0.0.1:7400".into(),
        http: "http://127.0.0.1:7480".into(),
        agents: 10_000,
        connections: 100,
        heartbeat: 10,
        ingesters: 100,
        batch: 500,
        seconds: 20,
        queries: 500,
        churn_ms: 0,
        settle: 0,
        ingest_after: None,
        containers: 0,
        paths: Vec::new(),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let v = pair.get(1).cloned().unwrap_or_default();
        let n = || {
            v.parse::<u64>()
                .unwrap_or_else(|_| panic!("{} needs a number, got {v:?}", pair[0]))
        };
        match pair[0].as_str() {
            "--collector" => a.collector = v.clone(),
            "--prefix" => a.prefix = v.clone(),
            "--failover" => a.failover = Some(v.clone()),
            "--ca-dir" => a.ca_dir = Some(v.clone()),
            "--token" => a.token = Some(v.clone()),
            "--http" => a.http = v.clone(),
            "--agents" => a.agents = n() as usize,
            "--connections" => a.connections = n() as usize,
            "--heartbeat" => a.heartbeat = n(),
            "--ingesters" => a.ingesters = n() as usize,
            "--batch" => a.batch = n() as usize,
            "--seconds" => a.seconds = n(),
            "--queries" => a.queries = n() as usize,
            "--churn-ms" => a.churn_ms = n(),
            "--settle" => a.settle = n(),
            "--ingest-after" => a.ingest_after = Some(n()),
            "--containers" => a.containers = n() as usize,
            "--path" => a.paths.push(v.clone()),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

#[derive(Default)]
struct Stats {
    /// Failover mode: agents connected to the second collector, and the
    /// first disconnect / last reconnect (ms since the run started).
    reconnected: AtomicU64,
    first_loss_ms: AtomicU64,
    last_reconnect_ms: AtomicU64,
    connected: AtomicU64,
    heartbeats: AtomicU64,
    deviations_acked: AtomicU64,
    errors: AtomicU64,
    /// Hellos the collector told to come back later.
    deferred: AtomicU64,
}

fn hello(prefix: &str, i: usize, heartbeat: u64, containers: bool) -> AgentMessage {
    AgentMessage {
        seq: 0,
        prev_hash: vec![],
        body: Some(agent_message::Body::Hello(Hello {
            node_id: format!("{prefix}-{i:05}"),
            hostname: format!("{prefix}-{i:05}.fleet"),
            image_id: format!("img-{}", i % 4),
            manifest_digest: vec![7; 32],
            agent_version: "loadgen".into(),
            boot_id: "boot".into(),
            heartbeat_secs: heartbeat as u32,
            containers,
            ..Default::default()
        })),
    }
}

/// The id of an agent's `k`th container: 64 hex digits, as runtimes name them.
fn container_id(agent: usize, k: usize) -> String {
    format!("{:064x}", agent * 10_000 + k)
}

/// The containers agent `i` lists: pods of four images over ten namespaces.
fn container_list(i: usize, n: usize) -> AgentMessage {
    let containers = (0..n)
        .map(|k| ContainerInfo {
            id: container_id(i, k),
            name: format!("k8s_app-{k}_pod-{i}-{k}"),
            runtime: "cri-o".into(),
            image: format!("registry.local/app-{}:1", k % 4),
            image_id: format!("sha256:{:064x}", k % 4),
            pod: format!("pod-{i}-{k}"),
            namespace: format!("ns-{}", k % 10),
            pod_container: format!("app-{k}"),
            status: plumb_proto::v1::ContainerStatus::Verified as i32,
            started_unix_ms: 1_700_000_000_000,
            processes: 3,
        })
        .collect();
    AgentMessage {
        seq: 0,
        prev_hash: vec![],
        body: Some(agent_message::Body::Containers(ContainerList {
            containers,
            observed_unix_ms: 1_700_000_000_000,
        })),
    }
}

fn deviations(agent: usize, seq: u64, n: usize, containers: usize) -> Vec<Deviation> {
    (0..n)
        .map(|j| Deviation {
            container: if containers > 0 {
                container_id(agent, j % containers)
            } else {
                String::new()
            },
            kind: DeviationKind::FileModified as i32,
            key: format!("/srv/data/{agent}/{seq}/{j}"),
            severity: Severity::Low as i32,
            expected: "file mode=0644 owner=0:0 size=10".into(),
            actual: format!("file mode=0644 owner=0:0 size=11 sha256={seq:064x}"),
            changes: vec!["content".into()],
            ..Default::default()
        })
        .collect()
}

/// One simulated agent: hello, then heartbeats (and batches when it is an
/// ingester) until `deadline`.
async fn agent(
    i: usize,
    channel: Channel,
    a: Arc<Args>,
    stats: Arc<Stats>,
    ingest_from: Instant,
    ingest_until: Instant,
    deadline: Instant,
) {
    let Some((tx, mut inbound, last_seq)) =
        open_stream(&a.prefix, i, a.heartbeat, a.containers > 0, channel, &stats).await
    else {
        stats.errors.fetch_add(1, Ordering::Relaxed);
        return;
    };
    if a.containers > 0 && tx.send(container_list(i, a.containers)).await.is_err() {
        stats.errors.fetch_add(1, Ordering::Relaxed);
        return;
    }
    stats.connected.fetch_add(1, Ordering::Relaxed);
    let ingester = i < a.ingesters;
    let mut seq = last_seq;
    let mut prev_hash: Vec<u8> = vec![];
    // Stagger heartbeats over the period like a real fleet.
    let offset = Duration::from_millis((i as u64 * 7919) % (a.heartbeat * 1000));
    let mut next_hb = Instant::now() + offset;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        if ingester && now >= ingest_from && now < ingest_until {
            seq += 1;
            let n = a.batch;
            let msg = AgentMessage {
                seq,
                prev_hash: std::mem::take(&mut prev_hash),
                body: Some(agent_message::Body::Batch(DeviationBatch {
                    added: deviations(i, seq, n, a.containers),
                    resolved: if a.churn_ms > 0 && seq > last_seq + 1 {
                        deviations(i, seq - 1, n, a.containers)
                            .into_iter()
                            .map(|d| DeviationRef {
                                kind: d.kind,
                                key: d.key,
                                container: d.container,
                            })
                            .collect()
                    } else {
                        vec![]
                    },
                    full_state: false,
                    observed_unix_ms: 0,
                })),
            };
            {
                use prost::Message;
                use sha2::Digest;
                prev_hash = sha2::Sha256::digest(msg.encode_to_vec()).to_vec();
            }
            if tx.send(msg).await.is_err() {
                return;
            }
            // Wait for this batch's ack (one in flight per agent).
            loop {
                match inbound.message().await {
                    Ok(Some(m)) => {
                        if let Some(collector_message::Body::Ack(ack)) = m.body {
                            if ack.seq == seq {
                                stats
                                    .deviations_acked
                                    .fetch_add(n as u64, Ordering::Relaxed);
                                break;
                            }
                        }
                    }
                    _ => {
                        stats.errors.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
            }
            if a.churn_ms > 0 {
                tokio::time::sleep(Duration::from_millis(a.churn_ms)).await;
            }
            continue;
        }
        let wake = if ingester && now < ingest_from {
            next_hb.min(ingest_from)
        } else {
            next_hb.min(deadline)
        };
        tokio::time::sleep_until(wake.into()).await;
        if Instant::now() >= next_hb {
            let hb = AgentMessage {
                seq: 0,
                prev_hash: vec![],
                body: Some(agent_message::Body::Heartbeat(Heartbeat::default())),
            };
            if tx.send(hb).await.is_err() {
                return;
            }
            stats.heartbeats.fetch_add(1, Ordering::Relaxed);
            next_hb += Duration::from_secs(a.heartbeat);
        }
    }
}

/// Hello on `channel`, then the hello ack: the open stream's halves.
/// Opens an agent's stream and says hello; the stream and the last
/// sequence number the collector holds. Told to come back (a collector
/// admitting a storm), it waits as agents do.
async fn open_stream(
    prefix: &str,
    i: usize,
    heartbeat: u64,
    containers: bool,
    channel: Channel,
    stats: &Stats,
) -> Option<(
    tokio::sync::mpsc::Sender<AgentMessage>,
    tonic::Streaming<plumb_proto::v1::CollectorMessage>,
    u64,
)> {
    let mut client = AgentServiceClient::new(channel);
    // Told to come back (a collector admitting a storm): after the time
    // it says and up to a quarter more, at most 20 times, as agents do.
    let mut attempts = 0;
    let (tx, mut inbound) = loop {
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        tx.send(hello(prefix, i, heartbeat, containers))
            .await
            .ok()?;
        match client
            .stream(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await
        {
            Ok(r) => break (tx, r.into_inner()),
            Err(status) => {
                let hint = status
                    .metadata()
                    .get("plumb-retry-after-ms")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                attempts += 1;
                match hint {
                    Some(ms) if attempts <= 20 => {
                        stats.deferred.fetch_add(1, Ordering::Relaxed);
                        let jitter = (i as u64 * 7919 + attempts * 104_729) % (ms / 4 + 1);
                        tokio::time::sleep(Duration::from_millis(ms + jitter)).await;
                    }
                    _ => return None,
                }
            }
        }
    };
    match inbound.message().await {
        Ok(Some(m)) => match m.body {
            Some(collector_message::Body::HelloAck(h)) => Some((tx, inbound, h.last_seq)),
            _ => None,
        },
        _ => None,
    }
}

/// Failover mode: a heartbeat-only agent on `first`; when that stream
/// ends, it connects to `second` (retrying for up to a minute, as an
/// agent's replica list would) and says hello again.
async fn failover_agent(
    i: usize,
    first: Channel,
    second: Endpoint,
    a: Arc<Args>,
    stats: Arc<Stats>,
    start: Instant,
) {
    let Some((tx, mut inbound, _)) =
        open_stream(&a.prefix, i, a.heartbeat, false, first, &stats).await
    else {
        stats.errors.fetch_add(1, Ordering::Relaxed);
        return;
    };
    stats.connected.fetch_add(1, Ordering::Relaxed);
    let period = Duration::from_secs(a.heartbeat);
    loop {
        tokio::select! {
            m = inbound.message() => match m {
                Ok(Some(_)) => continue,
                _ => break,
            },
            _ = tokio::time::sleep(period) => {
                let hb = AgentMessage { body: Some(agent_message::Body::Heartbeat(Heartbeat::default())), ..Default::default() };
                if tx.send(hb).await.is_err() {
                    break;
                }
            }
        }
    }
    let lost = start.elapsed().as_millis() as u64;
    let _ = stats
        .first_loss_ms
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
            (v == 0 || lost < v).then_some(lost)
        });
    let retry_until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < retry_until {
        if let Ok(ch) = second.connect().await {
            if let Some(open) = open_stream(&a.prefix, i, a.heartbeat, false, ch, &stats).await {
                stats
                    .last_reconnect_ms
                    .fetch_max(start.elapsed().as_millis() as u64, Ordering::Relaxed);
                stats.reconnected.fetch_add(1, Ordering::Relaxed);
                // Hold the new stream until the run ends.
                let _open = open;
                tokio::time::sleep(Duration::from_secs(120 + a.settle)).await;
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stats.errors.fetch_add(1, Ordering::Relaxed);
}

/// Containers the collector lists, summed over its container images.
async fn containers_stored(a: &Args) -> i64 {
    let body = fetch_json(a, "/api/v1/container-images").await;
    body["images"]
        .as_array()
        .map(|images| images.iter().filter_map(|i| i["running"].as_i64()).sum())
        .unwrap_or(0)
}

/// An HTTP client for the collector's REST API (its CA trusted when
/// `--ca-dir` names one) and the `authorization` header of `--token`.
fn http_client(a: &Args) -> (ureq::Agent, String) {
    let mut config = ureq::Agent::config_builder();
    if let Some(dir) = &a.ca_dir {
        let pem = std::fs::read(std::path::Path::new(dir).join("ca.pem")).unwrap();
        let cert = ureq::tls::Certificate::from_pem(&pem).unwrap().to_owned();
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
                .build(),
        );
    }
    let bearer = format!("Bearer {}", a.token.clone().unwrap_or_default());
    (config.build().into(), bearer)
}

/// `GET {path}` as JSON (`Null` when it fails).
async fn fetch_json(a: &Args, path: &str) -> serde_json::Value {
    let url = format!("{}{path}", a.http);
    let (agent, bearer) = http_client(a);
    tokio::task::spawn_blocking(move || {
        agent
            .get(&url)
            .header("authorization", &bearer)
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null)
    })
    .await
    .unwrap_or(serde_json::Value::Null)
}

/// `--queries` sequential `GET {path}`, sorted latencies.
async fn query_latency(a: &Args, path: &str) -> Vec<Duration> {
    let path = path.to_string();
    let http = a.http.clone();
    let queries = a.queries;
    let (agent, bearer) = http_client(a);
    tokio::task::spawn_blocking(move || {
        let mut lat = Vec::with_capacity(queries);
        for _ in 0..queries {
            let t = Instant::now();
            let mut r = agent
                .get(&format!("{http}{path}"))
                .header("authorization", &bearer)
                .call()
                .expect("query");
            let _ = r.body_mut().read_to_string();
            lat.push(t.elapsed());
        }
        lat.sort();
        lat
    })
    .await
    .unwrap()
}

fn report_latency(path: &str, when: &str, lat: &[Duration]) {
    println!(
        "GET {path}{when}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} requests",
        percentile(lat, 0.50).as_secs_f64() * 1000.0,
        percentile(lat, 0.99).as_secs_f64() * 1000.0,
        lat.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        lat.len()
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let a = Arc::new(args());
    let stats = Arc::new(Stats::default());
    let start = Instant::now();
    let connect_budget = Duration::from_secs(120);
    let ingest_from = start
        + a.ingest_after.map_or_else(
            || connect_budget.min(Duration::from_secs(10 + a.agents as u64 / 500)),
            Duration::from_secs,
        );
    let ingest_until = ingest_from + Duration::from_secs(a.seconds);
    // Heartbeats go on through the queries (with `--settle`, through both
    // rounds, the second allowed 30 s).
    let settle_for = if a.settle > 0 { a.settle + 30 } else { 0 };
    let deadline = ingest_until + Duration::from_secs(a.seconds.max(10) + settle_for);
    let mut tasks = Vec::with_capacity(a.agents);
    if a.collector.starts_with("https://") {
        // One TLS connection and certificate per agent, like a real fleet.
        let dir = std::path::PathBuf::from(a.ca_dir.clone().expect("--ca-dir for https"));
        let ca = plumb_collector::security::pki::Ca::load(&dir.join("ca.pem"), &dir.join("ca.key"))
            .expect("CA");
        let ca_pem = std::fs::read(dir.join("ca.pem")).unwrap();
        let t = Instant::now();
        let identities: Vec<(String, String)> = (0..a.agents)
            .map(|i| {
                ca.issue_node(&format!("{}-{i:05}", a.prefix), 1)
                    .expect("node certificate")
            })
            .collect();
        println!(
            "issued {} node certificates in {:.1}s",
            a.agents,
            t.elapsed().as_secs_f64()
        );
        let handshakes = Arc::new(tokio::sync::Semaphore::new(256));
        let t = Instant::now();
        for (i, (cert, key)) in identities.into_iter().enumerate() {
            let tls = plumb_proto::transport::ClientTls {
                ca_pem: Some(ca_pem.clone()),
                identity: Some((cert.into_bytes(), key.into_bytes())),
                insecure_plaintext: false,
            };
            let endpoint = plumb_proto::transport::endpoint(&a.collector, &tls).unwrap();
            // Back to the same address: through the same endpoint, whose
            // TLS session it may resume (as a real agent does).
            let second = a.failover.as_ref().map(|url| {
                if *url == a.collector {
                    endpoint.clone()
                } else {
                    plumb_proto::transport::endpoint(url, &tls).unwrap()
                }
            });
            let (a, stats, handshakes) = (a.clone(), stats.clone(), handshakes.clone());
            tasks.push(tokio::spawn(async move {
                let permit = handshakes.acquire_owned().await.unwrap();
                let ch = match endpoint.connect().await {
                    Ok(ch) => ch,
                    Err(e) => {
                        // The first few say why.
                        if stats.errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("agent {i}: connect: {}", plumb_proto::cli::error_chain(&e));
                        }
                        return;
                    }
                };
                drop(permit);
                match second {
                    Some(second) => failover_agent(i, ch, second, a, stats, start).await,
                    None => agent(i, ch, a, stats, ingest_from, ingest_until, deadline).await,
                }
            }));
        }
        while stats.connected.load(Ordering::Relaxed) + stats.errors.load(Ordering::Relaxed)
            < a.agents as u64
            && t.elapsed() < connect_budget
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "TLS reconnect storm: {} agents connected (mTLS handshake + hello) in {secs:.1}s = {:.0} handshakes/s, {} hellos told to come back",
            stats.connected.load(Ordering::Relaxed),
            stats.connected.load(Ordering::Relaxed) as f64 / secs,
            stats.deferred.load(Ordering::Relaxed)
        );
    } else {
        let mut channels = Vec::new();
        for _ in 0..a.connections {
            let ch = Endpoint::from_shared(a.collector.clone())
                .unwrap()
                .connect()
                .await
                .expect("collector reachable");
            channels.push(ch);
        }
        for i in 0..a.agents {
            let ch = channels[i % channels.len()].clone();
            tasks.push(tokio::spawn(agent(
                i,
                ch,
                a.clone(),
                stats.clone(),
                ingest_from,
                ingest_until,
                deadline,
            )));
        }
    }
    while stats.connected.load(Ordering::Relaxed) + stats.errors.load(Ordering::Relaxed)
        < a.agents as u64
        && start.elapsed() < connect_budget
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connected = stats.connected.load(Ordering::Relaxed);
    println!(
        "agents connected: {connected} of {} in {:.1}s",
        a.agents,
        start.elapsed().as_secs_f64(),
    );
    if a.failover.is_some() {
        // The caller kills the first collector now; every agent moves.
        println!("ready for failover");
        let until = Instant::now() + Duration::from_secs(180);
        while stats.reconnected.load(Ordering::Relaxed) + stats.errors.load(Ordering::Relaxed)
            < connected + (a.agents as u64 - connected)
            && Instant::now() < until
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let first = stats.first_loss_ms.load(Ordering::Relaxed);
        let last = stats.last_reconnect_ms.load(Ordering::Relaxed);
        println!(
            "failover: {} of {connected} agents streaming to the other replica, the last {:.2}s after the first lost its stream; errors {}; hellos told to come back {}",
            stats.reconnected.load(Ordering::Relaxed),
            last.saturating_sub(first) as f64 / 1000.0,
            stats.errors.load(Ordering::Relaxed),
            stats.deferred.load(Ordering::Relaxed)
        );
        // With `--settle`, the streams stay up that long (the caller looks
        // at the collector meanwhile).
        tokio::time::sleep(Duration::from_secs(a.settle)).await;
        return;
    }

    if a.containers > 0 {
        // The fleet's cold start: every node's container list stored.
        let expected = (a.agents * a.containers) as i64;
        let mut stored = 0;
        while Instant::now() < ingest_from {
            stored = containers_stored(&a).await;
            if stored >= expected {
                break;
            }
            // The fleet-wide aggregate is not free: a look every few seconds.
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        println!(
            "container lists: {stored} of {expected} containers stored {:.1}s after the start",
            start.elapsed().as_secs_f64()
        );
    }
    tokio::time::sleep_until(ingest_from.into()).await;
    let (hb0, t0) = (stats.heartbeats.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep_until(ingest_until.into()).await;
    let secs = t0.elapsed().as_secs_f64();
    let acked = stats.deviations_acked.load(Ordering::Relaxed);
    let hbs = stats.heartbeats.load(Ordering::Relaxed) - hb0;
    println!("ingest: {acked} deviations acked in {secs:.1}s = {:.0} deviations/s ({} ingesting agents, batches of {})", acked as f64 / secs, a.ingesters, a.batch);
    println!("heartbeats: {:.0}/s while ingesting", hbs as f64 / secs);

    // Query latency under heartbeat load, with every simulated node known:
    // right after the flood (the database still digesting it), and with
    // `--settle`, again that long after it, in the steady state.
    let mut paths = vec!["/api/v1/nodes?status=flagged&limit=100".to_string()];
    if a.containers > 0 {
        // A node's containers (the node page), the drifted ones fleet-wide
        // (what recycling automation asks) and the fleet per image.
        paths.push(format!("/api/v1/containers?node={}-00000", a.prefix));
        paths.push("/api/v1/containers?status=drifted&limit=100".into());
        paths.push("/api/v1/container-images".into());
    }
    paths.extend(a.paths.iter().cloned());
    for path in &paths {
        let lat = query_latency(&a, path).await;
        report_latency(path, "", &lat);
    }
    if a.settle > 0 {
        tokio::time::sleep_until((ingest_until + Duration::from_secs(a.settle)).into()).await;
        for path in &paths {
            let lat = query_latency(&a, path).await;
            report_latency(path, &format!(" {} s after the flood", a.settle), &lat);
        }
        // Every agent heartbeats until the last generator's queries are done.
        tokio::time::sleep_until(deadline.into()).await;
    }
    println!("stream errors: {}", stats.errors.load(Ordering::Relaxed));
    for t in tasks {
        t.abort();
    }
}

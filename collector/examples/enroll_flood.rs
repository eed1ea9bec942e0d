//! Enrollment flood: what bad enrollment tokens cost a running collector,
//! beside what a real enrollment costs it, in one run. Used by
//! `scripts/bench-enroll.sh`.
//!
//! Each loopback source address (127.0.0.2, 127.0.0.3, ...) is one
//! client. Three phases, each measured as the collector's CPU time per
//! request (from `/proc/PID/stat`):
//! 1. enrollments with a valid token and CSR (the reference: a lookup, a
//!    signature and a write);
//! 2. bad tokens with a valid CSR from fresh sources, up to the per-source
//!    limit: each costs a token lookup and is refused before the CSR is
//!    parsed or signed;
//! 3. the same sources going on: cut off before any lookup.
//!
//! Every loop is bounded by its request count.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use plumb_proto::v1::EnrollRequest;
use plumb_proto::EnrollmentClient;
use tonic::transport::Channel;

struct Args {
    collector: String,
    ca: String,
    pid: u32,
    token: String,
    image: String,
    valid: usize,
    sources: usize,
    per_source: usize,
}

fn args() -> Args {
    let mut a = Args {
        collector: String::new(),
        ca: String::new(),
        pid: 0,
        token: String::new(),
        image: "bench-image".into(),
        valid: 200,
        sources: 200,
        per_source: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--collector" => a.collector = value,
            "--ca" => a.ca = value,
            "--pid" => a.pid = value.parse().expect("--pid"),
            "--token" => a.token = value,
            "--image" => a.image = value,
            "--valid" => a.valid = value.parse().expect("--valid"),
            "--sources" => a.sources = value.parse().expect("--sources"),
            "--per-source" => a.per_source = value.parse().expect("--per-source"),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(a.sources <= 250, "at most 250 loopback sources");
    a
}

/// The collector's user + system CPU time, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("collector's stat");
    // Fields after the command name (which may hold spaces).
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn csr(node: &str) -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, node);
    params.serialize_request(&key).unwrap().pem().unwrap()
}

async fn client(a: &Args, source: IpAddr) -> EnrollmentClient<Channel> {
    let tls = plumb_proto::transport::ClientTls {
        ca_pem: Some(std::fs::read(&a.ca).expect("--ca")),
        identity: None,
        insecure_plaintext: false,
    };
    let channel = plumb_proto::transport::endpoint(&a.collector, &tls)
        .expect("endpoint")
        .local_address(Some(source))
        .connect()
        .await
        .expect("connect");
    EnrollmentClient::new(channel)
}

fn source(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + i as u8))
}

/// Runs `requests` on `clients` (round robin), returning (CPU ticks of
/// the collector, wall seconds, outcomes by gRPC code).
async fn phase(
    a: &Args,
    clients: &mut [EnrollmentClient<Channel>],
    requests: Vec<EnrollRequest>,
) -> (u64, f64, std::collections::BTreeMap<String, usize>) {
    let mut outcomes = std::collections::BTreeMap::new();
    let (t0, started) = (cpu_ticks(a.pid), Instant::now());
    let n = clients.len();
    for (i, r) in requests.into_iter().enumerate() {
        let code = match clients[i % n].enroll(r).await {
            Ok(_) => "ok".to_string(),
            Err(s) => format!("{:?}", s.code()),
        };
        *outcomes.entry(code).or_insert(0) += 1;
    }
    (
        cpu_ticks(a.pid) - t0,
        started.elapsed().as_secs_f64(),
        outcomes,
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = args();
    let hz = 100.0; // USER_HZ on Linux
    let csr_pem = csr("flood");

    // 1. Real enrollments (the reference), from one source.
    let mut one = vec![client(&a, source(a.sources)).await];
    let valid: Vec<EnrollRequest> = (0..a.valid)
        .map(|i| EnrollRequest {
            token: a.token.clone(),
            image_id: a.image.clone(),
            node_id: format!("bench-node-{i}"),
            csr_pem: csr(&format!("bench-node-{i}")),
        })
        .collect();
    let (ticks_ok, wall_ok, out_ok) = phase(&a, &mut one, valid).await;

    // 2. and 3. Bad tokens with a valid CSR, from many sources.
    let mut clients = Vec::new();
    for i in 0..a.sources {
        clients.push(client(&a, source(i)).await);
    }
    let bad = |count: usize, offset: usize| -> Vec<EnrollRequest> {
        (0..count)
            .map(|i| EnrollRequest {
                token: format!("plumb-enroll_guess-{}", offset + i),
                image_id: a.image.clone(),
                node_id: format!("guess-{}", offset + i),
                csr_pem: csr_pem.clone(),
            })
            .collect()
    };
    let checked = a.sources * plumb_collector::security::ENROLL_REFUSALS_PER_MINUTE as usize;
    let (ticks_checked, wall_checked, out_checked) = phase(&a, &mut clients, bad(checked, 0)).await;
    let cut = a.sources * a.per_source;
    let (ticks_cut, wall_cut, out_cut) = phase(&a, &mut clients, bad(cut, checked)).await;

    let per = |ticks: u64, n: usize| ticks as f64 / hz / n as f64 * 1e6;
    let (us_ok, us_checked, us_cut) = (
        per(ticks_ok, a.valid),
        per(ticks_checked, checked),
        per(ticks_cut, cut),
    );
    println!("| phase | requests | outcomes | collector CPU per request | ratio to a real enrollment | requests/s |");
    println!("|---|---|---|---|---|---|");
    for (name, n, us, wall, out) in [
        (
            "real enrollment (reference)",
            a.valid,
            us_ok,
            wall_ok,
            &out_ok,
        ),
        (
            "bad token, checked before the CSR",
            checked,
            us_checked,
            wall_checked,
            &out_checked,
        ),
        ("bad token, source cut off", cut, us_cut, wall_cut, &out_cut),
    ] {
        println!(
            "| {name} | {n} | {out:?} | {us:.0} µs | {:.2} | {:.0} |",
            us / us_ok,
            n as f64 / wall
        );
    }
}

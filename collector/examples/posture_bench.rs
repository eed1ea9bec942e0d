//! Patch posture at fleet size, the store alone: IMAGES images of
//! PACKAGES dpkg packages each (names shared across images, versions
//! varying), NODES nodes spread over them, then RECORDS OSV advisories
//! (each affecting one source package; one in ten fixed at a version
//! the oldest tenth of the images is below, the others long ago), parsed and imported; then the exposure of the whole fleet,
//! `exposure --advisory` and package queries, their p99 over QUERIES
//! each. Prints the figures `scripts/bench-posture.sh` records.
//!
//! `posture_bench [DATABASE_URL]` (default: a SQLite file in a temp dir).

use std::time::{Duration, Instant};

use plumb_collector::store::{HelloInfo, Store, VersionFilter};
use plumb_proto::v1::{Package, PackageManager};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn p99(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[((d.len() as f64 * 0.99).ceil() as usize).clamp(1, d.len()) - 1]
}

/// Package `k`'s version in image `i`: images age in steps of 10.
fn version(k: usize, i: usize) -> String {
    format!("{}.{}.{}-1~deb12u{}", 1 + k % 7, k % 13, i / 10, 1 + i % 3)
}

#[tokio::main]
async fn main() {
    let images = env("IMAGES", 200);
    let packages = env("PACKAGES", 1500);
    let nodes = env("NODES", 100_000);
    let records = env("RECORDS", 50_000);
    let queries = env("QUERIES", 200);
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("p.db");
    let url = std::env::args()
        .nth(1)
        .unwrap_or(format!("sqlite://{}", db_file.display()));
    let store = Store::connect(&url).await.unwrap();

    let t = Instant::now();
    for i in 0..images {
        let pkgs: Vec<Package> = (0..packages)
            .map(|k| Package {
                manager: PackageManager::Dpkg as i32,
                name: format!("lib{k}"),
                // The binaries of one source share its version.
                version: version(k / 3, i),
                arch: "amd64".into(),
                source: format!("src{}", k / 3),
                source_version: String::new(),
            })
            .collect();
        let mut base = pkgs;
        base.push(Package {
            manager: PackageManager::Dpkg as i32,
            name: "base-files".into(),
            version: "12.4+deb12u9".into(),
            arch: "amd64".into(),
            ..Default::default()
        });
        store
            .put_manifest(
                &format!("img-{i:03}"),
                &format!("d{i}"),
                b"m",
                1,
                &base,
                false,
                &[],
                false,
                1,
            )
            .await
            .unwrap();
    }
    // Nodes, as they register: one hello each.
    for j in 0..nodes {
        store
            .hello(
                &HelloInfo {
                    node_id: format!("node-{j:06}"),
                    image_id: format!("img-{:03}", j % images),
                    heartbeat_secs: 10,
                    ..Default::default()
                },
                "bench:1",
                1,
            )
            .await
            .unwrap();
    }
    println!(
        "seeded {images} images x {packages} packages and {nodes} nodes in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    let size = |p: &std::path::Path| {
        std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(p.with_extension("db-wal"))
                .map(|m| m.len())
                .unwrap_or(0)
    };
    let before = size(&db_file);
    // Advisories: each names one source package.
    let osv: Vec<serde_json::Value> = (0..records)
        .map(|r| {
            let k = (r * 7) % packages;
            // One advisory in ten is fixed in a version the oldest tenth of
            // the images is below; the others, in versions older than any
            // image (most of an advisory database is about the past).
            let fixed = if r % 10 == 0 {
                version(k / 3, images / 10)
            } else {
                "0.1-1".to_string()
            };
            let severity = ["low", "medium", "high", "critical"][r % 4];
            serde_json::json!({
                "id": format!("DSA-{r:06}-1"),
                "aliases": [format!("CVE-2026-{r:05}")],
                "summary": "security update",
                "modified": "2026-12-01T00:00:00Z",
                "database_specific": {"severity": severity},
                "affected": [{
                    "package": {"ecosystem": "Debian:12", "name": format!("src{}", k / 3)},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
                }]
            })
        })
        .collect();
    let bytes = serde_json::to_vec(&osv).unwrap();
    let t = Instant::now();
    let parsed = plumb_collector::advisories::parse("bench.json", &bytes).unwrap();
    let parse_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    store
        .import_advisories(&parsed.advisories, 0, 2)
        .await
        .unwrap();
    let import_s = t.elapsed().as_secs_f64();
    let grown = size(&db_file).saturating_sub(before);
    println!(
        "import of {records} OSV records ({:.1} MB of JSON): parse {parse_s:.2}s + store {import_s:.2}s = {:.2}s; store grew {:.1} MB",
        bytes.len() as f64 / 1e6,
        parse_s + import_s,
        grown as f64 / 1e6
    );

    let t = Instant::now();
    let all = store.exposure(None, None).await.unwrap();
    let nodes_exposed: i64 = {
        let mut seen = std::collections::HashSet::new();
        all.iter()
            .filter(|e| seen.insert(e.image_id.clone()))
            .map(|e| e.nodes)
            .sum()
    };
    println!(
        "exposure of the fleet: {} (advisory, image, package) rows, {} images, {nodes_exposed} nodes exposed, in {:.2}s",
        all.len(),
        all.iter()
            .map(|e| e.image_id.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len(),
        t.elapsed().as_secs_f64()
    );
    let mut one = Vec::new();
    for q in 0..queries {
        let id = format!("DSA-{:06}-1", (q * 251) % records);
        let t = Instant::now();
        store.exposure(Some(&id), None).await.unwrap();
        one.push(t.elapsed());
    }
    println!(
        "exposure --advisory ID: p99 {:.1} ms over {queries}",
        p99(one).as_secs_f64() * 1e3
    );
    let mut pk = Vec::new();
    for q in 0..queries {
        let name = format!("lib{}", (q * 17) % packages);
        let t = Instant::now();
        store
            .packages(&name, &VersionFilter::Below("3.5.0-1".into()))
            .await
            .unwrap();
        pk.push(t.elapsed());
    }
    println!(
        "packages NAME --below V: p99 {:.1} ms over {queries}",
        p99(pk).as_secs_f64() * 1e3
    );
}

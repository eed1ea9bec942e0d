//! The store alone: 5 rounds of 100 nodes x 500 new deviations, one group
//! commit each. `CONTAINERS=N` keys each node's deviations over N
//! containers (64-hex ids, as runtimes name them), as a container fleet's
//! are; `ROUNDS=R` runs more rounds (the index grows).
use plumb_collector::store::{BatchJob, HelloInfo, Store};
use plumb_proto::v1::{ContainerInfo, Deviation, DeviationKind};
#[tokio::main]
async fn main() {
    let containers: usize = std::env::var("CONTAINERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let rounds: u64 = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::args()
        .nth(1)
        .unwrap_or(format!("sqlite://{}/b.db", dir.path().display()));
    let store = Store::connect(&url).await.unwrap();
    for n in 0..100 {
        store
            .hello(
                &HelloInfo {
                    node_id: format!("n{n}"),
                    image_id: "i".into(),
                    heartbeat_secs: 10,
                    ..Default::default()
                },
                "bench:1",
                1,
            )
            .await
            .unwrap();
        let list: Vec<ContainerInfo> = (0..containers)
            .map(|k| ContainerInfo {
                id: format!("{:064x}", n * 10_000 + k),
                name: format!("app-{k}"),
                image_id: format!("sha256:{:064x}", k % 4),
                status: plumb_proto::v1::ContainerStatus::Verified as i32,
                ..Default::default()
            })
            .collect();
        store
            .replace_containers(&format!("n{n}"), &list, 1)
            .await
            .unwrap();
    }
    for round in 1..=rounds {
        let jobs: Vec<BatchJob> = (0..100)
            .map(|n| BatchJob {
                node_id: format!("n{n}"),
                seq: round as i64,
                added: (0..500)
                    .map(|j| Deviation {
                        container: if containers > 0 {
                            format!("{:064x}", n * 10_000 + j % containers)
                        } else {
                            String::new()
                        },
                        kind: DeviationKind::FileModified as i32,
                        key: format!("/srv/{n}/{round}/{j}"),
                        severity: 1,
                        expected: "file mode=0644 owner=0:0 size=10".into(),
                        actual: format!("file sha256={round:064x}"),
                        changes: vec!["content".into()],
                        ..Default::default()
                    })
                    .collect(),
                resolved: vec![],
                full_state: false,
                prev_hash: vec![],
                hash: vec![],
            })
            .collect();
        let t = std::time::Instant::now();
        store.apply_batches(&jobs, 2).await.unwrap();
        let e = t.elapsed();
        println!(
            "round {round}: 50000 rows in {:?} = {:.0}/s",
            e,
            50000.0 / e.as_secs_f64()
        );
    }
}

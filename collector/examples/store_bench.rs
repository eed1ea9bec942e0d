use plumb_collector::store::{BatchJob, HelloInfo, Store};
use plumb_proto::v1::{Deviation, DeviationKind};
#[tokio::main]
async fn main() {
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
                1,
            )
            .await
            .unwrap();
    }
    for round in 1..=5u64 {
        let jobs: Vec<BatchJob> = (0..100)
            .map(|n| BatchJob {
                node_id: format!("n{n}"),
                seq: round as i64,
                added: (0..500)
                    .map(|j| Deviation {
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

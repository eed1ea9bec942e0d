//! Liveness lives with the stream: a heartbeat writes nothing to the
//! database; the replica holding a node's stream decides its silence from
//! memory; a replica that stops (SIGSTOP) has its nodes watched from the
//! database by the others once its lease lapses, and claims them back
//! when it runs again.

use std::time::Duration;

use crate::support::*;

/// `last_seen` of `node` as stored.
fn stored_last_seen(database: &str, node: &str) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(database)
            .await
            .unwrap();
        let at: i64 = sqlx::query_scalar("SELECT last_seen FROM nodes WHERE node_id = $1")
            .bind(node)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        at
    })
}

#[test]
fn heartbeats_stay_in_memory_and_a_stopped_replica_is_noticed() {
    let Some(base) = test_postgres() else {
        return;
    };
    let scratch = fresh_database(&base);
    let database = scratch.url.clone();
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "silent_after_secs = 3\n").unwrap();
    let flags = [
        "--database",
        database.as_str(),
        "--policy",
        policy.to_str().unwrap(),
    ];
    let a_dir = tmp.path().join("a");
    let b_dir = tmp.path().join("b");
    let a = Collector::start(&a_dir, &flags);
    share_pki(&a_dir, &b_dir);
    let b = Collector::start(&b_dir, &flags);
    // The agent knows replica b alone.
    let mut n = Node::new(tmp.path(), "live-0");
    n.start_agent(&b, &[]);
    a.wait_status("live-0", "clean", Duration::from_secs(30));

    // Heartbeats every second for six seconds, and the agent quiet
    // otherwise: none of them is written (were they, the stored time
    // would be a second or two old).
    std::thread::sleep(Duration::from_secs(6));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let stored = stored_last_seen(&database, "live-0");
    assert!(
        now - stored >= 3_000,
        "last_seen was written {} ms ago: a heartbeat wrote it",
        now - stored
    );
    assert_eq!(a.node("live-0").unwrap()["status"], "clean");

    // Replica b stops: its agent cannot reach any replica. Replica a
    // notices once b's lease lapses, and calls the node silent.
    b.proc.signal(libc::SIGSTOP);
    let silent = a.wait_status("live-0", "silent", Duration::from_secs(60));
    assert_eq!(silent["flagged"], false);
    // b runs again: it claims its node back, which is clean again.
    b.proc.signal(libc::SIGCONT);
    a.wait_status("live-0", "clean", Duration::from_secs(60));
    drop(n);
}

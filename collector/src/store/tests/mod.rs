//! Store tests, run against a real SQLite file and, when
//! `PLUMB_TEST_POSTGRES` names a server, a fresh PostgreSQL database.

use plumb_proto::v1::{Deviation, DeviationKind, DeviationRef, Severity};

use super::nodes::HelloInfo;
use super::*;
use crate::model::NodeStatus;

mod batches;
mod containers;
mod fleet;
mod nodes;
mod packages;

/// What keeps a test database alive: its SQLite file's directory, or a
/// scratch PostgreSQL database (dropped with it).
pub(crate) enum Scratch {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] super::scratch::ScratchDatabase),
}

/// A store on a fresh database of each available backend.
pub(crate) async fn stores() -> Vec<(Store, Scratch)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plumb.db").display());
    let mut out = vec![(Store::connect(&url).await.unwrap(), Scratch::Dir(dir))];
    if let Some(pg) = fresh_postgres() {
        out.push((
            Store::connect(&pg.url).await.unwrap(),
            Scratch::Postgres(pg),
        ));
    }
    out
}

/// A scratch database on the test server, when `PLUMB_TEST_POSTGRES`
/// names one.
pub(crate) fn fresh_postgres() -> Option<super::scratch::ScratchDatabase> {
    let base = std::env::var("PLUMB_TEST_POSTGRES").ok()?;
    Some(super::scratch::ScratchDatabase::create(&base))
}

pub(crate) fn change<'a>(
    from: NodeStatus,
    to: NodeStatus,
    cause: &'a str,
    reasons: &'a [String],
    at: i64,
) -> StatusChange<'a> {
    StatusChange {
        from,
        to,
        cause,
        reasons,
        at,
        alerts: &[],
        hold: crate::store::Hold::Keep,
    }
}

pub(crate) fn hello(node: &str) -> HelloInfo {
    HelloInfo {
        node_id: node.into(),
        hostname: format!("{node}.example"),
        image_id: "img-1".into(),
        manifest_digest: "abc".into(),
        agent_version: "0.1.0".into(),
        boot_id: "boot".into(),
        heartbeat_secs: 10,
        exec_monitor: plumb_proto::v1::ExecMonitor::Fanotify,
        sees_containers: true,
    }
}

pub(crate) fn dev(key: &str, sev: Severity, actual: &str) -> Deviation {
    Deviation {
        kind: DeviationKind::FileModified as i32,
        key: key.into(),
        severity: sev as i32,
        expected: "file mode=0755".into(),
        actual: actual.into(),
        changes: vec!["content".into()],
        ..Default::default()
    }
}

pub(crate) fn batch(node: &str, seq: i64, added: Vec<Deviation>, resolved: Vec<&str>) -> BatchJob {
    BatchJob {
        node_id: node.into(),
        seq,
        added,
        resolved: resolved
            .into_iter()
            .map(|k| DeviationRef {
                kind: DeviationKind::FileModified as i32,
                key: k.into(),
                container: String::new(),
            })
            .collect(),
        full_state: false,
        prev_hash: vec![],
        hash: vec![],
    }
}

#[tokio::test]
pub(crate) async fn bad_urls_are_refused_clearly() {
    let err = Store::connect("mysql://x").await.err().unwrap().to_string();
    assert!(err.contains("unsupported database URL"), "{err}");
    let err = Store::connect("sqlite:///nonexistent/dir/plumb.db")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("/nonexistent/dir/plumb.db"), "{err}");
    assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
}

/// On PostgreSQL a node's history (its resolved deviations and
/// transitions, partitioned by day) is read on connections of its own
/// that keep a generic plan, so that a node page does not pay for
/// planning a read over every partition; every other statement is planned
/// afresh. The connections stay within `--database-connections`.
#[tokio::test]
pub(crate) async fn history_is_read_with_plans_kept() {
    let Some(pg) = fresh_postgres() else { return };
    let store = Store::connect_with(&pg.url, 8).await.unwrap();
    assert_eq!(store.writer.options().get_max_connections(), 7);
    assert_eq!(store.history.options().get_max_connections(), 1);
    let mode = |pool: &sqlx::AnyPool| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SHOW plan_cache_mode")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(mode(&store.writer).await, "force_custom_plan");
    assert_eq!(mode(&store.control).await, "force_custom_plan");
    assert_eq!(mode(&store.history).await, "auto");

    store.hello(&hello("n1"), "r1", 1_000).await.unwrap();
    for _ in 0..8 {
        store.node_detail("n1", 100).await.unwrap().unwrap();
    }
    // Both history reads ran on the history connection, on a generic plan.
    let plans: Vec<(String, i64)> = sqlx::query_as(
        "SELECT statement, generic_plans FROM pg_prepared_statements \
         WHERE statement LIKE 'SELECT id,%FROM transitions WHERE node_id%' \
         OR statement LIKE 'SELECT id,%FROM resolved_deviations WHERE node_id%'",
    )
    .fetch_all(&store.history)
    .await
    .unwrap();
    assert_eq!(plans.len(), 2, "{plans:?}");
    assert!(plans.iter().all(|(_, generic)| *generic > 0), "{plans:?}");

    let two = Store::connect_with(&pg.url, 2).await.unwrap();
    assert_eq!(two.writer.options().get_max_connections(), 1);
    assert_eq!(two.history.options().get_max_connections(), 1);
}

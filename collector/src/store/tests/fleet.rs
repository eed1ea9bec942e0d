//! Images and manifests, correlation, enrollment, replicas and retention.

use plumb_proto::v1::{Deviation, Severity};

use super::*;
use crate::model::NodeStatus;

#[tokio::test]
async fn correlation_separates_fleet_changes_from_single_node_ones() {
    for (store, _dir) in stores().await {
        for i in 0..4 {
            let n = format!("n{i}");
            store.hello(&hello(&n), "r:1", 1).await.unwrap();
            let mut added = vec![dev("/etc/app.conf", Severity::Medium, "sha256=new")];
            if i == 0 {
                added.push(dev("/usr/bin/sshd", Severity::Critical, "sha256=evil"));
            }
            store
                .apply_batches(&[batch(&n, 1, added, vec![])], 2)
                .await
                .unwrap();
        }
        let c = store.correlations(Some("img-1"), 10).await.unwrap();
        assert_eq!(
            (c[0].key.as_str(), c[0].nodes, c[0].image_nodes, c[0].scope),
            ("/etc/app.conf", 4, 4, "fleet")
        );
        assert_eq!(
            (c[1].key.as_str(), c[1].nodes, c[1].scope),
            ("/usr/bin/sshd", 1, "single")
        );
    }
}

#[tokio::test]
async fn manifests_are_stored_and_images_counted() {
    use crate::store::PushOutcome;
    for (store, _dir) in stores().await {
        let put = |digest: &'static str, body: &'static [u8], replace: bool| {
            let store = store.clone();
            async move {
                store
                    .put_manifest("img-1", digest, body, 10, &[], false, &[], replace, 1)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(put("d1", b"body", false).await, PushOutcome::New);
        assert_eq!(put("d1", b"body", false).await, PushOutcome::Unchanged);
        assert_eq!(
            put("d2", b"body2", false).await,
            PushOutcome::Refused {
                existing: "d1".into()
            },
            "the registry is append-only per image id"
        );
        assert_eq!(store.manifest("img-1").await.unwrap().unwrap(), b"body");
        assert_eq!(
            put("d2", b"body2", true).await,
            PushOutcome::Replaced { old: "d1".into() },
            "an explicit replacement replaces"
        );
        assert_eq!(store.manifest("img-1").await.unwrap().unwrap(), b"body2");
        store.hello(&hello("n1"), "r:1", 1).await.unwrap();
        let images = store.images().await.unwrap();
        assert_eq!(images[0].nodes, 1);
        assert_eq!(images[0].digest, "d2");
    }
}

#[tokio::test]
async fn enrollment_tokens_expire_run_out_and_never_reenroll_a_known_node() {
    use crate::store::EnrollRefusal;
    for (store, _dir) in stores().await {
        let redeem = |hash: &'static str,
                      image: &'static str,
                      node: &'static str,
                      serial: &'static str,
                      now: i64| {
            let store = store.clone();
            async move {
                store
                    .redeem_enrollment(hash, image, node, serial, now)
                    .await
                    .unwrap()
            }
        };
        store
            .create_enrollment("expired", "img", 1_000, 5, "admin", 0)
            .await
            .unwrap();
        assert!(matches!(
            redeem("expired", "img", "n1", "s0", 2_000).await,
            Err(EnrollRefusal::BadToken)
        ));
        store
            .create_enrollment("once", "img", 10_000, 1, "admin", 0)
            .await
            .unwrap();
        assert!(matches!(
            redeem("once", "other-img", "n1", "s0", 1).await,
            Err(EnrollRefusal::WrongImage { .. })
        ));
        redeem("once", "img", "n1", "s1", 1).await.unwrap();
        assert!(
            matches!(
                redeem("once", "img", "n2", "s2", 1).await,
                Err(EnrollRefusal::BadToken)
            ),
            "a one-use token is used up"
        );
        assert!(matches!(
            redeem("unknown", "img", "n3", "s3", 1).await,
            Err(EnrollRefusal::BadToken)
        ));
        store
            .create_enrollment("many", "img", 10_000, 5, "admin", 0)
            .await
            .unwrap();
        assert!(
            matches!(
                redeem("many", "img", "n1", "s4", 1).await,
                Err(EnrollRefusal::NodeExists(_))
            ),
            "an enrolled node cannot enroll again"
        );
        store.revoke_node("n9", "admin", 1).await.unwrap();
        assert!(matches!(
            redeem("many", "img", "n9", "s5", 1).await,
            Err(EnrollRefusal::Revoked(_))
        ));
        assert_eq!(
            store.enrolled_image("n1").await.unwrap().as_deref(),
            Some("img")
        );
        assert!(store.is_revoked("n9").await.unwrap());
    }
}

#[tokio::test]
async fn a_lease_has_one_holder_until_it_lapses_or_is_released() {
    for (store, _dir) in stores().await {
        assert!(store.take_lease("silence", "a:1", 100, 200).await.unwrap());
        assert!(
            !store.take_lease("silence", "b:1", 150, 250).await.unwrap(),
            "held by a"
        );
        assert!(
            store.take_lease("silence", "a:1", 150, 300).await.unwrap(),
            "a renews"
        );
        assert!(!store.take_lease("silence", "b:1", 299, 400).await.unwrap());
        assert!(
            store.take_lease("silence", "b:1", 301, 400).await.unwrap(),
            "lapsed: b takes it"
        );
        assert!(!store.take_lease("silence", "a:1", 302, 400).await.unwrap());
        store.release_leases("b:1").await.unwrap();
        assert!(
            store.take_lease("silence", "a:1", 303, 400).await.unwrap(),
            "released"
        );
        assert!(
            store.take_lease("outbox:x", "b:1", 303, 400).await.unwrap(),
            "leases are per name"
        );
    }
}

#[tokio::test]
async fn commands_follow_the_stream_to_the_replica_holding_it() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n1"), "r:1", 1).await.unwrap();
        store.stream_opened("n1", "b:1", 1).await.unwrap();
        assert_eq!(
            store.stream_holder("n1").await.unwrap().as_deref(),
            Some("b:1")
        );
        store
            .relay_command("n1", "b:1", crate::model::Relayed::Rescan, 10)
            .await
            .unwrap();
        // The agent moved to replica a before b sent it: the command follows.
        store.stream_opened("n1", "a:1", 11).await.unwrap();
        store.stream_closed("n1", "b:1", 11).await.unwrap();
        assert_eq!(
            store.stream_holder("n1").await.unwrap().as_deref(),
            Some("a:1"),
            "b's close does not undo a's open"
        );
        assert!(store.take_commands("b:1", 0).await.unwrap().is_empty());
        assert_eq!(
            store.take_commands("a:1", 0).await.unwrap(),
            vec![("n1".to_string(), crate::model::Relayed::Rescan)]
        );
        assert!(
            store.take_commands("a:1", 0).await.unwrap().is_empty(),
            "taken once"
        );
        store
            .relay_command("n1", "a:1", crate::model::Relayed::Rescan, 10)
            .await
            .unwrap();
        assert!(
            store.take_commands("a:1", 11).await.unwrap().is_empty(),
            "expired commands are dropped"
        );
        store.release_holder("a:1", 12).await.unwrap();
        assert_eq!(store.stream_holder("n1").await.unwrap(), None);
    }
}

#[tokio::test]
async fn history_past_the_retention_period_is_pruned_in_batches() {
    for (store, _dir) in stores().await {
        // n1 lives on: its resolved deviations and old transitions go,
        // its open deviation stays.
        store.hello(&hello("n1"), "r:1", 1).await.unwrap();
        let open: Vec<Deviation> = (0..30)
            .map(|i| dev(&format!("/usr/bin/t{i}"), Severity::Low, "x"))
            .collect();
        store
            .apply_batches(&[batch("n1", 1, open, vec![])], 2)
            .await
            .unwrap();
        let keys: Vec<String> = (0..29).map(|i| format!("/usr/bin/t{i}")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        store
            .apply_batches(&[batch("n1", 2, vec![], keys)], 3)
            .await
            .unwrap();
        store
            .set_status(
                "n1",
                &change(NodeStatus::Clean, NodeStatus::Drifted, "policy", &[], 4),
            )
            .await
            .unwrap();
        // n2 was retired long ago: it goes whole.
        store.hello(&hello("n2"), "r:1", 1).await.unwrap();
        store
            .apply_batches(
                &[batch(
                    "n2",
                    1,
                    vec![dev("/etc/x", Severity::High, "y")],
                    vec![],
                )],
                2,
            )
            .await
            .unwrap();
        store
            .set_status(
                "n2",
                &change(NodeStatus::Clean, NodeStatus::Retired, "operator", &[], 5),
            )
            .await
            .unwrap();

        let deleted = store.prune_history(10, 7).await.unwrap();
        assert!(deleted.rows >= 33, "{deleted:?}");
        assert_eq!(
            store
                .deviations("n1", Some(false), 100)
                .await
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            store.deviations("n1", Some(true), 100).await.unwrap().len(),
            1
        );
        assert!(store.transitions(Some("n1"), 100).await.unwrap().is_empty());
        assert_eq!(
            store.node("n1").await.unwrap().unwrap().status,
            NodeStatus::Drifted
        );
        assert!(
            store.node("n2").await.unwrap().is_none(),
            "retired before the cutoff"
        );
        assert_eq!(
            store.prune_history(10, 7).await.unwrap(),
            Pruned::default(),
            "nothing left to prune"
        );
        // Newer history is kept.
        store
            .apply_batches(&[batch("n1", 3, vec![], vec!["/usr/bin/t29"])], 20)
            .await
            .unwrap();
        assert_eq!(store.prune_history(10, 7).await.unwrap(), Pruned::default());
        assert_eq!(
            store
                .deviations("n1", Some(false), 100)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

/// On PostgreSQL, resolved deviations and transitions live in day
/// partitions: a row that arrived before its day was made moves into it,
/// and retention drops the days before the cutoff whole and deletes rows
/// only in the day the cutoff falls in.
#[tokio::test]
async fn history_lives_in_day_partitions_that_retention_drops() {
    let Some(pg) = fresh_postgres() else {
        return;
    };
    let store = Store::connect(&pg.url).await.unwrap();
    let day = |d: i64, hour: i64| d * PARTITION_MS + hour * 3_600_000;
    let located = |sql: &'static str| {
        let store = store.clone();
        async move {
            let rows: Vec<(String, i64)> =
                sqlx::query_as(sql).fetch_all(&store.pool).await.unwrap();
            rows
        }
    };
    store
        .hello(&hello("n1"), "r:1", day(1000, 0))
        .await
        .unwrap();
    let opened: Vec<Deviation> = (0..4)
        .map(|i| dev(&format!("/usr/bin/p{i}"), Severity::Low, "x"))
        .collect();
    store
        .apply_batches(&[batch("n1", 1, opened, vec![])], day(1000, 1))
        .await
        .unwrap();
    // Resolved before its day's partition exists: the default one.
    store
        .apply_batches(&[batch("n1", 2, vec![], vec!["/usr/bin/p0"])], day(1000, 2))
        .await
        .unwrap();
    assert_eq!(
        located("SELECT tableoid::regclass::text, resolved_at FROM resolved_deviations").await,
        vec![("resolved_deviations_default".to_string(), day(1000, 2))]
    );
    assert_eq!(store.ensure_partitions(day(1000, 3)).await.unwrap(), 10);
    assert_eq!(
        store.ensure_partitions(day(1000, 4)).await.unwrap(),
        0,
        "made once"
    );
    assert_eq!(
        located("SELECT tableoid::regclass::text, resolved_at FROM resolved_deviations").await,
        vec![("resolved_deviations_d1000".to_string(), day(1000, 2))],
        "moved into its day"
    );
    for (seq, key, at) in [
        (3, "/usr/bin/p1", day(1001, 5)),
        (4, "/usr/bin/p2", day(1001, 20)),
    ] {
        store
            .apply_batches(&[batch("n1", seq, vec![], vec![key])], at)
            .await
            .unwrap();
    }
    store
        .set_status(
            "n1",
            &change(
                NodeStatus::Clean,
                NodeStatus::Drifted,
                "policy",
                &[],
                day(1001, 6),
            ),
        )
        .await
        .unwrap();

    // The cutoff falls in day 1001: day 1000 (and the day before it) go
    // whole, day 1001 loses the rows before the cutoff.
    let pruned = store.prune_history(day(1001, 12), 100).await.unwrap();
    assert_eq!(pruned.partitions, 4, "{pruned:?}");
    assert_eq!(pruned.rows, 2, "{pruned:?}: p1 and the transition");
    assert_eq!(
        located("SELECT tableoid::regclass::text, resolved_at FROM resolved_deviations").await,
        vec![("resolved_deviations_d1001".to_string(), day(1001, 20))]
    );
    let history = store.deviations("n1", Some(false), 100).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].key, "/usr/bin/p2");
    assert_eq!(
        store.deviations("n1", Some(true), 100).await.unwrap().len(),
        1
    );
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'resolved_deviations'::regclass AND c.relname::text LIKE '%_d100_' ORDER BY 1",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    assert_eq!(
        left,
        [
            "resolved_deviations_d1001",
            "resolved_deviations_d1002",
            "resolved_deviations_d1003"
        ]
    );
}

/// The audit log's caller and outcome are decoded strictly: a row the
/// schema does not allow is an error naming the row, not text passed on.
#[tokio::test]
async fn audit_rows_are_decoded_strictly() {
    use crate::store::{AuditEntry, Caller, Outcome};
    for (store, _dir) in stores().await {
        store
            .insert_audit(&[AuditEntry {
                at: 7,
                actor: "ci".into(),
                role: Caller::Operator,
                action: "retire".into(),
                target: "n1".into(),
                source: "127.0.0.1:1".into(),
                outcome: Outcome::Ok,
                detail: String::new(),
            }])
            .await
            .unwrap();
        let rows = store.audit(None, 10).await.unwrap();
        assert_eq!(
            (rows[0].role, rows[0].outcome),
            (Caller::Operator, Outcome::Ok)
        );
        sqlx::query(
            "INSERT INTO audit (at, actor, role, action, target, source, outcome, detail) \
             VALUES (9, 'x', 'root', 'a', 't', 's', 'ok', '')",
        )
        .execute(&store.writer)
        .await
        .unwrap();
        let err = store.audit(None, 10).await.unwrap_err().to_string();
        assert!(
            err.contains("audit entry at 9") && err.contains("root"),
            "{err}"
        );
    }
}

/// A replica renews its lease on a connection of its own: with every
/// pooled connection busy (a reconnect storm's hellos), the renewal
/// still goes through at once, so the other replicas do not take the
/// busy one for dead.
#[tokio::test]
async fn a_lease_is_renewed_while_every_pooled_connection_is_busy() {
    let Some(pg) = fresh_postgres() else { return };
    let store = Store::connect_with(&pg.url, 4).await.unwrap();
    let mut busy = vec![];
    for _ in 0..store.writer.options().get_max_connections() {
        busy.push(store.writer.acquire().await.unwrap());
    }
    let renewed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        store.take_lease("replica:r1", "r1", 1_000, 21_000),
    )
    .await
    .expect("the renewal waited for the busy pool");
    assert!(renewed.unwrap());
    assert_eq!(store.lease_until("replica:r1").await.unwrap(), Some(21_000));
    drop(busy);
}

/// Ended streams are released in one statement: a node whose stream
/// another replica took since stays that replica's, the others are
/// unheld (watched from the database) as last heard from.
#[tokio::test]
async fn ended_streams_are_released_together_unless_taken_since() {
    for (store, _dir) in stores().await {
        for n in ["a", "b", "c"] {
            store.hello(&hello(n), "r:1", 1_000).await.unwrap();
        }
        // "c" reconnected to another replica before the release.
        store.hello(&hello("c"), "r:2", 2_000).await.unwrap();
        store
            .streams_closed(
                &[("a".into(), 5_000), ("b".into(), 500), ("c".into(), 6_000)],
                "r:1",
            )
            .await
            .unwrap();
        let rows: Vec<(String, Option<String>, i64)> =
            sqlx::query_as("SELECT node_id, holder, last_seen FROM nodes ORDER BY node_id")
                .fetch_all(&store.writer)
                .await
                .unwrap();
        assert_eq!(
            rows,
            vec![
                ("a".to_string(), None, 5_000),
                ("b".to_string(), None, 1_000),
                ("c".to_string(), Some("r:2".to_string()), 2_000),
            ]
        );
        let streams: Vec<(String, String)> =
            sqlx::query_as("SELECT node_id, holder FROM streams ORDER BY node_id")
                .fetch_all(&store.writer)
                .await
                .unwrap();
        assert_eq!(streams, vec![("c".to_string(), "r:2".to_string())]);
    }
}

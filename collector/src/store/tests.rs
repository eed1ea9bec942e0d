//! Store tests, run against a real SQLite file and, when
//! `PLUMB_TEST_POSTGRES` names a server, a fresh PostgreSQL database.

use plumb_proto::v1::{Deviation, DeviationKind, DeviationRef, Severity};

use super::queries::HelloInfo;
use super::*;
use crate::model::{NodeStatus, StoredDeviation};

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

fn change<'a>(
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

fn hello(node: &str) -> HelloInfo {
    HelloInfo {
        node_id: node.into(),
        hostname: format!("{node}.example"),
        image_id: "img-1".into(),
        manifest_digest: "abc".into(),
        agent_version: "0.1.0".into(),
        boot_id: "boot".into(),
        heartbeat_secs: 10,
    }
}

fn dev(key: &str, sev: Severity, actual: &str) -> Deviation {
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

fn batch(node: &str, seq: i64, added: Vec<Deviation>, resolved: Vec<&str>) -> BatchJob {
    BatchJob {
        node_id: node.into(),
        seq,
        added,
        resolved: resolved
            .into_iter()
            .map(|k| DeviationRef {
                kind: DeviationKind::FileModified as i32,
                key: k.into(),
            })
            .collect(),
        full_state: false,
        prev_hash: vec![],
        hash: vec![],
    }
}

#[tokio::test]
async fn batches_apply_once_and_resolve() {
    for (store, _dir) in stores().await {
        assert_eq!(
            store.hello(&hello("n1"), 1).await.unwrap(),
            (0, NodeStatus::Clean)
        );
        let b1 = batch(
            "n1",
            1,
            vec![
                dev("/usr/bin/ls", Severity::Critical, "x"),
                dev("/etc/motd", Severity::Medium, "y"),
            ],
            vec![],
        );
        assert_eq!(
            store
                .apply_batches(std::slice::from_ref(&b1), 2)
                .await
                .unwrap(),
            vec![BatchOutcome::Applied]
        );
        assert_eq!(
            store.apply_batches(&[b1], 3).await.unwrap(),
            vec![BatchOutcome::Duplicate],
            "same seq again"
        );
        let node = store.node("n1").await.unwrap().unwrap();
        assert_eq!(node.deviation_count, 2);
        assert_eq!(node.max_severity, "critical");

        let b2 = batch("n1", 2, vec![], vec!["/usr/bin/ls"]);
        store.apply_batches(&[b2], 4).await.unwrap();
        let open = store.deviations("n1", Some(true), 100).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].key, "/etc/motd");
        let resolved = store.deviations("n1", Some(false), 100).await.unwrap();
        assert_eq!(resolved[0].resolved_at, Some(4));
        assert_eq!(
            store.hello(&hello("n1"), 5).await.unwrap().0,
            2,
            "hello reports the last stored seq"
        );
    }
}

#[tokio::test]
async fn full_state_replaces_the_open_set_without_reopening() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n1"), 1).await.unwrap();
        store
            .apply_batches(
                &[batch(
                    "n1",
                    1,
                    vec![dev("/a", Severity::Low, "1"), dev("/b", Severity::Low, "1")],
                    vec![],
                )],
                2,
            )
            .await
            .unwrap();
        let mut full = batch(
            "n1",
            2,
            vec![
                dev("/b", Severity::High, "2"),
                dev("/c", Severity::Low, "1"),
            ],
            vec![],
        );
        full.full_state = true;
        store.apply_batches(&[full], 3).await.unwrap();
        let open = store.deviations("n1", Some(true), 100).await.unwrap();
        let keys: Vec<&str> = open.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys.len(), 2);
        assert!(keys.contains(&"/b") && keys.contains(&"/c"));
        let b = open.iter().find(|d| d.key == "/b").unwrap();
        assert_eq!(
            (b.first_seen, b.severity.as_str(), b.actual.as_str()),
            (2, "high", "2"),
            "updated in place"
        );
    }
}

#[tokio::test]
async fn unknown_node_batches_are_refused_and_others_still_apply() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n1"), 1).await.unwrap();
        let out = store
            .apply_batches(
                &[
                    batch("ghost", 1, vec![dev("/x", Severity::Low, "")], vec![]),
                    batch("n1", 1, vec![dev("/y", Severity::Low, "")], vec![]),
                ],
                2,
            )
            .await
            .unwrap();
        assert_eq!(out, vec![BatchOutcome::UnknownNode, BatchOutcome::Applied]);
    }
}

#[tokio::test]
async fn status_transitions_are_recorded_and_filterable() {
    for (store, _dir) in stores().await {
        for n in ["a", "b", "c"] {
            store.hello(&hello(n), 1).await.unwrap();
        }
        let t = store
            .set_status(
                "b",
                &change(
                    NodeStatus::Clean,
                    NodeStatus::Flagged,
                    "policy",
                    &["critical x".into()],
                    5,
                ),
            )
            .await
            .unwrap();
        assert!(t.is_some());
        assert!(
            store
                .set_status(
                    "b",
                    &change(NodeStatus::Clean, NodeStatus::Drifted, "stale", &[], 6)
                )
                .await
                .unwrap()
                .is_none(),
            "compare-and-set"
        );
        let f = NodeFilter {
            status: Some("flagged".into()),
            ..Default::default()
        };
        let (nodes, total) = store.nodes(&f).await.unwrap();
        assert_eq!(total, 1);
        assert!(nodes[0].flagged);
        assert_eq!(nodes[0].reasons, vec!["critical x".to_string()]);
        let q = NodeFilter {
            q: Some("c.exa".into()),
            ..Default::default()
        };
        assert_eq!(store.nodes(&q).await.unwrap().1, 1);
        let trans = store.transitions(Some("b"), 10).await.unwrap();
        assert_eq!(
            (trans[0].from.as_str(), trans[0].to.as_str(), trans[0].at),
            ("clean", "flagged", 5)
        );
    }
}

#[tokio::test]
async fn correlation_separates_fleet_changes_from_single_node_ones() {
    for (store, _dir) in stores().await {
        for i in 0..4 {
            let n = format!("n{i}");
            store.hello(&hello(&n), 1).await.unwrap();
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
                    .put_manifest("img-1", digest, body, 10, 2, &[], replace, 1)
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
        store.hello(&hello("n1"), 1).await.unwrap();
        let images = store.images().await.unwrap();
        assert_eq!(images[0].nodes, 1);
        assert_eq!(images[0].digest, "d2");
    }
}

#[tokio::test]
async fn bad_urls_are_refused_clearly() {
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

#[tokio::test]
async fn the_summary_judges_like_the_full_list() {
    use crate::policy::{Policy, PolicyFile, Verdict};
    let policy = Policy::compile(PolicyFile {
        score_threshold: 0,
        ..Default::default()
    })
    .unwrap();
    assert!(!policy.needs_keys());
    for (store, _dir) in stores().await {
        store.hello(&hello("n"), 1).await.unwrap();
        let mut added: Vec<Deviation> = (0..40)
            .map(|i| dev(&format!("/srv/{i}"), Severity::Low, "sha256=x"))
            .collect();
        added.push(dev("/etc/app.conf", Severity::Medium, "sha256=y"));
        store
            .apply_batches(&[batch("n", 1, added, vec!["/srv/3"])], 2)
            .await
            .unwrap();
        store
            .apply_batches(&[batch("n", 2, vec![], vec!["/srv/3", "/srv/4"])], 3)
            .await
            .unwrap();
        let full = policy.evaluate("n", "img-1", &store.open_for_policy("n").await.unwrap(), 4);
        let (counts, top) = store.open_summary("n").await.unwrap();
        assert_eq!(
            (
                counts.total(),
                counts.get(Severity::Low),
                counts.get(Severity::Medium)
            ),
            (39, 38, 1)
        );
        assert_eq!(top.len(), 10);
        assert_eq!(top[0].key, "/etc/app.conf", "most severe first");
        assert_eq!(policy.verdict("img-1", &counts, &top), full);
        assert!(matches!(full, Verdict::Drifted { .. }), "{full:?}");
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
async fn the_flag_queue_pages_through_every_flagged_node() {
    for (store, _dir) in stores().await {
        // 3,000 flagged nodes (many flagged in the same millisecond) and,
        // flagged last, the one that matters.
        for i in 0..3_001 {
            let node = if i == 3_000 {
                "real".to_string()
            } else {
                format!("fake-{i:04}")
            };
            store.hello(&hello(&node), 1).await.unwrap();
            store
                .set_status(
                    &node,
                    &change(
                        NodeStatus::Clean,
                        NodeStatus::Flagged,
                        "policy",
                        &[],
                        10 + i / 100,
                    ),
                )
                .await
                .unwrap();
        }
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store.flag_queue(cursor.as_ref(), 1_000).await.unwrap();
            assert_eq!(page.total, 3_001);
            assert!(page.nodes.len() <= 1_000);
            seen.extend(page.nodes.into_iter().map(|n| (n.status_since, n.node_id)));
            match page.next {
                Some(c) => {
                    assert_eq!(
                        crate::store::FlagCursor::decode(&c.encode()),
                        Some(c.clone())
                    );
                    cursor = Some(c);
                }
                None => break,
            }
        }
        assert_eq!(seen.len(), 3_001, "no node is cut off");
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, seen, "oldest first, each node once");
        assert_eq!(seen.last().unwrap().1, "real");
    }
}

#[tokio::test]
async fn a_node_cannot_store_more_open_deviations_than_the_ceiling() {
    for (mut store, _dir) in stores().await {
        store.max_open_per_node = 10;
        store.hello(&hello("flood"), 1).await.unwrap();
        let many: Vec<Deviation> = (0..25)
            .map(|i| dev(&format!("/f/{i}"), Severity::Low, "x"))
            .collect();
        store
            .apply_batches(&[batch("flood", 1, many, vec![])], 2)
            .await
            .unwrap();
        let open = store.deviations("flood", Some(true), 1_000).await.unwrap();
        let ceiling = open
            .iter()
            .find(|d| d.key == "deviation_ceiling")
            .expect("a finding counts what was not stored");
        assert_eq!(ceiling.severity, "critical");
        assert!(ceiling.actual.contains("15 more"), "{}", ceiling.actual);
        assert_eq!(open.len(), 11, "ten stored, plus the finding");
        // A full state still replaces the set (within the ceiling).
        let fresh: Vec<Deviation> = (0..3)
            .map(|i| dev(&format!("/g/{i}"), Severity::Low, "y"))
            .collect();
        let mut full = batch("flood", 2, fresh, vec![]);
        full.full_state = true;
        store.apply_batches(&[full], 3).await.unwrap();
        let open = store.deviations("flood", Some(true), 1_000).await.unwrap();
        assert_eq!(open.iter().filter(|d| d.kind != "integrity").count(), 3);
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
        store.hello(&hello("n1"), 1).await.unwrap();
        store.stream_opened("n1", "b:1", 1).await.unwrap();
        assert_eq!(
            store.stream_holder("n1").await.unwrap().as_deref(),
            Some("b:1")
        );
        store
            .relay_command("n1", "b:1", "rescan", 10)
            .await
            .unwrap();
        // The agent moved to replica a before b sent it: the command follows.
        store.stream_opened("n1", "a:1", 11).await.unwrap();
        store.stream_closed("n1", "b:1").await.unwrap();
        assert_eq!(
            store.stream_holder("n1").await.unwrap().as_deref(),
            Some("a:1"),
            "b's close does not undo a's open"
        );
        assert!(store.take_commands("b:1", 0).await.unwrap().is_empty());
        assert_eq!(
            store.take_commands("a:1", 0).await.unwrap(),
            vec![("n1".to_string(), "rescan".to_string())]
        );
        assert!(
            store.take_commands("a:1", 0).await.unwrap().is_empty(),
            "taken once"
        );
        store
            .relay_command("n1", "a:1", "rescan", 10)
            .await
            .unwrap();
        assert!(
            store.take_commands("a:1", 11).await.unwrap().is_empty(),
            "expired commands are dropped"
        );
        store.streams_reset("a:1").await.unwrap();
        assert_eq!(store.stream_holder("n1").await.unwrap(), None);
    }
}

#[tokio::test]
async fn history_past_the_retention_period_is_pruned_in_batches() {
    for (store, _dir) in stores().await {
        // n1 lives on: its resolved deviations and old transitions go,
        // its open deviation stays.
        store.hello(&hello("n1"), 1).await.unwrap();
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
        store.hello(&hello("n2"), 1).await.unwrap();
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
        assert!(deleted >= 33, "{deleted}");
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
        assert_eq!(store.node("n1").await.unwrap().unwrap().status, "drifted");
        assert!(
            store.node("n2").await.unwrap().is_none(),
            "retired before the cutoff"
        );
        assert_eq!(
            store.prune_history(10, 7).await.unwrap(),
            0,
            "nothing left to prune"
        );
        // Newer history is kept.
        store
            .apply_batches(&[batch("n1", 3, vec![], vec!["/usr/bin/t29"])], 20)
            .await
            .unwrap();
        assert_eq!(store.prune_history(10, 7).await.unwrap(), 0);
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

#[tokio::test]
async fn node_lists_page_by_cursor_in_every_sort_order() {
    for (store, _dir) in stores().await {
        for i in 0..57 {
            let node = format!("n{i:03}");
            store.hello(&hello(&node), i % 7).await.unwrap();
            let devs: Vec<Deviation> = (0..(i % 5))
                .map(|j| dev(&format!("/etc/f{j}"), Severity::Medium, "x"))
                .collect();
            if !devs.is_empty() {
                store
                    .apply_batches(&[batch(&node, 1, devs, vec![])], 10)
                    .await
                    .unwrap();
            }
        }
        for (sort, desc) in [
            (None, false),
            (Some("node_id"), true),
            (Some("deviations"), true),
            (Some("last_seen"), false),
            (Some("status"), false),
            (Some("severity"), true),
        ] {
            let all = NodeFilter {
                sort: sort.and_then(NodeSort::parse).unwrap_or_default(),
                desc,
                limit: 1000,
                ..Default::default()
            };
            let (expected, total) = store.nodes(&all).await.unwrap();
            assert_eq!(total, 57);
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let f = NodeFilter {
                    sort: sort.and_then(NodeSort::parse).unwrap_or_default(),
                    desc,
                    limit: 10,
                    after: after.clone(),
                    ..Default::default()
                };
                let (page, total) = store.nodes(&f).await.unwrap();
                assert_eq!(total, 57, "the total ignores the cursor");
                if page.is_empty() {
                    break;
                }
                after = Some(f.sort.cursor(page.last().unwrap()));
                paged.extend(page.into_iter().map(|n| n.node_id));
            }
            let expected: Vec<String> = expected.into_iter().map(|n| n.node_id).collect();
            assert_eq!(paged, expected, "sort {sort:?} desc {desc}");
        }
    }
}

#[tokio::test]
async fn a_nodes_deviation_history_pages_by_cursor() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n1"), 1).await.unwrap();
        let sevs = [Severity::Low, Severity::High, Severity::Critical];
        let added: Vec<Deviation> = (0..47)
            .map(|i| dev(&format!("/usr/bin/h{i:02}"), sevs[i % 3], "x"))
            .collect();
        store
            .apply_batches(&[batch("n1", 1, added, vec![])], 2)
            .await
            .unwrap();
        let keys: Vec<String> = (0..40).map(|i| format!("/usr/bin/h{i:02}")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        store
            .apply_batches(&[batch("n1", 2, vec![], keys)], 3)
            .await
            .unwrap();
        for (state, want) in [(Some(false), 40), (Some(true), 7), (None, 47)] {
            let all = store.deviations("n1", state, 1000).await.unwrap();
            assert_eq!(all.len(), want);
            let mut paged = Vec::new();
            let mut after = None;
            for _ in 0..100 {
                let (page, next) = store.deviations_page("n1", state, 6, after).await.unwrap();
                paged.extend(page);
                match next {
                    Some(c) => after = Some(DeviationCursor::decode(&c.encode()).unwrap()),
                    None => break,
                }
            }
            let keys = |v: &[StoredDeviation]| v.iter().map(|d| d.key.clone()).collect::<Vec<_>>();
            assert_eq!(
                keys(&paged),
                keys(&all),
                "{state:?}: same order, nothing lost or repeated"
            );
        }
    }
}

/// The per-severity open counts the writer keeps by deltas equal a
/// recount from the rows after every group, whatever a group mixes:
/// several batches of one node (applied in order), a key re-reported
/// with another severity, resolved and re-added, full-state batches and
/// collector findings.
#[tokio::test]
async fn open_counts_kept_by_deltas_equal_a_recount() {
    let severities = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    for (store, _dir) in stores().await {
        let nodes = ["a", "b", "c"];
        for n in nodes {
            store.hello(&hello(n), 1).await.unwrap();
        }
        let mut rng = Lcg(7);
        let mut seq = [0i64; 3];
        for group in 0..40 {
            let mut jobs = Vec::new();
            for _ in 0..rng.below(1, 6) {
                let i = rng.below(0, nodes.len());
                seq[i] += 1;
                let added: Vec<Deviation> = (0..rng.below(0, 8))
                    .map(|_| {
                        let key = format!("/srv/{}", rng.below(0, 12));
                        dev(&key, severities[rng.below(0, 4)], "sha256=x")
                    })
                    .collect();
                let resolved: Vec<String> = (0..rng.below(0, 4))
                    .map(|_| format!("/srv/{}", rng.below(0, 12)))
                    .collect();
                let mut job = batch(
                    nodes[i],
                    seq[i],
                    added,
                    resolved.iter().map(String::as_str).collect(),
                );
                job.full_state = rng.below(0, 8) == 0;
                // Now and then a gap in the chain: a collector finding.
                if rng.below(0, 10) == 0 {
                    seq[i] += 1;
                    job.seq = seq[i];
                }
                jobs.push(job);
            }
            store.apply_batches(&jobs, 10 + group).await.unwrap();
            for n in nodes {
                // The row's own counts, not the summary (which recounts
                // counts it finds wrong).
                let (l, m, h, c): (i64, i64, i64, i64) = sqlx::query_as(
                    "SELECT open_low, open_medium, open_high, open_critical FROM nodes WHERE node_id = $1",
                )
                .bind(n)
                .fetch_one(&store.pool)
                .await
                .unwrap();
                let mut counts = crate::policy::SeverityCounts::default();
                for (s, k) in severities.into_iter().zip([l, m, h, c]) {
                    counts.add(s, k);
                }
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT severity, COUNT(*) FROM deviations WHERE node_id = $1 AND resolved_at IS NULL GROUP BY severity",
                )
                .bind(n)
                .fetch_all(&store.pool)
                .await
                .unwrap();
                let mut want = crate::policy::SeverityCounts::default();
                for (s, c) in &rows {
                    want.add(Severity::try_from(*s as i32).unwrap(), *c);
                }
                for s in severities {
                    assert_eq!(
                        counts.get(s),
                        want.get(s),
                        "{s:?} open on {n} after group {group}"
                    );
                }
                let node = store.node(n).await.unwrap().unwrap();
                assert_eq!(
                    node.deviation_count,
                    want.total(),
                    "{n} after group {group}"
                );
                let max = rows.iter().map(|r| r.0).max().unwrap_or(0);
                assert_eq!(
                    node.max_severity,
                    if max == 0 {
                        String::new()
                    } else {
                        severity_name_of(max)
                    },
                    "{n} after group {group}"
                );
            }
        }
    }
}

/// A small deterministic generator (the test replays the same groups).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, lo: usize, hi: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) as usize % (hi - lo)
    }
}

fn severity_name_of(s: i64) -> String {
    plumb_proto::severity_snake(Severity::try_from(s as i32).unwrap()).to_string()
}

/// On PostgreSQL the writer inserts new deviations without an upsert's
/// conflict check: a row another transaction stores meanwhile makes the
/// group fail with a unique violation, and the group is applied again,
/// now updating that row. Nothing is lost, nothing stored twice, and the
/// counts stay exact.
#[tokio::test]
async fn a_deviation_stored_concurrently_is_updated_not_duplicated() {
    let Some(db) = fresh_postgres() else {
        return;
    };
    let store = Store::connect(&db.url).await.unwrap();
    store.hello(&hello("n"), 1).await.unwrap();
    // Another writer has inserted the same open deviation, not committed yet.
    let mut other = store.writer.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO deviations (node_id, kind, dkey, severity, expected, actual, changes, package, explained_by, first_seen, resolved_at) \
         VALUES ('n', 'file_modified', '/usr/bin/ls', 2, '', 'old', '', '', '', 1, NULL)",
    )
    .execute(&mut *other)
    .await
    .unwrap();
    super::queries::refresh_counts(&mut other, "n")
        .await
        .unwrap();
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            let b = batch(
                "n",
                1,
                vec![dev("/usr/bin/ls", Severity::Critical, "new")],
                vec![],
            );
            store.apply_batches(&[b], 2).await
        })
    };
    // The batch's insert waits for the other transaction's row.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!writer.is_finished());
    other.commit().await.unwrap();
    let outcome = writer.await.unwrap().unwrap();
    assert_eq!(outcome, vec![BatchOutcome::Applied]);
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT actual, severity FROM deviations WHERE node_id = 'n' AND resolved_at IS NULL",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    assert_eq!(rows, vec![("new".to_string(), 4)]);
    let (counts, _) = store.open_summary("n").await.unwrap();
    assert_eq!(
        (counts.total(), counts.get(Severity::Critical)),
        (1, 1),
        "the replaced medium row is no longer counted"
    );
}

/// Only nodes past their silence come back from the silence query, by
/// their own heartbeat period or by the policy's fixed silence.
#[tokio::test]
async fn quiet_nodes_are_those_past_their_silence() {
    use crate::policy::Silence;
    for (store, _dir) in stores().await {
        for (node, hb) in [("fast", 10), ("slow", 60), ("gone", 10)] {
            let mut h = hello(node);
            h.heartbeat_secs = hb;
            store.hello(&h, 1_000).await.unwrap();
        }
        store
            .touch(&[("fast".into(), 100_000), ("slow".into(), 100_000)])
            .await
            .unwrap();
        let names = |v: Vec<(String, String, i64, i64)>| {
            let mut v: Vec<String> = v.into_iter().map(|r| r.0).collect();
            v.sort();
            v
        };
        // 31 s after the heartbeats: past 3 × 10 s, not 3 × 60 s.
        let now = 131_000;
        assert_eq!(
            names(
                store
                    .quiet_nodes(now, Silence::Heartbeats(3))
                    .await
                    .unwrap()
            ),
            ["fast", "gone"]
        );
        assert_eq!(
            names(
                store
                    .quiet_nodes(now, Silence::After(120_000))
                    .await
                    .unwrap()
            ),
            ["gone"]
        );
        assert!(store
            .quiet_nodes(100_500, Silence::Heartbeats(3))
            .await
            .unwrap()
            .iter()
            .all(|r| r.0 == "gone"));
    }
}

/// Counts that disagree with the rows (here set by hand) are recounted
/// before the policy sees them: an open deviation is never judged on
/// counts that say the node has none.
#[tokio::test]
async fn counts_that_disagree_with_the_rows_are_recounted() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n"), 1).await.unwrap();
        store
            .apply_batches(
                &[batch(
                    "n",
                    1,
                    vec![dev("/usr/bin/ls", Severity::Critical, "x")],
                    vec![],
                )],
                2,
            )
            .await
            .unwrap();
        sqlx::query("UPDATE nodes SET open_critical = 0, open_low = 3 WHERE node_id = 'n'")
            .execute(&store.writer)
            .await
            .unwrap();
        let (counts, top) = store.open_summary("n").await.unwrap();
        assert_eq!(top.len(), 1);
        assert_eq!(
            (counts.total(), counts.get(Severity::Critical)),
            (1, 1),
            "recounted from the rows"
        );
        let node = store.node("n").await.unwrap().unwrap();
        assert_eq!(
            (node.deviation_count, node.max_severity.as_str()),
            (1, "critical")
        );
    }
}

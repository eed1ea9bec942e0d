//! Batches, open counts and the collector's findings.

use plumb_proto::v1::{Deviation, Severity};

use super::*;
use crate::model::NodeStatus;

#[tokio::test]
async fn batches_apply_once_and_resolve() {
    for (store, _dir) in stores().await {
        assert_eq!(
            store
                .hello(&hello("n1"), "r:1", 1)
                .await
                .unwrap()
                .map(|g| (g.last_seq, g.status)),
            Some((0, NodeStatus::Clean))
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
        assert_eq!(node.max_severity, Some(Severity::Critical));

        let b2 = batch("n1", 2, vec![], vec!["/usr/bin/ls"]);
        store.apply_batches(&[b2], 4).await.unwrap();
        let open = store.deviations("n1", Some(true), 100).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].key, "/etc/motd");
        let resolved = store.deviations("n1", Some(false), 100).await.unwrap();
        assert_eq!(resolved[0].resolved_at, Some(4));
        assert_eq!(
            store
                .hello(&hello("n1"), "r:1", 5)
                .await
                .unwrap()
                .unwrap()
                .last_seq,
            2,
            "hello reports the last stored seq"
        );
    }
}

#[tokio::test]
async fn full_state_replaces_the_open_set_without_reopening() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n1"), "r:1", 1).await.unwrap();
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
            (b.first_seen, b.severity, b.actual.as_str()),
            (2, Severity::High, "2"),
            "updated in place"
        );
    }
}

#[tokio::test]
async fn unknown_node_batches_are_refused_and_others_still_apply() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n1"), "r:1", 1).await.unwrap();
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
async fn a_node_cannot_store_more_open_deviations_than_the_ceiling() {
    for (mut store, _dir) in stores().await {
        store.max_open_per_node = 10;
        store.hello(&hello("flood"), "r:1", 1).await.unwrap();
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
        assert_eq!(ceiling.severity, Severity::Critical);
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
        assert_eq!(
            open.iter()
                .filter(|d| d.kind != DeviationKind::Integrity)
                .count(),
            3
        );
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
            store.hello(&hello(n), "r:1", 1).await.unwrap();
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
                        None
                    } else {
                        Severity::try_from(max as i32).ok()
                    },
                    "{n} after group {group}"
                );
            }
        }
    }
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
    store.hello(&hello("n"), "r:1", 1).await.unwrap();
    // Another writer has inserted the same open deviation, not committed yet.
    let mut other = store.writer.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO deviations (node_id, kind, dkey, severity, expected, actual, changes, package, explained_by, first_seen, resolved_at) \
         VALUES ('n', 'file_modified', '/usr/bin/ls', 2, '', 'old', '', '', '', 1, NULL)",
    )
    .execute(&mut *other)
    .await
    .unwrap();
    super::deviations::refresh_counts(&mut other, "n")
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
        store.hello(&hello("n"), "r:1", 1).await.unwrap();
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

/// Counts that disagree with the rows (here set by hand) are recounted
/// before the policy sees them: an open deviation is never judged on
/// counts that say the node has none.
#[tokio::test]
async fn counts_that_disagree_with_the_rows_are_recounted() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n"), "r:1", 1).await.unwrap();
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
            (node.deviation_count, node.max_severity),
            (1, Some(Severity::Critical))
        );
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

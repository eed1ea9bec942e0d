//! Node lists, lifecycle, the flag queue, paging and silence.

use plumb_proto::v1::{Deviation, Severity};

use super::*;
use crate::model::{NodeStatus, StoredDeviation};

#[tokio::test]
async fn status_transitions_are_recorded_and_filterable() {
    for (store, _dir) in stores().await {
        for n in ["a", "b", "c"] {
            store.hello(&hello(n), "r:1", 1).await.unwrap();
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
            status: Some(NodeStatus::Flagged),
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
            store.hello(&hello(&node), "r:1", 1).await.unwrap();
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
async fn node_lists_page_by_cursor_in_every_sort_order() {
    for (store, _dir) in stores().await {
        for i in 0..57 {
            let node = format!("n{i:03}");
            store.hello(&hello(&node), "r:1", i % 7).await.unwrap();
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
        store.hello(&hello("n1"), "r:1", 1).await.unwrap();
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

/// Only nodes past their silence come back from the silence query, by
/// their own heartbeat period or by the policy's fixed silence.
#[tokio::test]
async fn quiet_nodes_are_those_past_their_silence() {
    use crate::policy::Silence;
    for (store, _dir) in stores().await {
        for (node, hb) in [
            ("fast", 10),
            ("slow", 60),
            ("gone", 10),
            ("held", 10),
            ("orphan", 10),
        ] {
            let mut h = hello(node);
            h.heartbeat_secs = hb;
            // The hello names the replica that holds the stream.
            let holder = if node == "orphan" { "dead:1" } else { "r:1" };
            store.hello(&h, holder, 1_000).await.unwrap();
        }
        // A stream that ended at once: unheld, last heard from at 1 s.
        store.stream_closed("gone", "r:1", 1_000).await.unwrap();
        // Streams that ended at 100 s: unheld, last heard from then.
        for node in ["fast", "slow"] {
            store.stream_opened(node, "r:1", 1_000).await.unwrap();
            store.stream_closed(node, "r:1", 100_000).await.unwrap();
        }
        // A live replica holds "held": its silence is that replica's to
        // judge, from memory, whatever its stored last_seen says.
        store.stream_opened("held", "r:1", 1_000).await.unwrap();
        // A replica that died held "orphan" and was last alive at 125 s.
        store
            .stream_opened("orphan", "dead:1", 1_000)
            .await
            .unwrap();
        assert_eq!(store.release_holder("dead:1", 125_000).await.unwrap(), 1);
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
        // The dead replica's node counts its silence from the replica's
        // last sign of life; the held node never comes back.
        assert_eq!(
            names(
                store
                    .quiet_nodes(160_000, Silence::Heartbeats(3))
                    .await
                    .unwrap()
            ),
            ["fast", "gone", "orphan"]
        );
        assert!(store
            .quiet_nodes(100_500, Silence::Heartbeats(3))
            .await
            .unwrap()
            .iter()
            .all(|r| r.0 == "gone"));
    }
}

/// A stored status the schema does not allow is an error naming the row,
/// at registration as everywhere: never decoded as `clean`.
#[tokio::test]
async fn an_unknown_stored_status_is_an_error_not_clean() {
    for (store, _dir) in stores().await {
        store.hello(&hello("odd"), "r:1", 1_000).await.unwrap();
        sqlx::query("UPDATE nodes SET status = 'compromised?' WHERE node_id = 'odd'")
            .execute(&store.writer)
            .await
            .unwrap();
        let err = store
            .hello(&hello("odd"), "r:1", 2_000)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("node \"odd\"") && err.contains("compromised?"),
            "{err}"
        );
        let err = store.node("odd").await.unwrap_err().to_string();
        assert!(err.contains("compromised?"), "{err}");
    }
}

/// A node's exec monitor and reasons are decoded strictly too: a value
/// the schema does not allow is an error naming the node, not text
/// passed on or an empty list.
#[tokio::test]
async fn a_nodes_exec_monitor_and_reasons_are_decoded_strictly() {
    for (store, _dir) in stores().await {
        store.hello(&hello("odd"), "r:1", 1_000).await.unwrap();
        let node = store.node("odd").await.unwrap().unwrap();
        assert_eq!(node.exec_monitor, plumb_proto::v1::ExecMonitor::Fanotify);
        for (column, value) in [("exec_monitor", "inotify"), ("reasons", "not json")] {
            sqlx::query(&format!(
                "UPDATE nodes SET {column} = $1 WHERE node_id = 'odd'"
            ))
            .bind(value)
            .execute(&store.writer)
            .await
            .unwrap();
            let err = store.node("odd").await.unwrap_err().to_string();
            assert!(err.contains("\"odd\"") && err.contains(column), "{err}");
            sqlx::query(&format!(
                "UPDATE nodes SET {column} = $1 WHERE node_id = 'odd'"
            ))
            .bind(if column == "reasons" {
                "[]"
            } else {
                "fanotify"
            })
            .execute(&store.writer)
            .await
            .unwrap();
        }
    }
}

/// A hello is one statement: the node registered and held, its stream
/// recorded, and what the findings need back (the registry's digest, an
/// open digest finding); a revoked node, or one enrolled for another
/// image, is refused by the same statement with nothing written.
#[tokio::test]
async fn a_hello_registers_holds_and_answers_in_one_statement() {
    for (store, _dir) in stores().await {
        let g = store
            .hello(&hello("n1"), "r:1", 1_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(g.registry_digest, None);
        assert!(!g.digest_finding_open);
        let holders: Vec<(String, String)> =
            sqlx::query_as("SELECT node_id, holder FROM streams ORDER BY node_id")
                .fetch_all(&store.writer)
                .await
                .unwrap();
        assert_eq!(holders, vec![("n1".to_string(), "r:1".to_string())]);

        store
            .put_manifest("img-1", "d-1", b"m", 1, &[], false, &[], false, 1)
            .await
            .unwrap();
        store
            .record_finding("n1", "manifest_digest", "registry digest d-1", "abc", 2_000)
            .await
            .unwrap();
        let g = store
            .hello(&hello("n1"), "r:2", 3_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(g.registry_digest.as_deref(), Some("d-1"));
        assert!(g.digest_finding_open);
        let holder: String = sqlx::query_scalar("SELECT holder FROM streams WHERE node_id = 'n1'")
            .fetch_one(&store.writer)
            .await
            .unwrap();
        assert_eq!(holder, "r:2", "the stream moved with the hello");

        // Enrolled for img-1: a hello for another image is refused.
        sqlx::query("INSERT INTO node_certs (serial, node_id, image_id, issued_at) VALUES ('s-3', 'n3', 'img-1', 1)")
            .execute(&store.writer)
            .await
            .unwrap();
        let mut other = hello("n3");
        other.image_id = "img-2".into();
        assert_eq!(store.hello(&other, "r:1", 4_000).await.unwrap(), None);
        assert!(store.node("n3").await.unwrap().is_none(), "nothing written");
        assert!(store
            .hello(&hello("n3"), "r:1", 4_000)
            .await
            .unwrap()
            .is_some());

        // Revoked: refused, its row untouched, no stream recorded.
        store.stream_closed("n1", "r:2", 5_000).await.unwrap();
        store.revoke_node("n1", "test", 5_000).await.unwrap();
        assert_eq!(store.hello(&hello("n1"), "r:1", 6_000).await.unwrap(), None);
        assert_eq!(store.node("n1").await.unwrap().unwrap().last_seen, 5_000);
        let streams: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM streams WHERE node_id = 'n1'")
            .fetch_one(&store.writer)
            .await
            .unwrap();
        assert_eq!(streams, 0);
        assert_eq!(store.standing("n1").await.unwrap(), (true, None));
    }
}

/// Nodes per image are served from a snapshot: a node registered since
/// is counted once the snapshot is older than a couple of seconds (the
/// request that finds it so still gets the old answer at once, and a
/// refresh runs behind it), or at once when counted anew.
#[tokio::test]
async fn nodes_per_image_come_from_a_snapshot_refreshed_behind_the_reads() {
    let total = |counts: Vec<(String, NodeStatus, i64)>| counts.iter().map(|c| c.2).sum::<i64>();
    for (store, _dir) in stores().await {
        store.hello(&hello("n1"), "r:1", 1).await.unwrap();
        assert_eq!(total(store.image_status_counts().await.unwrap()), 1);
        store.hello(&hello("n2"), "r:1", 1).await.unwrap();
        assert_eq!(
            total(store.image_status_counts().await.unwrap()),
            1,
            "a fresh snapshot is served as it is"
        );
        assert_eq!(total(store.count_images_now().await.unwrap().to_vec()), 2);
        assert_eq!(total(store.image_status_counts().await.unwrap()), 2);
        store.hello(&hello("n3"), "r:1", 1).await.unwrap();
        let mut seen = 0;
        for _ in 0..50 {
            seen = total(store.image_status_counts().await.unwrap());
            if seen == 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(seen, 3, "the snapshot is refreshed behind the reads");

        // Open deviations by severity: the same (a scrape every few
        // seconds on each replica joins every open deviation otherwise).
        let open = |counts: Vec<(String, i64)>| counts.iter().map(|c| c.1).sum::<i64>();
        let before = open(store.open_by_severity().await.unwrap());
        store
            .record_finding("n1", "manifest_digest", "registry digest d-1", "abc", 2)
            .await
            .unwrap();
        assert_eq!(
            open(store.open_by_severity().await.unwrap()),
            before,
            "served as it is while fresh"
        );
        let mut seen = before;
        for _ in 0..50 {
            seen = open(store.open_by_severity().await.unwrap());
            if seen == before + 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(seen, before + 1, "refreshed behind the reads");
    }
}

/// A replica follows the transitions others record by id: what came after
/// its cursor, and the ids it read past while their transactions were
/// still open (PostgreSQL takes an id at insert, and another replica's
/// higher id may commit first).
#[tokio::test]
async fn transitions_are_followed_by_id_including_those_committed_late() {
    for (store, _dir) in stores().await {
        for n in ["a", "b", "c"] {
            store.hello(&hello(n), "r:1", 1).await.unwrap();
        }
        let flag = |n: &'static str, at: i64| {
            let store = store.clone();
            async move {
                let reasons = vec!["x".to_string()];
                store
                    .set_status(
                        n,
                        &change(
                            NodeStatus::Clean,
                            NodeStatus::Flagged,
                            "policy",
                            &reasons,
                            at,
                        ),
                    )
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        let (last, recent) = store.transitions_start(0).await.unwrap();
        assert_eq!((last, recent.len()), (0, 0));
        let a = flag("a", 10).await;
        let (last, recent) = store.transitions_start(10).await.unwrap();
        assert_eq!((last, recent), (a.id, vec![a.id]));
        assert!(store.transitions_start(11).await.unwrap().1.is_empty());

        // Another replica's transition, its transaction still open while
        // a later one commits (PostgreSQL only: SQLite has one writer).
        let open = if store.backend == Backend::Postgres {
            let mut tx = store.pool.begin().await.unwrap();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO transitions (node_id, from_status, to_status, cause, reasons, at) \
                 VALUES ('c', 'clean', 'drifted', 'policy', '[]', 20) RETURNING id",
            )
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            Some((tx, id))
        } else {
            None
        };
        let b = flag("b", 30).await;
        let after = store.transitions_after(a.id, 100).await.unwrap();
        assert_eq!(after.len(), 1, "{after:?}");
        let (t, node) = &after[0];
        assert_eq!((t.id, t.node_id.as_str()), (b.id, "b"));
        assert_eq!(
            node.as_ref()
                .map(|(image, host)| (image.as_str(), host.as_str())),
            Some(("img-1", "b.example"))
        );
        assert!(store.transitions_after(b.id, 100).await.unwrap().is_empty());
        if let Some((tx, id)) = open {
            assert!(id < b.id);
            assert!(store.transitions_with_ids(&[id]).await.unwrap().is_empty());
            tx.commit().await.unwrap();
            let late = store
                .transitions_with_ids(&[id, b.id + 1_000])
                .await
                .unwrap();
            assert_eq!(late.len(), 1);
            assert_eq!((late[0].0.id, late[0].0.to.as_str()), (id, "drifted"));
        }
        assert!(store.transitions_with_ids(&[]).await.unwrap().is_empty());
        let both = store.transitions_with_ids(&[b.id, a.id]).await.unwrap();
        let ids: Vec<i64> = both.iter().map(|(t, _)| t.id).collect();
        assert_eq!(ids, vec![a.id, b.id], "oldest first");
    }
}

/// Hellos written together answer each as it would alone: registered and
/// held, refused for another image or a revocation (nothing written for
/// them), a retired node answered as retired and not held; a node twice
/// in one call is written twice, in order.
#[tokio::test]
async fn hellos_in_one_statement_answer_each_as_alone() {
    for (store, _dir) in stores().await {
        store
            .put_manifest("img-1", "d-1", b"m", 1, &[], false, &[], false, 1)
            .await
            .unwrap();
        store.hello(&hello("old"), "r:1", 1_000).await.unwrap();
        store
            .record_finding(
                "old",
                "manifest_digest",
                "registry digest d-1",
                "abc",
                2_000,
            )
            .await
            .unwrap();
        sqlx::query("INSERT INTO node_certs (serial, node_id, image_id, issued_at) VALUES ('s-1', 'other', 'img-9', 1)")
            .execute(&store.writer)
            .await
            .unwrap();
        store.hello(&hello("gone"), "r:1", 1_000).await.unwrap();
        store.stream_closed("gone", "r:1", 1_500).await.unwrap();
        store.revoke_node("gone", "test", 2_000).await.unwrap();
        store.hello(&hello("ret"), "r:1", 1_000).await.unwrap();
        store
            .set_status(
                "ret",
                &change(
                    NodeStatus::Clean,
                    NodeStatus::Retired,
                    "retired",
                    &[],
                    2_000,
                ),
            )
            .await
            .unwrap();

        let found = store
            .hellos(
                &[
                    hello("new"),
                    hello("old"),
                    hello("other"),
                    hello("gone"),
                    hello("ret"),
                ],
                "r:2",
                9_000,
            )
            .await
            .unwrap();
        let new = found[0].clone().unwrap();
        assert_eq!(
            (new.status, new.last_seq, new.registry_digest.as_deref()),
            (NodeStatus::Clean, 0, Some("d-1"))
        );
        let old = found[1].clone().unwrap();
        assert!(old.digest_finding_open, "{old:?}");
        assert_eq!(found[2], None, "enrolled for another image");
        assert_eq!(found[3], None, "revoked");
        assert_eq!(found[4].as_ref().unwrap().status, NodeStatus::Retired);
        assert!(
            store.node("other").await.unwrap().is_none(),
            "nothing written"
        );
        assert_eq!(store.node("gone").await.unwrap().unwrap().last_seen, 1_500);
        assert_eq!(store.node("new").await.unwrap().unwrap().last_seen, 9_000);
        let holders: Vec<(String, String)> =
            sqlx::query_as("SELECT node_id, holder FROM streams ORDER BY node_id")
                .fetch_all(&store.writer)
                .await
                .unwrap();
        let held: Vec<(&str, &str)> = holders
            .iter()
            .map(|(n, h)| (n.as_str(), h.as_str()))
            .collect();
        assert!(
            held.contains(&("new", "r:2")) && held.contains(&("old", "r:2")),
            "{held:?}"
        );
        assert!(
            !held.iter().any(|(n, h)| *n == "ret" && *h == "r:2"),
            "a retired node is not held: {held:?}"
        );

        // The same node twice: both answered, the second after the first.
        let mut again = hello("new");
        again.hostname = "renamed".into();
        let twice = store
            .hellos(&[hello("new"), again], "r:3", 10_000)
            .await
            .unwrap();
        assert!(twice.iter().all(Option::is_some));
        assert_eq!(
            store.node("new").await.unwrap().unwrap().hostname,
            "renamed"
        );
    }
}

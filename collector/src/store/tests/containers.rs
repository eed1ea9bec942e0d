//! Containers' open counts: kept by the batch writer's deltas, recounted
//! on a full state and when a list names a container whose deviations came
//! first, and what the listings and the fleet per image read from them.

use plumb_proto::v1::{ContainerInfo, DeviationKind, DeviationRef, Severity};

use super::*;

fn info(id: &str, name: &str, image: &str) -> ContainerInfo {
    ContainerInfo {
        id: id.into(),
        name: name.into(),
        runtime: "podman".into(),
        image: format!("local/{image}"),
        image_id: image.into(),
        status: plumb_proto::v1::ContainerStatus::Verified as i32,
        ..Default::default()
    }
}

fn in_container(container: &str, key: &str, sev: Severity) -> Deviation {
    Deviation {
        container: container.into(),
        ..dev(key, sev, "x")
    }
}

/// Each container's (open count, worst severity), by id.
async fn counts(store: &Store, node: &str) -> Vec<(String, i64, Option<Severity>, bool)> {
    let list = store
        .containers(&ContainerFilter {
            node_id: Some(node.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut out: Vec<_> = list
        .into_iter()
        .map(|c| (c.container_id, c.open_deviations, c.max_severity, c.drifted))
        .collect();
    out.sort();
    out
}

async fn listed(store: &Store, status: &str) -> Vec<String> {
    let mut ids: Vec<String> = store
        .containers(&ContainerFilter {
            state: plumb_proto::container_state_from_snake(status),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.container_id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn container_counts_follow_batches_lists_and_full_states() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n"), "r:1", 1).await.unwrap();
        store
            .replace_containers(
                "n",
                &[info("a", "web", "img-a"), info("b", "db", "img-b")],
                1,
            )
            .await
            .unwrap();
        // Deviations in a, one on the node, and one in c, which is not
        // listed yet.
        let b1 = batch(
            "n",
            1,
            vec![
                in_container("a", "/etc/x", Severity::Medium),
                in_container("a", "/tmp/tool", Severity::Critical),
                dev("/usr/bin/ls", Severity::High, "y"),
                in_container("c", "/srv/f", Severity::Low),
            ],
            vec![],
        );
        store.apply_batches(&[b1], 2).await.unwrap();
        assert_eq!(
            counts(&store, "n").await,
            vec![
                ("a".into(), 2, Some(Severity::Critical), true),
                ("b".into(), 0, None, false),
            ]
        );
        assert_eq!(listed(&store, "drifted").await, vec!["a".to_string()]);
        assert_eq!(listed(&store, "verified").await, vec!["b".to_string()]);

        // The same key in another container is another deviation; a
        // refresh of one changes its severity, not the count.
        let b2 = batch(
            "n",
            2,
            vec![
                in_container("b", "/etc/x", Severity::Low),
                in_container("a", "/etc/x", Severity::High),
            ],
            vec![],
        );
        store.apply_batches(&[b2], 3).await.unwrap();
        assert_eq!(
            counts(&store, "n").await,
            vec![
                ("a".into(), 2, Some(Severity::Critical), true),
                ("b".into(), 1, Some(Severity::Low), true),
            ]
        );

        // c's list arrives after its deviation: it starts counted.
        store
            .replace_containers(
                "n",
                &[
                    info("a", "web", "img-a"),
                    info("b", "db", "img-b"),
                    info("c", "cache", "img-a"),
                ],
                4,
            )
            .await
            .unwrap();
        assert_eq!(
            counts(&store, "n").await[2],
            ("c".into(), 1, Some(Severity::Low), true)
        );

        // Resolutions by (container, kind, key): only that container's.
        let mut b3 = batch("n", 3, vec![], vec![]);
        b3.resolved = ["a", "b"]
            .iter()
            .map(|c| DeviationRef {
                kind: DeviationKind::FileModified as i32,
                key: if *c == "a" { "/tmp/tool" } else { "/etc/x" }.into(),
                container: c.to_string(),
            })
            .collect();
        store.apply_batches(&[b3], 5).await.unwrap();
        let now = counts(&store, "n").await;
        assert_eq!(now[0], ("a".into(), 1, Some(Severity::High), true));
        assert_eq!(now[1], ("b".into(), 0, None, false));
        assert_eq!(
            listed(&store, "drifted").await,
            vec!["a".to_string(), "c".to_string()]
        );

        // The fleet per image reads the same counts.
        let images = store.container_images().await.unwrap();
        let a = images.iter().find(|i| i.image_id == "img-a").unwrap();
        assert_eq!((a.running, a.drifted, a.nodes), (2, 2, 1));
        let b = images.iter().find(|i| i.image_id == "img-b").unwrap();
        assert_eq!((b.running, b.drifted), (1, 0));

        // A full state recounts: what it does not carry resolves.
        let mut b4 = batch(
            "n",
            4,
            vec![in_container("c", "/srv/f", Severity::Low)],
            vec![],
        );
        b4.full_state = true;
        store.apply_batches(&[b4], 6).await.unwrap();
        assert_eq!(
            counts(&store, "n").await,
            vec![
                ("a".into(), 0, None, false),
                ("b".into(), 0, None, false),
                ("c".into(), 1, Some(Severity::Low), true),
            ]
        );
        let node = store.node("n").await.unwrap().unwrap();
        assert_eq!(
            node.deviation_count, 1,
            "the node counts its containers' too"
        );

        // A container that leaves and comes back is counted afresh.
        store
            .replace_containers("n", &[info("a", "web", "img-a")], 7)
            .await
            .unwrap();
        store
            .replace_containers(
                "n",
                &[info("a", "web", "img-a"), info("c", "cache", "img-a")],
                8,
            )
            .await
            .unwrap();
        assert_eq!(
            counts(&store, "n").await[1],
            ("c".into(), 1, Some(Severity::Low), true)
        );
    }
}

/// The container key: the Rust function, PostgreSQL's migration and
/// SQLite's keying of stored rows agree, and the keyed rows stay unique
/// per container.
#[tokio::test]
async fn container_keys_agree_between_the_store_and_its_migrations() {
    let ids = [
        "a".to_string(),
        format!("{:064x}", 12345),
        "k8s_app-0_pod".to_string(),
    ];
    assert_eq!(super::super::deviations::container_key(""), 0);
    for id in &ids {
        assert!(super::super::deviations::container_key(id) > 0);
    }
    if let Some(pg) = fresh_postgres() {
        let store = Store::connect(&pg.url).await.unwrap();
        for id in &ids {
            let k: i64 = sqlx::query_scalar(
                "SELECT ('x' || substr(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint \
                 & 9223372036854775807",
            )
            .bind(id)
            .fetch_one(&store.writer)
            .await
            .unwrap();
            assert_eq!(k, super::super::deviations::container_key(id), "{id}");
        }
    }
    // SQLite keys stored rows when it opens a database whose index is not
    // built yet (as migration 0010 leaves it).
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plumb.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.hello(&hello("n"), "r:1", 1).await.unwrap();
    let b = batch(
        "n",
        1,
        ids.iter()
            .map(|c| in_container(c, "/etc/x", Severity::High))
            .chain([dev("/etc/x", Severity::Low, "y")])
            .collect(),
        vec![],
    );
    store.apply_batches(&[b], 2).await.unwrap();
    sqlx::query("DROP INDEX deviations_open")
        .execute(&store.writer)
        .await
        .unwrap();
    sqlx::query("UPDATE deviations SET cref = 0")
        .execute(&store.writer)
        .await
        .unwrap();
    drop(store);
    let store = Store::connect(&url).await.unwrap();
    let keyed: Vec<(String, i64)> =
        sqlx::query_as("SELECT container, cref FROM deviations ORDER BY container")
            .fetch_all(&store.writer)
            .await
            .unwrap();
    assert_eq!(keyed.len(), 4);
    for (container, cref) in keyed {
        assert_eq!(
            cref,
            super::super::deviations::container_key(&container),
            "{container:?}"
        );
    }
    // The index is back: the same (container, kind, key) again is the
    // same open deviation, not a second one.
    let again = batch(
        "n",
        2,
        vec![in_container(&ids[0], "/etc/x", Severity::Low)],
        vec![],
    );
    store.apply_batches(&[again], 3).await.unwrap();
    assert_eq!(store.node("n").await.unwrap().unwrap().deviation_count, 4);
}

/// A database written before migration 0010 (a container's deviations
/// keyed by its id, no counts on the containers), opened by this store:
/// on each backend its stored rows get the store's container keys, each
/// container its open counts, and the open key holds again.
#[tokio::test]
async fn a_database_from_before_container_keys_upgrades_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let pg = fresh_postgres();
    let mut urls = vec![(
        "sqlite",
        format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display()),
    )];
    if let Some(pg) = &pg {
        urls.push(("postgres", pg.url.clone()));
    }
    let a = format!("{:064x}", 7);
    for (backend, url) in urls {
        // The schema as the migrations before 0010 left it.
        let old = tempfile::tempdir().unwrap();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        for entry in std::fs::read_dir(&src).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            if name.as_str() < "0010" {
                std::fs::copy(entry.path(), old.path().join(&name)).unwrap();
            }
        }
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::migrate::Migrator::new(old.path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO nodes (node_id, hostname, image_id, manifest_digest, agent_version, boot_id, status, \
             status_since, reasons, first_seen, last_seen, last_seq, heartbeat_secs, open_count, max_severity, \
             open_low, open_medium, open_high) \
             VALUES ('n', 'n.example', 'img-1', 'abc', '0.1.0', 'b', 'drifted', 1, '[]', 1, 1, 1, 10, 4, 3, 2, 1, 1)",
        )
        .execute(&pool)
        .await
        .unwrap();
        for id in [a.as_str(), "b"] {
            sqlx::query(
                "INSERT INTO containers (node_id, container_id, name, runtime, image, image_id, pod, namespace, \
                 pod_container, status, started, processes, first_seen, last_seen) \
                 VALUES ('n', $1, $1, 'podman', 'local/x', 'sha256:x', '', '', '', 'verified', 1, 1, 1, 1)",
            )
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        }
        let rows: [(&str, &str, Severity, Option<i64>); 5] = [
            (&a, "/etc/x", Severity::High, None),
            (&a, "/etc/y", Severity::Low, None),
            (&a, "/etc/z", Severity::Critical, Some(1)),
            ("b", "/etc/x", Severity::Medium, None),
            ("", "/etc/x", Severity::Low, None),
        ];
        for (container, key, sev, resolved) in rows {
            sqlx::query(
                "INSERT INTO deviations (node_id, container, kind, dkey, severity, expected, actual, changes, \
                 package, explained_by, first_seen, resolved_at) \
                 VALUES ('n', $1, 'file_modified', $2, $3, 'e', 'a', '', '', '', 1, $4)",
            )
            .bind(container)
            .bind(key)
            .bind(sev as i64)
            .bind(resolved)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;

        let store = Store::connect(&url).await.unwrap();
        let keyed: Vec<(String, i64)> = sqlx::query_as("SELECT container, cref FROM deviations")
            .fetch_all(&store.writer)
            .await
            .unwrap();
        assert_eq!(keyed.len(), 4, "{backend}: the open ones");
        let resolved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resolved_deviations")
            .fetch_one(&store.writer)
            .await
            .unwrap();
        assert_eq!(
            resolved, 1,
            "{backend}: the resolved one, moved by migration 0015"
        );
        for (container, cref) in keyed {
            assert_eq!(
                cref,
                super::super::deviations::container_key(&container),
                "{backend}: {container:?}"
            );
        }
        assert_eq!(
            counts(&store, "n").await,
            vec![
                (a.clone(), 2, Some(Severity::High), true),
                ("b".into(), 1, Some(Severity::Medium), true),
            ],
            "{backend}"
        );
        // The same deviation reported again is the stored one, not a
        // second: the key the upgrade built matches the writer's.
        let again = batch(
            "n",
            2,
            vec![
                in_container(&a, "/etc/x", Severity::High),
                dev("/etc/x", Severity::Low, "x"),
            ],
            vec![],
        );
        store.apply_batches(&[again], 3).await.unwrap();
        assert_eq!(
            store.node("n").await.unwrap().unwrap().deviation_count,
            4,
            "{backend}"
        );
        assert_eq!(counts(&store, "n").await[0].1, 2, "{backend}");
    }
}

/// A listed container was last seen when its node last spoke: an
/// unchanged list is not written again, and stands until then.
#[tokio::test]
async fn a_listed_container_is_last_seen_with_its_node() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n"), "r:1", 1).await.unwrap();
        store
            .replace_containers("n", &[info("a", "web", "img-a")], 5)
            .await
            .unwrap();
        let last_seen = |store: &Store| {
            let store = store.clone();
            async move {
                store
                    .containers(&ContainerFilter {
                        node_id: Some("n".into()),
                        ..Default::default()
                    })
                    .await
                    .unwrap()[0]
                    .last_seen
            }
        };
        assert_eq!(last_seen(&store).await, 5);
        store.touch(&[("n".into(), 100)], "r:1").await.unwrap();
        assert_eq!(last_seen(&store).await, 100);
        // The same list again changes nothing stored; the node's contact
        // still dates it.
        store
            .replace_containers("n", &[info("a", "web", "img-a")], 150)
            .await
            .unwrap();
        store.touch(&[("n".into(), 200)], "r:1").await.unwrap();
        assert_eq!(last_seen(&store).await, 200);
    }
}

/// A stored container status outside the closed set is an error naming
/// the container, never read as some status.
#[tokio::test]
async fn an_unknown_stored_container_status_is_an_error_naming_the_row() {
    for (store, _dir) in stores().await {
        store.hello(&hello("n"), "r:1", 1).await.unwrap();
        store
            .replace_containers("n", &[info("c1", "web", "sha256:aa")], 1)
            .await
            .unwrap();
        sqlx::query("UPDATE containers SET status = 'fine, trust me' WHERE container_id = 'c1'")
            .execute(&store.writer)
            .await
            .unwrap();
        let err = store
            .containers(&ContainerFilter::default())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("container \"c1\"") && err.contains("fine, trust me"),
            "{err}"
        );
    }
}

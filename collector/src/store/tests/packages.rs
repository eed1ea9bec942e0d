//! The package inventory: packages of registered images by name or by
//! source package, versions filtered in each package manager's order, and
//! the nodes and containers running each image.

use plumb_proto::v1::{ContainerInfo, ContainerStatus, Package, PackageManager};

use super::*;
use crate::store::{ImageKind, VersionFilter};

fn dpkg(name: &str, version: &str, source: &str, source_version: &str) -> Package {
    Package {
        manager: PackageManager::Dpkg as i32,
        name: name.into(),
        version: version.into(),
        arch: "amd64".into(),
        source: source.into(),
        source_version: source_version.into(),
    }
}

async fn push(store: &Store, image: &str, packages: &[Package], container: bool) {
    store
        .put_manifest(
            image,
            &format!("d-{image}"),
            b"m",
            1,
            packages,
            container,
            &[],
            false,
            1,
        )
        .await
        .unwrap();
}

fn images(rows: &[crate::store::ImagePackage]) -> Vec<(String, String, i64, i64)> {
    rows.iter()
        .map(|r| (r.image_id.clone(), r.version.clone(), r.nodes, r.containers))
        .collect()
}

#[tokio::test]
async fn images_carrying_a_package_are_found_by_name_source_and_version_order() {
    for (store, _dir) in stores().await {
        // Three machine images with three builds of libssl3 (source
        // openssl), one container image with openssl itself.
        push(
            &store,
            "ami-old",
            &[dpkg("libssl3", "3.0.14-1~deb12u2", "openssl", "")],
            false,
        )
        .await;
        push(
            &store,
            "ami-sec",
            &[dpkg("libssl3", "3.0.15-1~deb12u1", "openssl", "")],
            false,
        )
        .await;
        push(
            &store,
            "ami-new",
            &[dpkg("libssl3", "3.0.15-1", "openssl", "")],
            false,
        )
        .await;
        push(
            &store,
            "sha256:app",
            &[dpkg("openssl", "3.0.15-1~deb12u1", "", "")],
            true,
        )
        .await;
        for (n, image) in [("a", "ami-old"), ("b", "ami-old"), ("c", "ami-new")] {
            let mut h = hello(n);
            h.image_id = image.into();
            store.hello(&h, "r:1", 1).await.unwrap();
        }
        let c = ContainerInfo {
            id: "c1".into(),
            image_id: "sha256:app".into(),
            status: ContainerStatus::Verified as i32,
            ..Default::default()
        };
        store.replace_containers("c", &[c], 1).await.unwrap();

        let all = store
            .packages("libssl3", &VersionFilter::Any)
            .await
            .unwrap();
        assert_eq!(
            images(&all),
            [
                ("ami-new".into(), "3.0.15-1".into(), 1, 0),
                ("ami-old".into(), "3.0.14-1~deb12u2".into(), 2, 0),
                ("ami-sec".into(), "3.0.15-1~deb12u1".into(), 0, 0),
            ]
        );
        assert!(all
            .iter()
            .all(|r| r.source == "openssl" && r.image_kind == ImageKind::Machine));
        // The package's own name stands for its source when there is none.
        assert_eq!(all[0].source_version, "3.0.15-1");

        // `~` sorts before the release: 3.0.15-1~deb12u1 < 3.0.15-1.
        let below = store
            .packages("libssl3", &VersionFilter::Below("3.0.15-1".into()))
            .await
            .unwrap();
        assert_eq!(
            below
                .iter()
                .map(|r| r.image_id.as_str())
                .collect::<Vec<_>>(),
            ["ami-old", "ami-sec"]
        );
        // By source package, as advisories name it: the container image's
        // openssl and every libssl3.
        let by_source = store
            .packages("openssl", &VersionFilter::Below("3.0.15-1~deb12u1".into()))
            .await
            .unwrap();
        assert_eq!(
            by_source
                .iter()
                .map(|r| r.image_id.as_str())
                .collect::<Vec<_>>(),
            ["ami-old"]
        );
        let exactly = store
            .packages(
                "openssl",
                &VersionFilter::Exactly("3.0.15-1~deb12u1".into()),
            )
            .await
            .unwrap();
        assert_eq!(
            exactly
                .iter()
                .map(|r| (r.image_id.as_str(), r.image_kind, r.containers))
                .collect::<Vec<_>>(),
            [
                ("ami-sec", ImageKind::Machine, 0),
                ("sha256:app", ImageKind::Container, 1)
            ]
        );
        // A replaced manifest replaces its packages.
        store
            .put_manifest("ami-old", "d-2", b"m2", 1, &[], false, &[], true, 2)
            .await
            .unwrap();
        assert!(store
            .packages(
                "libssl3",
                &VersionFilter::Exactly("3.0.14-1~deb12u2".into())
            )
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test]
async fn manifests_registered_before_the_inventory_are_indexed_once() {
    use prost::Message as _;
    for (store, _dir) in stores().await {
        let manifest = plumb_proto::v1::Manifest {
            image_id: "ami-before".into(),
            packages: vec![dpkg("bash", "5.2.15-2+b7", "", "")],
            ..Default::default()
        };
        store
            .put_manifest(
                "ami-before",
                "d",
                &manifest.encode_to_vec(),
                1,
                &[],
                false,
                &[],
                false,
                1,
            )
            .await
            .unwrap();
        // As a database from before migration 0013 has it.
        sqlx::query("DELETE FROM image_packages")
            .execute(&store.writer)
            .await
            .unwrap();
        sqlx::query("UPDATE manifests SET indexed = 0")
            .execute(&store.writer)
            .await
            .unwrap();
        assert_eq!(store.index_packages().await.unwrap(), 1);
        assert_eq!(store.index_packages().await.unwrap(), 0);
        let rows = store.packages("bash", &VersionFilter::Any).await.unwrap();
        assert_eq!(
            images(&rows),
            [("ami-before".into(), "5.2.15-2+b7".into(), 0, 0)]
        );
    }
}

#[test]
fn a_package_query_says_what_is_wrong_with_it() {
    use crate::store::package_query;
    let s = |v: &str| Some(v.to_string());
    assert!(package_query(None, None, None)
        .unwrap_err()
        .contains("name"));
    assert!(package_query(s("x"), s("1"), s("2"))
        .unwrap_err()
        .contains("not both"));
    assert!(package_query(s("x"), None, s(&"9".repeat(300)))
        .unwrap_err()
        .contains("longer"));
    assert_eq!(
        package_query(s("openssl"), s(""), s("3.0.15")).unwrap(),
        ("openssl".to_string(), VersionFilter::Below("3.0.15".into()))
    );
}

#[tokio::test]
async fn families_show_supersession_and_the_newest_images_rollout() {
    for (store, _dir) in stores().await {
        let family = |f: &str| vec![("family".to_string(), f.to_string())];
        for (image, at, labels) in [
            ("web-1", 10, family("web")),
            ("web-2", 20, family("web")),
            ("web-3", 30, family("web")),
            ("db-1", 15, family("db")),
            ("loose", 5, vec![]),
            (
                "sha256:app2",
                40,
                vec![(
                    "org.opencontainers.image.title".to_string(),
                    "app".to_string(),
                )],
            ),
        ] {
            store
                .put_manifest(
                    image,
                    &format!("d-{image}"),
                    b"m",
                    1,
                    &[],
                    false,
                    &labels,
                    false,
                    at,
                )
                .await
                .unwrap();
        }
        for (n, image) in [
            ("a", "web-1"),
            ("b", "web-1"),
            ("c", "web-3"),
            ("d", "db-1"),
        ] {
            let mut h = hello(n);
            h.image_id = image.into();
            store.hello(&h, "r:1", 1).await.unwrap();
        }
        let c = ContainerInfo {
            id: "c9".into(),
            image_id: "sha256:app2".into(),
            status: ContainerStatus::Verified as i32,
            ..Default::default()
        };
        store.replace_containers("d", &[c], 1).await.unwrap();

        let families = store.families().await.unwrap();
        let names: Vec<&str> = families.iter().map(|f| f.family.as_str()).collect();
        assert_eq!(
            names,
            ["web", "app", "db"],
            "most nodes and containers first"
        );
        let web = &families[0];
        assert_eq!(web.newest, "web-3");
        assert_eq!(
            web.images
                .iter()
                .map(|i| (i.image_id.as_str(), i.superseded_since, i.nodes))
                .collect::<Vec<_>>(),
            [
                ("web-3", None, 1),
                ("web-2", Some(30), 0),
                ("web-1", Some(20), 2)
            ]
        );
        assert!(
            (web.newest_share - 1.0 / 3.0).abs() < 1e-9,
            "{}",
            web.newest_share
        );
        let app = &families[1];
        assert_eq!((app.newest.as_str(), app.containers), ("sha256:app2", 1));
        assert_eq!(app.newest_share, 1.0);
    }
}

#[tokio::test]
async fn images_are_due_by_supersession_past_the_grace_and_by_exposure() {
    use crate::posture::{due, PostureException, PostureRules};
    const DAY: i64 = 86_400_000;
    // Days counted from 2026-06-01 (the exceptions' dates are real ones).
    let t0 = crate::model::end_of_day_ms("2026-06-01").unwrap();
    for (store, _dir) in stores().await {
        let web = vec![("family".to_string(), "web".to_string())];
        let base = Package {
            manager: PackageManager::Dpkg as i32,
            name: "base-files".into(),
            version: "12.4+deb12u9".into(),
            ..Default::default()
        };
        let ssl = |v: &str| dpkg("libssl3", v, "openssl", "");
        store
            .put_manifest(
                "web-1",
                "d1",
                b"m",
                1,
                &[base.clone(), ssl("3.0.15-1")],
                false,
                &web,
                false,
                t0 + 10 * DAY,
            )
            .await
            .unwrap();
        store
            .put_manifest(
                "web-2",
                "d2",
                b"m",
                1,
                &[base, ssl("3.0.14-1")],
                false,
                &web,
                false,
                t0 + 20 * DAY,
            )
            .await
            .unwrap();
        for (n, image) in [("a", "web-1"), ("b", "web-2"), ("c", "web-2")] {
            let mut h = hello(n);
            h.image_id = image.into();
            store.hello(&h, "r:1", 1).await.unwrap();
        }
        let record = |id: &str, severity: &str| {
            serde_json::json!({"id": id, "aliases": [format!("CVE-{id}")],
                "database_specific": {"severity": severity},
                "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.15-1"}]}]}]})
        };
        let osv = serde_json::to_vec(&serde_json::json!([
            record("A", "high"),
            record("B", "low"),
            record("C", "critical"),
            record("D", "critical"),
        ]))
        .unwrap();
        let parsed = crate::advisories::parse("t.json", &osv).unwrap();
        store
            .import_advisories(&parsed.advisories, 0, 1)
            .await
            .unwrap();
        let rules = PostureRules {
            superseded_grace_days: 1,
            exposure_severity: Some("high".into()),
            exception: vec![
                PostureException {
                    advisory: "C".into(),
                    reason: "mitigated: the service does not use TLS".into(),
                    expires: "2999-01-01".into(),
                },
                PostureException {
                    advisory: "D".into(),
                    reason: "expired".into(),
                    expires: "2000-01-01".into(),
                },
            ],
        };
        // Half a day after web-2: web-1 within its grace, web-2 exposed.
        let list = due(&store, &rules, t0 + 20 * DAY + DAY / 2).await.unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].image_id, "web-2");
        assert_eq!(
            list[0].advisories,
            ["A", "D"],
            "B is below high, C excepted"
        );
        assert_eq!(
            (list[0].node_count, list[0].nodes.clone()),
            (2, vec!["b".into(), "c".into()])
        );
        assert!(
            list[0].reasons[0].contains("fixed in 3.0.15-1"),
            "{:?}",
            list[0].reasons
        );
        // Two days after: web-1 too, superseded past the grace.
        let list = due(&store, &rules, t0 + 22 * DAY).await.unwrap();
        let web1 = list.iter().find(|d| d.image_id == "web-1").unwrap();
        assert!(
            web1.reasons[0].contains("superseded by web-2"),
            "{:?}",
            web1.reasons
        );
        assert_eq!(web1.family.as_deref(), Some("web"));
        // Nothing is due without rules.
        assert!(due(&store, &PostureRules::default(), t0 + 22 * DAY)
            .await
            .unwrap()
            .is_empty());
    }
}

#[test]
fn posture_rules_say_what_is_wrong_with_them() {
    use crate::policy::{Policy, PolicyFile};
    let bad = |toml: &str| {
        let file: PolicyFile = toml::from_str(toml).unwrap();
        Policy::compile(file).err().unwrap().to_string()
    };
    assert!(bad("[posture]\nexposure_severity = \"urgent\"\n").contains("urgent"));
    assert!(bad(
        "[posture]\n[[posture.exception]]\nadvisory = \"A\"\nreason = \" \"\nexpires = \"2027-01-01\"\n"
    )
    .contains("needs a reason"));
    assert!(bad(
        "[posture]\n[[posture.exception]]\nadvisory = \"A\"\nreason = \"r\"\nexpires = \"soon\"\n"
    )
    .contains("soon"));
}

/// The images judged due are stored with the alerts that tell it, in one
/// transaction; a stored row the schema does not allow is an error naming
/// the image, not an empty list.
#[tokio::test]
async fn due_images_are_stored_with_their_alerts() {
    for (store, _dir) in stores().await {
        let row = crate::store::DueRow {
            image_id: "img-1".into(),
            family: Some("web".into()),
            since: 5,
            reasons: vec!["exposed to DSA-1".into()],
            advisories: vec!["DSA-1".into()],
            nodes: 3,
            containers: 1,
        };
        let alert = ("webhook:http://127.0.0.1:9/".to_string(), "{}".to_string());
        store
            .record_due(
                std::slice::from_ref(&row),
                &[],
                std::slice::from_ref(&alert),
                5,
            )
            .await
            .unwrap();
        assert_eq!(store.due_images().await.unwrap(), vec![row.clone()]);
        assert_eq!(store.outbox_pending().await.unwrap(), 1);
        // Judged again: the counts change, `since` stays as given.
        let again = crate::store::DueRow {
            nodes: 4,
            ..row.clone()
        };
        store
            .record_due(std::slice::from_ref(&again), &[], &[], 9)
            .await
            .unwrap();
        assert_eq!(store.due_images().await.unwrap()[0].nodes, 4);
        store
            .record_due(&[], &["img-1".to_string()], &[], 10)
            .await
            .unwrap();
        assert!(store.due_images().await.unwrap().is_empty());

        sqlx::query(
            "INSERT INTO due_images (image_id, family, since, reasons, advisories, nodes, containers) \
             VALUES ('img-bad', '', 1, 'not json', '[]', 0, 0)",
        )
        .execute(&store.writer)
        .await
        .unwrap();
        let err = store.due_images().await.unwrap_err().to_string();
        assert!(err.contains("img-bad") && err.contains("reasons"), "{err}");
    }
}

/// Each family's rollout is one point per ten minutes (the last judgement
/// in a bucket wins), read back oldest first, and pruned with history.
#[tokio::test]
async fn family_rollout_is_kept_per_ten_minutes() {
    use crate::store::{Family, FamilyImage, ROLLOUT_BUCKET_MS};
    for (store, _dir) in stores().await {
        let family = |newest: &str, on_newest: i64, total: i64| Family {
            family: "web".into(),
            newest: newest.into(),
            images: vec![FamilyImage {
                image_id: newest.into(),
                pushed_at: 1,
                superseded_since: None,
                nodes: on_newest,
                containers: 0,
            }],
            nodes: total,
            containers: 0,
            newest_share: 0.0,
        };
        let t0 = 100 * ROLLOUT_BUCKET_MS;
        store
            .record_rollout(&[family("web-2", 1, 4)], t0)
            .await
            .unwrap();
        store
            .record_rollout(&[family("web-2", 2, 4)], t0 + 60_000)
            .await
            .unwrap();
        store
            .record_rollout(&[family("web-2", 4, 4)], t0 + ROLLOUT_BUCKET_MS)
            .await
            .unwrap();
        let points = store.rollout("web", 0).await.unwrap();
        assert_eq!(points.len(), 2, "{points:?}");
        assert_eq!(points[0].at, t0);
        assert_eq!(points[0].newest_share, 0.5, "the bucket's last judgement");
        assert_eq!(points[1].newest_share, 1.0);
        assert_eq!(store.rollout("web", t0 + 1).await.unwrap().len(), 1);
        assert!(store.rollout("db", 0).await.unwrap().is_empty());
        store
            .prune_history(t0 + ROLLOUT_BUCKET_MS, 10)
            .await
            .unwrap();
        assert_eq!(store.rollout("web", 0).await.unwrap().len(), 1, "pruned");
    }
}

#[tokio::test]
async fn a_package_row_with_an_unknown_manager_is_an_error_naming_it() {
    for (store, _dir) in stores().await {
        push(
            &store,
            "ami-pip",
            &[dpkg("libssl3", "3.0.15-1", "openssl", "")],
            false,
        )
        .await;
        sqlx::query("UPDATE image_packages SET manager = 'pip' WHERE image_id = 'ami-pip'")
            .execute(&store.pool)
            .await
            .unwrap();
        let err = store
            .packages("libssl3", &VersionFilter::Any)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ami-pip") && err.contains("libssl3") && err.contains("\"pip\""),
            "{err}"
        );

        // And a manifest naming a manager plumb does not know is not
        // indexed as one it does.
        let mut odd = dpkg("tool", "1", "", "");
        odd.manager = 42;
        let refused = store
            .put_manifest("ami-odd", "d-odd", b"m", 1, &[odd], false, &[], false, 1)
            .await;
        assert!(
            refused.is_err_and(|e| e.to_string().contains("unknown manager (42)")),
            "an unknown manager was stored"
        );
    }
}

//! The dashboard in a real headless Chromium: the overview shows a node
//! turn flagged live after a change under its agent's root, the detail
//! page shows why, and an operator acknowledges it. Screenshots are saved
//! as test artifacts; any console error or uncaught exception fails.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::Page;
use futures::StreamExt;

fn chromium() -> PathBuf {
    let path = std::env::var_os("PLUMB_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} not found: scripts/test.sh installs Debian's chromium",
        path.display()
    );
    path
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn text(page: &Page, selector: &str) -> String {
    match page.find_element(selector).await {
        Ok(el) => el.inner_text().await.ok().flatten().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn wait_text(page: &Page, selector: &str, needle: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let t = text(page, selector).await;
        if t.contains(needle) {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "{selector} never showed {needle:?}; last text: {t:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn sre_sees_a_node_flagged_live_and_acknowledges_it() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let operator = c.token("operator", "sre");
    let mut n = Node::new(tmp.path(), "web-node-1");
    n.label_and_push(&c, &["commit=abc123", "family=web"]);
    // An advisory for a package of the node's image.
    let osv = tmp.path().join("dsa.json");
    std::fs::write(
        &osv,
        r#"{"id": "DSA-7001-1", "aliases": ["CVE-2099-7001"], "database_specific": {"severity": "high"},
            "affected": [{"package": {"ecosystem": "Debian:12", "name": "coreutils"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.1-2"}]}]}]}"#,
    )
    .unwrap();
    run_ok(c.ctl_command().args(["advisories", "import"]).arg(&osv));
    n.start_agent(&c, &[]);
    let mut quiet = Node::new(tmp.path(), "web-node-2");
    // The same image: the registered (labelled) manifest.
    std::fs::copy(&n.manifest, &quiet.manifest).unwrap();
    quiet.start_agent(&c, &[]);
    c.wait_status("web-node-1", "clean", Duration::from_secs(20));
    c.wait_status("web-node-2", "clean", Duration::from_secs(20));
    let original_ls = std::fs::read(n.path("/usr/bin/ls")).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let config = BrowserConfig::builder()
            .chrome_executable(chromium())
            .no_sandbox()
            .user_data_dir(tmp.path().join("chromium-profile"))
            .window_size(1280, 900)
            .args([
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // The test CA is not in the browser's store; everything
                // else about TLS is real.
                "--ignore-certificate-errors",
            ])
            .build()
            .unwrap();
        let (mut browser, mut handler) = Browser::launch(config).await.expect("chromium starts");
        let events = tokio::spawn(async move { while let Some(Ok(_)) = handler.next().await {} });
        let page = browser.new_page("about:blank").await.unwrap();

        let problems = Arc::new(Mutex::new(Vec::<String>::new()));
        let mut console = page
            .event_listener::<EventConsoleApiCalled>()
            .await
            .unwrap();
        let mut thrown = page.event_listener::<EventExceptionThrown>().await.unwrap();
        let (p1, p2) = (problems.clone(), problems.clone());
        tokio::spawn(async move {
            while let Some(e) = console.next().await {
                if matches!(
                    e.r#type,
                    ConsoleApiCalledType::Error | ConsoleApiCalledType::Assert
                ) {
                    p1.lock()
                        .unwrap()
                        .push(format!("console error: {:?}", e.args));
                }
            }
        });
        tokio::spawn(async move {
            while let Some(e) = thrown.next().await {
                p2.lock().unwrap().push(format!(
                    "uncaught exception: {:?}",
                    e.exception_details.text
                ));
            }
        });

        // Without a session the dashboard asks for a token.
        page.goto(c.http.clone()).await.unwrap();
        page.wait_for_navigation().await.unwrap();
        assert!(page.url().await.unwrap().unwrap().ends_with("/login"));
        page.find_element("input[name=token]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap()
            .type_str(&operator)
            .await
            .unwrap();
        page.find_element("button[type=submit]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();

        // Overview: both nodes clean, nothing flagged.
        wait_text(&page, "#live", "live", Duration::from_secs(10)).await;
        assert!(text(&page, "[data-status=clean]").await.contains('2'));
        assert!(text(&page, "#flag-queue")
            .await
            .contains("No node is waiting"));
        // No posture rules: nothing is due for replacement.
        assert!(text(&page, "#due-queue").await.contains("No image is due"));
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            artifacts().join("overview-clean.png"),
        )
        .await
        .unwrap();

        // A hot-patched binary: the page updates in place, no reload.
        page.evaluate("window.__plumbMarker = 42").await.unwrap();
        std::fs::write(n.path("/usr/bin/ls"), b"\x7fELF hot-patched").unwrap();
        let queue = wait_text(&page, "#flag-queue", "web-node-1", Duration::from_secs(10)).await;
        assert!(queue.contains("/usr/bin/ls"), "reasons are shown: {queue}");
        let marker: i64 = page
            .evaluate("window.__plumbMarker")
            .await
            .unwrap()
            .into_value()
            .unwrap();
        assert_eq!(marker, 42, "updated without a reload");
        assert!(text(&page, "[data-status=flagged]").await.contains('1'));
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            artifacts().join("overview-flagged.png"),
        )
        .await
        .unwrap();

        // Nodes list, filtered to flagged.
        page.goto(format!("{}/nodes?status=flagged", c.http))
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();
        let table = text(&page, "#nodes").await;
        assert!(
            table.contains("web-node-1") && !table.contains("web-node-2"),
            "{table}"
        );

        // Correlation and images pages render.
        for (path, id) in [("/correlations", "#correlations"), ("/images", "#images")] {
            page.goto(format!("{}{path}", c.http)).await.unwrap();
            page.wait_for_navigation().await.unwrap();
            assert!(text(&page, id).await.contains("img-e2e"), "{path}");
        }
        assert!(text(&page, "#images").await.contains("commit=abc123"));
        // Patch posture: the advisory with the image's two nodes, the family.
        page.goto(format!("{}/posture", c.http)).await.unwrap();
        page.wait_for_navigation().await.unwrap();
        let advisories = text(&page, "#advisories").await;
        assert!(
            advisories.contains("DSA-7001-1") && advisories.contains("CVE-2099-7001"),
            "{advisories}"
        );
        let families = text(&page, "#families").await;
        assert!(
            families.contains("web") && families.contains("100 %"),
            "{families}"
        );
        // Its rollout as first recorded (the posture judgement after the
        // push).
        assert!(families.contains("100 % on img-e2e"), "{families}");
        assert!(text(&page, "#due").await.contains("Nothing is due"));
        // The node page shows its image's exposure.
        page.goto(format!("{}/nodes/web-node-2", c.http))
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();
        let exposure = text(&page, "#exposure-table").await;
        assert!(
            exposure.contains("DSA-7001-1") && exposure.contains("9.1-2"),
            "{exposure}"
        );
        // The image page: its exposure, its family, its posture; the
        // images list links to it.
        page.goto(format!("{}/images", c.http)).await.unwrap();
        page.wait_for_navigation().await.unwrap();
        page.find_element("#images a[href='/images/img-e2e']")
            .await
            .expect("the images list links to the image page");
        page.goto(format!("{}/images/img-e2e", c.http))
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();
        let exposure = text(&page, "#exposure-table").await;
        assert!(
            exposure.contains("DSA-7001-1")
                && exposure.contains("CVE-2099-7001")
                && exposure.contains("9.1-2"),
            "{exposure}"
        );
        assert!(text(&page, "#family").await.contains("the newest image"));
        assert!(text(&page, "#posture").await.contains("not due"));
        let facts = text(&page, "#image-facts").await;
        assert!(
            facts.contains("commit=abc123") && facts.contains("2 "),
            "{facts}"
        );
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            artifacts().join("image.png"),
        )
        .await
        .unwrap();
        // An unknown image is a 404 naming it.
        let (status, body) = c.get_raw("/images/no-such-image");
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("no-such-image"), "{body}");
        // Detail: why, then acknowledge.
        page.goto(format!("{}/nodes/web-node-1", c.http))
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();
        let main = text(&page, "main").await;
        assert!(
            main.contains("/usr/bin/ls") && main.contains("coreutils") && main.contains("content"),
            "{main}"
        );
        assert!(main.contains("commit=abc123"), "the build is shown: {main}");
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            artifacts().join("node-flagged.png"),
        )
        .await
        .unwrap();
        // The patched binary put back: the flag is held, and the page says
        // why it still stands.
        std::fs::write(n.path("/usr/bin/ls"), &original_ls).unwrap();
        wait_for("ls restored", Duration::from_secs(10), || {
            c.open_keys("web-node-1").is_empty().then_some(())
        });
        page.goto(format!("{}/nodes/web-node-1", c.http))
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();
        let held = wait_text(&page, "#held", "Flag held", Duration::from_secs(5)).await;
        assert!(held.contains("/usr/bin/ls"), "{held}");
        assert!(text(&page, "h1").await.contains("flagged"));
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            artifacts().join("node-held.png"),
        )
        .await
        .unwrap();
        page.find_element("#ack")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&page, "h1", "recycling", Duration::from_secs(10)).await;
        wait_text(
            &page,
            "#lifecycle",
            "acknowledged from the dashboard",
            Duration::from_secs(5),
        )
        .await;
        // The node page shows who did it, from the audit log.
        wait_text(&page, "#audit", "sre", Duration::from_secs(5)).await;
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            artifacts().join("node-acknowledged.png"),
        )
        .await
        .unwrap();

        // The other node: an implant planted and deleted; an operator
        // clears the held flag from its page, with a reason.
        quiet
            .root
            .file_mode("/usr/local/bin/implant", b"#!/bin/sh\n", 0o755);
        c.wait_status("web-node-2", "flagged", Duration::from_secs(10));
        std::fs::remove_file(quiet.path("/usr/local/bin/implant")).unwrap();
        wait_for(
            "the implant's deviation resolved",
            Duration::from_secs(10),
            || c.open_keys("web-node-2").is_empty().then_some(()),
        );
        page.goto(format!("{}/nodes/web-node-2", c.http))
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();
        wait_text(&page, "#held", "implant", Duration::from_secs(5)).await;
        page.find_element("#clear-reason")
            .await
            .unwrap()
            .click()
            .await
            .unwrap()
            .type_str("implant analysed: test artefact, INC-9")
            .await
            .unwrap();
        page.find_element("#clear")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&page, "h1", "clean", Duration::from_secs(10)).await;
        wait_text(
            &page,
            "#lifecycle",
            "cleared: implant analysed",
            Duration::from_secs(5),
        )
        .await;
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            artifacts().join("node-cleared.png"),
        )
        .await
        .unwrap();

        // Logging out ends the session: the dashboard asks for a token again.
        page.find_element("#logout")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        page.goto(format!("{}/nodes", c.http)).await.unwrap();
        page.wait_for_navigation().await.unwrap();
        assert!(page.url().await.unwrap().unwrap().ends_with("/login"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let problems = problems.lock().unwrap().clone();
        assert!(problems.is_empty(), "the pages logged errors: {problems:?}");
        browser.close().await.unwrap();
        let _ = browser.wait().await;
        events.abort();
    });
    assert_eq!(c.node("web-node-1").unwrap()["status"], "recycling");
}

//! Alerting outputs against real receivers on loopback: signed webhooks
//! with retries and a durable outbox, an Alertmanager v2 receiver, and
//! `/metrics` parsed as Prometheus text.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// A recorded request: path, headers, body.
#[derive(Clone, Debug)]
struct Request {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP receiver on loopback that records requests and answers 500 to
/// the first `fail_first` of them.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Request>>>,
    server: Arc<tiny_http::Server>,
}

impl Receiver {
    /// Port 0 lets the kernel choose one that is free.
    fn start(port: u16, fail_first: usize) -> Receiver {
        let server = Arc::new(tiny_http::Server::http(("127.0.0.1", port)).unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, log) = (server.clone(), seen.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            for mut req in s.incoming_requests() {
                let mut body = String::new();
                let _ = req.as_reader().read_to_string(&mut body);
                n += 1;
                let code = if n <= fail_first { 500 } else { 200 };
                if code == 200 {
                    log.lock().unwrap().push(Request {
                        path: req.url().to_string(),
                        headers: req
                            .headers()
                            .iter()
                            .map(|h| (h.field.to_string(), h.value.to_string()))
                            .collect(),
                        body,
                    });
                }
                let _ = req.respond(tiny_http::Response::empty(code));
            }
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}"),
            seen,
            server,
        }
    }

    fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn verify(secret: &str, body: &str, header: &str) -> bool {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    header == format!("sha256={expected}")
}

#[test]
fn webhooks_are_signed_retried_and_survive_a_collector_restart_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/hook");
    let mut c = Collector::start(
        tmp.path(),
        &[
            "--webhook",
            &hook,
            "--webhook-secret",
            "s3cret",
            "--public-url",
            "http://plumb.example",
        ],
    );
    let mut n = Node::new(tmp.path(), "hook-node");
    n.start_agent(&c, &[]);
    c.wait_status("hook-node", "clean", Duration::from_secs(20));

    // The receiver is down: the flag event waits in the outbox.
    n.root
        .file_mode("/usr/bin/su", b"\x7fELF su patched", 0o4755);
    c.wait_status("hook-node", "flagged", Duration::from_secs(10));
    wait_for("a failed delivery attempt", Duration::from_secs(10), || {
        let m = c.get_raw("/metrics").1;
        m.lines()
            .any(|l| l.starts_with("plumb_webhook_failures_total ") && !l.ends_with(" 0"))
            .then_some(())
    });
    c.restart();
    // The receiver comes up failing twice more before it accepts.
    let receiver = Receiver::start(port, 2);
    let events = wait_for("webhook delivered", Duration::from_secs(30), || {
        let r = receiver.requests();
        (!r.is_empty()).then_some(r)
    });
    std::thread::sleep(Duration::from_secs(3));
    let events = if receiver.requests().len() > events.len() {
        receiver.requests()
    } else {
        events
    };
    assert_eq!(events.len(), 1, "delivered exactly once: {events:?}");
    let e = &events[0];
    assert_eq!(e.path, "/hook");
    assert!(
        verify("s3cret", &e.body, e.header("x-plumb-signature").unwrap()),
        "signature verifies"
    );
    let body: Value = serde_json::from_str(&e.body).unwrap();
    assert_eq!(body["node_id"], "hook-node");
    assert_eq!(body["status"], "flagged");
    assert_eq!(body["image_id"], "img-e2e");
    assert_eq!(body["flagged"], true);
    assert!(body["reasons"][0].as_str().unwrap().contains("/usr/bin/su"));
    assert_eq!(
        body["links"]["dashboard"],
        "http://plumb.example/nodes/hook-node"
    );
    assert_eq!(e.header("x-plumb-event-id"), body["event_id"].as_str());
    // Non-alerting transitions (ack) send nothing.
    assert!(c.ctl(&["ack", "hook-node"]).status.success());
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(receiver.requests().len(), 1);
}

/// Debian's Alertmanager (prometheus-alertmanager) on loopback, one
/// instance, no clustering, every alert routed to a receiver that drops it.
struct Alertmanager {
    url: String,
    _proc: Proc,
}

impl Alertmanager {
    fn start(dir: &std::path::Path) -> Alertmanager {
        let bin = std::env::var("PLUMB_ALERTMANAGER")
            .unwrap_or_else(|_| "/usr/bin/prometheus-alertmanager".into());
        let config = dir.join("alertmanager.yml");
        std::fs::write(
            &config,
            "route:\n  receiver: blackhole\n  group_wait: 0s\nreceivers:\n  - name: blackhole\n",
        )
        .unwrap();
        let port = free_port();
        let proc = spawn(
            std::process::Command::new(bin)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.path={}",
                    dir.join("alertmanager").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--cluster.listen-address="),
            dir.join("alertmanager.log"),
        );
        let url = format!("http://127.0.0.1:{port}");
        wait_for("Alertmanager to be ready", Duration::from_secs(30), || {
            ureq::get(format!("{url}/-/ready")).call().ok().map(|_| ())
        });
        Alertmanager { url, _proc: proc }
    }

    /// The alerts Alertmanager holds active now, from its own API.
    fn active(&self) -> Vec<Value> {
        ureq::get(format!("{}/api/v2/alerts?active=true", self.url))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_json::<Vec<Value>>().ok())
            .unwrap_or_default()
    }

    fn active_for(&self, node: &str) -> Vec<Value> {
        self.active()
            .into_iter()
            .filter(|a| a["labels"]["node"] == node)
            .collect()
    }
}

#[test]
fn a_real_alertmanager_sees_alerts_fire_and_resolve() {
    let tmp = tempfile::tempdir().unwrap();
    let am = Alertmanager::start(tmp.path());
    let c = Collector::start(tmp.path(), &["--alertmanager", &am.url]);
    let mut n = Node::new(tmp.path(), "am-node");
    n.start_agent(&c, &[]);
    c.wait_status("am-node", "clean", Duration::from_secs(20));
    let ls = std::fs::read(n.path("/usr/bin/ls")).unwrap();

    // Flagged fires, with the conventional severity of a flag.
    std::fs::write(n.path("/usr/bin/ls"), b"\x7fELF evil ls").unwrap();
    c.wait_status("am-node", "flagged", Duration::from_secs(10));
    let fired = wait_for(
        "PlumbNodeFlagged active in Alertmanager",
        Duration::from_secs(15),
        || am.active_for("am-node").into_iter().next(),
    );
    assert_eq!(fired["labels"]["alertname"], "PlumbNodeFlagged");
    assert_eq!(fired["labels"]["severity"], "critical");
    assert_eq!(fired["labels"]["image"], "img-e2e");
    assert_eq!(fired["annotations"]["deviation_severity"], "critical");

    // The evidence put back: the flag is held and the alert keeps firing.
    std::fs::write(n.path("/usr/bin/ls"), &ls).unwrap();
    wait_for("ls restored", Duration::from_secs(10), || {
        c.get("/api/v1/nodes/am-node/deviations?state=open")["deviations"]
            .as_array()
            .unwrap()
            .is_empty()
            .then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(c.get("/api/v1/nodes/am-node")["node"]["status"], "flagged");
    assert!(
        !am.active_for("am-node").is_empty(),
        "the alert keeps firing"
    );

    // Cleared by an operator: the resolve carries the same labels, so
    // Alertmanager drops the alert at once instead of timing it out
    // minutes later.
    let out = c.ctl(&["clear", "am-node", "--reason", "ls restored and verified"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.wait_status("am-node", "clean", Duration::from_secs(10));
    wait_for(
        "the alert resolved in Alertmanager",
        Duration::from_secs(10),
        || am.active_for("am-node").is_empty().then_some(()),
    );

    // Flagged again, then retired: resolved too.
    std::fs::write(n.path("/usr/bin/ls"), b"\x7fELF evil ls again").unwrap();
    c.wait_status("am-node", "flagged", Duration::from_secs(10));
    wait_for(
        "the second flag in Alertmanager",
        Duration::from_secs(15),
        || (!am.active_for("am-node").is_empty()).then_some(()),
    );
    n.kill_agent();
    assert!(c.ctl(&["retire", "am-node"]).status.success());
    wait_for(
        "the retired node's alert resolved",
        Duration::from_secs(10),
        || am.active_for("am-node").is_empty().then_some(()),
    );
}

#[test]
fn a_webhook_that_never_answers_delays_no_other_sink() {
    let tmp = tempfile::tempdir().unwrap();
    // Accepts connections and never answers.
    let stuck = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stuck_url = format!("http://{}/hook", stuck.local_addr().unwrap());
    let good = Receiver::start(0, 0);
    let am = Receiver::start(0, 0);
    let c = Collector::start(
        tmp.path(),
        &[
            "--webhook",
            &stuck_url,
            "--webhook",
            &good.url,
            "--alertmanager",
            &am.url,
        ],
    );
    let mut n = Node::new(tmp.path(), "stuck-node");
    n.start_agent(&c, &[]);
    c.wait_status("stuck-node", "clean", Duration::from_secs(20));
    std::fs::write(n.path("/usr/bin/ls"), b"\x7fELF evil ls").unwrap();
    c.wait_status("stuck-node", "flagged", Duration::from_secs(10));
    // The stuck webhook holds its request for 10 s (the request timeout);
    // the other sinks' alerts arrive long before that.
    wait_for("the working webhook", Duration::from_secs(5), || {
        (!good.requests().is_empty()).then_some(())
    });
    wait_for("Alertmanager", Duration::from_secs(5), || {
        (!am.requests().is_empty()).then_some(())
    });
    drop(stuck);
}

#[test]
fn metrics_parse_as_prometheus_text() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let mut n = Node::new(tmp.path(), "metrics-node");
    n.start_agent(&c, &[]);
    c.wait_status("metrics-node", "clean", Duration::from_secs(20));
    n.root.file("/etc/motd", b"changed\n");
    c.wait_status("metrics-node", "drifted", Duration::from_secs(10));
    // Nodes per image come from a snapshot at most a couple of seconds
    // old: the scrape shows the drifted node within a few.
    let mut scraped = None;
    for _ in 0..50 {
        let (code, text) = c.get_raw("/metrics");
        assert_eq!(code, 200);
        if text.contains("plumb_nodes{status=\"drifted\",image=\"img-e2e\"} 1") {
            scraped = Some(text);
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let text = scraped.expect("the drifted node counted on /metrics within 10 s");
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("valid Prometheus text");
    let value = |name: &str, label: Option<(&str, &str)>| -> f64 {
        let s = scrape
            .samples
            .iter()
            .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
            .unwrap_or_else(|| panic!("no sample {name} {label:?} in\n{text}"));
        match s.value {
            prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => panic!("unexpected type for {name}"),
        }
    };
    let drifted = scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == "plumb_nodes"
                && s.labels.get("status") == Some("drifted")
                && s.labels.get("image") == Some("img-e2e")
        })
        .expect("drifted nodes of img-e2e");
    assert!(matches!(drifted.value, prometheus_parse::Value::Gauge(v) if v == 1.0));
    assert_eq!(
        value("plumb_open_deviations", Some(("severity", "medium"))),
        1.0
    );
    assert_eq!(value("plumb_connected_agents", None), 1.0);
    // The agent's hello, written by the hello writer in a statement.
    assert!(value("plumb_hellos_written_total", None) >= 1.0);
    assert!(value("plumb_hello_batches_total", None) >= 1.0);
    assert!(value("plumb_ingested_deviations_total", None) >= 1.0);
    assert!(value("plumb_heartbeats_total", None) >= 1.0);
    // Heartbeats stay in memory: a connected node's last contact is not
    // written per heartbeat (it is due only after 5 minutes).
    assert_eq!(value("plumb_liveness_rows_written_total", None), 0.0);
    assert_eq!(value("plumb_webhook_failures_total", None), 0.0);
    assert!(scrape.docs.contains_key("plumb_ingested_batches_total"));
    assert_eq!(
        value("plumb_nodes_by_status", Some(("status", "silent"))),
        0.0
    );
    assert!(
        !text.contains("image=\"\""),
        "no placeholder series with empty labels:\n{text}"
    );
    assert_eq!(value("plumb_build_info", None), 1.0);
    assert!(value("process_resident_memory_bytes", None) > 0.0);
    assert!(value("process_start_time_seconds", None) > 1.6e9);

    promtool_finds_nothing(&text);

    // A retired node's open deviations are history, not open work; the
    // counts come from a snapshot a couple of seconds old at most.
    assert!(c.ctl(&["retire", "metrics-node"]).status.success());
    let mut medium = None;
    for _ in 0..50 {
        let (_, text) = c.get_raw("/metrics");
        let scrape =
            prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
        let v = scrape
            .samples
            .iter()
            .find(|s| {
                s.metric == "plumb_open_deviations" && s.labels.get("severity") == Some("medium")
            })
            .map(|s| s.value.clone())
            .unwrap();
        medium = Some(v);
        if matches!(medium, Some(prometheus_parse::Value::Gauge(v)) if v == 0.0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        matches!(medium, Some(prometheus_parse::Value::Gauge(v)) if v == 0.0),
        "the retired node's deviations still counted open: {medium:?}"
    );
}

/// Prometheus's own linter (`promtool check metrics`) has nothing to say.
fn promtool_finds_nothing(text: &str) {
    use std::io::Write;
    let promtool = std::env::var("PLUMB_PROMTOOL").unwrap_or_else(|_| "promtool".into());
    let mut lint = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; scripts/test.sh installs it)");
    lint.stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = lint.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_agent_serves_its_own_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut n = Node::new(tmp.path(), "agent-metrics");
    n.start_agent(&c, &["--metrics-listen", &addr]);
    c.wait_status("agent-metrics", "clean", Duration::from_secs(20));
    let text = wait_for("the agent's /metrics", Duration::from_secs(10), || {
        let mut r = ureq::get(format!("http://{addr}/metrics")).call().ok()?;
        let body = r.body_mut().read_to_string().ok()?;
        body.contains("plumb_agent_scans_total{kind=\"full\"}")
            .then_some(body)
    });
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let value = |name: &str| -> f64 {
        match scrape
            .samples
            .iter()
            .find(|s| s.metric == name)
            .map(|s| &s.value)
        {
            Some(
                prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Untyped(v),
            ) => *v,
            _ => panic!("no {name} in\n{text}"),
        }
    };
    assert!(value("plumb_agent_scans_total") >= 1.0);
    assert!(value("plumb_agent_files_hashed_total") >= 1.0);
    assert!(value("plumb_agent_last_successful_scan_timestamp_seconds") > 1.6e9);
    assert_eq!(value("plumb_agent_scan_errors"), 0.0);
    assert_eq!(
        value("plumb_agent_memory_ceiling_bytes"),
        256.0 * 1024.0 * 1024.0
    );
    assert!(value("plumb_agent_memory_bytes") > 0.0);
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "plumb_agent_spooled_messages"),
        "spool depth in\n{text}"
    );
    promtool_finds_nothing(&text);
}

/// A pod's container that drifts is an alert of its own, labelled with
/// its node, container, pod and namespace; it resolves, with the same
/// labels, when the container is gone.
#[test]
fn a_drifted_container_is_an_alertmanager_alert_with_its_pod_and_namespace() {
    let Some(podman) = crate::containers::podman() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let tag = std::process::id();
    let am = Alertmanager::start(tmp.path());
    let c = Collector::start(tmp.path(), &["--alertmanager", &am.url]);
    let name = format!("localhost/plumb-am-{tag}:1");
    let (_, manifest) = crate::containers::image(&podman, tmp.path(), &name);
    run_ok(c.ctl_command().args(["manifest", "push"]).arg(&manifest));
    let ctr = format!("plumb-am-c-{tag}");
    podman.run_with(
        &ctr,
        &[
            "--annotation",
            "io.kubernetes.pod.name=api-7",
            "--annotation",
            "io.kubernetes.pod.namespace=shop",
        ],
        &name,
        &["/bin/sleep", "600"],
    );
    let mut n = Node::new(tmp.path(), "am-ctr");
    n.start_agent(
        &c,
        &[
            "--containers",
            "on",
            "--exec-monitor",
            "off",
            "--quick-interval",
            "1s",
        ],
    );
    wait_for("the container listed", Duration::from_secs(30), || {
        c.get("/api/v1/containers?node=am-ctr")["containers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == ctr.as_str())
            .then_some(())
    });
    assert!(podman
        .exec(&ctr, &["/bin/sh", "-c", "echo x > /srv/implant"])
        .status
        .success());
    let alert = wait_for(
        "PlumbContainerDrifted in Alertmanager",
        Duration::from_secs(30),
        || {
            am.active().into_iter().find(|a| {
                a["labels"]["alertname"] == "PlumbContainerDrifted"
                    && a["labels"]["container"] == ctr.as_str()
            })
        },
    );
    assert_eq!(alert["labels"]["pod"], "api-7", "{alert}");
    assert_eq!(alert["labels"]["namespace"], "shop", "{alert}");
    assert_eq!(alert["labels"]["node"], "am-ctr", "{alert}");
    assert_eq!(alert["labels"]["severity"], "critical", "{alert}");

    podman.remove(&ctr);
    wait_for(
        "the container's alert resolved",
        Duration::from_secs(30),
        || {
            (!am.active()
                .iter()
                .any(|a| a["labels"]["container"] == ctr.as_str()))
            .then_some(())
        },
    );
}

/// Patch posture, carried like drift but never as drift: an image that
/// becomes due for replacement (exposed to a high advisory) is one
/// webhook event and a `PlumbNodeDue` alert per node in a real
/// Alertmanager, labelled with the image, family and advisory; it shows
/// beside the flag queue; the packaged recycling script replaces the node
/// (dry run) without retiring it; the node stays clean. When the image is
/// no longer due, the webhook hears it and the alerts resolve.
#[test]
fn an_image_due_for_replacement_is_told_and_recycled_but_never_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let am = Alertmanager::start(tmp.path());
    let hook = Receiver::start(0, 0);
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "[posture]\nexposure_severity = \"high\"\n").unwrap();
    let c = Collector::start(
        tmp.path(),
        &[
            "--policy",
            policy.to_str().unwrap(),
            "--alertmanager",
            &am.url,
            "--webhook",
            &hook.url,
        ],
    );
    let mut n = Node::new(tmp.path(), "due-node");
    n.label_and_push(&c, &["family=web"]);
    n.start_agent(&c, &[]);
    c.wait_status("due-node", "clean", Duration::from_secs(20));
    let advisory = |fixed: &str| {
        let osv = tmp.path().join(format!("dsa-{fixed}.json"));
        std::fs::write(
            &osv,
            format!(
                r#"{{"id": "DSA-7001-1", "aliases": ["CVE-2099-7001"], "database_specific": {{"severity": "high"}},
                "affected": [{{"package": {{"ecosystem": "Debian:12", "name": "coreutils"}},
                "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
            ),
        )
        .unwrap();
        run_ok(c.ctl_command().args(["advisories", "import"]).arg(&osv));
    };
    let events = |status: &str| -> Vec<Value> {
        hook.requests()
            .iter()
            .filter_map(|r| serde_json::from_str::<Value>(&r.body).ok())
            .filter(|v| v["kind"] == "due" && v["status"] == status)
            .collect()
    };

    // coreutils 9.1-1 is below the fixed 9.1-2: the image is due.
    advisory("9.1-2");
    let due = wait_for("the due event", Duration::from_secs(15), || {
        events("due").into_iter().next()
    });
    assert_eq!(due["image_id"], "img-e2e", "{due}");
    assert_eq!(due["family"], "web", "{due}");
    assert_eq!(due["nodes"], serde_json::json!(["due-node"]), "{due}");
    assert_eq!(
        due["advisories"],
        serde_json::json!(["DSA-7001-1"]),
        "{due}"
    );
    assert_eq!(due["flagged"], false, "{due}");
    let fired = wait_for(
        "PlumbNodeDue in Alertmanager",
        Duration::from_secs(15),
        || {
            am.active_for("due-node")
                .into_iter()
                .find(|a| a["labels"]["alertname"] == "PlumbNodeDue")
        },
    );
    assert_eq!(fired["labels"]["image"], "img-e2e");
    assert_eq!(fired["labels"]["family"], "web");
    assert_eq!(fired["labels"]["advisory"], "DSA-7001-1");
    assert_eq!(fired["labels"]["severity"], "warning");
    // Beside the flag queue, with why; the node itself is not flagged.
    let flags = c.get("/api/v1/flags");
    assert_eq!(flags["total"], 0, "{flags}");
    assert_eq!(flags["due"][0]["image_id"], "img-e2e", "{flags}");
    assert!(
        flags["due"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("DSA-7001-1"),
        "{flags}"
    );
    assert_eq!(c.get("/api/v1/nodes/due-node")["node"]["status"], "clean");
    // Judged again a minute later, or after another import: told once.
    advisory("9.1-2");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(events("due").len(), 1, "told once");

    // The packaged recycling script replaces it (dry run) and retires
    // nothing.
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/examples/recycle.sh");
    let log = tmp.path().join("recycle.log");
    let mut recycle = std::process::Command::new("bash");
    recycle
        .arg(&script)
        .env("PLUMBCTL", bin("plumbctl"))
        .env("PLUMB_COLLECTOR", &c.grpc)
        .env("PLUMB_CA", c.ca().unwrap())
        .env("PLUMB_TOKEN", &c.security.as_ref().unwrap().token)
        .env("DUE_EVERY", "1")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::null());
    let mut child = recycle.spawn().unwrap();
    let said = wait_for(
        "recycle.sh replaces the due node",
        Duration::from_secs(20),
        || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            text.contains("would replace due-node").then_some(text)
        },
    );
    // Stopped as a service manager would: its trap stops its watcher and
    // its poll.
    let _ = std::process::Command::new("kill")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
    assert!(
        said.contains("image img-e2e is due") && said.contains("DSA-7001-1"),
        "{said}"
    );
    assert_eq!(c.get("/api/v1/nodes/due-node")["node"]["status"], "clean");

    // Fixed before the node's version: no longer due, told, resolved.
    advisory("9.0-1");
    let resolved = wait_for("the resolved event", Duration::from_secs(15), || {
        events("resolved").into_iter().next()
    });
    assert_eq!(resolved["image_id"], "img-e2e", "{resolved}");
    wait_for("PlumbNodeDue resolved", Duration::from_secs(15), || {
        am.active_for("due-node")
            .iter()
            .all(|a| a["labels"]["alertname"] != "PlumbNodeDue")
            .then_some(())
    });
    assert!(c.get("/api/v1/flags")["due"].as_array().unwrap().is_empty());
}

//! Reconnect storms: TLS sessions resume from tickets whose keys the
//! replicas share (through the database), so an agent that lost its
//! replica resumes on another one, or on the same one restarted, without
//! a full handshake.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::*;

/// A TLS client as a node (its certificate), keeping its tickets.
fn node_tls(c: &Collector, node: &str) -> Arc<rustls::ClientConfig> {
    let s = c.security.as_ref().expect("a secured collector");
    let (cert, key) = c.issue_node_cert(node, &c.dir.join("storm-certs"));
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(s.pki.join("ca.pem")).unwrap();
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&ca) {
        roots.add(cert.unwrap()).unwrap();
    }
    let chain: Vec<rustls::pki_types::CertificateDer> =
        rustls::pki_types::pem::PemObject::pem_file_iter(&cert)
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
    let key = rustls::pki_types::pem::PemObject::from_pem_file(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Connects to the HTTP port at `url` (`https://host:port`), asks for
/// `/readyz` and reads the answer (the server's tickets come with it);
/// whether the handshake resumed a session.
async fn resumed(config: &Arc<rustls::ClientConfig>, url: &str) -> bool {
    let addr = url.trim_start_matches("https://");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let host = addr.rsplit_once(':').unwrap().0.trim_matches(['[', ']']);
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(config.clone())
        .connect(name, tcp)
        .await
        .unwrap();
    let kind = tls.get_ref().1.handshake_kind();
    tls.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut answer)).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    kind == Some(rustls::HandshakeKind::Resumed)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The collector's counter `name` on `/metrics`.
fn counter(c: &Collector, name: &str) -> f64 {
    let (status, text) = c.get_raw("/metrics");
    assert_eq!(status, 200);
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not on /metrics"))
}

#[test]
fn an_agent_resumes_its_tls_session_when_its_collector_restarts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Collector::start(&tmp.path().join("c"), &[]);
    let config = node_tls(&c, "probe");
    let rt = rt();
    assert!(!rt.block_on(resumed(&config, &c.http)), "first contact");
    assert!(rt.block_on(resumed(&config, &c.http)), "second contact");

    // A real agent: after the collector restarts (SIGKILL, same database,
    // so the same ticket keys) its reconnect is a resumed session.
    let mut n = Node::new(tmp.path(), "storm-0");
    n.start_agent(&c, &[]);
    c.wait_status("storm-0", "clean", Duration::from_secs(30));
    c.restart();
    wait_for(
        "the agent back on the restarted collector",
        Duration::from_secs(60),
        || (counter(&c, "plumb_tls_handshakes_resumed_total") >= 1.0).then_some(()),
    );
    // And the probe's ticket from before the restart still opens.
    assert!(rt.block_on(resumed(&config, &c.http)), "after the restart");
    n.kill_agent();
}

#[test]
fn a_tls_session_from_one_replica_resumes_on_the_other() {
    let Some(base) = test_postgres() else {
        return;
    };
    let scratch = fresh_database(&base);
    let database = scratch.url.clone();
    let tmp = tempfile::tempdir().unwrap();
    let flags = ["--database", database.as_str()];
    let a_dir = tmp.path().join("a");
    let b_dir = tmp.path().join("b");
    let a = Collector::start(&a_dir, &flags);
    share_pki(&a_dir, &b_dir);
    let b = Collector::start(&b_dir, &flags);
    let config = node_tls(&a, "roamer");
    let rt = rt();
    assert!(!rt.block_on(resumed(&config, &a.http)));
    assert!(
        rt.block_on(resumed(&config, &b.http)),
        "a ticket of replica a opens on replica b"
    );
    assert!(counter(&b, "plumb_tls_handshakes_resumed_total") >= 1.0);

    // A collector with other keys (another database) makes a full
    // handshake of the same ticket.
    let tmp2 = tempfile::tempdir().unwrap();
    let other_dir = tmp2.path().join("other");
    share_pki(&a_dir, &other_dir);
    let other = Collector::start(&other_dir, &[]);
    assert!(!rt.block_on(resumed(&config, &other.http)));
}

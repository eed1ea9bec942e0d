//! `plumb-collector serve`: configuration, then the gRPC and HTTP servers
//! on one runtime until a shutdown signal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use plumb_proto::signature::TrustedKey;
use plumb_proto::{
    AdminServiceServer, AgentServiceServer, EnrollmentServer, ManifestRegistryServer,
    QueryServiceServer,
};
use tokio::net::TcpListener;
use tokio_stream::StreamExt as _;

use crate::grpc::admin::Admin;
use crate::grpc::query::Query;
use crate::grpc::registry::Registry;
use crate::grpc::stream::Ingest;
use crate::hub::Hub;
use crate::policy::Policy;
use crate::security::audit::Audit;
use crate::security::auth::Auth;
use crate::security::guard::{
    http_guard, login, login_form, logout, web_headers, AllowedHosts, GrpcGuardLayer,
};
use crate::security::pki::Ca;
use crate::security::tls::{self, TlsFiles};
use crate::security::Trust;
use crate::store::Store;

/// Validated collector configuration.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub grpc: SocketAddr,
    pub http: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`.
    pub database: String,
    pub policy: Option<PathBuf>,
    pub webhooks: Vec<String>,
    pub webhook_secret: Option<String>,
    pub alertmanager: Option<String>,
    /// Base URL of the dashboard, for links in alerts.
    pub public_url: Option<String>,
    /// TLS on both ports; `None` only with `insecure_plaintext`.
    pub tls: Option<TlsFiles>,
    /// Serve plaintext (loopback only).
    pub insecure_plaintext: bool,
    /// No API authentication (loopback only).
    pub insecure_no_auth: bool,
    /// Public keys manifests must be signed with.
    pub trust_keys: Vec<PathBuf>,
    /// CA certificate and key that sign enrollment CSRs.
    pub enroll_ca: Option<(PathBuf, PathBuf)>,
    pub cert_days: i64,
    pub max_heartbeat_secs: u32,
    /// Extra names the HTTP port answers to (beyond its address and the
    /// public URL's host).
    pub allowed_hosts: Vec<String>,
    /// Open connections per port.
    pub max_connections: usize,
    /// Connections to PostgreSQL at most.
    pub database_connections: u32,
    /// Open deviations stored per node at most.
    pub max_open_per_node: i64,
    /// How long history is kept.
    pub retention: std::time::Duration,
}

/// Connections the kernel queues for `accept` (capped by its
/// `net.core.somaxconn`): a reconnect storm's SYNs wait here instead of
/// being dropped and retransmitted a second or more later.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with [`LISTEN_BACKLOG`] (tokio's own bind asks
/// for 1,024).
fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Descriptors kept for everything but connections: the database pool,
/// files, the listeners, the process's own.
const RESERVED_DESCRIPTORS: u64 = 1024;

/// Connections per port at most: `configured`, but never more than the
/// process may open files (its soft limit raised to the hard one first).
/// Past that, accept fails with EMFILE and a storm of reconnects spins
/// on it; below it, a connection that does not fit waits in the kernel's
/// backlog until one closes.
fn connection_budget(configured: usize) -> usize {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(max)) = (limit.current, limit.maximum) {
        if current < max {
            let mut raised = limit;
            raised.current = Some(max);
            if setrlimit(Resource::Nofile, raised).is_ok() {
                limit = raised;
            }
        }
    }
    // No limit at all: nothing to lower.
    let Some(files) = limit.current else {
        return configured;
    };
    let fit = files.saturating_sub(RESERVED_DESCRIPTORS).max(16) as usize;
    if fit < configured {
        tracing::warn!(
            configured,
            max_connections = fit,
            open_files = files,
            "--max-connections lowered to what this process may open (ulimit -n); raise LimitNOFILE for more"
        );
    }
    configured.min(fit)
}

/// A configuration that must not run.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ServeConfig {
    /// Refuses unsafe or inconsistent settings before anything is bound.
    pub fn check(&self) -> Result<(), ConfigError> {
        let loopback = tls::is_loopback(&self.grpc) && tls::is_loopback(&self.http);
        match (&self.tls, self.insecure_plaintext) {
            (Some(_), true) => {
                return Err(ConfigError(
                    "--insecure-plaintext and --tls-cert exclude each other".into(),
                ))
            }
            (None, false) => {
                return Err(ConfigError(
                    "TLS is required: give --tls-cert and --tls-key (`plumbctl pki init` makes a development CA and certificate), or --insecure-plaintext on loopback".into(),
                ))
            }
            (None, true) if !loopback => {
                return Err(ConfigError(format!(
                    "--insecure-plaintext is refused off loopback (gRPC {}, HTTP {})",
                    self.grpc, self.http
                )))
            }
            _ => {}
        }
        if self.insecure_no_auth && !loopback {
            return Err(ConfigError(format!(
                "--insecure-no-auth is refused off loopback (gRPC {}, HTTP {})",
                self.grpc, self.http
            )));
        }
        // Below a minute, pruning (every ten minutes) would race the
        // history it is meant to keep; below an hour is for soak tests.
        if self.retention < std::time::Duration::from_secs(60) {
            return Err(ConfigError(format!(
                "--retention {} is below the minimum of 1m",
                humantime::format_duration(self.retention)
            )));
        }
        if self.max_open_per_node < 100 {
            return Err(ConfigError(
                "--max-open-deviations must be at least 100".into(),
            ));
        }
        if self.max_connections < 16 {
            return Err(ConfigError("--max-connections must be at least 16".into()));
        }
        if !(2..=1000).contains(&self.database_connections) {
            return Err(ConfigError("--database-connections must be 2-1000".into()));
        }
        if !(1..=3600).contains(&self.max_heartbeat_secs) {
            return Err(ConfigError("--max-heartbeat must be 1s-1h".into()));
        }
        Ok(())
    }

    fn trusted_keys(&self) -> anyhow::Result<Vec<TrustedKey>> {
        use anyhow::Context;
        self.trust_keys
            .iter()
            .map(|p| {
                let pem = std::fs::read_to_string(p)
                    .with_context(|| format!("reading trusted key {}", p.display()))?;
                TrustedKey::from_pem(&pem).with_context(|| format!("trusted key {}", p.display()))
            })
            .collect()
    }
}

/// Runs until `shutdown` resolves.
/// The HTTP/2 flow-control window of each stream and connection.
const STREAM_WINDOW: u32 = 256 * 1024;

pub async fn serve(
    cfg: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use anyhow::Context;
    cfg.check()?;
    let policy = Policy::load(cfg.policy.as_deref())?;
    let trusted_keys = cfg.trusted_keys()?;
    let tls_config = cfg.tls.as_ref().map(tls::server_config).transpose()?;
    let enroll_ca = match &cfg.enroll_ca {
        Some((cert, key)) => Some(Ca::load(cert, key).context("enrollment CA")?),
        None => None,
    };
    let mut store = Store::connect_with(&cfg.database, cfg.database_connections).await?;
    store.max_open_per_node = cfg.max_open_per_node;
    store.retention_ms = cfg.retention.as_millis().min(i64::MAX as u128) as i64;
    let grpc = listen(cfg.grpc).with_context(|| format!("binding gRPC on {}", cfg.grpc))?;
    let http = listen(cfg.http).with_context(|| format!("binding HTTP on {}", cfg.http))?;
    if cfg.insecure_plaintext {
        tracing::warn!(
            "serving PLAINTEXT on loopback (--insecure-plaintext): for development only"
        );
    }
    if cfg.insecure_no_auth {
        tracing::warn!(
            "API authentication is OFF (--insecure-no-auth): anyone on this machine is admin"
        );
    }
    if tls_config.is_some()
        && cfg.tls.as_ref().is_some_and(|t| t.client_ca.is_none())
        && !cfg.insecure_no_auth
    {
        tracing::warn!(
            "no --client-ca: agents cannot authenticate, so every agent stream is refused"
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let auth = Arc::new(Auth {
        store: store.clone(),
        audit: Audit::start(store.clone()),
        enabled: !cfg.insecure_no_auth,
        tls: tls_config.is_some(),
    });
    let trust = Trust {
        auth: auth.clone(),
        trusted_keys,
        enroll_ca,
        cert_days: cfg.cert_days,
        max_heartbeat_secs: cfg.max_heartbeat_secs,
        tls: Arc::new(tls::TlsCounters::default()),
        identity_refusals: Default::default(),
        rescans: Default::default(),
        enroll_refusals: crate::security::limit::SourceLimit::new(
            crate::security::ENROLL_REFUSALS_PER_MINUTE,
        ),
    };
    let sinks = crate::alert::Sinks {
        webhooks: cfg.webhooks.clone(),
        secret: cfg.webhook_secret.clone(),
        alertmanager: cfg.alertmanager.clone(),
        public_url: cfg.public_url.clone(),
    };
    let alerts = crate::alert::Alerts::new(sinks, &policy).map_err(anyhow::Error::msg)?;
    let outbox: Arc<dyn crate::hub::OutboxWriter> = alerts.clone();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "collector".into());
    // Unique per replica: two on one host listen on different ports, or on
    // the same port of different addresses.
    let addr = grpc.local_addr()?;
    let instance = if addr.ip().is_unspecified() {
        format!("{host}:{}", addr.port())
    } else {
        format!("{host}:{addr}")
    };
    let hub = Hub::start(
        store,
        policy,
        Some(outbox),
        trust,
        instance,
        stop_rx.clone(),
    );
    crate::housekeeping::start(hub.clone(), stop_rx.clone()).await;
    crate::alert::start(hub.clone(), alerts, stop_rx.clone());

    // TLS 1.3 tickets under keys the replicas share (see
    // `security::tickets`): an agent resumes its session on any replica.
    let tls_config = match tls_config {
        Some(config) => Some(with_shared_tickets(config, &hub, stop_rx.clone()).await),
        None => None,
    };
    let grpc_local = grpc.local_addr()?;
    let http_local = http.local_addr()?;
    tracing::info!(grpc = %grpc_local, http = %http_local, tls = tls_config.is_some(), database = %crate::store::redact(&cfg.database), "collector serving");
    let max_connections = connection_budget(cfg.max_connections);
    let grpc_conns = tls::accept(
        grpc,
        tls_config.clone(),
        hub.trust.tls.clone(),
        max_connections,
    );
    let http_conns = tls::accept(http, tls_config, hub.trust.tls.clone(), max_connections);
    let hosts = Arc::new(AllowedHosts::new(
        http_local,
        cfg.public_url.as_deref(),
        &cfg.allowed_hosts,
        &crate::security::guard::MachineNames::here(),
    ));
    match &hosts.0 {
        None => tracing::warn!("HTTP answers to any Host header (--allowed-host '*'): DNS-rebinding requests are not refused"),
        Some(names) => tracing::info!(hosts = %names.join(" "), "HTTP answers to these hosts only (add names with --allowed-host)"),
    }

    // grpc.health.v1: SERVING while the database answers.
    let (health, health_service) = tonic_health::server::health_reporter();
    {
        let (hub, mut stop) = (hub.clone(), stop_rx.clone());
        tokio::spawn(async move {
            loop {
                let status = if hub.store.ping().await {
                    tonic_health::ServingStatus::Serving
                } else {
                    tonic_health::ServingStatus::NotServing
                };
                health.set_service_status("", status).await;
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }
    // Server reflection (grpcurl lists and calls methods by name): plumb's
    // schema and the health service's; a read token is needed, as for the
    // queries.
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(plumb_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .context("gRPC reflection")?;
    let limit = plumb_proto::MAX_MESSAGE_BYTES;
    let grpc_server = tonic::transport::Server::builder()
        // No HTTP/2 PINGs: an agent's heartbeats prove its stream alive,
        // and a dead peer is found by the kernel's TCP keepalive (set on
        // every accepted socket), neither costing a timer per stream here.
        .http2_keepalive_interval(None)
        // What one connection can push into memory before it is read:
        // 256 KiB per stream and per connection (hyper's default is 1 MiB
        // each), a batch of the largest legal size still flows in windows.
        .initial_stream_window_size(Some(STREAM_WINDOW))
        .initial_connection_window_size(Some(STREAM_WINDOW))
        .http2_adaptive_window(Some(false))
        // Headers of a gRPC call are a few hundred bytes; hyper would
        // accept 16 MiB.
        .http2_max_header_list_size(Some(16 * 1024))
        // Agents hold one stream, tools a few: a client opening hundreds
        // of streams on one connection gets no more.
        .max_concurrent_streams(Some(64))
        .layer(GrpcGuardLayer::new(auth.clone()))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(
            AgentServiceServer::new(Ingest { hub: hub.clone() }).max_decoding_message_size(limit),
        )
        .add_service(
            ManifestRegistryServer::new(Registry { hub: hub.clone() })
                .max_decoding_message_size(plumb_proto::MAX_MANIFEST_BYTES)
                .max_encoding_message_size(plumb_proto::MAX_MANIFEST_BYTES),
        )
        .add_service(
            QueryServiceServer::new(Query { hub: hub.clone() })
                .max_encoding_message_size(64 * 1024 * 1024),
        )
        .add_service(
            // An advisory import is one message of up to 32 MiB of OSV.
            AdminServiceServer::new(Admin { hub: hub.clone() })
                .max_decoding_message_size(crate::advisories::MAX_FILE_BYTES + 1024 * 1024),
        )
        .add_service(EnrollmentServer::new(crate::grpc::enroll::Enroll {
            hub: hub.clone(),
        }))
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::ReceiverStream::new(grpc_conns).map(Ok::<_, std::io::Error>),
            wait(stop_rx.clone()),
        );
    let app = crate::api::router(hub.clone())
        .merge(crate::web::router(hub.clone()))
        .merge(
            axum::Router::new()
                .route("/login", axum::routing::get(login_form).post(login))
                .route("/logout", axum::routing::post(logout))
                .with_state(auth.clone()),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            http_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(hosts, web_headers));
    let http_server = crate::security::http::serve(http_conns, app, wait(stop_rx.clone()));

    let grpc_task = tokio::spawn(grpc_server);
    let http_task = tokio::spawn(async move {
        http_server.await;
        Ok::<(), std::io::Error>(())
    });
    shutdown.await;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    let (g, h) = tokio::join!(grpc_task, http_task);
    // The minute's refusal sums are written before the collector exits.
    let flushed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        hub.trust.auth.audit.flush(),
    );
    if flushed.await.is_err() {
        tracing::warn!("the audit log's last rows were not written within 5 s");
    }
    g??;
    h??;
    Ok(())
}

/// `config` issuing tickets under the replicas' shared keys, refreshed
/// from the database every minute until `stop`.
async fn with_shared_tickets(
    config: Arc<rustls::ServerConfig>,
    hub: &Arc<Hub>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Arc<rustls::ServerConfig> {
    use crate::security::tickets::{refresh, SharedTickets};
    let tickets = Arc::new(SharedTickets::default());
    if let Err(e) = refresh(&tickets, &hub.store).await {
        tracing::warn!(error = %e, "TLS ticket keys not loaded yet: full handshakes until they are");
    }
    let (held, store) = (tickets.clone(), hub.store.clone());
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                _ = stop.changed() => return,
            }
            if let Err(e) = refresh(&held, &store).await {
                tracing::warn!(error = %e, "refreshing the TLS ticket keys failed");
            }
        }
    });
    let mut config = Arc::unwrap_or_clone(config);
    config.ticketer = tickets;
    Arc::new(config)
}

async fn wait(mut rx: tokio::sync::watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(grpc: &str, tls: bool) -> ServeConfig {
        ServeConfig {
            grpc: grpc.parse().unwrap(),
            http: "127.0.0.1:7480".parse().unwrap(),
            database: "sqlite://x".into(),
            policy: None,
            webhooks: vec![],
            webhook_secret: None,
            alertmanager: None,
            public_url: None,
            tls: tls.then(|| TlsFiles {
                cert: "c".into(),
                key: "k".into(),
                client_ca: None,
            }),
            insecure_plaintext: !tls,
            insecure_no_auth: false,
            trust_keys: vec![],
            enroll_ca: None,
            cert_days: 90,
            max_heartbeat_secs: 30,
            allowed_hosts: vec![],
            max_connections: 1000,
            database_connections: 16,
            max_open_per_node: 1000,
            retention: std::time::Duration::from_secs(86_400),
        }
    }

    #[test]
    fn connections_never_exceed_what_the_process_may_open() {
        let files = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        let budget = super::connection_budget(usize::MAX);
        // Raised to the hard limit, less what is kept for the rest.
        if let Some(max) = files.maximum {
            assert!(budget as u64 <= max.saturating_sub(super::RESERVED_DESCRIPTORS).max(16));
        }
        assert_eq!(super::connection_budget(16), 16, "a lower setting stands");
    }

    #[test]
    fn plaintext_and_no_auth_are_refused_off_loopback() {
        assert!(config("127.0.0.1:7400", false).check().is_ok());
        assert!(config("[::1]:7400", false).check().is_ok());
        let err = config("0.0.0.0:7400", false).check().unwrap_err();
        assert!(err.0.contains("off loopback"), "{err}");
        assert!(config("0.0.0.0:7400", true).check().is_ok());
        let mut no_auth = config("0.0.0.0:7400", true);
        no_auth.insecure_no_auth = true;
        assert!(no_auth
            .check()
            .unwrap_err()
            .0
            .contains("--insecure-no-auth"));
        let mut neither = config("127.0.0.1:7400", true);
        neither.tls = None;
        neither.insecure_plaintext = false;
        assert!(neither.check().unwrap_err().0.contains("TLS is required"));
    }

    #[test]
    fn retention_has_a_floor() {
        let mut c = config("127.0.0.1:7400", true);
        c.retention = std::time::Duration::from_secs(30);
        assert!(c.check().unwrap_err().0.contains("--retention 30s"));
        c.retention = std::time::Duration::from_secs(300);
        assert!(c.check().is_ok());
    }
}

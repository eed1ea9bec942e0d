//! `plumb-collector serve`: configuration, then the gRPC and HTTP servers
//! on one runtime until a shutdown signal.

use plumb_proto::{AgentServiceServer, ManifestRegistryServer, QueryServiceServer};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::TcpListener;

use crate::hub::Hub;
use crate::ingest::{Ingest, Registry};
use crate::policy::Policy;
use crate::query::Query;
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
}

/// Runs until `shutdown` resolves.
pub async fn serve(
    cfg: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let policy = Policy::load(cfg.policy.as_deref())?;
    let store = Store::connect(&cfg.database).await?;
    let grpc = TcpListener::bind(cfg.grpc)
        .await
        .with_context(|| format!("binding gRPC on {}", cfg.grpc))?;
    let http = TcpListener::bind(cfg.http)
        .await
        .with_context(|| format!("binding HTTP on {}", cfg.http))?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let hub = Hub::start(
        store,
        policy,
        crate::alert::Sinks::from_config(&cfg),
        stop_rx.clone(),
    );
    crate::alert::start(hub.clone(), stop_rx.clone());

    tracing::info!(grpc = %grpc.local_addr()?, http = %http.local_addr()?, database = %crate::store::redact(&cfg.database), "collector serving");
    let limit = plumb_proto::MAX_MESSAGE_BYTES;
    let grpc_server = tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
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
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(grpc),
            wait(stop_rx.clone()),
        );
    let app = crate::api::router(hub.clone()).merge(crate::web::router(hub.clone()));
    let http_server = axum::serve(http, app).with_graceful_shutdown(wait(stop_rx.clone()));

    let grpc_task = tokio::spawn(grpc_server);
    let http_task = tokio::spawn(async move { http_server.await });
    shutdown.await;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    let (g, h) = tokio::join!(grpc_task, http_task);
    g??;
    h??;
    Ok(())
}

async fn wait(mut rx: tokio::sync::watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

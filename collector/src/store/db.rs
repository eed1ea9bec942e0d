//! The database: connecting (SQLite or PostgreSQL), migrations, the
//! writer and reader pools, and the store's error.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

/// A database that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {url}: {cause}")]
    Connect { url: String, cause: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error("database: {0}")]
    Sql(sqlx::Error),
    #[error("unsupported database URL {0:?} (expected sqlite://PATH or postgres://...)")]
    Scheme(String),
    /// A stored value the schema does not allow: which row holds what.
    /// The database works; its data is wrong, and the message says where.
    #[error("invalid stored data: {0}")]
    InvalidRow(String),
}

/// A value a row holds that its type does not allow (see [`decode`]).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidRow(pub String);

// Not `#[from]`: the message already shows the cause, which must not
// come again as the error's source when the chain is printed.
impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> StoreError {
        StoreError::Migrate(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        match &e {
            sqlx::Error::Decode(inner) => match inner.downcast_ref::<InvalidRow>() {
                Some(InvalidRow(what)) => StoreError::InvalidRow(what.clone()),
                None => StoreError::Sql(e),
            },
            _ => StoreError::Sql(e),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool plus which backend it talks to.
#[derive(Clone)]
pub struct Store {
    /// Reads (many connections; SQLite readers run beside the writer in WAL mode).
    pub(crate) pool: AnyPool,
    /// Writes: a single connection for SQLite, whose writers would
    /// otherwise fail with SQLITE_BUSY; the same pool for PostgreSQL.
    pub(crate) writer: AnyPool,
    /// Lease renewals: one connection of its own on PostgreSQL (the
    /// writer on SQLite), never queued behind the hellos and batches.
    pub(crate) control: AnyPool,
    /// Reads of the history partitioned by day (resolved deviations,
    /// transitions) on PostgreSQL: connections that keep a generic plan
    /// once it is as good as a fresh one, since planning a read over
    /// every day's partition costs more than running it (see
    /// [`Store::connect_with`]). The reader pool on SQLite.
    pub(crate) history: AnyPool,
    pub backend: Backend,
    /// Open deviations stored per node at most; beyond it a node's new
    /// deviations are counted in a critical finding, not stored.
    pub max_open_per_node: i64,
    /// How long history (resolved deviations, transitions, delivered
    /// alerts, audit, retired nodes) is kept, in milliseconds.
    pub retention_ms: i64,
    /// The last count of nodes per image and status, and of open
    /// deviations per severity (see `snapshot`).
    pub(crate) snapshot: std::sync::Arc<super::snapshot::Snapshot<super::ImageStatusCounts>>,
    pub(crate) severities:
        std::sync::Arc<super::snapshot::Snapshot<super::snapshot::SeverityCounts>>,
}

/// Default of [`Store::max_open_per_node`].
pub const MAX_OPEN_PER_NODE: i64 = 100_000;
/// Default of [`Store::retention_ms`]: 90 days.
pub const RETENTION_MS: i64 = 90 * 86_400_000;

/// `plan_cache_mode` of the PostgreSQL connections: every statement
/// planned afresh, and on the history connections a generic plan kept
/// once PostgreSQL finds it as cheap as a fresh one.
const CUSTOM: &str = "force_custom_plan";
const GENERIC_WHEN_AS_GOOD: &str = "auto";

/// Connections a replica opens to PostgreSQL at most, by default.
pub const POSTGRES_CONNECTIONS: u32 = 16;

impl Store {
    /// Connects and runs migrations. `sqlite://PATH` creates the file.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, POSTGRES_CONNECTIONS).await
    }

    /// [`Store::connect`] with at most `postgres_connections` connections
    /// to PostgreSQL (SQLite: one writer and four readers, always).
    pub async fn connect_with(url: &str, postgres_connections: u32) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Scheme(url.to_string()));
        };
        let connect_err = |cause| StoreError::Connect {
            url: redact(url),
            cause,
        };
        let full_url = match backend {
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&full_url)
            .map_err(connect_err)?
            .disable_statement_logging();
        // On PostgreSQL every statement is planned for the tables as they
        // are now (a plan cached while `deviations` was small, a
        // sequential scan joined by hash, would stay in use as it grows
        // by thousands of rows a second, until the next analyse); except
        // on the history connections, whose reads (one node's rows in
        // each day's partition, through its index) have the same plan at
        // any size, and would pay 1-3 ms of planning over 30-90
        // partitions for a read taking a fraction of that. A generic plan
        // is still dropped when a partition is analysed or made.
        let make_pool = |max: u32, plan_cache_mode: &'static str| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            // WAL lets readers run beside the single writer;
                            // NORMAL sync is durable across process crashes.
                            sqlx::query("PRAGMA journal_mode = WAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA synchronous = NORMAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA busy_timeout = 10000")
                                .execute(&mut *conn)
                                .await?;
                            // 64 MiB page cache: the open-deviation indexes stay hot.
                            sqlx::query("PRAGMA cache_size = -65536")
                                .execute(&mut *conn)
                                .await?;
                        } else {
                            sqlx::query(&format!("SET plan_cache_mode = {plan_cache_mode}"))
                                .execute(&mut *conn)
                                .await?;
                        }
                        Ok(())
                    })
                })
        };
        // On PostgreSQL an eighth of the connections (at least one) read
        // history; the rest are the writer pool, which serves the other
        // reads too.
        let history_connections = (postgres_connections / 8).max(1);
        let writer = match backend {
            Backend::Sqlite => make_pool(1, "")
                .connect_with(options.clone())
                .await
                .map_err(connect_err)?,
            Backend::Postgres => make_pool(
                postgres_connections
                    .saturating_sub(history_connections)
                    .max(1),
                CUSTOM,
            )
            .connect_with(options.clone())
            .await
            .map_err(connect_err)?,
        };
        // Leases on a connection of their own: a replica that cannot
        // renew its lease within the lease is taken for dead by the others
        // (its nodes released and claimed back), and under a reconnect
        // storm every pooled connection is busy with hellos.
        let control = match backend {
            Backend::Sqlite => writer.clone(),
            Backend::Postgres => make_pool(1, CUSTOM)
                .connect_with(options.clone())
                .await
                .map_err(connect_err)?,
        };
        let pool = match backend {
            Backend::Sqlite => make_pool(4, "")
                .connect_with(options.clone())
                .await
                .map_err(connect_err)?,
            Backend::Postgres => writer.clone(),
        };
        let history = match backend {
            Backend::Sqlite => pool.clone(),
            Backend::Postgres => make_pool(history_connections, GENERIC_WHEN_AS_GOOD)
                .connect_with(options)
                .await
                .map_err(connect_err)?,
        };
        match backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
                super::keys::key_containers(&writer).await?;
            }
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&writer).await?,
        }
        let store = Store {
            pool,
            writer,
            control,
            history,
            backend,
            max_open_per_node: MAX_OPEN_PER_NODE,
            retention_ms: RETENTION_MS,
            snapshot: Default::default(),
            severities: Default::default(),
        };
        // Today's history partitions and the next days' (PostgreSQL);
        // housekeeping keeps making them. Rows never wait for one: without
        // it they go to the default partition.
        if let Err(e) = store.ensure_partitions(crate::model::now_ms()).await {
            tracing::warn!(error = %e, "making history partitions failed; retried by housekeeping");
        }
        // Manifests registered before the package inventory, indexed once.
        let indexed = store.index_packages().await?;
        if indexed > 0 {
            tracing::info!(
                manifests = indexed,
                "package inventory: registered manifests indexed"
            );
        }
        Ok(store)
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// A URL without its password, for error messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Typed values read from rows: a value the schema does not allow is an
/// error naming the row and the column, never a silent default.
pub(super) mod decode {
    use plumb_proto::v1::{DeviationKind, Severity};

    use crate::model::NodeStatus;

    fn bad(row: &str, column: &str, value: &dyn std::fmt::Debug) -> sqlx::Error {
        sqlx::Error::Decode(Box::new(super::InvalidRow(format!(
            "{row}: unknown {column} {value:?}"
        ))))
    }

    pub fn status(row: &str, column: &str, s: &str) -> Result<NodeStatus, sqlx::Error> {
        NodeStatus::parse(s).ok_or_else(|| bad(row, column, &s))
    }

    /// A severity (1 low to 4 critical).
    pub fn severity(row: &str, v: i64) -> Result<Severity, sqlx::Error> {
        i32::try_from(v)
            .ok()
            .and_then(|v| Severity::try_from(v).ok())
            .filter(|s| *s != Severity::Unspecified)
            .ok_or_else(|| bad(row, "severity", &v))
    }

    /// A node's worst open severity: 0 is none.
    pub fn max_severity(row: &str, v: i64) -> Result<Option<Severity>, sqlx::Error> {
        if v == 0 {
            Ok(None)
        } else {
            severity(row, v).map(Some)
        }
    }

    /// A container's status as its agent judged it.
    pub fn container_status(
        row: &str,
        s: &str,
    ) -> Result<plumb_proto::v1::ContainerStatus, sqlx::Error> {
        plumb_proto::container_status_from_snake(s).ok_or_else(|| bad(row, "status", &s))
    }

    /// How a node's agent sees new processes (`""`: it did not say).
    pub fn exec_monitor(row: &str, s: &str) -> Result<plumb_proto::v1::ExecMonitor, sqlx::Error> {
        plumb_proto::exec_monitor_from_snake(s).ok_or_else(|| bad(row, "exec_monitor", &s))
    }

    /// A JSON list of strings (reasons).
    pub fn strings(row: &str, column: &str, s: &str) -> Result<Vec<String>, sqlx::Error> {
        serde_json::from_str(s).map_err(|_| bad(row, column, &s))
    }

    /// A deviation kind, by its snake-case name.
    pub fn kind(row: &str, s: &str) -> Result<DeviationKind, sqlx::Error> {
        plumb_proto::kind_from_snake(s)
            .filter(|k| *k != DeviationKind::Unspecified)
            .ok_or_else(|| bad(row, "kind", &s))
    }
}

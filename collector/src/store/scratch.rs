//! Scratch PostgreSQL databases for tests and benchmarks: each is created
//! under a name carrying the creating process's id and dropped when its
//! guard is, and databases left by processes that died (a test killed
//! mid-run) are dropped the next time one is made. Compiled for the
//! crate's own tests and with the `test-support` feature only.

use std::sync::atomic::{AtomicU64, Ordering};

/// Names of scratch databases start with this.
const PREFIX: &str = "plumb_scratch_";

/// A PostgreSQL database that exists as long as this guard does.
pub struct ScratchDatabase {
    /// Its URL.
    pub url: String,
    admin: String,
    name: String,
}

/// Runs `f` on a runtime of its own, from sync or async code alike.
fn blocking<T: Send>(f: impl std::future::Future<Output = T> + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the scratch database")
                .block_on(f)
        })
        .join()
        .expect("scratch database thread")
    })
}

impl ScratchDatabase {
    /// Creates a fresh database on the server `base` names (the URL of one
    /// of its databases, which the guard connects to as administrator).
    pub fn create(base: &str) -> ScratchDatabase {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        let name = format!(
            "{PREFIX}{pid}_{}_{}",
            crate::model::now_ms(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = base.to_string();
        blocking(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .expect("the test PostgreSQL server is unreachable");
            sweep(&pool).await;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .expect("creating a scratch database");
            pool.close().await;
        });
        let (prefix, _) = base.rsplit_once('/').expect("a database URL");
        ScratchDatabase {
            url: format!("{prefix}/{name}"),
            admin,
            name,
        }
    }
}

/// Drops the scratch databases of processes that no longer run.
async fn sweep(pool: &sqlx::AnyPool) {
    let names: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT datname::text FROM pg_database WHERE datname LIKE '{PREFIX}%'"
    ))
    .fetch_all(pool)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name[PREFIX.len()..].split('_').next().unwrap_or("");
        if !std::path::Path::new("/proc").join(pid).exists() {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(pool)
                .await;
        }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        blocking(async move {
            if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
                if let Err(e) = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await
                {
                    eprintln!("dropping scratch database {name}: {e}");
                }
                pool.close().await;
            }
        });
    }
}

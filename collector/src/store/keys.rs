//! The container key of open deviations (`cref`): what the unique index
//! holds instead of the container id, and SQLite's keying of rows stored
//! before it existed.

/// The key a deviation's container has in the open deviations' unique
/// index (`cref`): 0 for the node's own, else the first 63 bits of the
/// SHA-256 of the container id (never 0), as migration 0010 computes it.
/// Two ids of one node sharing a key would share open deviations; finding
/// one for a given id is a 63-bit second preimage.
pub(crate) fn container_key(container: &str) -> i64 {
    use sha2::Digest;
    if container.is_empty() {
        return 0;
    }
    let digest = sha2::Sha256::digest(container.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    match i64::from_be_bytes(first) & i64::MAX {
        0 => 1,
        k => k,
    }
}

/// SQLite's half of migration 0010 (it has no SHA-256): the container
/// key of every stored container deviation, then the open deviations'
/// unique index on it. Runs when that index is missing: once, or again
/// after a start that stopped halfway.
pub(super) async fn key_containers(writer: &sqlx::Pool<sqlx::Any>) -> Result<(), sqlx::Error> {
    let done: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'deviations_open'",
    )
    .fetch_optional(writer)
    .await?;
    if done.is_some() {
        return Ok(());
    }
    let mut tx = writer.begin().await?;
    let containers: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT container FROM deviations WHERE container <> ''")
            .fetch_all(&mut *tx)
            .await?;
    if !containers.is_empty() {
        tracing::info!(
            containers = containers.len(),
            "keying the stored deviations of containers (migration 0010)"
        );
    }
    sqlx::query(
        "CREATE TEMP TABLE container_keys (container TEXT PRIMARY KEY, cref BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    for chunk in containers.chunks(5_000) {
        #[derive(serde::Serialize)]
        struct Key<'a> {
            t: &'a str,
            r: i64,
        }
        let keys: Vec<Key<'_>> = chunk
            .iter()
            .map(|t| Key {
                t,
                r: container_key(t),
            })
            .collect();
        sqlx::query(
            "INSERT INTO temp.container_keys (container, cref) \
             SELECT j.value ->> 't', j.value ->> 'r' FROM (SELECT value FROM json_each($1) LIMIT -1 OFFSET 0) AS j",
        )
        .bind(serde_json::to_string(&keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE deviations SET cref = (SELECT k.cref FROM temp.container_keys k WHERE k.container = deviations.container) \
         WHERE container <> ''",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("DROP TABLE temp.container_keys")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "CREATE UNIQUE INDEX deviations_open ON deviations (node_id, kind, dkey, cref) WHERE resolved_at IS NULL",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

//! SQL of the trust layer: API tokens, dashboard sessions, the audit log,
//! enrollment tokens, issued node certificates, revocations, the manifest
//! registry's append-only rule and the collector's own findings.

use plumb_proto::v1::{Deviation, DeviationKind, Severity};
use serde::Serialize;
use sqlx::Row;

use super::queries::{refresh_counts, upsert_deviations};
use super::{Store, StoreError};

/// One audit log row.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub source: String,
    /// `ok` or `refused`.
    pub outcome: String,
    pub detail: String,
}

/// A stored API token, without its secret.
#[derive(Clone, Debug)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// A token as `plumbctl token list` shows it.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: i64,
    pub created_by: String,
    pub revoked_at: Option<i64>,
}

/// A dashboard session.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub name: String,
    pub role: String,
    pub csrf: String,
}

/// What a manifest push did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    New,
    /// The same digest was already registered.
    Unchanged,
    Replaced {
        old: String,
    },
    /// A different digest is registered and no replacement was asked for.
    Refused {
        existing: String,
    },
}

/// Why an enrollment was refused.
#[derive(Debug, thiserror::Error)]
pub enum EnrollRefusal {
    #[error("enrollment token unknown, used up or expired")]
    BadToken,
    #[error("enrollment token is for image {token_image:?}, not {asked:?}")]
    WrongImage { token_image: String, asked: String },
    #[error("node {0:?} is already enrolled or known; revoke and retire it first")]
    NodeExists(String),
    #[error("node {0:?} is revoked")]
    Revoked(String),
}

impl Store {
    pub async fn create_token(
        &self,
        t: &TokenRow,
        hash: &str,
        by: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (id, name, role, hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(&t.role)
        .bind(hash)
        .bind(now)
        .bind(by)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Every token (without secrets), newest first.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, role, created_at, created_by, revoked_at FROM api_tokens ORDER BY created_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    role: r.try_get("role")?,
                    created_at: r.try_get("created_at")?,
                    created_by: r.try_get("created_by")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Revokes a token (and so every dashboard session opened with it).
    pub async fn revoke_token(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, role FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(TokenRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                role: r.try_get("role")?,
            }),
            None => None,
        })
    }

    pub async fn create_session(
        &self,
        hash: &str,
        token: &TokenRow,
        csrf: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (hash, token_id, name, role, csrf, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(hash)
            .bind(&token.id)
            .bind(&token.name)
            .bind(&token.role)
            .bind(csrf)
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// A live session whose token is not revoked.
    pub async fn session(&self, hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT s.name, s.role, s.csrf FROM sessions s JOIN api_tokens t ON t.id = s.token_id \
             WHERE s.hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(SessionRow {
                name: r.try_get("name")?,
                role: r.try_get("role")?,
                csrf: r.try_get("csrf")?,
            }),
            None => None,
        })
    }

    pub async fn delete_session(&self, hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE hash = $1")
            .bind(hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn insert_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        for e in entries {
            sqlx::query(
                "INSERT INTO audit (at, actor, role, action, target, source, outcome, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(e.at)
            .bind(&e.actor)
            .bind(&e.role)
            .bind(&e.action)
            .bind(&e.target)
            .bind(&e.source)
            .bind(&e.outcome)
            .bind(&e.detail)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Newest first; only entries about `target` when given.
    pub async fn audit(
        &self,
        target: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = "SELECT at, actor, role, action, target, source, outcome, detail FROM audit";
        let rows = match target {
            Some(t) => {
                sqlx::query(&format!(
                    "{sql} WHERE target = $1 ORDER BY id DESC LIMIT $2"
                ))
                .bind(t)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{sql} ORDER BY id DESC LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    role: r.try_get("role")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    source: r.try_get("source")?,
                    outcome: r.try_get("outcome")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Keeps the newest `keep` actions and, apart, the newest `keep`
    /// refusals of the audit log (a flood of refusals cannot push an
    /// action out), and drops expired sessions.
    pub async fn prune_audit(&self, keep: i64, now: i64) -> Result<(), StoreError> {
        for budget in ["outcome = 'ok'", "outcome <> 'ok'"] {
            sqlx::query(&format!(
                "DELETE FROM audit WHERE {budget} AND id <= \
                 (SELECT id FROM audit WHERE {budget} ORDER BY id DESC LIMIT 1 OFFSET $1)"
            ))
            .bind(keep)
            .execute(&self.writer)
            .await?;
        }
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn create_enrollment(
        &self,
        hash: &str,
        image_id: &str,
        expires_at: i64,
        uses: i64,
        by: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO enrollments (hash, image_id, expires_at, uses_left, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash)
        .bind(image_id)
        .bind(expires_at)
        .bind(uses)
        .bind(now)
        .bind(by)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Whether an enrollment token (by hash) would be redeemed for
    /// `node_id` and `image_id` now, without using it: checked before a
    /// CSR is parsed or anything signed, so a bad token costs a lookup.
    pub async fn check_enrollment(
        &self,
        hash: &str,
        image_id: &str,
        node_id: &str,
        now: i64,
    ) -> Result<Result<(), EnrollRefusal>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(enrollment_refusal(&mut conn, hash, image_id, node_id, now)
            .await?
            .map_or(Ok(()), Err))
    }

    /// Redeems one use of an enrollment token for `node_id` and records
    /// the certificate issued to it, atomically.
    pub async fn redeem_enrollment(
        &self,
        hash: &str,
        image_id: &str,
        node_id: &str,
        serial: &str,
        now: i64,
    ) -> Result<Result<(), EnrollRefusal>, StoreError> {
        let mut tx = self.writer.begin().await?;
        if let Some(refusal) = enrollment_refusal(&mut tx, hash, image_id, node_id, now).await? {
            return Ok(Err(refusal));
        }
        sqlx::query("UPDATE enrollments SET uses_left = uses_left - 1 WHERE hash = $1")
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO node_certs (serial, node_id, image_id, issued_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(serial)
        .bind(node_id)
        .bind(image_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The image a node enrolled for, when it enrolled through plumb.
    pub async fn enrolled_image(&self, node_id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT image_id FROM node_certs WHERE node_id = $1 LIMIT 1")
                .bind(node_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Revokes a node: its certificates are refused from now on. Returns
    /// how many plumb-issued certificates it had.
    pub async fn revoke_node(
        &self,
        node_id: &str,
        actor: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        sqlx::query(
            "INSERT INTO revoked_nodes (node_id, at, actor) VALUES ($1, $2, $3) ON CONFLICT (node_id) DO NOTHING",
        )
        .bind(node_id)
        .bind(now)
        .bind(actor)
        .execute(&self.writer)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM node_certs WHERE node_id = $1")
                .bind(node_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn is_revoked(&self, node_id: &str) -> Result<bool, StoreError> {
        let at: Option<i64> = sqlx::query_scalar("SELECT at FROM revoked_nodes WHERE node_id = $1")
            .bind(node_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(at.is_some())
    }

    /// Registers a manifest. The registry is append-only per image id: a
    /// different digest replaces the registered one only with `replace`.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_manifest(
        &self,
        image_id: &str,
        digest: &str,
        body: &[u8],
        files: i64,
        packages: i64,
        labels: &[(String, String)],
        replace: bool,
        now: i64,
    ) -> Result<PushOutcome, StoreError> {
        let mut tx = self.writer.begin().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT digest FROM manifests WHERE image_id = $1")
                .bind(image_id)
                .fetch_optional(&mut *tx)
                .await?;
        let outcome = match existing {
            Some(d) if d == digest => return Ok(PushOutcome::Unchanged),
            Some(d) if !replace => return Ok(PushOutcome::Refused { existing: d }),
            Some(d) => PushOutcome::Replaced { old: d },
            None => PushOutcome::New,
        };
        sqlx::query(
            "INSERT INTO manifests (image_id, digest, body, files, packages, pushed_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (image_id) DO UPDATE SET digest = excluded.digest, body = excluded.body, files = excluded.files, \
             packages = excluded.packages, pushed_at = excluded.pushed_at",
        )
        .bind(image_id)
        .bind(digest)
        .bind(body)
        .bind(files)
        .bind(packages)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM image_labels WHERE image_id = $1")
            .bind(image_id)
            .execute(&mut *tx)
            .await?;
        for (key, value) in labels {
            sqlx::query("INSERT INTO image_labels (image_id, key, value) VALUES ($1, $2, $3)")
                .bind(image_id)
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The registered digest (hex) of an image.
    pub async fn manifest_digest(&self, image_id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT digest FROM manifests WHERE image_id = $1")
                .bind(image_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Records (or refreshes) a critical integrity finding on a node.
    pub async fn record_finding(
        &self,
        node_id: &str,
        key: &str,
        expected: &str,
        actual: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        let dev = finding(key, expected, actual);
        upsert_deviations(&mut tx, self.backend, node_id, &[dev], now).await?;
        refresh_counts(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves an integrity finding (e.g. the manifest digest matches
    /// again).
    pub async fn clear_finding(
        &self,
        node_id: &str,
        key: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.clear_deviation(node_id, "integrity", key, now).await
    }

    /// Records that the node cannot report completely (its agent cannot
    /// write its spool): a critical `scan_error` kept by the collector.
    pub async fn record_unverified(
        &self,
        node_id: &str,
        key: &str,
        why: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        let dev = Deviation {
            kind: DeviationKind::ScanError as i32,
            key: key.to_string(),
            severity: Severity::Critical as i32,
            actual: why.chars().take(plumb_proto::MAX_STATE_BYTES).collect(),
            ..Default::default()
        };
        upsert_deviations(&mut tx, self.backend, node_id, &[dev], now).await?;
        refresh_counts(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves one open deviation the collector keeps.
    pub async fn clear_deviation(
        &self,
        node_id: &str,
        kind: &str,
        key: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let n = sqlx::query(
            "UPDATE deviations SET resolved_at = $1 WHERE node_id = $2 AND kind = $3 AND dkey = $4 AND resolved_at IS NULL",
        )
        .bind(now)
        .bind(node_id)
        .bind(kind)
        .bind(key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            refresh_counts(&mut tx, node_id).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }
}

impl Store {
    /// Queues alert payloads outside a transition (e.g. a retired node
    /// that is still alive, whose status cannot change any more).
    pub async fn queue_alerts(
        &self,
        alerts: &[(String, String)],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        super::queries::queue_outbox(&mut tx, alerts, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A collector finding as a deviation (kind `integrity`, critical).
pub fn finding(key: &str, expected: &str, actual: &str) -> Deviation {
    Deviation {
        kind: DeviationKind::Integrity as i32,
        key: key.to_string(),
        severity: Severity::Critical as i32,
        expected: expected.to_string(),
        actual: actual.to_string(),
        ..Default::default()
    }
}

/// Why an enrollment token (by hash) would be refused for `node_id` and
/// `image_id` now; `None` when it would be redeemed.
async fn enrollment_refusal(
    conn: &mut sqlx::AnyConnection,
    hash: &str,
    image_id: &str,
    node_id: &str,
    now: i64,
) -> Result<Option<EnrollRefusal>, StoreError> {
    let row: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT image_id, expires_at, uses_left FROM enrollments WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((token_image, expires_at, uses_left)) = row else {
        return Ok(Some(EnrollRefusal::BadToken));
    };
    if expires_at <= now || uses_left <= 0 {
        return Ok(Some(EnrollRefusal::BadToken));
    }
    if token_image != image_id {
        return Ok(Some(EnrollRefusal::WrongImage {
            token_image,
            asked: image_id.to_string(),
        }));
    }
    let revoked: Option<i64> =
        sqlx::query_scalar("SELECT at FROM revoked_nodes WHERE node_id = $1")
            .bind(node_id)
            .fetch_optional(&mut *conn)
            .await?;
    if revoked.is_some() {
        return Ok(Some(EnrollRefusal::Revoked(node_id.to_string())));
    }
    let known: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM nodes WHERE node_id = $1) + (SELECT COUNT(*) FROM node_certs WHERE node_id = $1)",
    )
    .bind(node_id)
    .fetch_one(&mut *conn)
    .await?;
    if known > 0 {
        return Ok(Some(EnrollRefusal::NodeExists(node_id.to_string())));
    }
    Ok(None)
}

//! Enrollment tokens, the certificates issued through them, and node
//! revocations.

use super::db::{Store, StoreError};

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

/// Why an enrollment token (by hash) would be refused for `node_id` and
/// `image_id` now; `None` when it would be redeemed.
pub(super) async fn enrollment_refusal(
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

impl Store {
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

    /// What a hello's identity check needs, in one round trip: whether
    /// the node is revoked, and the image it enrolled for (if it did).
    pub async fn standing(&self, node_id: &str) -> Result<(bool, Option<String>), StoreError> {
        let (revoked, image): (Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT (SELECT at FROM revoked_nodes WHERE node_id = $1), \
             (SELECT image_id FROM node_certs WHERE node_id = $1 LIMIT 1)",
        )
        .bind(node_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((revoked.is_some(), image))
    }

    pub async fn is_revoked(&self, node_id: &str) -> Result<bool, StoreError> {
        let at: Option<i64> = sqlx::query_scalar("SELECT at FROM revoked_nodes WHERE node_id = $1")
            .bind(node_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(at.is_some())
    }
}

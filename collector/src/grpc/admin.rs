//! The admin gRPC service: API tokens, enrollment tokens, revocation and
//! the audit log. Every call is an admin action and is audited.

use std::sync::Arc;

use plumb_proto::v1::{
    AuditEntry as PbAudit, CreateEnrollmentRequest, CreateEnrollmentResponse, CreateTokenRequest,
    CreateTokenResponse, ListAuditRequest, ListAuditResponse, ListTokensRequest,
    ListTokensResponse, NodeActionRequest, RevokeNodeResponse, RevokeTokenRequest,
    RevokeTokenResponse, TokenInfo,
};
use plumb_proto::AdminService;
use tonic::{Request, Response, Status};

use crate::hub::Hub;
use crate::model::now_ms;
use crate::security::auth::{new_secret, secret_hash};
use crate::security::principal::caller;
use crate::security::principal::Role;

pub struct Admin {
    pub hub: Arc<Hub>,
}

#[tonic::async_trait]
impl AdminService for Admin {
    async fn import_advisories(
        &self,
        request: Request<plumb_proto::v1::ImportAdvisoriesRequest>,
    ) -> Result<Response<plumb_proto::v1::ImportAdvisoriesResponse>, Status> {
        let who = caller(&request);
        let r = request.into_inner();
        let imported =
            crate::actions::import_advisories(&self.hub, &who, &r.source_name, r.osv).await?;
        Ok(Response::new(plumb_proto::v1::ImportAdvisoriesResponse {
            advisories: imported.advisories as u64,
            packages: imported.packages as u64,
            skipped_packages: imported.skipped_packages as u64,
        }))
    }

    async fn create_token(
        &self,
        request: Request<CreateTokenRequest>,
    ) -> Result<Response<CreateTokenResponse>, Status> {
        let who = caller(&request);
        let r = request.into_inner();
        let role = Role::from_pb(r.role).ok_or_else(|| {
            Status::invalid_argument(format!(
                "role must be read, operator or admin, got {}",
                r.role
            ))
        })?;
        if r.name.is_empty() || r.name.len() > 128 || r.name.chars().any(char::is_control) {
            return Err(Status::invalid_argument(
                "token name must be 1-128 printable characters",
            ));
        }
        let (token, id) = self
            .hub
            .trust
            .auth
            .create_token(role, &r.name, &who.name)
            .await?;
        self.hub.trust.auth.audit.ok(
            &who,
            "create token",
            &r.name,
            &format!("role {} id {id}", role.as_str()),
        );
        Ok(Response::new(CreateTokenResponse { token, id }))
    }

    async fn list_tokens(
        &self,
        _request: Request<ListTokensRequest>,
    ) -> Result<Response<ListTokensResponse>, Status> {
        let tokens = self.hub.store.tokens().await?;
        // Decoded once: a stored role the schema does not allow is an
        // error naming the token, never a default.
        let tokens = tokens
            .into_iter()
            .map(|t| {
                let role = Role::parse(&t.role).ok_or_else(|| {
                    Status::data_loss(format!(
                        "invalid stored data: token {} ({:?}): unknown role {:?}",
                        t.id, t.name, t.role
                    ))
                })?;
                Ok(TokenInfo {
                    id: t.id,
                    name: t.name,
                    role: role.to_pb() as i32,
                    created_unix_ms: t.created_at,
                    created_by: t.created_by,
                    revoked_unix_ms: t.revoked_at.unwrap_or(0),
                })
            })
            .collect::<Result<_, Status>>()?;
        Ok(Response::new(ListTokensResponse { tokens }))
    }

    async fn revoke_token(
        &self,
        request: Request<RevokeTokenRequest>,
    ) -> Result<Response<RevokeTokenResponse>, Status> {
        let who = caller(&request);
        let r = request.into_inner();
        if r.id.is_empty() || r.id.len() > 64 {
            return Err(Status::invalid_argument("token id must be 1-64 characters"));
        }
        let revoked = self.hub.store.revoke_token(&r.id, now_ms()).await?;
        let audit = &self.hub.trust.auth.audit;
        if revoked {
            audit.ok(
                &who,
                "revoke token",
                &r.id,
                "token and its sessions refused from now on",
            );
        } else {
            audit.refused(&who, "revoke token", &r.id, "no valid token with that id");
        }
        Ok(Response::new(RevokeTokenResponse { id: r.id, revoked }))
    }

    async fn create_enrollment(
        &self,
        request: Request<CreateEnrollmentRequest>,
    ) -> Result<Response<CreateEnrollmentResponse>, Status> {
        let who = caller(&request);
        let r = request.into_inner();
        if r.image_id.is_empty() || r.image_id.len() > plumb_proto::MAX_ID_BYTES {
            return Err(Status::invalid_argument("image id must be 1-256 bytes"));
        }
        if !(60..=30 * 86_400).contains(&r.ttl_secs) {
            return Err(Status::invalid_argument("ttl must be 1 minute to 30 days"));
        }
        let uses = r.uses.clamp(1, 100_000);
        let token = format!("plumb-enroll_{}", new_secret());
        let expires = now_ms() + i64::from(r.ttl_secs) * 1000;
        self.hub
            .store
            .create_enrollment(
                &secret_hash(&token),
                &r.image_id,
                expires,
                i64::from(uses),
                &who.name,
                now_ms(),
            )
            .await?;
        self.hub.trust.auth.audit.ok(
            &who,
            "create enrollment",
            &r.image_id,
            &format!("{uses} use(s), {} s", r.ttl_secs),
        );
        Ok(Response::new(CreateEnrollmentResponse {
            token,
            expires_unix_ms: expires,
        }))
    }

    async fn revoke_node(
        &self,
        request: Request<NodeActionRequest>,
    ) -> Result<Response<RevokeNodeResponse>, Status> {
        let who = caller(&request);
        let r = request.into_inner();
        let certs = crate::actions::revoke_node(&self.hub, &who, &r.node_id).await?;
        Ok(Response::new(RevokeNodeResponse {
            node_id: r.node_id,
            certificates_revoked: certs.max(0) as u64,
        }))
    }

    async fn list_audit(
        &self,
        request: Request<ListAuditRequest>,
    ) -> Result<Response<ListAuditResponse>, Status> {
        let r = request.into_inner();
        let limit = if r.limit == 0 { 200 } else { r.limit.min(1000) };
        let entries = self
            .hub
            .store
            .audit(
                Some(r.node_id.as_str()).filter(|s| !s.is_empty()),
                i64::from(limit),
            )
            .await?;
        Ok(Response::new(ListAuditResponse {
            entries: entries
                .into_iter()
                .map(|e| PbAudit {
                    at_unix_ms: e.at,
                    actor: e.actor,
                    role: caller_pb(e.role) as i32,
                    action: e.action,
                    target: e.target,
                    source: e.source,
                    outcome: match e.outcome {
                        crate::store::Outcome::Ok => plumb_proto::v1::AuditOutcome::Ok,
                        crate::store::Outcome::Refused => plumb_proto::v1::AuditOutcome::Refused,
                    } as i32,
                    detail: e.detail,
                })
                .collect(),
        }))
    }
}

fn caller_pb(c: crate::store::Caller) -> plumb_proto::v1::Caller {
    use crate::store::Caller as C;
    use plumb_proto::v1::Caller as P;
    match c {
        C::None => P::None,
        C::Node => P::Node,
        C::Read => P::Read,
        C::Operator => P::Operator,
        C::Admin => P::Admin,
    }
}

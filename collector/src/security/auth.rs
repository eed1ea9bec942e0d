//! Who may do what: API tokens with roles, dashboard sessions, node
//! certificates, and the one table of routes and gRPC methods with the
//! access each needs. REST (axum middleware) and gRPC (a tower layer)
//! pass through the same [`Auth::authorize`]; a route or method missing
//! from the tables is refused, so a new endpoint is closed until it is
//! listed. Every refusal goes to the audit log.

use std::sync::Arc;

use axum::http::{HeaderMap, Method};
use sha2::{Digest, Sha256};

use super::audit::Audit;
pub use super::principal::{Principal, Role};
use super::tls::Peer;
use crate::model::now_ms;
use crate::store::{Store, TokenRow};

/// What a route or method needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Health checks, the login form, enrollment (its token is in the body).
    Public,
    Role(Role),
    /// An agent's stream: a verified node certificate. Its revocation is
    /// checked by the stream itself, in the statement that registers the
    /// hello (refused there, atomically with the upsert), so a stream
    /// costs the database no separate read.
    Node,
    /// A node certificate, or a token with this role (manifest fetch).
    NodeOrRole(Role),
}

/// Every HTTP route (method, axum path) and what it needs.
pub const HTTP_ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Public),
    ("GET", "/readyz", Access::Public),
    ("GET", "/login", Access::Public),
    ("POST", "/login", Access::Public),
    ("POST", "/logout", Access::Role(Role::Read)),
    ("GET", "/assets/style.css", Access::Public),
    ("GET", "/assets/live.js", Access::Public),
    ("GET", "/metrics", Access::Role(Role::Read)),
    ("GET", "/api/v1/openapi.yaml", Access::Public),
    ("GET", "/api/v1/nodes", Access::Role(Role::Read)),
    ("GET", "/api/v1/nodes/{id}", Access::Role(Role::Read)),
    (
        "GET",
        "/api/v1/nodes/{id}/deviations",
        Access::Role(Role::Read),
    ),
    (
        "POST",
        "/api/v1/nodes/{id}/ack",
        Access::Role(Role::Operator),
    ),
    (
        "POST",
        "/api/v1/nodes/{id}/retire",
        Access::Role(Role::Operator),
    ),
    (
        "POST",
        "/api/v1/nodes/{id}/clear",
        Access::Role(Role::Operator),
    ),
    (
        "POST",
        "/api/v1/nodes/{id}/rescan",
        Access::Role(Role::Operator),
    ),
    (
        "POST",
        "/api/v1/nodes/{id}/revoke",
        Access::Role(Role::Admin),
    ),
    ("GET", "/api/v1/flags", Access::Role(Role::Read)),
    ("GET", "/api/v1/images", Access::Role(Role::Read)),
    ("GET", "/api/v1/containers", Access::Role(Role::Read)),
    ("GET", "/api/v1/container-images", Access::Role(Role::Read)),
    ("GET", "/api/v1/packages", Access::Role(Role::Read)),
    ("GET", "/api/v1/advisories", Access::Role(Role::Read)),
    (
        "GET",
        "/api/v1/families/{id}/rollout",
        Access::Role(Role::Read),
    ),
    ("POST", "/api/v1/advisories", Access::Role(Role::Admin)),
    ("GET", "/api/v1/exposure", Access::Role(Role::Read)),
    ("GET", "/api/v1/families", Access::Role(Role::Read)),
    ("GET", "/api/v1/due", Access::Role(Role::Read)),
    ("GET", "/api/v1/correlations", Access::Role(Role::Read)),
    ("GET", "/api/v1/audit", Access::Role(Role::Read)),
    ("GET", "/", Access::Role(Role::Read)),
    ("GET", "/nodes", Access::Role(Role::Read)),
    ("GET", "/nodes/{id}", Access::Role(Role::Read)),
    ("GET", "/correlations", Access::Role(Role::Read)),
    ("GET", "/images", Access::Role(Role::Read)),
    ("GET", "/images/{id}", Access::Role(Role::Read)),
    ("GET", "/posture", Access::Role(Role::Read)),
    ("GET", "/events", Access::Role(Role::Read)),
];

/// Every gRPC method and what it needs.
pub const GRPC_METHODS: &[(&str, Access)] = &[
    ("/plumb.v1.AgentService/Stream", Access::Node),
    ("/plumb.v1.Enrollment/Enroll", Access::Public),
    // The standard health service, for grpc-health-probe and Kubernetes
    // gRPC probes: it says whether the database answers, nothing more.
    ("/grpc.health.v1.Health/Check", Access::Public),
    ("/grpc.health.v1.Health/Watch", Access::Public),
    // Server reflection, for grpcurl: the schema, to holders of a token.
    (
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        Access::Role(Role::Read),
    ),
    (
        "/plumb.v1.ManifestRegistry/Fetch",
        Access::NodeOrRole(Role::Read),
    ),
    ("/plumb.v1.ManifestRegistry/Push", Access::Role(Role::Admin)),
    ("/plumb.v1.QueryService/ListNodes", Access::Role(Role::Read)),
    ("/plumb.v1.QueryService/GetNode", Access::Role(Role::Read)),
    ("/plumb.v1.QueryService/ListFlags", Access::Role(Role::Read)),
    (
        "/plumb.v1.QueryService/ListImages",
        Access::Role(Role::Read),
    ),
    (
        "/plumb.v1.QueryService/ListContainers",
        Access::Role(Role::Read),
    ),
    (
        "/plumb.v1.QueryService/ListPackages",
        Access::Role(Role::Read),
    ),
    (
        "/plumb.v1.QueryService/WatchFlags",
        Access::Role(Role::Read),
    ),
    (
        "/plumb.v1.QueryService/Acknowledge",
        Access::Role(Role::Operator),
    ),
    (
        "/plumb.v1.QueryService/Retire",
        Access::Role(Role::Operator),
    ),
    ("/plumb.v1.QueryService/Clear", Access::Role(Role::Operator)),
    (
        "/plumb.v1.AdminService/CreateToken",
        Access::Role(Role::Admin),
    ),
    (
        "/plumb.v1.AdminService/ListTokens",
        Access::Role(Role::Admin),
    ),
    (
        "/plumb.v1.AdminService/RevokeToken",
        Access::Role(Role::Admin),
    ),
    (
        "/plumb.v1.AdminService/CreateEnrollment",
        Access::Role(Role::Admin),
    ),
    (
        "/plumb.v1.AdminService/RevokeNode",
        Access::Role(Role::Admin),
    ),
    ("/plumb.v1.AdminService/ListAudit", Access::Role(Role::Read)),
    (
        "/plumb.v1.AdminService/ImportAdvisories",
        Access::Role(Role::Admin),
    ),
    (
        "/plumb.v1.QueryService/ListAdvisories",
        Access::Role(Role::Read),
    ),
    (
        "/plumb.v1.QueryService/ListExposure",
        Access::Role(Role::Read),
    ),
    (
        "/plumb.v1.QueryService/ListFamilies",
        Access::Role(Role::Read),
    ),
    ("/plumb.v1.QueryService/ListDue", Access::Role(Role::Read)),
    (
        "/plumb.v1.QueryService/ListRollout",
        Access::Role(Role::Read),
    ),
];

/// Why a request is refused.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// No or bad credentials (401).
    Unauthenticated(String),
    /// Valid credentials, not enough (403).
    Forbidden(String),
    /// The credentials could not be checked (503): refused, never let
    /// through unchecked.
    Unavailable(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Unauthenticated(m) | Refusal::Forbidden(m) | Refusal::Unavailable(m) => m,
        }
    }
}

/// The name of the dashboard's session cookie (HttpOnly).
pub const SESSION_COOKIE: &str = "plumb_session";
/// The session's CSRF token, readable by the dashboard's script, which
/// echoes it in `X-CSRF-Token` (double submit, checked against the
/// session's stored token).
pub const CSRF_COOKIE: &str = "plumb_csrf";

/// SHA-256 of a secret, as stored.
pub fn secret_hash(secret: &str) -> String {
    plumb_proto::hex(&Sha256::digest(secret.as_bytes()))
}

/// A new random secret: 32 bytes as hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    // Without the OS random source no secret can be made safely.
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    plumb_proto::hex(&bytes)
}

/// Creates an API token in `store`; returns (token, id). Only the
/// token's hash is stored.
pub async fn create_token(
    store: &Store,
    role: Role,
    name: &str,
    by: &str,
) -> Result<(String, String), crate::store::StoreError> {
    let secret = new_secret();
    let id = secret[..12].to_string();
    let token = format!("plumb_{secret}");
    let row = TokenRow {
        id: id.clone(),
        name: name.to_string(),
        role: role.as_str().to_string(),
    };
    store
        .create_token(&row, &secret_hash(&token), by, now_ms())
        .await?;
    Ok((token, id))
}

/// Authentication state shared by every listener.
pub struct Auth {
    pub store: Store,
    pub audit: Audit,
    /// False only for an explicitly unauthenticated loopback collector.
    pub enabled: bool,
    /// Whether the HTTP port speaks TLS (session cookies are `Secure`).
    pub tls: bool,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of a cookie in a `Cookie` header.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl Auth {
    /// Creates an API token; returns (token, id). The token is shown once.
    pub async fn create_token(
        &self,
        role: Role,
        name: &str,
        by: &str,
    ) -> Result<(String, String), crate::store::StoreError> {
        create_token(&self.store, role, name, by).await
    }

    pub async fn token(&self, token: &str) -> Option<TokenRow> {
        if token.len() > 256 {
            return None;
        }
        match self.store.token_by_hash(&secret_hash(token)).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "token lookup failed");
                None
            }
        }
    }

    /// Decides whether a caller may use something needing `access`;
    /// a refusal is audited with `what` and `target` (the node, token or
    /// image the call names).
    pub async fn authorize(
        &self,
        access: Access,
        headers: &HeaderMap,
        peer: Option<&Peer>,
        what: &str,
        target: &str,
    ) -> Result<Principal, Refusal> {
        self.decide(access, headers, peer)
            .await
            .map_err(|(who, refusal)| {
                self.audit.refused(&who, what, target, refusal.message());
                refusal
            })
    }

    /// [`Auth::authorize`] without the audit: the caller records the
    /// refusal once it knows the call's target.
    pub async fn decide(
        &self,
        access: Access,
        headers: &HeaderMap,
        peer: Option<&Peer>,
    ) -> Result<Principal, (Principal, Refusal)> {
        let source = peer.map_or_else(String::new, |p| p.addr.to_string());
        let mut principal = Principal {
            name: "anonymous".into(),
            role: None,
            node_id: peer.and_then(|p| p.node_id.clone()),
            csrf: None,
            source,
        };
        if access == Access::Public {
            return Ok(principal);
        }
        if !self.enabled {
            principal.role = Some(Role::Admin);
            return Ok(principal);
        }
        match self.check(access, headers, &mut principal).await {
            Ok(()) => Ok(principal),
            Err(refusal) => Err((principal, refusal)),
        }
    }

    async fn check(
        &self,
        access: Access,
        headers: &HeaderMap,
        principal: &mut Principal,
    ) -> Result<(), Refusal> {
        let need_role = match access {
            Access::Public => return Ok(()),
            Access::Node => {
                return match principal.node_id.clone() {
                    Some(id) => {
                        principal.name = format!("node:{id}");
                        Ok(())
                    }
                    None => Err(Refusal::Unauthenticated(
                        "agents must present a node certificate signed by the collector's node CA"
                            .into(),
                    )),
                };
            }
            Access::NodeOrRole(r) => {
                if let Some(id) = principal.node_id.clone() {
                    return self.node_certificate(&id, principal).await;
                }
                r
            }
            Access::Role(r) => r,
        };
        let row = if let Some(token) = bearer(headers) {
            self.token(token)
                .await
                .ok_or_else(|| Refusal::Unauthenticated("invalid or revoked API token".into()))?
        } else if let Some(session) = cookie(headers, SESSION_COOKIE) {
            let s = self
                .store
                .session(&secret_hash(session), now_ms())
                .await
                .ok()
                .flatten()
                .ok_or_else(|| {
                    Refusal::Unauthenticated("session expired or invalid: log in again".into())
                })?;
            principal.csrf = Some(s.csrf);
            TokenRow {
                id: String::new(),
                name: s.name,
                role: s.role,
            }
        } else {
            return Err(Refusal::Unauthenticated(
                "an API token is required (Authorization: Bearer ...)".into(),
            ));
        };
        // A role the schema does not allow is refused, naming the token:
        // never read as the least role.
        let Some(role) = Role::parse(&row.role) else {
            tracing::error!(token = %row.name, role = %row.role, "stored token role unknown: refused");
            return Err(Refusal::Unauthenticated(format!(
                "token {:?} has role {:?} in the database, which is not read, operator or admin: refused",
                row.name, row.role
            )));
        };
        principal.name = row.name;
        principal.role = Some(role);
        if role < need_role {
            return Err(Refusal::Forbidden(format!(
                "role {} may not do this: it needs {}",
                role.as_str(),
                need_role.as_str()
            )));
        }
        Ok(())
    }
}

impl Auth {
    /// A verified node certificate is honoured only while its node is
    /// not revoked: checked on every call other than the stream (whose
    /// hello checks it in its own statement), so a revoked certificate
    /// fetches no manifest either.
    async fn node_certificate(&self, id: &str, principal: &mut Principal) -> Result<(), Refusal> {
        principal.name = format!("node:{id}");
        match self.store.is_revoked(id).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(Refusal::Forbidden(format!(
                "node {id:?} is revoked: its certificates are refused"
            ))),
            Err(e) => {
                tracing::error!(node = %id, error = %e, "revocation check failed");
                Err(Refusal::Unavailable(
                    "collector database unavailable: the certificate cannot be checked".into(),
                ))
            }
        }
    }
}

/// Finds what an HTTP route needs; `None` for a route not in the table.
pub fn http_access(method: &Method, path: &str) -> Option<Access> {
    HTTP_ROUTES
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == path)
        .map(|(_, _, a)| *a)
}

/// Finds what a gRPC method needs; `None` for one not in the table.
pub fn grpc_access(path: &str) -> Option<Access> {
    GRPC_METHODS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, a)| *a)
}

pub type SharedAuth = Arc<Auth>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Read < Role::Operator && Role::Operator < Role::Admin);
        for r in [Role::Read, Role::Operator, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    /// A token whose stored role the schema does not allow is refused,
    /// naming the token and the role: never read as the least role.
    #[tokio::test]
    async fn a_token_of_an_unknown_stored_role_is_refused_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("p.db").display()))
            .await
            .unwrap();
        let auth = Auth {
            audit: super::super::audit::Audit::start(store.clone()),
            store: store.clone(),
            enabled: true,
            tls: false,
        };
        let (token, id) = auth.create_token(Role::Read, "ci", "test").await.unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        let read = Access::Role(Role::Read);
        assert!(auth.decide(read, &headers, None).await.is_ok());
        sqlx::query("UPDATE api_tokens SET role = 'superuser' WHERE id = $1")
            .bind(&id)
            .execute(&store.writer)
            .await
            .unwrap();
        let Err((_, refusal)) = auth.decide(read, &headers, None).await else {
            panic!("an unknown role was let through");
        };
        assert!(matches!(refusal, Refusal::Unauthenticated(_)));
        let message = refusal.message();
        assert!(
            message.contains("\"ci\"") && message.contains("superuser"),
            "{message}"
        );
    }

    #[test]
    fn unknown_routes_and_methods_have_no_access() {
        assert_eq!(http_access(&Method::GET, "/api/v1/secret"), None);
        assert_eq!(http_access(&Method::DELETE, "/api/v1/nodes"), None);
        assert_eq!(grpc_access("/plumb.v1.QueryService/Nope"), None);
        assert_eq!(
            http_access(&Method::POST, "/api/v1/nodes/{id}/retire"),
            Some(Access::Role(Role::Operator))
        );
    }

    #[test]
    fn every_grpc_method_of_the_schema_is_in_the_table() {
        let schema = [
            include_str!("../../../proto/proto/plumb/v1/agent.proto"),
            include_str!("../../../proto/proto/plumb/v1/query.proto"),
        ];
        let mut methods = 0;
        for text in schema {
            let mut service = "";
            for line in text.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("service ") {
                    service = rest.trim_end_matches(" {").trim();
                } else if let Some(rest) = line.strip_prefix("rpc ") {
                    let name = rest.split('(').next().unwrap().trim();
                    let path = format!("/plumb.v1.{service}/{name}");
                    assert!(
                        grpc_access(&path).is_some(),
                        "{path} is not in GRPC_METHODS"
                    );
                    methods += 1;
                }
            }
        }
        // Beyond plumb's own: the standard health and reflection services.
        let ours = GRPC_METHODS
            .iter()
            .filter(|(p, _)| p.starts_with("/plumb.v1."))
            .count();
        assert_eq!(
            methods, ours,
            "GRPC_METHODS lists a method the schema lacks"
        );
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; plumb_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }
}

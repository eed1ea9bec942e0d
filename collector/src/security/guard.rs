//! The guards in front of every handler: an axum middleware for the HTTP
//! port (tokens, dashboard sessions with CSRF and Origin checks) and a
//! tower layer for the gRPC port, both deciding from the tables in
//! [`super::auth`]. Also the dashboard's login and logout.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Form, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::auth::{
    cookie, grpc_access, http_access, new_secret, secret_hash, Access, Auth, Refusal, CSRF_COOKIE,
    SESSION_COOKIE,
};
use super::principal::Principal;
use super::tls::{Peer, RemoteAddr};
use crate::model::now_ms;

/// How long a dashboard session lasts.
const SESSION_MS: i64 = 12 * 3600 * 1000;

fn json_error(code: StatusCode, msg: &str) -> Response {
    (code, axum::Json(json!({ "error": msg }))).into_response()
}

fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/") || path == "/metrics" || path == "/events")
}

/// Whether the request's `Origin` (or, without one, `Referer`) names this
/// server. Requests with neither come from tools, not browsers. Over
/// HTTP/2 the host is the `:authority`, which arrives in the URI.
fn same_origin(headers: &HeaderMap, uri: &axum::http::Uri) -> Result<bool, ()> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("");
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|v| v.to_str().unwrap_or("invalid"));
    let Some(from) = from else { return Err(()) };
    let rest = from
        .strip_prefix("https://")
        .or_else(|| from.strip_prefix("http://"))
        .unwrap_or("");
    let origin_host = rest.split('/').next().unwrap_or("");
    Ok(!host.is_empty() && origin_host.eq_ignore_ascii_case(host))
}

/// The HTTP guard: runs on every matched route.
pub async fn http_guard(
    State(auth): State<Arc<Auth>>,
    ConnectInfo(RemoteAddr(addr)): ConnectInfo<RemoteAddr>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = matched.as_ref().map_or("", |m| m.as_str()).to_string();
    let method = req.method().clone();
    let what = format!("{method} {}", req.uri().path());
    let peer = Peer {
        addr,
        node_id: None,
        cert_serial: None,
        tls: false,
    };
    let Some(access) = http_access(&method, &path) else {
        // A known route with another method: not allowed. A route missing
        // from the table altogether: refused (closed until it is listed).
        if matched.is_none() || super::auth::HTTP_ROUTES.iter().any(|(_, p, _)| *p == path) {
            return json_error(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("{method} is not allowed here"),
            );
        }
        return json_error(
            StatusCode::FORBIDDEN,
            "route is not in the authorization table",
        );
    };
    let state_changing = method != Method::GET && method != Method::HEAD;
    // Cross-site requests never change state, whatever they carry.
    if state_changing && same_origin(req.headers(), req.uri()) == Ok(false) {
        let who = Principal {
            name: "anonymous".into(),
            role: None,
            node_id: None,
            csrf: None,
            source: addr.to_string(),
        };
        let target = path_target(&path, req.uri().path());
        auth.audit
            .refused(&who, &what, &target, "cross-origin request");
        return json_error(StatusCode::FORBIDDEN, "cross-origin request refused");
    }
    let target = path_target(&path, req.uri().path());
    let principal = match auth
        .authorize(access, req.headers(), Some(&peer), &what, &target)
        .await
    {
        Ok(p) => p,
        Err(Refusal::Unauthenticated(_)) if is_page(&path) && method == Method::GET => {
            return Redirect::to("/login").into_response();
        }
        Err(Refusal::Unauthenticated(m)) => return json_error(StatusCode::UNAUTHORIZED, &m),
        Err(Refusal::Forbidden(m)) => return json_error(StatusCode::FORBIDDEN, &m),
        Err(Refusal::Unavailable(m)) => return json_error(StatusCode::SERVICE_UNAVAILABLE, &m),
    };
    // A session is ambient authority: its state-changing requests must
    // echo the session's CSRF token and come from this origin.
    if state_changing && access != Access::Public {
        if let Some(expected) = &principal.csrf {
            let sent = req
                .headers()
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if sent.is_empty()
                || secret_hash(sent) != secret_hash(expected)
                || same_origin(req.headers(), req.uri()) != Ok(true)
            {
                let target = path_target(&path, req.uri().path());
                auth.audit
                    .refused(&principal, &what, &target, "missing or wrong CSRF token");
                return json_error(StatusCode::FORBIDDEN, "missing or wrong CSRF token");
            }
        }
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

/// The `{id}` a route names (`/api/v1/nodes/{id}/retire`), taken from
/// the request's path, for the audit log; empty for routes without one.
fn path_target(pattern: &str, path: &str) -> String {
    pattern
        .split('/')
        .zip(path.split('/'))
        .find(|(p, _)| *p == "{id}")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// The largest request body read to learn a refused call's target.
const TARGET_BODY_LIMIT: usize = 64 * 1024;
/// How long reading it may take.
const TARGET_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// gRPC methods whose request names what they act on in field 1 (a node
/// id, a token id, an image id).
const TARGETED_METHODS: &[&str] = &[
    "/plumb.v1.QueryService/GetNode",
    "/plumb.v1.QueryService/Acknowledge",
    "/plumb.v1.QueryService/Retire",
    "/plumb.v1.QueryService/Clear",
    "/plumb.v1.AdminService/RevokeNode",
    "/plumb.v1.AdminService/RevokeToken",
    "/plumb.v1.AdminService/CreateEnrollment",
    "/plumb.v1.ManifestRegistry/Fetch",
];

/// The target of a refused unary gRPC call: field 1 of its one request
/// message, read from at most [`TARGET_BODY_LIMIT`] bytes within
/// [`TARGET_BODY_TIMEOUT`]; `?` when the body is not a plain message
/// within those bounds (so the audit row says it could not be read).
async fn grpc_target<B>(path: &str, body: B) -> String
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use http_body_util::BodyExt;
    use prost::Message as _;
    if !TARGETED_METHODS.contains(&path) {
        return String::new();
    }
    let limited = http_body_util::Limited::new(body, TARGET_BODY_LIMIT);
    let Ok(Ok(collected)) = tokio::time::timeout(TARGET_BODY_TIMEOUT, limited.collect()).await
    else {
        return "?".into();
    };
    let bytes = collected.to_bytes();
    // One uncompressed frame: flag 0, big-endian length, the message.
    let frame = match bytes.get(..5) {
        Some([0, a, b, c, d]) => bytes.get(5..5 + u32::from_be_bytes([*a, *b, *c, *d]) as usize),
        _ => None,
    };
    frame
        .and_then(|m| plumb_proto::v1::GetNodeRequest::decode(m).ok())
        .map_or_else(|| "?".into(), |r| r.node_id)
}

const LOGIN_PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>plumb: log in</title>
<link rel="stylesheet" href="/assets/style.css"></head><body><main class="login"><h1>plumb</h1>
<form method="post" action="/login"><label>API token <input type="password" name="token" autocomplete="off" autofocus required></label>
<button class="primary" type="submit">Log in</button></form>{error}</main></body></html>"#;

pub async fn login_form() -> Html<String> {
    Html(LOGIN_PAGE.replace("{error}", ""))
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

/// Exchanges an API token for a session cookie.
pub async fn login(
    State(auth): State<Arc<Auth>>,
    ConnectInfo(RemoteAddr(addr)): ConnectInfo<RemoteAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let mut who = Principal {
        name: "anonymous".into(),
        role: None,
        node_id: None,
        csrf: None,
        source: addr.to_string(),
    };
    let token = auth
        .token(form.token.trim())
        .await
        .and_then(|t| super::principal::Role::parse(&t.role).map(|role| (t, role)));
    let Some((token, role)) = token else {
        auth.audit.refused(
            &who,
            "login",
            "",
            "invalid or revoked API token, or one of no known role",
        );
        let page = LOGIN_PAGE.replace("{error}", "<p class=\"error\">That token is not valid.</p>");
        return (StatusCode::UNAUTHORIZED, Html(page)).into_response();
    };
    let session = new_secret();
    let csrf = new_secret();
    if let Err(e) = auth
        .store
        .create_session(&secret_hash(&session), &token, &csrf, now_ms() + SESSION_MS)
        .await
    {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string());
    }
    who.name = token.name.clone();
    who.role = Some(role);
    auth.audit.ok(&who, "login", "", "dashboard session opened");
    let secure = if headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v == "https")
        || auth.tls
    {
        "; Secure"
    } else {
        ""
    };
    let max_age = SESSION_MS / 1000;
    let mut resp = Redirect::to("/").into_response();
    let cookies = [
        format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"),
        format!("{CSRF_COOKIE}={csrf}; Path=/; SameSite=Strict; Max-Age={max_age}{secure}"),
    ];
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

pub async fn logout(State(auth): State<Arc<Auth>>, headers: HeaderMap) -> Response {
    if let Some(s) = cookie(&headers, SESSION_COOKIE) {
        let _ = auth.store.delete_session(&secret_hash(s)).await;
    }
    let mut resp = Redirect::to("/login").into_response();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        if let Ok(v) = HeaderValue::from_str(&format!("{name}=; Path=/; Max-Age=0")) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// Manifest pushes decoded at once (each up to the manifest size limit).
const CONCURRENT_PUSHES: usize = 2;
/// Manifest fetches encoded at once; more wait their turn.
const CONCURRENT_FETCHES: usize = 16;

/// The gRPC guard as a tower layer.
#[derive(Clone)]
pub struct GrpcGuardLayer {
    pub auth: Arc<Auth>,
    pushes: Arc<tokio::sync::Semaphore>,
    fetches: Arc<tokio::sync::Semaphore>,
}

impl GrpcGuardLayer {
    pub fn new(auth: Arc<Auth>) -> GrpcGuardLayer {
        GrpcGuardLayer {
            auth,
            pushes: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_PUSHES)),
            fetches: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_FETCHES)),
        }
    }
}

impl<S> tower::Layer<S> for GrpcGuardLayer {
    type Service = GrpcGuard<S>;
    fn layer(&self, inner: S) -> GrpcGuard<S> {
        GrpcGuard {
            inner,
            auth: self.auth.clone(),
            pushes: self.pushes.clone(),
            fetches: self.fetches.clone(),
        }
    }
}

#[derive(Clone)]
pub struct GrpcGuard<S> {
    inner: S,
    auth: Arc<Auth>,
    pushes: Arc<tokio::sync::Semaphore>,
    fetches: Arc<tokio::sync::Semaphore>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> tower::Service<axum::http::Request<B>> for GrpcGuard<S>
where
    S: tower::Service<axum::http::Request<B>, Response = axum::http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        // The clone that was driven to readiness serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        let (pushes, fetches) = (self.pushes.clone(), self.fetches.clone());
        Box::pin(async move {
            let path = req.uri().path().to_string();
            let peer = req.extensions().get::<Peer>().cloned();
            let Some(access) = grpc_access(&path) else {
                let status = tonic::Status::unimplemented(format!(
                    "{path} is not in the authorization table"
                ));
                return Ok(status.into_http());
            };
            match auth.decide(access, req.headers(), peer.as_ref()).await {
                Ok(principal) => {
                    req.extensions_mut().insert(principal);
                    // Manifests are large: the request (decoded inside
                    // `inner`) or the response holds a slot while it lives.
                    let slots = match path.as_str() {
                        "/plumb.v1.ManifestRegistry/Push" => Some(pushes),
                        "/plumb.v1.ManifestRegistry/Fetch" => Some(fetches),
                        _ => None,
                    };
                    let _slot = match slots {
                        Some(s) => s.acquire_owned().await.ok(),
                        None => None,
                    };
                    inner.call(req).await
                }
                Err((who, refusal)) => {
                    let target = grpc_target(&path, req.into_body()).await;
                    auth.audit.refused(&who, &path, &target, refusal.message());
                    Ok(match refusal {
                        Refusal::Unauthenticated(m) => tonic::Status::unauthenticated(m),
                        Refusal::Forbidden(m) => tonic::Status::permission_denied(m),
                        Refusal::Unavailable(m) => tonic::Status::unavailable(m),
                    }
                    .into_http())
                }
            }
        })
    }
}

/// Host names (with or without port) the HTTP port answers to; `None`
/// answers to any (only when asked for with `--allowed-host '*'`).
#[derive(Clone, Debug)]
pub struct AllowedHosts(pub Option<Vec<String>>);

/// What a machine is called and reached by, for a listener on every
/// address: its host name and the addresses of its interfaces.
#[derive(Clone, Debug, Default)]
pub struct MachineNames {
    pub hostname: Option<String>,
    pub addresses: Vec<std::net::IpAddr>,
}

impl MachineNames {
    /// This machine's, read at start.
    pub fn here() -> MachineNames {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty());
        let addresses = match if_addrs::get_if_addrs() {
            Ok(list) => list.into_iter().map(|i| i.ip()).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "listing the machine's addresses failed");
                Vec::new()
            }
        };
        MachineNames {
            hostname,
            addresses,
        }
    }
}

impl AllowedHosts {
    /// The listen address (and, on loopback, `localhost` and the loopback
    /// addresses) plus the public URL's host and any given names; a
    /// listener on every address (`0.0.0.0`, `::`) answers to the
    /// machine's host name and addresses. `*` among the names answers to
    /// any host.
    pub fn new(
        listen: std::net::SocketAddr,
        public_url: Option<&str>,
        extra: &[String],
        machine: &MachineNames,
    ) -> Self {
        if extra.iter().any(|h| h == "*") {
            return AllowedHosts(None);
        }
        let mut hosts: Vec<String> = extra.iter().map(|h| h.to_ascii_lowercase()).collect();
        if let Some(url) = public_url {
            if let Ok(uri) = url.parse::<axum::http::Uri>() {
                if let Some(a) = uri.authority() {
                    hosts.push(a.as_str().to_ascii_lowercase());
                }
            }
        }
        let port = listen.port();
        if listen.ip().is_loopback() || listen.ip().is_unspecified() {
            for h in ["localhost", "127.0.0.1", "[::1]"] {
                hosts.push(format!("{h}:{port}"));
            }
        }
        if listen.ip().is_unspecified() {
            if let Some(name) = &machine.hostname {
                hosts.push(format!("{}:{port}", name.to_ascii_lowercase()));
                hosts.push(name.to_ascii_lowercase());
            }
            for ip in &machine.addresses {
                let literal = match ip {
                    std::net::IpAddr::V4(v4) => v4.to_string(),
                    std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                };
                hosts.push(format!("{literal}:{port}"));
                hosts.push(literal);
            }
        } else {
            hosts.push(listen.to_string());
        }
        hosts.sort();
        hosts.dedup();
        AllowedHosts(Some(hosts))
    }

    fn allows(&self, host: &str) -> bool {
        let Some(list) = &self.0 else { return true };
        let host = host.to_ascii_lowercase();
        let bare = strip_port(&host);
        list.iter()
            .any(|a| *a == host || (strip_port(a) == a.as_str() && a == bare))
    }
}

/// `name` of `name:port` (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Headers every HTTP response carries, and the Host check that defeats
/// DNS rebinding: a page on another name that resolves here is refused
/// (health checks and `/metrics` excepted).
pub async fn web_headers(
    State(hosts): State<Arc<AllowedHosts>>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("")
        .to_string();
    // Probes and scrapers address a pod or host by IP: the health checks
    // and the token-protected /metrics answer whatever the Host header.
    let by_address = matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics");
    let mut resp = if by_address || hosts.allows(&host) {
        next.run(req).await
    } else {
        tracing::info!(%host, "request for a host this collector does not serve");
        json_error(
            StatusCode::MISDIRECTED_REQUEST,
            &format!("host {host:?} is not served here (see --allowed-host)"),
        )
    };
    let h = resp.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_hosts_are_served() {
        let none = MachineNames::default();
        let loopback = AllowedHosts::new("127.0.0.1:7480".parse().unwrap(), None, &[], &none);
        assert!(loopback.allows("127.0.0.1:7480"));
        assert!(loopback.allows("localhost:7480"));
        assert!(loopback.allows("[::1]:7480"));
        assert!(!loopback.allows("attacker.example:7480"), "DNS rebinding");
        assert!(!loopback.allows("127.0.0.1:9999"));
        let machine = MachineNames {
            hostname: Some("Collector-1".into()),
            addresses: vec!["10.1.2.3".parse().unwrap(), "fd00::7".parse().unwrap()],
        };
        let public = AllowedHosts::new(
            "0.0.0.0:7480".parse().unwrap(),
            Some("https://plumb.example"),
            &["collector.internal:7480".into()],
            &machine,
        );
        assert!(public.allows("plumb.example"));
        assert!(public.allows("PLUMB.example:443"));
        assert!(public.allows("collector.internal:7480"));
        assert!(!public.allows("collector.internal:80"));
        assert!(!public.allows("evil.example"));
        // A wildcard listener with no name given (the README's production
        // line) answers to the machine's names and addresses only.
        let wildcard = AllowedHosts::new("0.0.0.0:7480".parse().unwrap(), None, &[], &machine);
        for host in [
            "10.1.2.3:7480",
            "10.1.2.3",
            "[fd00::7]:7480",
            "collector-1:7480",
            "localhost:7480",
        ] {
            assert!(wildcard.allows(host), "{host}");
        }
        for host in [
            "attacker.example",
            "attacker.example:7480",
            "10.9.9.9:7480",
            "",
        ] {
            assert!(!wildcard.allows(host), "{host}: DNS rebinding");
        }
        let wildcard6 = AllowedHosts::new("[::]:7480".parse().unwrap(), None, &[], &machine);
        assert!(wildcard6.allows("10.1.2.3:7480") && !wildcard6.allows("evil.example"));
        // Only an explicit `*` answers to any host.
        let any = AllowedHosts::new(
            "0.0.0.0:7480".parse().unwrap(),
            None,
            &["*".into()],
            &machine,
        );
        assert!(any.allows("anything"));
    }
}

//! Who may use the API and the dashboard: every route and method refuses
//! missing, invalid and insufficient tokens; sessions need the same origin
//! and the CSRF token; revoked tokens stop working.

use crate::support::*;
use plumb_collector::security::auth::{Access, GRPC_METHODS, HTTP_ROUTES};
use serde_json::json;

fn status_with(c: &Collector, method: &str, path: &str, auth: Option<&str>) -> u16 {
    let agent = c.http_agent();
    let url = format!("{}{path}", c.http);
    let r = match method {
        "GET" => {
            let mut req = agent.get(&url);
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            req.call()
        }
        _ => {
            let mut req = agent.post(&url);
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            req.send_json(json!({}))
        }
    };
    r.unwrap().status().as_u16()
}

#[test]
fn every_route_and_method_refuses_missing_invalid_and_insufficient_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let read = format!("Bearer {}", c.token("read", "viewer"));
    let operator = format!("Bearer {}", c.token("operator", "oncall"));
    for (method, route, access) in HTTP_ROUTES {
        let path = route.replace("{id}", "ghost");
        let (need, is_page) = match access {
            Access::Role(r) => (
                *r,
                !path.starts_with("/api/") && path != "/metrics" && path != "/events",
            ),
            _ => continue,
        };
        let none = status_with(&c, method, &path, None);
        let bad = status_with(&c, method, &path, Some("Bearer plumb_not-a-token"));
        if is_page && *method == "GET" {
            assert_eq!(
                none, 303,
                "{method} {path} without a session goes to the login page"
            );
        } else {
            assert_eq!(none, 401, "{method} {path} without a token");
            assert_eq!(bad, 401, "{method} {path} with an invalid token");
        }
        use plumb_collector::security::auth::Role;
        if need > Role::Read {
            assert_eq!(
                status_with(&c, method, &path, Some(&read)),
                403,
                "{method} {path} as read"
            );
        }
        if need > Role::Operator {
            assert_eq!(
                status_with(&c, method, &path, Some(&operator)),
                403,
                "{method} {path} as operator"
            );
        }
    }
    // gRPC: every method in the table, with no token and a read token.
    let rt = rt();
    rt.block_on(async {
        for (path, access) in GRPC_METHODS {
            // Public methods answer anyone (their own tests call them);
            // a streaming one (health Watch) would never end here.
            if *access == Access::Public {
                continue;
            }
            let call = |token: Option<String>| async {
                let mut grpc = tonic::client::Grpc::new(c.tool_channel().await);
                grpc.ready().await.unwrap();
                let mut req = tonic::Request::new(());
                if let Some(t) = token {
                    req.metadata_mut()
                        .insert("authorization", t.parse().unwrap());
                }
                let codec = tonic_prost::ProstCodec::<(), ()>::default();
                grpc.unary(req, path.parse().unwrap(), codec).await
            };
            let none = call(None).await;
            assert_eq!(
                none.unwrap_err().code(),
                tonic::Code::Unauthenticated,
                "{path} without credentials"
            );
            if let Access::Role(r) = access {
                if *r > plumb_collector::security::auth::Role::Read {
                    let err = call(Some(read.clone())).await.unwrap_err();
                    assert_eq!(err.code(), tonic::Code::PermissionDenied, "{path} as read");
                }
            }
        }
    });
    // Refusals are in the audit log.
    let audit = c.get("/api/v1/audit?limit=1000");
    let refused = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "refused")
        .count();
    assert!(refused > 20, "{audit}");
}

#[test]
fn dashboard_sessions_need_same_origin_and_the_csrf_token() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let operator = c.token("operator", "oncall");
    let agent = c.http_agent();
    let host = c.http.trim_start_matches("https://").to_string();
    // Log in: HttpOnly, SameSite=Strict session cookie.
    let r = agent
        .post(&format!("{}/login", c.http))
        .header("origin", &c.http)
        .send_form([("token", operator.as_str())])
        .unwrap();
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("plumb_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Strict")
            && session.contains("Secure")
    );
    let pair = |name: &str| {
        cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let cookie = format!("{}; {}", pair("plumb_session="), pair("plumb_csrf="));
    let csrf = pair("plumb_csrf=")
        .trim_start_matches("plumb_csrf=")
        .to_string();
    let page = agent
        .get(&format!("{}/nodes", c.http))
        .header("cookie", &cookie)
        .call()
        .unwrap();
    assert_eq!(page.status(), 200);
    let post = |origin: &str, token: Option<&str>| {
        let mut req = agent
            .post(&format!("{}/api/v1/nodes/ghost/ack", c.http))
            .header("cookie", &cookie)
            .header("origin", origin)
            .header("host", &host);
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        req.send_json(json!({})).unwrap().status().as_u16()
    };
    assert_eq!(
        post("https://evil.example", Some(&csrf)),
        403,
        "cross-origin"
    );
    assert_eq!(post(&c.http, None), 403, "no CSRF token");
    assert_eq!(post(&c.http, Some("wrong")), 403, "wrong CSRF token");
    assert_eq!(
        post(&c.http, Some(&csrf)),
        404,
        "allowed: the node just does not exist"
    );
    // A bad login is refused and audited.
    let r = agent
        .post(&format!("{}/login", c.http))
        .header("origin", &c.http)
        .send_form([("token", "plumb_wrong")])
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[test]
fn revoked_tokens_stop_working() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Collector::start(tmp.path(), &[]);
    let viewer = c.token("read", "viewer");
    let bearer = format!("Bearer {viewer}");
    assert_eq!(status_with(&c, "GET", "/api/v1/nodes", Some(&bearer)), 200);
    let tokens = c.ctl_json(&["token", "list"]);
    let id = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "viewer")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !tokens.to_string().contains(&viewer),
        "secrets are never listed"
    );
    assert!(c.ctl(&["token", "revoke", &id]).status.success());
    assert_eq!(status_with(&c, "GET", "/api/v1/nodes", Some(&bearer)), 401);
    assert!(
        !c.ctl(&["token", "revoke", &id]).status.success(),
        "already revoked"
    );
}

/// A dashboard listening on every address (the README's production line,
/// without `--public-url`) answers to the machine's own names and
/// addresses, and refuses a request for any other host: a page on an
/// attacker's domain that resolves to the collector (DNS rebinding) gets
/// nothing.
#[test]
fn a_wildcard_listener_refuses_hosts_that_are_not_the_machines() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let c = Collector::start(tmp.path(), &["--http", &format!("0.0.0.0:{port}")]);
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    let status = |host: &str| {
        c.http_agent()
            .get(&format!("{}/api/v1/nodes", c.http))
            .header("host", host)
            .header("authorization", &c.bearer())
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status(&format!("127.0.0.1:{port}")), 200);
    assert_eq!(status(&format!("localhost:{port}")), 200);
    assert_eq!(status(&format!("{hostname}:{port}")), 200);
    assert_eq!(status(&format!("attacker.example:{port}")), 421);
    assert_eq!(status("attacker.example"), 421);
    let log = std::fs::read_to_string(tmp.path().join("collector.log")).unwrap();
    assert!(log.contains("HTTP answers to these hosts only"), "{log}");
}

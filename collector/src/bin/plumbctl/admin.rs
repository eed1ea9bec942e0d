//! Administration: API tokens, enrollment tokens, the audit log, node
//! revocation (`admin` role, `audit` readable with `read`).

use anyhow::Result;
use plumb_proto::v1::{
    CreateEnrollmentRequest, CreateTokenRequest, ListAuditRequest, ListTokensRequest,
    NodeActionRequest, RevokeTokenRequest,
};
use plumb_proto::AdminServiceClient;
use serde_json::{json, Value};

use crate::conn::{channel, status_error, Conn};
use crate::output::{ago, table};
use crate::RoleArg;

pub async fn revoke_node(conn: &Conn, id: String, json: bool) -> Result<()> {
    let mut a = AdminServiceClient::new(channel(conn).await?);
    let r = a
        .revoke_node(NodeActionRequest {
            node_id: id,
            cause: String::new(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if json {
        crate::output::print_one::<_, plumb_collector::model::Revoked>(&r)?;
    } else {
        println!(
            "node {} revoked ({} certificate(s) issued by plumb)",
            r.node_id, r.certificates_revoked
        );
    }
    Ok(())
}

pub async fn token_create(conn: &Conn, role: RoleArg, name: String, json: bool) -> Result<()> {
    let mut a = AdminServiceClient::new(channel(conn).await?);
    let r = a
        .create_token(CreateTokenRequest {
            role: role.to_pb() as i32,
            name,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if json {
        println!("{}", json!({"token": r.token, "id": r.id}));
    } else {
        println!("{}", r.token);
    }
    Ok(())
}

pub async fn token_list(conn: &Conn, json: bool) -> Result<()> {
    let mut a = AdminServiceClient::new(channel(conn).await?);
    let r = a
        .list_tokens(ListTokensRequest {})
        .await
        .map_err(status_error)?
        .into_inner();
    if json {
        let v: Vec<Value> = r.tokens.iter().map(|t| json!({
            "id": t.id, "name": t.name, "role": role_name(t.role()), "created_at": t.created_unix_ms,
            "created_by": t.created_by, "revoked_at": (t.revoked_unix_ms > 0).then_some(t.revoked_unix_ms),
        })).collect();
        println!("{}", Value::Array(v));
    } else {
        table(
            &["ID", "NAME", "ROLE", "CREATED", "BY", "REVOKED"],
            r.tokens
                .iter()
                .map(|t| {
                    vec![
                        t.id.clone(),
                        t.name.clone(),
                        role_name(t.role()).to_string(),
                        ago(t.created_unix_ms),
                        t.created_by.clone(),
                        if t.revoked_unix_ms > 0 {
                            ago(t.revoked_unix_ms)
                        } else {
                            "-".into()
                        },
                    ]
                })
                .collect(),
        );
    }
    Ok(())
}

pub async fn token_revoke(conn: &Conn, id: String, json: bool) -> Result<()> {
    let mut a = AdminServiceClient::new(channel(conn).await?);
    let r = a
        .revoke_token(RevokeTokenRequest { id })
        .await
        .map_err(status_error)?
        .into_inner();
    if !r.revoked {
        anyhow::bail!("no valid token with id {:?}", r.id);
    }
    if json {
        println!("{}", json!({"id": r.id, "revoked": true}));
    } else {
        println!("token {} revoked", r.id);
    }
    Ok(())
}

pub async fn enroll_create(
    conn: &Conn,
    image: String,
    ttl: std::time::Duration,
    uses: u32,
    json: bool,
) -> Result<()> {
    let mut a = AdminServiceClient::new(channel(conn).await?);
    let r = a
        .create_enrollment(CreateEnrollmentRequest {
            image_id: image,
            ttl_secs: ttl.as_secs().min(u64::from(u32::MAX)) as u32,
            uses,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if json {
        println!(
            "{}",
            json!({"token": r.token, "expires_at": r.expires_unix_ms})
        );
    } else {
        println!("{}", r.token);
    }
    Ok(())
}

pub async fn audit(conn: &Conn, node: Option<String>, limit: u32, json: bool) -> Result<()> {
    let mut a = AdminServiceClient::new(channel(conn).await?);
    let r = a
        .list_audit(ListAuditRequest {
            node_id: node.unwrap_or_default(),
            limit,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    if json {
        return crate::output::print_as::<_, plumb_collector::store::AuditEntry>(&r.entries);
    } else {
        table(
            &["WHEN", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL"],
            r.entries
                .iter()
                .map(|e| {
                    vec![
                        ago(e.at_unix_ms),
                        e.actor.clone(),
                        e.action.clone(),
                        e.target.clone(),
                        outcome_name(e.outcome()).to_string(),
                        e.detail.clone(),
                    ]
                })
                .collect(),
        );
    }
    Ok(())
}

/// A token's role as plumbctl prints it (`""` when unspecified).
fn role_name(r: plumb_proto::v1::Role) -> &'static str {
    match r {
        plumb_proto::v1::Role::Read => "read",
        plumb_proto::v1::Role::Operator => "operator",
        plumb_proto::v1::Role::Admin => "admin",
        plumb_proto::v1::Role::Unspecified => "",
    }
}

/// An audit entry's outcome as plumbctl prints it.
fn outcome_name(o: plumb_proto::v1::AuditOutcome) -> &'static str {
    use plumb_proto::v1::AuditOutcome;
    match o {
        AuditOutcome::Ok => "ok",
        AuditOutcome::Refused => "refused",
        AuditOutcome::Unspecified => "",
    }
}

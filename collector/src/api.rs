//! The REST API under `/api/v1/` (documented in `collector/openapi.yaml`)
//! plus `/healthz` and `/readyz`.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query as QueryParams, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::actions::{act_on_node, ActionError, Rescan};
use crate::hub::Hub;
use crate::lifecycle::Event;
use crate::model::NodeStatus;
use crate::security::principal::Principal;
use crate::store::{FlagCursor, NodeCursor, NodeFilter, NodeSort};

pub const OPENAPI: &str = include_str!("../openapi.yaml");

/// An API error: a status code and a message naming what was wrong.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

/// A database error: its text is logged, the caller told only that the
/// database is unavailable.
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "API query failed");
        match e {
            // Plumb's own description of a bad row, no database text.
            crate::store::StoreError::InvalidRow(_) => {
                ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
            _ => ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                "collector database unavailable".into(),
            ),
        }
    }
}

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> Self {
        let code = match e {
            ActionError::Store(s) => return s.into(),
            ActionError::NotFound(_) => StatusCode::NOT_FOUND,
            ActionError::Invalid(_) => StatusCode::BAD_REQUEST,
            ActionError::Conflict(_) => StatusCode::CONFLICT,
        };
        ApiError(code, e.to_string())
    }
}

type ApiResult = Result<Json<serde_json::Value>, ApiError>;

/// A `limit` parameter: `default` when absent, an error outside 1..=`max`.
fn bounded_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("limit must be 1-{max}, got {limit}"),
        ))
    }
}

/// A JSON body, absent meaning all defaults; a malformed one is a JSON
/// error naming what was wrong.
fn json_body<T: Default>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    match body {
        Ok(Json(b)) => Ok(b),
        Err(JsonRejection::MissingJsonContentType(_)) => Ok(T::default()),
        Err(e) if e.body_text().contains("EOF while parsing") => Ok(T::default()),
        Err(e) => Err(ApiError(e.status(), e.body_text())),
    }
}

pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::alert::metrics::handler))
        .route(
            "/api/v1/openapi.yaml",
            get(|| async { ([("content-type", "application/yaml")], OPENAPI) }),
        )
        .route("/api/v1/nodes", get(list_nodes))
        .route("/api/v1/nodes/{id}", get(node_detail))
        .route("/api/v1/nodes/{id}/deviations", get(node_deviations))
        .route("/api/v1/nodes/{id}/ack", post(ack))
        .route("/api/v1/nodes/{id}/retire", post(retire))
        .route("/api/v1/nodes/{id}/clear", post(clear))
        .route("/api/v1/nodes/{id}/rescan", post(rescan))
        .route("/api/v1/nodes/{id}/revoke", post(revoke))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/flags", get(flags))
        .route("/api/v1/images", get(images))
        .route("/api/v1/containers", get(containers))
        .route("/api/v1/container-images", get(container_images))
        .route("/api/v1/packages", get(packages))
        .route(
            "/api/v1/advisories",
            get(advisories)
                .post(import_advisories)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::advisories::MAX_FILE_BYTES,
                )),
        )
        .route("/api/v1/exposure", get(exposure))
        .route("/api/v1/families", get(families))
        .route("/api/v1/families/{id}/rollout", get(family_rollout))
        .route("/api/v1/due", get(due))
        .route("/api/v1/correlations", get(correlations))
        .with_state(hub)
}

async fn readyz(State(hub): State<Arc<Hub>>) -> impl IntoResponse {
    if hub.reads.ping().await {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}

/// Query parameters of `GET /api/v1/nodes`.
/// Unknown parameters are ignored, as HTTP APIs usually do.
#[derive(Debug, Default, Deserialize)]
pub struct NodesParams {
    pub status: Option<String>,
    pub image: Option<String>,
    pub severity: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `KEY=VALUE`: only nodes whose image's manifest has this label.
    pub label: Option<String>,
}

impl NodesParams {
    pub fn filter(&self) -> Result<NodeFilter, ApiError> {
        let bad = |m: String| ApiError(StatusCode::BAD_REQUEST, m);
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => {
                Some(NodeStatus::parse(s).ok_or_else(|| bad(format!("unknown status {s:?}")))?)
            }
            None => None,
        };
        if let Some(s) = self.severity.as_deref().filter(|s| !s.is_empty()) {
            plumb_proto::severity_from_snake(s)
                .ok_or_else(|| bad(format!("unknown severity {s:?}")))?;
        }
        let sort = match self.sort.as_deref() {
            Some(s) => NodeSort::parse(s).ok_or_else(|| bad(format!("cannot sort by {s:?}")))?,
            None => NodeSort::default(),
        };
        if let Some(o) = self.order.as_deref() {
            if o != "asc" && o != "desc" {
                return Err(bad(format!("order must be asc or desc, got {o:?}")));
            }
        }
        let limit = self.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(bad(format!("limit must be 1-1000, got {limit}")));
        }
        if !(0..=1_000_000_000).contains(&self.offset.unwrap_or(0)) {
            return Err(bad("offset must be 0-1000000000".into()));
        }
        let numeric = sort.numeric();
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(
                NodeCursor::decode(c)
                    .filter(|cur| !numeric || cur.value.parse::<i64>().is_ok())
                    .ok_or_else(|| bad(format!("invalid cursor {c:?}")))?,
            ),
            None => None,
        };
        let labels = match self.label.as_deref().filter(|l| !l.is_empty()) {
            Some(l) => {
                let label = plumb_proto::parse_label(l).map_err(|e| bad(format!("label: {e}")))?;
                vec![(label.key, label.value)]
            }
            None => Vec::new(),
        };
        Ok(NodeFilter {
            after,
            labels,
            status,
            image_id: self.image.clone().filter(|s| !s.is_empty()),
            severity: self.severity.clone().filter(|s| !s.is_empty()),
            q: self.q.clone(),
            sort,
            desc: self.order.as_deref() == Some("desc"),
            limit,
            offset: self.offset.unwrap_or(0),
        })
    }
}

async fn list_nodes(
    State(hub): State<Arc<Hub>>,
    params: Result<QueryParams<NodesParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(params) =
        params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let filter = params.filter()?;
    let (nodes, total) = hub.reads.nodes(&filter).await?;
    // A full page may have more after it.
    let next_cursor = (nodes.len() as i64 == filter.limit)
        .then(|| nodes.last().map(|n| filter.sort.cursor(n).encode()))
        .flatten();
    Ok(Json(
        json!({ "nodes": nodes, "total": total, "next_cursor": next_cursor }),
    ))
}

async fn node_detail(State(hub): State<Arc<Hub>>, Path(id): Path<String>) -> ApiResult {
    let detail = hub
        .reads
        .node_detail(&id, 1_000)
        .await?
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no node {id:?}")))?;
    Ok(Json(json!(detail)))
}

#[derive(Deserialize)]
struct DeviationParams {
    state: Option<String>,
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

async fn node_deviations(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    params: Result<QueryParams<DeviationParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(p) = params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let open = match p.state.as_deref() {
        None | Some("open") => Some(true),
        Some("resolved") => Some(false),
        Some("all") => None,
        Some(other) => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!("state must be open, resolved or all, got {other:?}"),
            ))
        }
    };
    let limit = bounded_limit(p.limit, 10_000, 10_000)?;
    if hub.reads.node(&id).await?.is_none() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no node {id:?}")));
    }
    let after =
        match p.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(crate::store::DeviationCursor::decode(c).ok_or_else(|| {
                ApiError(StatusCode::BAD_REQUEST, format!("invalid cursor {c:?}"))
            })?),
            None => None,
        };
    let (devs, next) = hub.reads.deviations_page(&id, open, limit, after).await?;
    Ok(Json(
        json!({ "deviations": devs, "next_cursor": next.map(|c| c.encode()) }),
    ))
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    cause: Option<String>,
}

async fn action(
    hub: Arc<Hub>,
    who: Principal,
    id: String,
    body: Result<Json<ActionBody>, JsonRejection>,
    event: Event<'static>,
    what: &str,
) -> ApiResult {
    let cause = json_body(body)?
        .cause
        .unwrap_or_else(|| format!("{what} via REST"));
    if cause.len() > 1024 || cause.chars().any(char::is_control) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "cause must be at most 1024 printable characters".into(),
        ));
    }
    let node = act_on_node(&hub, &who, &id, event, &cause).await?;
    Ok(Json(json!({ "node": node })))
}

async fn ack(
    State(hub): State<Arc<Hub>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Json<ActionBody>, JsonRejection>,
) -> ApiResult {
    action(hub, who, id, body, Event::Acknowledged, "acknowledged").await
}

async fn retire(
    State(hub): State<Arc<Hub>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Json<ActionBody>, JsonRejection>,
) -> ApiResult {
    action(hub, who, id, body, Event::Retired, "retired").await
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClearBody {
    reason: Option<String>,
}

/// Releases a node's held flag; the reason is required and recorded.
async fn clear(
    State(hub): State<Arc<Hub>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Json<ClearBody>, JsonRejection>,
) -> ApiResult {
    let reason = json_body(body)?.reason.unwrap_or_default();
    let cause = crate::actions::clear_reason(&reason)?;
    let node = act_on_node(&hub, &who, &id, Event::Cleared, &cause).await?;
    Ok(Json(json!({ "node": node })))
}

/// Revokes a node's certificates: its agent is refused from now on.
async fn revoke(
    State(hub): State<Arc<Hub>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult {
    let certs = crate::actions::revoke_node(&hub, &who, &id).await?;
    Ok(Json(json!(crate::model::Revoked {
        node_id: id,
        certificates_revoked: certs,
    })))
}

#[derive(Deserialize)]
struct AuditParams {
    node: Option<String>,
    limit: Option<i64>,
}

async fn audit(
    State(hub): State<Arc<Hub>>,
    params: Result<QueryParams<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(p) = params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let limit = bounded_limit(p.limit, 200, 1000)?;
    let entries = hub
        .reads
        .audit(p.node.as_deref().filter(|s| !s.is_empty()), limit)
        .await?;
    Ok(Json(json!({ "entries": entries })))
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RescanBody {
    /// Rehash every file instead of trusting the agent's hash cache.
    #[serde(default)]
    full: bool,
}

/// Asks a connected agent to rescan now (202), or says it is not connected (409).
async fn rescan(
    State(hub): State<Arc<Hub>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Json<RescanBody>, JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let full = json_body(body)?.full;
    let command = if full { "full_rescan" } else { "rescan" };
    let body = match crate::actions::rescan(&hub, &who, &id, full).await? {
        Rescan::Sent => json!({ "node_id": id, "command": command, "coalesced": false }),
        Rescan::Coalesced => json!({ "node_id": id, "command": command, "coalesced": true }),
        Rescan::Relayed(holder) => {
            json!({ "node_id": id, "command": command, "coalesced": false, "relayed_to": holder })
        }
    };
    Ok((StatusCode::ACCEPTED, Json(body)))
}

#[derive(Deserialize)]
struct FlagParams {
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The flag queue, a page at a time, with its total.
async fn flags(
    State(hub): State<Arc<Hub>>,
    params: Result<QueryParams<FlagParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(p) = params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let limit = p.limit.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("limit must be 1-1000, got {limit}"),
        ));
    }
    let cursor =
        match p.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(FlagCursor::decode(c).ok_or_else(|| {
                ApiError(StatusCode::BAD_REQUEST, format!("invalid cursor {c:?}"))
            })?),
            None => None,
        };
    let page = hub.reads.flag_queue(cursor.as_ref(), limit).await?;
    // Beside the flagged nodes, the images due for replacement by
    // patch posture (their nodes are not flagged: not compromised).
    let due = if cursor.is_none() {
        hub.reads.due_images().await?
    } else {
        Vec::new()
    };
    Ok(Json(json!({
        "nodes": page.nodes,
        "total": page.total,
        "next_cursor": page.next.map(|c| c.encode()),
        "due": due,
    })))
}

async fn images(State(hub): State<Arc<Hub>>) -> ApiResult {
    Ok(Json(json!({ "images": hub.reads.images().await? })))
}

async fn due(State(hub): State<Arc<Hub>>) -> ApiResult {
    let due = hub
        .reads
        .due(&hub.policy().file.posture, crate::model::now_ms())
        .await?;
    Ok(Json(json!({ "images": due })))
}

async fn families(State(hub): State<Arc<Hub>>) -> ApiResult {
    Ok(Json(json!({ "families": hub.reads.families().await? })))
}

#[derive(Deserialize)]
struct RolloutParams {
    /// Unix milliseconds; default: a week ago.
    since: Option<i64>,
}

/// A family's rollout over time: one point per ten minutes from `since`.
async fn family_rollout(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    params: Result<QueryParams<RolloutParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(p) = params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    if !hub.reads.families().await?.iter().any(|f| f.family == id) {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no image family {id:?}"),
        ));
    }
    let since = p
        .since
        .unwrap_or_else(|| crate::model::now_ms() - 7 * 86_400_000);
    let points = hub.reads.rollout(&id, since).await?;
    Ok(Json(json!({ "family": id, "points": points })))
}

async fn advisories(State(hub): State<Arc<Hub>>) -> ApiResult {
    Ok(Json(json!({ "advisories": hub.reads.advisories().await? })))
}

/// OSV records in the body (one record or an array), admin only and
/// audited: all imported, or none.
async fn import_advisories(
    State(hub): State<Arc<Hub>>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> ApiResult {
    let imported =
        crate::actions::import_advisories(&hub, &who, "request body", body.to_vec()).await?;
    Ok(Json(json!(imported)))
}

#[derive(Deserialize)]
struct ExposureParams {
    advisory: Option<String>,
    image: Option<String>,
}

async fn exposure(
    State(hub): State<Arc<Hub>>,
    params: Result<QueryParams<ExposureParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(p) = params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let list = hub
        .reads
        .exposure(p.advisory.as_deref(), p.image.as_deref())
        .await?;
    Ok(Json(json!({ "exposure": list })))
}

#[derive(Deserialize)]
struct PackageParams {
    name: Option<String>,
    version: Option<String>,
    below: Option<String>,
}

async fn packages(
    State(hub): State<Arc<Hub>>,
    params: Result<QueryParams<PackageParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(p) = params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let bad = |m: String| ApiError(StatusCode::BAD_REQUEST, m);
    let (name, filter) = crate::store::package_query(p.name, p.version, p.below).map_err(bad)?;
    Ok(Json(
        json!({ "packages": hub.reads.packages(&name, &filter).await? }),
    ))
}

#[derive(Deserialize)]
struct ContainerParams {
    node: Option<String>,
    image: Option<String>,
    status: Option<String>,
    limit: Option<i64>,
}

/// Container states a listing filters on.
pub const CONTAINER_STATES: &[&str] = &["verified", "drifted", "unverified", "error"];

async fn containers(
    State(hub): State<Arc<Hub>>,
    params: Result<QueryParams<ContainerParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(p) = params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let state = match p.status.as_deref() {
        None => None,
        Some(s) => Some(plumb_proto::container_state_from_snake(s).ok_or_else(|| {
            ApiError(
                StatusCode::BAD_REQUEST,
                format!(
                    "unknown container status {s:?} (expected one of {})",
                    CONTAINER_STATES.join(", ")
                ),
            )
        })?),
    };
    let max = crate::store::MAX_CONTAINERS_LISTED;
    let filter = crate::store::ContainerFilter {
        node_id: p.node,
        image_id: p.image,
        state,
        limit: Some(bounded_limit(p.limit, max, max)?),
    };
    Ok(Json(
        json!({ "containers": hub.reads.containers(&filter).await? }),
    ))
}

async fn container_images(State(hub): State<Arc<Hub>>) -> ApiResult {
    Ok(Json(
        json!({ "images": hub.reads.container_images().await? }),
    ))
}

#[derive(Deserialize)]
struct CorrelationParams {
    image: Option<String>,
    limit: Option<i64>,
}

async fn correlations(
    State(hub): State<Arc<Hub>>,
    params: Result<QueryParams<CorrelationParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let QueryParams(p) = params.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let groups = hub
        .reads
        .correlations(
            p.image.as_deref().filter(|s| !s.is_empty()),
            bounded_limit(p.limit, 200, 1000)?,
        )
        .await?;
    Ok(Json(json!({ "groups": groups })))
}

#[cfg(test)]
mod tests {
    use crate::security::auth::HTTP_ROUTES;

    #[test]
    fn every_api_route_is_in_the_openapi_spec() {
        for (_, path, _) in HTTP_ROUTES {
            if path.starts_with("/api/v1/") && *path != "/api/v1/openapi.yaml" {
                assert!(
                    super::OPENAPI.contains(&format!("\n  {path}:\n")),
                    "{path} is not documented in collector/openapi.yaml"
                );
            }
        }
    }
}

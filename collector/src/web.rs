//! The SRE dashboard: server-rendered pages (minijinja templates compiled
//! into the binary), a little hand-written JavaScript for live updates and
//! operator actions, no build step, nothing loaded from elsewhere.

use plumb_proto::kind_snake;
use plumb_proto::v1::DeviationKind;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::{context, Environment, Value};
use serde::Serialize;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use crate::api::NodesParams;
use crate::hub::Hub;
use crate::model::{now_ms, Image, NodeStatus, StoredDeviation};

const PAGE_SIZE: i64 = 50;

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in [
            ("base.html", include_str!("../templates/base.html")),
            ("macros.html", include_str!("../templates/macros.html")),
            ("overview.html", include_str!("../templates/overview.html")),
            ("nodes.html", include_str!("../templates/nodes.html")),
            ("node.html", include_str!("../templates/node.html")),
            ("image.html", include_str!("../templates/image.html")),
            (
                "correlations.html",
                include_str!("../templates/correlations.html"),
            ),
            ("images.html", include_str!("../templates/images.html")),
            ("posture.html", include_str!("../templates/posture.html")),
        ] {
            // Templates are compiled into the binary and covered by tests;
            // a syntax error is a build defect, reported on first render.
            if let Err(e) = env.add_template(name, src) {
                tracing::error!(template = name, error = %e, "dashboard template is invalid");
            }
        }
        env.add_filter("ago", |ms: Option<i64>| ago(ms.unwrap_or(0), now_ms()));
        env.add_filter("urlencode", |s: String| urlencode(&s));
        env
    })
}

/// "12s ago", "3m ago", "5h ago", "2d ago"; "never" for 0.
pub fn ago(ms: i64, now: i64) -> String {
    if ms <= 0 {
        return "never".into();
    }
    let s = ((now - ms) / 1000).max(0);
    match s {
        0..=119 => format!("{s}s ago"),
        120..=7199 => format!("{}m ago", s / 60),
        7200..=172_799 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/nodes", get(nodes))
        .route("/nodes/{id}", get(node))
        .route("/correlations", get(correlations))
        .route("/images", get(images))
        .route("/images/{id}", get(image))
        .route("/posture", get(posture))
        .route("/events", get(events))
        .route(
            "/assets/style.css",
            get(|| async {
                (
                    [("content-type", "text/css; charset=utf-8")],
                    include_str!("../assets/style.css"),
                )
            }),
        )
        .route(
            "/assets/live.js",
            get(|| async {
                (
                    [("content-type", "text/javascript; charset=utf-8")],
                    include_str!("../assets/live.js"),
                )
            }),
        )
        .with_state(hub)
}

struct PageError(StatusCode, String);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        (self.0, Html(format!("<!doctype html><title>plumb: error</title><main><h1>{}</h1><p>{}</p><p><a href=\"/\">Overview</a></p></main>", self.0, minijinja::HtmlEscape(&self.1)))).into_response()
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "dashboard query failed");
        match e {
            crate::store::StoreError::InvalidRow(_) => {
                PageError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
            _ => PageError(
                StatusCode::SERVICE_UNAVAILABLE,
                "collector database unavailable".into(),
            ),
        }
    }
}

/// Renders a page, or only its `main` block for live updates.
fn render(headers: &HeaderMap, name: &str, ctx: Value) -> Result<Html<String>, PageError> {
    let internal = |e: minijinja::Error| {
        PageError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("rendering {name}: {e:#}"),
        )
    };
    let tmpl = env().get_template(name).map_err(internal)?;
    let html = if headers.contains_key("x-plumb-partial") {
        let mut captured = tmpl.render_captured(ctx).map_err(internal)?;
        captured
            .with_state_mut(|state| state.render_block("main"))
            .map_err(internal)?
    } else {
        tmpl.render(ctx).map_err(internal)?
    };
    Ok(Html(html))
}

#[derive(Serialize)]
struct ImageRow {
    #[serde(flatten)]
    image: Image,
    rate: String,
}

fn image_rows(images: Vec<Image>) -> Vec<ImageRow> {
    images
        .into_iter()
        .map(|i| {
            let rate = if i.nodes > 0 {
                format!("{:.0}%", 100.0 * i.drifted_nodes as f64 / i.nodes as f64)
            } else {
                "–".into()
            };
            ImageRow { image: i, rate }
        })
        .collect()
}

async fn overview(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let counts: std::collections::HashMap<NodeStatus, i64> =
        hub.reads.status_counts().await?.into_iter().collect();
    let statuses: Vec<Value> = NodeStatus::ALL
        .iter()
        .map(|s| context! { name => s.as_str(), count => counts.get(s).copied().unwrap_or(0) })
        .collect();
    let page = hub.reads.flag_queue(None, 200).await?;
    let flags = page.nodes;
    let flags_more = page.total - flags.len() as i64;
    let now = now_ms();
    let bucket = 3_600_000;
    let since = (now / bucket - 23) * bucket;
    let timeline = hub.reads.timeline(since, bucket).await?;
    let svg = timeline_svg(&timeline, since, bucket, 24);
    let images = image_rows(hub.reads.images().await?);
    let due = hub.reads.due_images().await?;
    render(
        &headers,
        "overview.html",
        context! { statuses, flags, flags_more, due, timeline_svg => svg, images },
    )
}

/// Bars per hour: deviations first seen (wide) and flags raised (narrow).
fn timeline_svg(points: &[(i64, i64, i64)], since: i64, bucket: i64, buckets: i64) -> String {
    let (w, h, pad) = (960.0, 160.0, 24.0);
    let max = points
        .iter()
        .map(|p| p.1.max(p.2))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (w - 2.0 * pad) / buckets as f64;
    let mut svg = format!(
        "<svg class=\"timeline\" id=\"timeline\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"deviations and flags per hour over the last 24 hours\">"
    );
    svg.push_str(&format!(
        "<line x1=\"{pad}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#d8dee4\"/>",
        y = h - pad,
        x2 = w - pad
    ));
    for (t, devs, flags) in points {
        let i = (t - since) / bucket;
        if !(0..buckets).contains(&i) {
            continue;
        }
        let x = pad + i as f64 * slot;
        let dh = (*devs as f64 / max) * (h - 2.0 * pad);
        let fh = (*flags as f64 / max) * (h - 2.0 * pad);
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#56b4e9\"><title>{devs} deviations</title></rect>",
            x + 2.0,
            h - pad - dh,
            slot - 4.0,
            dh
        ));
        if *flags > 0 {
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#d55e00\"><title>{flags} nodes flagged</title></rect>",
                x + slot / 3.0,
                h - pad - fh,
                slot / 3.0,
                fh
            ));
        }
    }
    for (i, label) in [(0, "24h ago"), (12, "12h ago"), (23, "now")] {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" fill=\"#59636e\">{label}</text>",
            pad + i as f64 * slot,
            h - 6.0
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{pad}\" y=\"14\" font-size=\"11\" fill=\"#59636e\">max {max}</text></svg>"
    ));
    svg
}

async fn nodes(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    params: Result<Query<NodesParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, PageError> {
    let Query(mut p) = params.map_err(|e| PageError(StatusCode::BAD_REQUEST, e.body_text()))?;
    p.limit = Some(PAGE_SIZE);
    let filter = p
        .filter()
        .map_err(|_| PageError(StatusCode::BAD_REQUEST, "invalid filter".into()))?;
    let (nodes, total) = hub.reads.nodes(&filter).await?;
    let image_ids: Vec<String> = hub
        .reads
        .images()
        .await?
        .into_iter()
        .map(|i| i.image_id)
        .collect();
    let link = |sort: &str, order: &str, offset: i64| {
        let mut q = vec![];
        for (k, v) in [
            ("status", &p.status),
            ("image", &p.image),
            ("severity", &p.severity),
            ("q", &p.q),
            ("label", &p.label),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.push(format!("{k}={}", urlencode(v)));
            }
        }
        q.push(format!("sort={sort}&order={order}"));
        if offset > 0 {
            q.push(format!("offset={offset}"));
        }
        format!("/nodes?{}", q.join("&"))
    };
    let sort = p.sort.clone().unwrap_or_else(|| "node_id".into());
    let order = p.order.clone().unwrap_or_else(|| "asc".into());
    let sort_links: BTreeMap<&str, String> =
        ["node_id", "status", "severity", "deviations", "last_seen"]
            .into_iter()
            .map(|c| {
                let o = if c == sort && order == "asc" {
                    "desc"
                } else {
                    "asc"
                };
                (c, link(c, o, 0))
            })
            .collect();
    let offset = filter.offset;
    let prev_link = (offset > 0).then(|| link(&sort, &order, (offset - PAGE_SIZE).max(0)));
    let next_link = (offset + PAGE_SIZE < total).then(|| link(&sort, &order, offset + PAGE_SIZE));
    let f = context! {
        status => p.status.clone().unwrap_or_default(),
        image => p.image.clone().unwrap_or_default(),
        severity => p.severity.clone().unwrap_or_default(),
        q => p.q.clone().unwrap_or_default(),
        label => p.label.clone().unwrap_or_default(),
        sort => sort,
        order => order,
    };
    let all_statuses: Vec<&str> = NodeStatus::ALL.iter().map(|s| s.as_str()).collect();
    render(
        &headers,
        "nodes.html",
        context! {
            nodes, total, f, image_ids, all_statuses, sort_links, prev_link, next_link,
            first => if total == 0 { 0 } else { offset + 1 }, last => (offset + PAGE_SIZE).min(total),
        },
    )
}

/// Deviations about what runs rather than what is on disk.
fn is_runtime(kind: DeviationKind) -> bool {
    matches!(
        kind,
        DeviationKind::ProcessUnexpected
            | DeviationKind::ProcessDeleted
            | DeviationKind::ProcessMemfd
            | DeviationKind::ModuleUnexpected
            | DeviationKind::KernelTainted
            | DeviationKind::SessionOpened
    )
}

/// Whether a deviation is about a package.
fn is_package(kind: DeviationKind) -> bool {
    matches!(
        kind,
        DeviationKind::PackageAdded | DeviationKind::PackageRemoved | DeviationKind::PackageChanged
    )
}

/// Consecutive deviations of one severity and kind, in order.
fn group_deviations(devs: Vec<StoredDeviation>) -> Vec<DeviationGroup> {
    let mut groups: Vec<DeviationGroup> = Vec::new();
    for d in devs {
        match groups.last_mut() {
            Some(g)
                if g.severity == plumb_proto::severity_snake(d.severity)
                    && g.kind == kind_snake(d.kind) =>
            {
                g.items.push(d)
            }
            _ => groups.push(DeviationGroup {
                severity: plumb_proto::severity_snake(d.severity).to_string(),
                kind: kind_snake(d.kind).to_string(),
                items: vec![d],
            }),
        }
    }
    groups
}

#[derive(Serialize)]
struct DeviationGroup {
    severity: String,
    kind: String,
    items: Vec<StoredDeviation>,
}

#[derive(Serialize)]
struct PackageGroup {
    dev: StoredDeviation,
    verb: &'static str,
    files: Vec<StoredDeviation>,
}

async fn node(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let detail = hub
        .reads
        .node_detail(&id, 200)
        .await?
        .ok_or_else(|| PageError(StatusCode::NOT_FOUND, format!("no node {id:?}")))?;
    let crate::model::NodeDetail {
        node,
        open,
        history,
        transitions,
        containers,
    } = detail;
    let open_count = open.len();
    // Each container's deviations go with the container.
    let (in_containers, open): (Vec<_>, Vec<_>) =
        open.into_iter().partition(|d| !d.container.is_empty());
    let container_views = container_views(containers, in_containers);
    // Package changes first, each with the file deviations it explains.
    let mut packages: Vec<PackageGroup> = Vec::new();
    let mut rest = Vec::new();
    for d in &open {
        if is_package(d.kind) {
            let verb = match d.kind {
                DeviationKind::PackageAdded => "added",
                DeviationKind::PackageRemoved => "removed",
                _ => "changed",
            };
            packages.push(PackageGroup {
                dev: d.clone(),
                verb,
                files: Vec::new(),
            });
        }
    }
    for d in open {
        if is_package(d.kind) {
            continue;
        }
        let owner = packages.iter_mut().find(|p| {
            !d.explained_by.is_empty()
                && d.explained_by == format!("{}:{}", kind_snake(p.dev.kind), p.dev.key)
        });
        match owner {
            Some(p) => p.files.push(d),
            None => rest.push(d),
        }
    }
    // Most severe first, then by kind name and key.
    rest.sort_by(|a, b| {
        (std::cmp::Reverse(a.severity), kind_snake(a.kind), &a.key).cmp(&(
            std::cmp::Reverse(b.severity),
            kind_snake(b.kind),
            &b.key,
        ))
    });
    // What runs on the node (processes, modules, logins) is shown apart
    // from what is on its disk.
    let (runtime, rest): (Vec<_>, Vec<_>) = rest.into_iter().partition(|d| is_runtime(d.kind));
    let groups = group_deviations(rest);
    let runtime_groups = group_deviations(runtime);
    let audit = hub.reads.audit(Some(&id), 50).await?;
    let labels = hub.reads.image_labels(&node.image_id).await?;
    // Its image's exposure to imported advisories.
    let exposure = hub.reads.exposure(None, Some(&node.image_id)).await?;
    render(
        &headers,
        "node.html",
        context! { node, packages, groups, runtime_groups, open_count, history, transitions, audit, labels, container_views, exposure },
    )
}

/// A container on the node page, with its open deviations (one that
/// stopped with deviations still open is shown too, as gone).
#[derive(serde::Serialize)]
struct ContainerView {
    id: String,
    short_id: String,
    container: Option<crate::model::Container>,
    groups: Vec<DeviationGroup>,
    open: usize,
}

fn container_views(
    containers: Vec<crate::model::Container>,
    devs: Vec<StoredDeviation>,
) -> Vec<ContainerView> {
    let mut by_id: std::collections::BTreeMap<String, Vec<StoredDeviation>> = Default::default();
    for d in devs {
        by_id.entry(d.container.clone()).or_default().push(d);
    }
    let mut views: Vec<ContainerView> = containers
        .into_iter()
        .map(|c| {
            let devs = by_id.remove(&c.container_id).unwrap_or_default();
            ContainerView {
                id: c.container_id.clone(),
                short_id: c.container_id.chars().take(12).collect(),
                open: devs.len(),
                groups: group_deviations(devs),
                container: Some(c),
            }
        })
        .collect();
    views.extend(by_id.into_iter().map(|(id, devs)| ContainerView {
        short_id: id.chars().take(12).collect(),
        id,
        open: devs.len(),
        groups: group_deviations(devs),
        container: None,
    }));
    views
}

async fn correlations(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let groups = hub.reads.correlations(None, 500).await?;
    render(&headers, "correlations.html", context! { groups })
}

async fn images(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let images = image_rows(hub.reads.images().await?);
    let container_images = hub.reads.container_images().await?;
    render(
        &headers,
        "images.html",
        context! { images, container_images },
    )
}

/// One machine image: its manifest, the nodes on it, its family and
/// whether a newer image supersedes it, its posture as last judged, and
/// its exposure to the imported advisories.
async fn image(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let image = image_rows(hub.reads.images().await?)
        .into_iter()
        .find(|i| i.image.image_id == id)
        .ok_or_else(|| PageError(StatusCode::NOT_FOUND, format!("no image {id:?}")))?;
    let due = hub
        .reads
        .due_images()
        .await?
        .into_iter()
        .find(|d| d.image_id == id);
    let family = hub
        .reads
        .families()
        .await?
        .into_iter()
        .find(|f| f.images.iter().any(|i| i.image_id == id));
    let superseded = family
        .as_ref()
        .and_then(|f| f.images.iter().find(|i| i.image_id == id))
        .and_then(|i| i.superseded_since);
    let exposure = hub.reads.exposure(None, Some(&id)).await?;
    render(
        &headers,
        "image.html",
        context! { image, due, family, superseded, exposure },
    )
}

/// Patch posture: advisories by exposure, families and their rollout,
/// and the images due for replacement.
async fn posture(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let advisories = hub.reads.advisories().await?;
    let families = hub.reads.families().await?;
    let now = crate::model::now_ms();
    let due = hub.reads.due(&hub.policy().file.posture, now).await?;
    // Each family's rollout a week ago (or when it was first recorded).
    let mut then = std::collections::BTreeMap::new();
    for f in &families {
        if let Some(p) = hub
            .reads
            .rollout(&f.family, now - 7 * 86_400_000)
            .await?
            .first()
        {
            then.insert(
                f.family.clone(),
                context! { share => (p.newest_share * 100.0).round() as i64, newest => p.newest.clone(), at => p.at },
            );
        }
    }
    render(
        &headers,
        "posture.html",
        context! { advisories, families, due, then },
    )
}

/// Server-Sent Events: one `node` event per lifecycle transition.
async fn events(
    State(hub): State<Arc<Hub>>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let stream = BroadcastStream::new(hub.subscribe()).filter_map(|e| {
        let e = e.ok()?;
        let data = serde_json::json!({
            "node_id": e.transition.node_id, "from": e.transition.from, "to": e.transition.to, "image_id": e.image_id,
        });
        Some(Ok(SseEvent::default().event("node").data(data.to_string())))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_is_human() {
        assert_eq!(ago(0, 10), "never");
        assert_eq!(ago(1_000, 61_000), "60s ago");
        assert_eq!(ago(1, 3 * 3_600_000 + 1), "3h ago");
    }

    #[test]
    fn runtime_deviations_have_their_own_section_on_the_node_page() {
        let dev = |kind: &str, key: &str| StoredDeviation {
            kind: plumb_proto::kind_from_snake(kind).unwrap(),
            key: key.into(),
            severity: plumb_proto::v1::Severity::Critical,
            expected: String::new(),
            actual: "pid=7 name=x uid=0 ppid=1".into(),
            changes: vec![],
            package: String::new(),
            explained_by: String::new(),
            container: String::new(),
            first_seen: 0,
            resolved_at: None,
        };
        let all = vec![
            dev("file_modified", "etc-motd"),
            dev("process_memfd", "memfd:payload"),
            dev("session_opened", "alice@pts/0"),
        ];
        let (runtime, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(|d| is_runtime(d.kind));
        let (runtime_groups, groups) = (group_deviations(runtime), group_deviations(rest));
        assert_eq!(runtime_groups.len(), 2);
        let html = env()
            .get_template("node.html")
            .unwrap()
            .render(context! {
                runtime_groups, groups, node => context! { node_id => "n1" },
                exposure => Vec::<crate::store::Exposure>::new(),
            })
            .unwrap();
        let runtime_at = html.find("id=\"runtime\"").expect("a Runtime section");
        assert!(html[runtime_at..].contains("memfd:payload"));
        assert!(html.contains("etc-motd"), "file deviations still shown");
    }

    #[test]
    fn every_template_parses() {
        for name in [
            "overview.html",
            "nodes.html",
            "node.html",
            "correlations.html",
            "images.html",
        ] {
            env()
                .get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
}

#[cfg(test)]
mod posture_page {
    use super::*;

    #[test]
    fn the_posture_page_renders_advisories_families_and_due_images() {
        let ctx = context! {
            advisories => vec![crate::store::AdvisorySummary {
                id: "DSA-1".into(),
                aliases: vec!["CVE-1".into()],
                summary: "s".into(),
                severity: crate::advisories::AdvisorySeverity::High,
                modified: String::new(),
                packages: vec!["openssl".into()],
                images: 1,
                nodes: 2,
                containers: 0,
            }],
            families => vec![crate::store::Family {
                family: "web".into(),
                newest: "web-2".into(),
                images: vec![
                    crate::store::FamilyImage { image_id: "web-2".into(), pushed_at: 20, superseded_since: None, nodes: 1, containers: 0 },
                    crate::store::FamilyImage { image_id: "web-1".into(), pushed_at: 10, superseded_since: Some(20), nodes: 2, containers: 0 },
                ],
                nodes: 3,
                containers: 0,
                newest_share: 1.0 / 3.0,
            }],
            due => Vec::<crate::posture::DueImage>::new(),
            then => std::collections::BTreeMap::from([(
                "web".to_string(),
                context! { share => 10, newest => "web-1", at => 0 },
            )]),
        };
        let html = render(&HeaderMap::new(), "posture.html", ctx)
            .map_err(|e| e.1)
            .unwrap()
            .0;
        assert!(html.contains("DSA-1") && html.contains("CVE-1"), "{html}");
        assert!(html.contains("33 %") && html.contains("web-1"), "{html}");
        assert!(html.contains("10 % on"), "a week ago: {html}");
        assert!(html.contains("Nothing is due"), "{html}");
    }
}

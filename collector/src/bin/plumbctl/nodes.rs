//! Nodes and the flag queue: lists, one node's detail, the live flag
//! stream, and the actions (acknowledge, retire, clear).

use anyhow::Result;
use plumb_proto::v1::{
    GetNodeRequest, ListFlagsRequest, ListNodesRequest, NodeActionRequest, WatchFlagsRequest,
};
use plumb_proto::{kind_snake, severity_snake, QueryServiceClient};
use serde_json::json;

use crate::conn::{all_pages, channel, status_error, Conn};
use crate::output::{ago, print_nodes, print_one, report_action, status};
use crate::say;
use crate::StatusArg;

pub async fn nodes(
    conn: &Conn,
    status: Option<StatusArg>,
    image: Option<String>,
    label: Vec<String>,
    json: bool,
) -> Result<()> {
    // Every node, a page at a time: nothing is cut off.
    let q = QueryServiceClient::new(channel(conn).await?);
    let nodes = all_pages(|cursor| {
        let mut q = q.clone();
        let request = ListNodesRequest {
            status: status.map_or(0, |s| {
                plumb_proto::node_status_from_snake(s.as_str()).map_or(0, |s| s as i32)
            }),
            image_id: image.clone().unwrap_or_default(),
            limit: 1000,
            offset: 0,
            cursor,
            labels: label.clone(),
        };
        async move { q.list_nodes(request).await }
    })
    .await?;
    print_nodes(&nodes, json)
}

pub async fn node(conn: &Conn, id: String, json: bool) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let d = q
        .get_node(GetNodeRequest { node_id: id })
        .await
        .map_err(status_error)?
        .into_inner();
    if json {
        return print_one::<_, plumb_collector::model::NodeDetail>(&d);
    }
    let exec_monitor = d.exec_monitor();
    let node = d.node.clone().unwrap_or_default();
    say!("node:       {} ({})", node.node_id, node.hostname);
    say!("image:      {}", node.image_id);
    say!(
        "status:     {} since {}",
        status(node.status()),
        ago(node.status_since_unix_ms)
    );
    for r in &node.reasons {
        say!("reason:     {r}");
    }
    say!(
        "agent:      {}, last seen {}",
        node.agent_version,
        ago(node.last_seen_unix_ms)
    );
    say!(
        "execs:      {}",
        match exec_monitor {
            plumb_proto::v1::ExecMonitor::Fanotify => "fanotify: every exec judged as it happens",
            plumb_proto::v1::ExecMonitor::Periodic => {
                "periodic: processes judged at each quick scan"
            }
            plumb_proto::v1::ExecMonitor::Unspecified => "not reported",
        }
    );
    if !d.containers.is_empty() {
        println!();
        say!("containers ({}):", d.containers.len());
        for s in &d.containers {
            let c = s.container.clone().unwrap_or_default();
            say!(
                "  {:<12} {:<24} {:<10} {} open  {}",
                c.id.chars().take(12).collect::<String>(),
                c.name,
                crate::containers::state(s),
                s.open_deviations,
                c.image
            );
        }
    }
    println!();
    say!("open deviations ({}):", d.open.len());
    for s in &d.open {
        let x = s.deviation.clone().unwrap_or_default();
        let pkg = if x.package.is_empty() {
            String::new()
        } else {
            format!(" (owned by {})", x.package)
        };
        let place = if x.container.is_empty() {
            String::new()
        } else {
            format!(
                " in container {}",
                x.container.chars().take(12).collect::<String>()
            )
        };
        say!(
            "  {:<8} {:<16} {}{pkg}{place}",
            severity_snake(x.severity()),
            kind_snake(x.kind()),
            x.key
        );
    }
    println!();
    say!("lifecycle:");
    for t in &d.transitions {
        say!(
            "  {} {} -> {} ({})",
            ago(t.at_unix_ms),
            status(t.from()),
            status(t.to()),
            t.cause
        );
    }
    Ok(())
}

pub async fn flags(conn: &Conn, json: bool) -> Result<()> {
    // The whole queue, page by page.
    let q = QueryServiceClient::new(channel(conn).await?);
    let nodes = all_pages(|cursor| {
        let mut q = q.clone();
        async move {
            q.list_flags(ListFlagsRequest {
                limit: 1000,
                cursor,
            })
            .await
        }
    })
    .await?;
    print_nodes(&nodes, json)
}

pub async fn watch(conn: &Conn, current: bool) -> Result<()> {
    use std::io::Write;
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let mut stream = q
        .watch_flags(WatchFlagsRequest {
            include_current: current,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    let stdout = std::io::stdout();
    while let Some(e) = stream.message().await.map_err(status_error)? {
        let line = json!({
            "node_id": e.node_id,
            "hostname": e.hostname,
            "image_id": e.image_id,
            "from": status(e.from()),
            "status": status(e.to()),
            "flagged": e.to() == plumb_proto::v1::NodeStatus::Flagged,
            "reasons": e.reasons,
            "at": e.at_unix_ms,
        });
        let mut out = stdout.lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    Ok(())
}

pub enum Action {
    Acknowledge,
    Retire,
    Clear,
}

/// Acknowledges or retires a node and reports its new status.
pub async fn act(
    conn: &Conn,
    action: Action,
    node: String,
    cause: Option<String>,
    as_json: bool,
) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let request = NodeActionRequest {
        node_id: node,
        cause: cause.unwrap_or_default(),
    };
    let response = match action {
        Action::Acknowledge => q.acknowledge(request).await,
        Action::Retire => q.retire(request).await,
        Action::Clear => q.clear(request).await,
    };
    report_action(&response.map_err(status_error)?.into_inner(), as_json)?;
    Ok(())
}

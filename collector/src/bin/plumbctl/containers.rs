//! Containers: what runs on the fleet's nodes, judged against the
//! manifests of the images it was started from.

use anyhow::Result;
use plumb_proto::v1::{ContainerState, ContainerStatus, ContainerSummary, ListContainersRequest};
use plumb_proto::QueryServiceClient;

use crate::conn::{channel, status_error, Conn};
use crate::output::{ago, table};

/// A container status, as `--status` takes it.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ContainerStatusArg {
    /// Judged against its image and clean.
    Verified,
    /// Judged against its image, with open deviations.
    Drifted,
    /// No manifest for its image, or no runtime names its image.
    Unverified,
    /// It could not be judged (see its scan_error deviation).
    Error,
}

impl ContainerStatusArg {
    fn state(self) -> ContainerState {
        match self {
            ContainerStatusArg::Verified => ContainerState::Verified,
            ContainerStatusArg::Drifted => ContainerState::Drifted,
            ContainerStatusArg::Unverified => ContainerState::Unverified,
            ContainerStatusArg::Error => ContainerState::Error,
        }
    }
}

/// How a container's state reads in a table.
pub fn state(s: &ContainerSummary) -> String {
    let c = s.container.as_ref();
    match c.map(|c| c.status()) {
        Some(ContainerStatus::Verified) if s.drifted => "drifted".into(),
        Some(other) => plumb_proto::container_status_snake(other).into(),
        None => String::new(),
    }
}

pub fn print_containers(list: &[ContainerSummary], as_json: bool) -> anyhow::Result<()> {
    if as_json {
        return crate::output::print_as::<_, plumb_collector::model::Container>(list);
    }
    table(
        &[
            "NODE",
            "CONTAINER",
            "NAME",
            "POD",
            "IMAGE",
            "STATUS",
            "OPEN",
            "SINCE",
        ],
        list.iter()
            .map(|s| {
                let c = s.container.clone().unwrap_or_default();
                let pod = if c.pod.is_empty() {
                    String::new()
                } else {
                    format!("{}/{}", c.namespace, c.pod)
                };
                vec![
                    s.node_id.clone(),
                    c.id.chars().take(12).collect(),
                    c.name,
                    pod,
                    if c.image.is_empty() {
                        c.image_id.chars().take(19).collect()
                    } else {
                        c.image
                    },
                    state(s),
                    s.open_deviations.to_string(),
                    ago(s.first_seen_unix_ms),
                ]
            })
            .collect(),
    );
    Ok(())
}

pub async fn containers(
    conn: &Conn,
    node: Option<String>,
    image: Option<String>,
    status: Option<ContainerStatusArg>,
    json: bool,
) -> Result<()> {
    let mut q = QueryServiceClient::new(channel(conn).await?);
    let list = q
        .list_containers(ListContainersRequest {
            node_id: node.unwrap_or_default(),
            image_id: image.unwrap_or_default(),
            state: status.map_or(0, |s| s.state() as i32),
        })
        .await
        .map_err(status_error)?
        .into_inner()
        .containers;
    print_containers(&list, json)
}

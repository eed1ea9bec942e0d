//! The query gRPC service for tools (`plumbctl`, recycling pipelines):
//! nodes, a node's deviations and history, flags, images, acknowledge /
//! retire, and a server-streaming watch of lifecycle events.

use std::pin::Pin;
use std::sync::Arc;

use plumb_proto::v1::{
    ContainerSummary, FlagEvent, GetNodeRequest, ImageSummary, ListContainersRequest,
    ListContainersResponse, ListFlagsRequest, ListImagesRequest, ListImagesResponse,
    ListNodesRequest, ListNodesResponse, NodeActionRequest, NodeDetail, NodeSummary,
    StoredDeviation as PbDeviation, WatchFlagsRequest,
};
use plumb_proto::QueryService;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::hub::{Hub, NodeEvent};
use crate::lifecycle::Event;
use crate::model::NodeStatus;
use crate::security::principal::{caller, Principal};
use crate::store::NodeFilter;

pub struct Query {
    pub hub: Arc<Hub>,
}

pub fn event_pb(e: &NodeEvent) -> FlagEvent {
    FlagEvent {
        node_id: e.transition.node_id.clone(),
        image_id: e.image_id.clone(),
        from: plumb_proto::v1::NodeStatus::from(e.transition.from) as i32,
        to: plumb_proto::v1::NodeStatus::from(e.transition.to) as i32,
        reasons: e.transition.reasons.clone(),
        at_unix_ms: e.transition.at,
        hostname: e.hostname.clone(),
    }
}

/// The status filter: unspecified is every status; a value this version
/// does not know is refused, naming it.
fn validate_status(v: i32) -> Result<Option<NodeStatus>, Status> {
    if v == plumb_proto::v1::NodeStatus::Unspecified as i32 {
        return Ok(None);
    }
    NodeStatus::from_pb(v).map(Some).ok_or_else(|| {
        Status::invalid_argument(format!(
            "unknown node status {v} (expected clean, drifted, flagged, recycling, silent or retired)"
        ))
    })
}

type Events = Pin<Box<dyn Stream<Item = Result<FlagEvent, Status>> + Send>>;

#[tonic::async_trait]
impl QueryService for Query {
    async fn list_nodes(
        &self,
        request: Request<ListNodesRequest>,
    ) -> Result<Response<ListNodesResponse>, Status> {
        let r = request.into_inner();
        if r.labels.len() > 16 {
            return Err(Status::invalid_argument(format!(
                "{} label filters, at most 16",
                r.labels.len()
            )));
        }
        let filter = NodeFilter {
            status: validate_status(r.status)?,
            image_id: (!r.image_id.is_empty()).then_some(r.image_id),
            limit: if r.limit == 0 {
                1000
            } else {
                i64::from(r.limit)
            },
            offset: i64::from(r.offset),
            after: match r.cursor.as_str() {
                "" => None,
                c => Some(
                    crate::store::NodeCursor::decode(c)
                        .ok_or_else(|| Status::invalid_argument(format!("invalid cursor {c:?}")))?,
                ),
            },
            labels: r
                .labels
                .iter()
                .map(|l| {
                    plumb_proto::parse_label(l)
                        .map(|l| (l.key, l.value))
                        .map_err(|e| Status::invalid_argument(format!("label: {e}")))
                })
                .collect::<Result<_, _>>()?,
            ..Default::default()
        };
        let (nodes, total) = self.hub.reads.nodes(&filter).await?;
        let next_cursor = match nodes.last() {
            Some(last) if nodes.len() as i64 == filter.limit => filter.sort.cursor(last).encode(),
            _ => String::new(),
        };
        Ok(Response::new(ListNodesResponse {
            nodes: nodes.iter().map(NodeSummary::from).collect(),
            total: total as u64,
            next_cursor,
        }))
    }

    async fn get_node(
        &self,
        request: Request<GetNodeRequest>,
    ) -> Result<Response<NodeDetail>, Status> {
        let id = request.into_inner().node_id;
        let d = self
            .hub
            .reads
            .node_detail(&id, 1_000)
            .await?
            .ok_or_else(|| Status::not_found(format!("no node {id:?}")))?;
        Ok(Response::new(NodeDetail {
            node: Some(NodeSummary::from(&d.node)),
            open: d.open.iter().map(PbDeviation::from).collect(),
            history: d.history.iter().map(PbDeviation::from).collect(),
            transitions: d.transitions.iter().map(Into::into).collect(),
            containers: d.containers.iter().map(ContainerSummary::from).collect(),
            exec_monitor: d.node.exec_monitor as i32,
        }))
    }

    async fn list_flags(
        &self,
        request: Request<ListFlagsRequest>,
    ) -> Result<Response<ListNodesResponse>, Status> {
        let r = request.into_inner();
        let cursor = match r.cursor.as_str() {
            "" => None,
            c => Some(
                crate::store::FlagCursor::decode(c)
                    .ok_or_else(|| Status::invalid_argument(format!("invalid cursor {c:?}")))?,
            ),
        };
        let limit = if r.limit == 0 {
            500
        } else {
            i64::from(r.limit.min(1000))
        };
        let page = self.hub.reads.flag_queue(cursor.as_ref(), limit).await?;
        Ok(Response::new(ListNodesResponse {
            total: page.total.max(0) as u64,
            nodes: page.nodes.iter().map(NodeSummary::from).collect(),
            next_cursor: page.next.map(|c| c.encode()).unwrap_or_default(),
        }))
    }

    async fn list_images(
        &self,
        _: Request<ListImagesRequest>,
    ) -> Result<Response<ListImagesResponse>, Status> {
        let images = self.hub.reads.images().await?;
        Ok(Response::new(ListImagesResponse {
            images: images
                .iter()
                .map(|i| ImageSummary {
                    image_id: i.image_id.clone(),
                    digest: decode_hex(&i.digest),
                    pushed_unix_ms: i.pushed_at,
                    files: i.files.max(0) as u64,
                    packages: i.packages.max(0) as u64,
                    nodes: i.nodes.max(0) as u64,
                    drifted_nodes: i.drifted_nodes.max(0) as u64,
                    flagged_nodes: i.flagged_nodes.max(0) as u64,
                    labels: i
                        .labels
                        .iter()
                        .map(|(key, value)| plumb_proto::v1::Label {
                            key: key.clone(),
                            value: value.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }))
    }

    async fn list_due(
        &self,
        _request: Request<plumb_proto::v1::ListDueRequest>,
    ) -> Result<Response<plumb_proto::v1::ListDueResponse>, Status> {
        let due = self
            .hub
            .reads
            .due(&self.hub.policy().file.posture, crate::model::now_ms())
            .await?;
        Ok(Response::new(plumb_proto::v1::ListDueResponse {
            images: due
                .into_iter()
                .map(|d| plumb_proto::v1::DueImage {
                    image_id: d.image_id,
                    family: d.family.unwrap_or_default(),
                    reasons: d.reasons,
                    advisories: d.advisories,
                    nodes: d.nodes,
                    node_count: d.node_count.max(0) as u64,
                    containers: d.containers.max(0) as u64,
                })
                .collect(),
        }))
    }

    async fn list_families(
        &self,
        _request: Request<plumb_proto::v1::ListFamiliesRequest>,
    ) -> Result<Response<plumb_proto::v1::ListFamiliesResponse>, Status> {
        let list = self.hub.reads.families().await?;
        Ok(Response::new(plumb_proto::v1::ListFamiliesResponse {
            families: list.iter().map(plumb_proto::v1::Family::from).collect(),
        }))
    }

    async fn list_rollout(
        &self,
        request: Request<plumb_proto::v1::ListRolloutRequest>,
    ) -> Result<Response<plumb_proto::v1::ListRolloutResponse>, Status> {
        let r = request.into_inner();
        if !self
            .hub
            .reads
            .families()
            .await?
            .iter()
            .any(|f| f.family == r.family)
        {
            return Err(Status::not_found(format!("no image family {:?}", r.family)));
        }
        let since = if r.since_unix_ms == 0 {
            crate::model::now_ms() - 7 * 86_400_000
        } else {
            r.since_unix_ms
        };
        let points = self.hub.reads.rollout(&r.family, since).await?;
        Ok(Response::new(plumb_proto::v1::ListRolloutResponse {
            points: points
                .into_iter()
                .map(|p| plumb_proto::v1::RolloutPoint {
                    at_unix_ms: p.at,
                    newest: p.newest,
                    newest_share: p.newest_share,
                    units: p.units.max(0) as u64,
                })
                .collect(),
        }))
    }

    async fn list_advisories(
        &self,
        _request: Request<plumb_proto::v1::ListAdvisoriesRequest>,
    ) -> Result<Response<plumb_proto::v1::ListAdvisoriesResponse>, Status> {
        let list = self.hub.reads.advisories().await?;
        Ok(Response::new(plumb_proto::v1::ListAdvisoriesResponse {
            advisories: list
                .iter()
                .map(plumb_proto::v1::AdvisorySummary::from)
                .collect(),
        }))
    }

    async fn list_exposure(
        &self,
        request: Request<plumb_proto::v1::ListExposureRequest>,
    ) -> Result<Response<plumb_proto::v1::ListExposureResponse>, Status> {
        let r = request.into_inner();
        let nonempty = |s: &str| (!s.is_empty()).then_some(s.to_string());
        let list = self
            .hub
            .reads
            .exposure(
                nonempty(&r.advisory).as_deref(),
                nonempty(&r.image_id).as_deref(),
            )
            .await?;
        Ok(Response::new(plumb_proto::v1::ListExposureResponse {
            exposure: list
                .iter()
                .map(plumb_proto::v1::ExposureEntry::from)
                .collect(),
        }))
    }

    async fn list_packages(
        &self,
        request: Request<plumb_proto::v1::ListPackagesRequest>,
    ) -> Result<Response<plumb_proto::v1::ListPackagesResponse>, Status> {
        let r = request.into_inner();
        let (name, filter) =
            crate::store::package_query(Some(r.name), Some(r.version), Some(r.below))
                .map_err(Status::invalid_argument)?;
        let rows = self.hub.reads.packages(&name, &filter).await?;
        Ok(Response::new(plumb_proto::v1::ListPackagesResponse {
            packages: rows
                .iter()
                .map(plumb_proto::v1::ImagePackage::from)
                .collect(),
        }))
    }

    async fn list_containers(
        &self,
        request: Request<ListContainersRequest>,
    ) -> Result<Response<ListContainersResponse>, Status> {
        let r = request.into_inner();
        let state = match plumb_proto::v1::ContainerState::try_from(r.state) {
            Ok(plumb_proto::v1::ContainerState::Unspecified) => None,
            Ok(state) => Some(state),
            Err(_) => {
                return Err(Status::invalid_argument(format!(
                    "unknown container state {}",
                    r.state
                )))
            }
        };
        let filter = crate::store::ContainerFilter {
            node_id: (!r.node_id.is_empty()).then_some(r.node_id),
            image_id: (!r.image_id.is_empty()).then_some(r.image_id),
            state,
            ..Default::default()
        };
        let list = self.hub.reads.containers(&filter).await?;
        Ok(Response::new(ListContainersResponse {
            containers: list.iter().map(ContainerSummary::from).collect(),
        }))
    }

    async fn acknowledge(
        &self,
        request: Request<NodeActionRequest>,
    ) -> Result<Response<NodeSummary>, Status> {
        let who = caller(&request);
        self.act(
            &who,
            request.into_inner(),
            Event::Acknowledged,
            "acknowledged",
        )
        .await
    }

    async fn retire(
        &self,
        request: Request<NodeActionRequest>,
    ) -> Result<Response<NodeSummary>, Status> {
        let who = caller(&request);
        self.act(&who, request.into_inner(), Event::Retired, "retired")
            .await
    }

    async fn clear(
        &self,
        request: Request<NodeActionRequest>,
    ) -> Result<Response<NodeSummary>, Status> {
        let who = caller(&request);
        let mut r = request.into_inner();
        r.cause = crate::actions::clear_reason(&r.cause)?;
        self.act(&who, r, Event::Cleared, "cleared").await
    }

    type WatchFlagsStream = Events;

    async fn watch_flags(
        &self,
        request: Request<WatchFlagsRequest>,
    ) -> Result<Response<Events>, Status> {
        let include_current = request.into_inner().include_current;
        let mut rx = self.hub.subscribe();
        let mut initial = Vec::new();
        if include_current {
            // Every current node, page by page: nothing is cut off.
            for status in [
                NodeStatus::Flagged,
                NodeStatus::Recycling,
                NodeStatus::Silent,
            ] {
                let mut offset = 0;
                loop {
                    let f = NodeFilter {
                        status: Some(status),
                        limit: 1000,
                        offset,
                        ..Default::default()
                    };
                    let (nodes, total) = self.hub.reads.nodes(&f).await?;
                    let n_page = nodes.len() as i64;
                    for n in nodes {
                        initial.push(FlagEvent {
                            node_id: n.node_id,
                            image_id: n.image_id,
                            from: plumb_proto::v1::NodeStatus::Unspecified as i32,
                            to: plumb_proto::v1::NodeStatus::from(n.status) as i32,
                            reasons: n.reasons,
                            at_unix_ms: n.status_since,
                            hostname: n.hostname,
                        });
                    }
                    offset += n_page;
                    if n_page == 0 || offset >= total {
                        break;
                    }
                }
            }
        }
        let (tx, out) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            for e in initial {
                if tx.send(Ok(e)).await.is_err() {
                    return;
                }
            }
            loop {
                tokio::select! {
                    r = rx.recv() => match r {
                        Ok(e) => if tx.send(Ok(event_pb(&e))).await.is_err() { return },
                        Err(RecvError::Lagged(n)) => {
                            let msg = format!("watcher fell behind by {n} events; re-list with include_current");
                            let _ = tx.send(Err(Status::data_loss(msg))).await;
                            return;
                        }
                        Err(RecvError::Closed) => return,
                    },
                    _ = tx.closed() => return,
                }
            }
        });
        let stream: Events = Box::pin(tokio_stream::wrappers::ReceiverStream::new(out));
        Ok(Response::new(stream))
    }
}

impl Query {
    async fn act(
        &self,
        who: &Principal,
        r: NodeActionRequest,
        event: Event<'_>,
        what: &str,
    ) -> Result<Response<NodeSummary>, Status> {
        let cause = if r.cause.is_empty() {
            format!("{what} via API")
        } else {
            r.cause
        };
        let node = crate::actions::act_on_node(&self.hub, who, &r.node_id, event, &cause).await?;
        Ok(Response::new(NodeSummary::from(&node)))
    }
}

fn decode_hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_filter_is_decoded_once_and_an_unknown_one_refused() {
        assert_eq!(
            validate_status(0).unwrap(),
            None,
            "unspecified: every status"
        );
        for s in NodeStatus::ALL {
            let v = plumb_proto::v1::NodeStatus::from(s) as i32;
            assert_eq!(validate_status(v).unwrap(), Some(s));
            assert_eq!(NodeStatus::from_pb(v), Some(s));
        }
        let err = validate_status(42).unwrap_err();
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert!(err.message().contains("42"), "{}", err.message());
    }
}

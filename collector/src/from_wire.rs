//! The gRPC answers the tools receive, turned back into the model types
//! the REST API serves: `plumbctl --json` prints their serialisation, so
//! a JSON answer has one shape whichever way it was asked. A value this
//! collector does not know (an enum from a newer one) is an error naming
//! where it was, never a default.

use plumb_proto::v1 as pb;

use crate::advisories::AdvisorySeverity;
use crate::model::{
    Container, Image, Node, NodeDetail, NodeStatus, Revoked, StoredDeviation, Transition,
};
use crate::posture::DueImage;
use crate::store::{
    AdvisorySummary, AuditEntry, Caller, Exposure, Family, FamilyImage, ImageKind, ImagePackage,
    Imported, Outcome, RolloutPoint,
};
use crate::versions::Ecosystem;

/// An enum value not in this collector's schema.
#[derive(Debug, thiserror::Error)]
#[error("{what}: unknown {field} {value}")]
pub struct UnknownValue {
    what: String,
    field: &'static str,
    value: i32,
}

fn unknown(what: &str, field: &'static str, value: i32) -> UnknownValue {
    UnknownValue {
        what: what.to_string(),
        field,
        value,
    }
}

fn severity(what: &str, v: i32) -> Result<AdvisorySeverity, UnknownValue> {
    use pb::AdvisorySeverity as P;
    Ok(match P::try_from(v) {
        Ok(P::Unknown) => AdvisorySeverity::Unknown,
        Ok(P::Low) => AdvisorySeverity::Low,
        Ok(P::Medium) => AdvisorySeverity::Medium,
        Ok(P::High) => AdvisorySeverity::High,
        Ok(P::Critical) => AdvisorySeverity::Critical,
        _ => return Err(unknown(what, "severity", v)),
    })
}

fn image_kind(what: &str, v: i32) -> Result<ImageKind, UnknownValue> {
    match pb::ImageKind::try_from(v) {
        Ok(pb::ImageKind::Machine) => Ok(ImageKind::Machine),
        Ok(pb::ImageKind::Container) => Ok(ImageKind::Container),
        _ => Err(unknown(what, "image kind", v)),
    }
}

/// A count as the model holds it.
fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl TryFrom<&pb::AdvisorySummary> for AdvisorySummary {
    type Error = UnknownValue;
    fn try_from(a: &pb::AdvisorySummary) -> Result<Self, UnknownValue> {
        Ok(AdvisorySummary {
            id: a.id.clone(),
            aliases: a.aliases.clone(),
            summary: a.summary.clone(),
            severity: severity(&format!("advisory {:?}", a.id), a.severity)?,
            modified: a.modified.clone(),
            packages: a.packages.clone(),
            images: count(a.images),
            nodes: count(a.nodes),
            containers: count(a.containers),
        })
    }
}

impl TryFrom<&pb::ExposureEntry> for Exposure {
    type Error = UnknownValue;
    fn try_from(e: &pb::ExposureEntry) -> Result<Self, UnknownValue> {
        let what = format!("exposure of {} to {}", e.image_id, e.advisory_id);
        Ok(Exposure {
            advisory_id: e.advisory_id.clone(),
            aliases: e.aliases.clone(),
            severity: severity(&what, e.severity)?,
            image_id: e.image_id.clone(),
            image_kind: image_kind(&what, e.image_kind)?,
            release: some(&e.release),
            package: e.package.clone(),
            version: e.version.clone(),
            fixed: some(&e.fixed),
            fixed_images: e.fixed_images.clone(),
            nodes: count(e.nodes),
            containers: count(e.containers),
        })
    }
}

impl TryFrom<&pb::ImagePackage> for ImagePackage {
    type Error = UnknownValue;
    fn try_from(p: &pb::ImagePackage) -> Result<Self, UnknownValue> {
        let what = format!("package {:?} of {}", p.name, p.image_id);
        Ok(ImagePackage {
            image_id: p.image_id.clone(),
            image_kind: image_kind(&what, p.image_kind)?,
            manager: Ecosystem::from_wire(p.manager)
                .ok_or_else(|| unknown(&what, "package manager", p.manager))?,
            name: p.name.clone(),
            version: p.version.clone(),
            arch: p.arch.clone(),
            source: p.source.clone(),
            source_version: p.source_version.clone(),
            nodes: count(p.nodes),
            containers: count(p.containers),
        })
    }
}

impl From<&pb::Family> for Family {
    fn from(f: &pb::Family) -> Self {
        Family {
            family: f.family.clone(),
            newest: f.newest.clone(),
            images: f
                .images
                .iter()
                .map(|i| FamilyImage {
                    image_id: i.image_id.clone(),
                    pushed_at: i.pushed_unix_ms,
                    superseded_since: (i.superseded_since_unix_ms > 0)
                        .then_some(i.superseded_since_unix_ms),
                    nodes: count(i.nodes),
                    containers: count(i.containers),
                })
                .collect(),
            nodes: count(f.nodes),
            containers: count(f.containers),
            newest_share: f.newest_share,
        }
    }
}

impl From<&pb::RolloutPoint> for RolloutPoint {
    fn from(p: &pb::RolloutPoint) -> Self {
        RolloutPoint {
            at: p.at_unix_ms,
            newest: p.newest.clone(),
            newest_share: p.newest_share,
            units: count(p.units),
        }
    }
}

impl From<&pb::DueImage> for DueImage {
    fn from(d: &pb::DueImage) -> Self {
        DueImage {
            image_id: d.image_id.clone(),
            family: some(&d.family),
            reasons: d.reasons.clone(),
            advisories: d.advisories.clone(),
            nodes: d.nodes.clone(),
            node_count: count(d.node_count),
            containers: count(d.containers),
        }
    }
}

fn node_status(what: &str, v: i32) -> Result<NodeStatus, UnknownValue> {
    NodeStatus::from_pb(v).ok_or_else(|| unknown(what, "status", v))
}

/// A deviation severity; unspecified is none (nothing open).
fn max_severity(what: &str, v: i32) -> Result<Option<pb::Severity>, UnknownValue> {
    match pb::Severity::try_from(v) {
        Ok(pb::Severity::Unspecified) => Ok(None),
        Ok(s) => Ok(Some(s)),
        Err(_) => Err(unknown(what, "severity", v)),
    }
}

impl TryFrom<&pb::NodeSummary> for Node {
    type Error = UnknownValue;
    fn try_from(n: &pb::NodeSummary) -> Result<Self, UnknownValue> {
        let what = format!("node {:?}", n.node_id);
        Ok(Node {
            node_id: n.node_id.clone(),
            hostname: n.hostname.clone(),
            image_id: n.image_id.clone(),
            manifest_digest: n.manifest_digest.clone(),
            agent_version: n.agent_version.clone(),
            status: node_status(&what, n.status)?,
            flagged: n.flagged,
            reasons: n.reasons.clone(),
            deviation_count: count(n.deviation_count),
            max_severity: max_severity(&what, n.max_severity)?,
            first_seen: n.first_seen_unix_ms,
            last_seen: n.last_seen_unix_ms,
            status_since: n.status_since_unix_ms,
            heartbeat_secs: i64::from(n.heartbeat_secs),
            held_since: n.held_since_unix_ms,
            held_reasons: n.held_reasons.clone(),
            exec_monitor: pb::ExecMonitor::try_from(n.exec_monitor)
                .map_err(|_| unknown(&what, "exec monitor", n.exec_monitor))?,
            sees_containers: n.sees_containers,
        })
    }
}

/// A stored deviation of `what` (a node or container).
fn stored_deviation(what: &str, s: &pb::StoredDeviation) -> Result<StoredDeviation, UnknownValue> {
    let d = s.deviation.clone().unwrap_or_default();
    let what = format!("{what}, deviation {:?}", d.key);
    Ok(StoredDeviation {
        kind: pb::DeviationKind::try_from(d.kind).map_err(|_| unknown(&what, "kind", d.kind))?,
        severity: pb::Severity::try_from(d.severity)
            .map_err(|_| unknown(&what, "severity", d.severity))?,
        key: d.key,
        expected: d.expected,
        actual: d.actual,
        changes: d.changes,
        package: d.package,
        explained_by: d.explained_by,
        container: d.container,
        first_seen: s.first_seen_unix_ms,
        resolved_at: (s.resolved_unix_ms > 0).then_some(s.resolved_unix_ms),
    })
}

impl TryFrom<&pb::Transition> for Transition {
    type Error = UnknownValue;
    fn try_from(t: &pb::Transition) -> Result<Self, UnknownValue> {
        let what = format!("transition of node {:?} at {}", t.node_id, t.at_unix_ms);
        Ok(Transition {
            id: 0,
            node_id: t.node_id.clone(),
            from: node_status(&what, t.from)?,
            to: node_status(&what, t.to)?,
            cause: t.cause.clone(),
            reasons: t.reasons.clone(),
            at: t.at_unix_ms,
        })
    }
}

impl TryFrom<&pb::ContainerSummary> for Container {
    type Error = UnknownValue;
    fn try_from(c: &pb::ContainerSummary) -> Result<Self, UnknownValue> {
        let info = c.container.clone().unwrap_or_default();
        let what = format!("container {:?} of node {:?}", info.id, c.node_id);
        Ok(Container {
            node_id: c.node_id.clone(),
            hostname: c.hostname.clone(),
            status: pb::ContainerStatus::try_from(info.status)
                .ok()
                .filter(|s| *s != pb::ContainerStatus::Unspecified)
                .ok_or_else(|| unknown(&what, "status", info.status))?,
            container_id: info.id,
            name: info.name,
            runtime: info.runtime,
            image: info.image,
            image_id: info.image_id,
            pod: info.pod,
            namespace: info.namespace,
            pod_container: info.pod_container,
            drifted: c.drifted,
            started: info.started_unix_ms,
            processes: i64::from(info.processes),
            first_seen: c.first_seen_unix_ms,
            last_seen: c.last_seen_unix_ms,
            open_deviations: count(c.open_deviations),
            max_severity: max_severity(&what, c.max_severity)?,
        })
    }
}

impl TryFrom<&pb::NodeDetail> for NodeDetail {
    type Error = UnknownValue;
    fn try_from(d: &pb::NodeDetail) -> Result<Self, UnknownValue> {
        let node = Node::try_from(&d.node.clone().unwrap_or_default())?;
        let what = format!("node {:?}", node.node_id);
        let deviations = |list: &[pb::StoredDeviation]| {
            list.iter()
                .map(|s| stored_deviation(&what, s))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(NodeDetail {
            open: deviations(&d.open)?,
            history: deviations(&d.history)?,
            transitions: d
                .transitions
                .iter()
                .map(Transition::try_from)
                .collect::<Result<_, _>>()?,
            containers: d
                .containers
                .iter()
                .map(Container::try_from)
                .collect::<Result<_, _>>()?,
            node,
        })
    }
}

impl From<&pb::ImageSummary> for Image {
    fn from(i: &pb::ImageSummary) -> Self {
        Image {
            image_id: i.image_id.clone(),
            digest: plumb_proto::hex(&i.digest),
            files: count(i.files),
            packages: count(i.packages),
            pushed_at: i.pushed_unix_ms,
            nodes: count(i.nodes),
            drifted_nodes: count(i.drifted_nodes),
            flagged_nodes: count(i.flagged_nodes),
            labels: i
                .labels
                .iter()
                .map(|l| (l.key.clone(), l.value.clone()))
                .collect(),
        }
    }
}

impl TryFrom<&pb::AuditEntry> for AuditEntry {
    type Error = UnknownValue;
    fn try_from(e: &pb::AuditEntry) -> Result<Self, UnknownValue> {
        let what = format!("audit entry of {} at {}", e.actor, e.at_unix_ms);
        Ok(AuditEntry {
            at: e.at_unix_ms,
            actor: e.actor.clone(),
            role: match pb::Caller::try_from(e.role) {
                Ok(pb::Caller::None) => Caller::None,
                Ok(pb::Caller::Node) => Caller::Node,
                Ok(pb::Caller::Read) => Caller::Read,
                Ok(pb::Caller::Operator) => Caller::Operator,
                Ok(pb::Caller::Admin) => Caller::Admin,
                _ => return Err(unknown(&what, "role", e.role)),
            },
            action: e.action.clone(),
            target: e.target.clone(),
            source: e.source.clone(),
            outcome: match pb::AuditOutcome::try_from(e.outcome) {
                Ok(pb::AuditOutcome::Ok) => Outcome::Ok,
                Ok(pb::AuditOutcome::Refused) => Outcome::Refused,
                _ => return Err(unknown(&what, "outcome", e.outcome)),
            },
            detail: e.detail.clone(),
        })
    }
}

impl From<&pb::RevokeNodeResponse> for Revoked {
    fn from(r: &pb::RevokeNodeResponse) -> Self {
        Revoked {
            node_id: r.node_id.clone(),
            certificates_revoked: count(r.certificates_revoked),
        }
    }
}

impl From<&pb::ImportAdvisoriesResponse> for Imported {
    fn from(r: &pb::ImportAdvisoriesResponse) -> Self {
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        Imported {
            advisories: n(r.advisories),
            packages: n(r.packages),
            skipped_packages: n(r.skipped_packages),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_enum_value_is_an_error_naming_where() {
        let e = pb::ExposureEntry {
            advisory_id: "DSA-1".into(),
            image_id: "ami-1".into(),
            severity: 42,
            image_kind: pb::ImageKind::Machine as i32,
            ..Default::default()
        };
        let err = Exposure::try_from(&e).unwrap_err().to_string();
        assert_eq!(err, "exposure of ami-1 to DSA-1: unknown severity 42");
        let p = pb::ImagePackage {
            image_id: "ami-1".into(),
            name: "zlib1g".into(),
            image_kind: pb::ImageKind::Machine as i32,
            manager: 9,
            ..Default::default()
        };
        let err = ImagePackage::try_from(&p).unwrap_err().to_string();
        assert_eq!(
            err,
            "package \"zlib1g\" of ami-1: unknown package manager 9"
        );
    }

    #[test]
    fn a_round_trip_through_the_wire_keeps_the_rest_shape() {
        let family = Family {
            family: "web".into(),
            newest: "ami-2".into(),
            images: vec![FamilyImage {
                image_id: "ami-1".into(),
                pushed_at: 5,
                superseded_since: Some(7),
                nodes: 3,
                containers: 0,
            }],
            nodes: 3,
            containers: 0,
            newest_share: 0.5,
        };
        let back = Family::from(&pb::Family::from(&family));
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&family).unwrap()
        );
    }

    #[test]
    fn a_node_and_its_detail_keep_the_rest_shape_through_the_wire() {
        let node = Node {
            node_id: "web-1".into(),
            hostname: "web-1.example".into(),
            image_id: "ami-1".into(),
            manifest_digest: "ab12".into(),
            agent_version: "0.1.0".into(),
            status: NodeStatus::Flagged,
            flagged: true,
            reasons: vec!["1 open deviation".into()],
            deviation_count: 1,
            max_severity: Some(pb::Severity::Critical),
            first_seen: 1,
            last_seen: 9,
            status_since: 5,
            heartbeat_secs: 10,
            held_since: 5,
            held_reasons: vec!["content of /usr/bin/ls".into()],
            exec_monitor: pb::ExecMonitor::Fanotify,
            sees_containers: true,
        };
        let detail = NodeDetail {
            node: node.clone(),
            open: vec![StoredDeviation {
                kind: pb::DeviationKind::FileModified,
                key: "/usr/bin/ls".into(),
                severity: pb::Severity::Critical,
                expected: "a".into(),
                actual: "b".into(),
                changes: vec!["content".into()],
                package: "coreutils".into(),
                explained_by: String::new(),
                container: String::new(),
                first_seen: 5,
                resolved_at: None,
            }],
            history: vec![],
            transitions: vec![Transition {
                id: 0,
                node_id: "web-1".into(),
                from: NodeStatus::Clean,
                to: NodeStatus::Flagged,
                cause: "policy".into(),
                reasons: vec!["1 open deviation".into()],
                at: 5,
            }],
            containers: vec![Container {
                node_id: "web-1".into(),
                hostname: "web-1.example".into(),
                container_id: "c".repeat(64),
                name: "app".into(),
                runtime: "podman".into(),
                image: "app:1".into(),
                image_id: "sha256:1".into(),
                pod: String::new(),
                namespace: String::new(),
                pod_container: String::new(),
                status: pb::ContainerStatus::Verified,
                drifted: false,
                started: 2,
                processes: 3,
                first_seen: 2,
                last_seen: 9,
                open_deviations: 0,
                max_severity: None,
            }],
        };
        let wire = pb::NodeDetail {
            node: Some(pb::NodeSummary::from(&node)),
            open: detail.open.iter().map(Into::into).collect(),
            history: vec![],
            transitions: detail.transitions.iter().map(Into::into).collect(),
            containers: detail.containers.iter().map(Into::into).collect(),
            exec_monitor: node.exec_monitor as i32,
        };
        let back = NodeDetail::try_from(&wire).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&detail).unwrap()
        );
        // A status this version does not know names the node.
        let mut odd = pb::NodeSummary::from(&node);
        odd.status = 77;
        assert_eq!(
            Node::try_from(&odd).unwrap_err().to_string(),
            "node \"web-1\": unknown status 77"
        );
    }
}

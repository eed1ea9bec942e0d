//! The collector's domain: node status and what the store hands out.

use plumb_proto::v1::{DeviationKind, Severity};
use serde::Serialize;

/// Where a node is in its life, from the fleet's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    /// Matches its image.
    Clean,
    /// Deviates, below the replacement threshold.
    Drifted,
    /// Must be replaced; automation should pick it up.
    Flagged,
    /// Automation acknowledged the flag and is replacing the node.
    Recycling,
    /// Replaced or deregistered; kept for history.
    Retired,
    /// Its agent stopped sending heartbeats.
    Silent,
}

impl NodeStatus {
    pub const ALL: [NodeStatus; 6] = [
        NodeStatus::Clean,
        NodeStatus::Drifted,
        NodeStatus::Flagged,
        NodeStatus::Recycling,
        NodeStatus::Silent,
        NodeStatus::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::Clean => "clean",
            NodeStatus::Drifted => "drifted",
            NodeStatus::Flagged => "flagged",
            NodeStatus::Recycling => "recycling",
            NodeStatus::Retired => "retired",
            NodeStatus::Silent => "silent",
        }
    }

    pub fn parse(s: &str) -> Option<NodeStatus> {
        NodeStatus::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

impl std::fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A command one replica relays to the replica holding a node's stream
/// (`node_commands.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relayed {
    Rescan,
    FullRescan,
    /// End the stream: the node was revoked.
    Revoke,
    /// End the stream: the node was retired.
    Retire,
}

impl Relayed {
    pub const ALL: [Relayed; 4] = [
        Relayed::Rescan,
        Relayed::FullRescan,
        Relayed::Revoke,
        Relayed::Retire,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relayed::Rescan => "rescan",
            Relayed::FullRescan => "full_rescan",
            Relayed::Revoke => "revoke",
            Relayed::Retire => "retire",
        }
    }

    pub fn parse(s: &str) -> Option<Relayed> {
        Relayed::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What the agent is sent, for the commands that reach it (the others
    /// end its stream).
    pub fn agent_command(self) -> Option<plumb_proto::v1::CommandKind> {
        match self {
            Relayed::Rescan => Some(plumb_proto::v1::CommandKind::Rescan),
            Relayed::FullRescan => Some(plumb_proto::v1::CommandKind::FullRescan),
            Relayed::Revoke | Relayed::Retire => None,
        }
    }
}

/// Milliseconds at the end (24:00 UTC) of a `YYYY-MM-DD` day.
pub fn end_of_day_ms(date: &str) -> Option<i64> {
    let mut it = date.splitn(3, '-');
    let (y, m, d): (i64, i64, i64) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days + 1) * 86_400_000)
}

/// A node as listed by the API.
#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub node_id: String,
    pub hostname: String,
    pub image_id: String,
    pub manifest_digest: String,
    pub agent_version: String,
    pub status: NodeStatus,
    pub flagged: bool,
    pub reasons: Vec<String>,
    pub deviation_count: i64,
    /// The most severe open deviation's severity (none: `""` in JSON).
    #[serde(serialize_with = "snake::max_severity")]
    pub max_severity: Option<Severity>,
    pub first_seen: i64,
    pub last_seen: i64,
    pub status_since: i64,
    pub heartbeat_secs: i64,
    /// Since when the node's flag is held (0: none): it stays flagged
    /// after what flagged it resolved, until acknowledged, retired or
    /// cleared.
    pub held_since: i64,
    /// What flagged it then.
    pub held_reasons: Vec<String>,
    /// How its agent sees new processes: `fanotify` (each exec as it
    /// happens), `periodic` (at each quick scan) or `""` (older agent).
    #[serde(serialize_with = "snake::exec_monitor")]
    pub exec_monitor: plumb_proto::v1::ExecMonitor,
    /// Whether its agent judges the node's containers.
    pub sees_containers: bool,
}

/// A container running on a node, as its agent last listed it, with its
/// open deviations.
#[derive(Clone, Debug, Serialize)]
pub struct Container {
    pub node_id: String,
    pub hostname: String,
    pub container_id: String,
    pub name: String,
    pub runtime: String,
    pub image: String,
    pub image_id: String,
    pub pod: String,
    pub namespace: String,
    pub pod_container: String,
    /// `verified`, `unverified` or `error`, as the agent judged it.
    #[serde(serialize_with = "snake::container_status")]
    pub status: plumb_proto::v1::ContainerStatus,
    /// Verified and with open deviations: its workload should be replaced.
    pub drifted: bool,
    pub started: i64,
    pub processes: i64,
    pub first_seen: i64,
    /// When it was last known running: its node's last contact, or when
    /// its list last changed if that is later (an agent sends its list
    /// whenever it changes, so the list stands until then).
    pub last_seen: i64,
    pub open_deviations: i64,
    #[serde(serialize_with = "snake::max_severity")]
    pub max_severity: Option<Severity>,
}

/// What identifies a container in an alert: fixed when it fires, repeated
/// when it resolves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ContainerLabels {
    pub container_id: String,
    pub name: String,
    pub pod: String,
    pub namespace: String,
    pub image: String,
    pub image_id: String,
}

impl From<&Container> for ContainerLabels {
    fn from(c: &Container) -> ContainerLabels {
        ContainerLabels {
            container_id: c.container_id.clone(),
            name: c.name.clone(),
            pod: c.pod.clone(),
            namespace: c.namespace.clone(),
            image: c.image.clone(),
            image_id: c.image_id.clone(),
        }
    }
}

/// A container alert that fired: its state (`drifted`, `unverified`) and
/// the container as it was then.
#[derive(Clone, Debug)]
pub struct FiredContainer {
    pub state: String,
    pub container: ContainerLabels,
    pub since: i64,
}

/// The fleet per container image.
#[derive(Clone, Debug, Serialize)]
pub struct ContainerImage {
    pub image_id: String,
    /// One of the references its containers were started from.
    pub image: String,
    pub running: i64,
    pub drifted: i64,
    pub unverified: i64,
    pub nodes: i64,
    pub has_manifest: bool,
}

/// A deviation as stored, open or resolved.
#[derive(Clone, Debug, Serialize)]
pub struct StoredDeviation {
    #[serde(serialize_with = "snake::kind")]
    pub kind: DeviationKind,
    pub key: String,
    #[serde(serialize_with = "snake::severity")]
    pub severity: Severity,
    pub expected: String,
    pub actual: String,
    pub changes: Vec<String>,
    pub package: String,
    pub explained_by: String,
    /// The container it is in (its runtime id); empty for the node itself.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub container: String,
    pub first_seen: i64,
    pub resolved_at: Option<i64>,
}

/// Everything about one node: identity, open deviations, resolved
/// history (newest first) and lifecycle (oldest first).
#[derive(Clone, Debug, Serialize)]
pub struct NodeDetail {
    pub node: Node,
    pub open: Vec<StoredDeviation>,
    pub history: Vec<StoredDeviation>,
    pub transitions: Vec<Transition>,
    /// Its running containers, as its agent last listed them.
    pub containers: Vec<Container>,
}

/// A node's revocation: its certificates are refused from now on.
#[derive(Clone, Debug, Serialize)]
pub struct Revoked {
    pub node_id: String,
    /// The certificates plumb had issued to it.
    pub certificates_revoked: i64,
}

/// A recorded lifecycle transition.
#[derive(Clone, Debug, Serialize)]
pub struct Transition {
    /// Row id in `transitions` (0 when not known).
    #[serde(skip)]
    pub id: i64,
    pub node_id: String,
    pub from: NodeStatus,
    pub to: NodeStatus,
    pub cause: String,
    pub reasons: Vec<String>,
    pub at: i64,
}

/// A manifest known to the registry, with its fleet figures.
#[derive(Clone, Debug, Serialize)]
pub struct Image {
    pub image_id: String,
    pub digest: String,
    pub files: i64,
    pub packages: i64,
    pub pushed_at: i64,
    pub nodes: i64,
    pub drifted_nodes: i64,
    pub flagged_nodes: i64,
    /// Provenance labels of its manifest.
    pub labels: std::collections::BTreeMap<String, String>,
}

/// The same change on several nodes of one image.
#[derive(Clone, Debug, Serialize)]
pub struct Correlation {
    pub image_id: String,
    #[serde(serialize_with = "snake::kind")]
    pub kind: DeviationKind,
    pub key: String,
    pub actual: String,
    #[serde(serialize_with = "snake::severity")]
    pub severity: Severity,
    pub nodes: i64,
    pub image_nodes: i64,
    /// `fleet` when most nodes of the image share it (an image or rollout
    /// problem), `single` when only one node has it (likely tampering).
    pub scope: &'static str,
    pub sample_nodes: Vec<String>,
}

/// Enums as their snake-case names in JSON (`file_modified`, `critical`),
/// as the API has always spelled them.
mod snake {
    use plumb_proto::v1::{DeviationKind, Severity};
    use serde::Serializer;

    pub fn kind<S: Serializer>(k: &DeviationKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(plumb_proto::kind_snake(*k))
    }

    pub fn severity<S: Serializer>(v: &Severity, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(plumb_proto::severity_snake(*v))
    }

    pub fn max_severity<S: Serializer>(v: &Option<Severity>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.map_or("", plumb_proto::severity_snake))
    }

    pub fn exec_monitor<S: Serializer>(
        v: &plumb_proto::v1::ExecMonitor,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(plumb_proto::exec_monitor_snake(*v))
    }

    pub fn container_status<S: Serializer>(
        v: &plumb_proto::v1::ContainerStatus,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(plumb_proto::container_status_snake(*v))
    }
}

/// The protobuf forms of the model, for the gRPC services.
mod pb {
    use plumb_proto::v1 as pb;

    impl From<super::NodeStatus> for pb::NodeStatus {
        fn from(s: super::NodeStatus) -> pb::NodeStatus {
            use super::NodeStatus as S;
            match s {
                S::Clean => pb::NodeStatus::Clean,
                S::Drifted => pb::NodeStatus::Drifted,
                S::Flagged => pb::NodeStatus::Flagged,
                S::Recycling => pb::NodeStatus::Recycling,
                S::Silent => pb::NodeStatus::Silent,
                S::Retired => pb::NodeStatus::Retired,
            }
        }
    }

    impl super::NodeStatus {
        /// The status a wire value names; none for unspecified or a value
        /// this version does not know.
        pub fn from_pb(v: i32) -> Option<super::NodeStatus> {
            super::NodeStatus::ALL
                .into_iter()
                .find(|s| pb::NodeStatus::from(*s) as i32 == v)
        }
    }

    impl From<&super::Node> for pb::NodeSummary {
        fn from(n: &super::Node) -> pb::NodeSummary {
            pb::NodeSummary {
                node_id: n.node_id.clone(),
                hostname: n.hostname.clone(),
                image_id: n.image_id.clone(),
                status: pb::NodeStatus::from(n.status) as i32,
                flagged: n.flagged,
                deviation_count: n.deviation_count.max(0) as u64,
                last_seen_unix_ms: n.last_seen,
                first_seen_unix_ms: n.first_seen,
                agent_version: n.agent_version.clone(),
                reasons: n.reasons.clone(),
                max_severity: n.max_severity.map_or(0, |s| s as i32),
                status_since_unix_ms: n.status_since,
                manifest_digest: n.manifest_digest.clone(),
                heartbeat_secs: u32::try_from(n.heartbeat_secs.max(0)).unwrap_or(u32::MAX),
                held_since_unix_ms: n.held_since,
                held_reasons: n.held_reasons.clone(),
                exec_monitor: n.exec_monitor as i32,
                sees_containers: n.sees_containers,
            }
        }
    }

    fn severity(s: crate::advisories::AdvisorySeverity) -> i32 {
        use crate::advisories::AdvisorySeverity as S;
        (match s {
            S::Unknown => pb::AdvisorySeverity::Unknown,
            S::Low => pb::AdvisorySeverity::Low,
            S::Medium => pb::AdvisorySeverity::Medium,
            S::High => pb::AdvisorySeverity::High,
            S::Critical => pb::AdvisorySeverity::Critical,
        }) as i32
    }

    fn kind(k: crate::store::ImageKind) -> i32 {
        (match k {
            crate::store::ImageKind::Container => pb::ImageKind::Container,
            crate::store::ImageKind::Machine => pb::ImageKind::Machine,
        }) as i32
    }

    impl From<&crate::store::Family> for pb::Family {
        fn from(f: &crate::store::Family) -> pb::Family {
            pb::Family {
                family: f.family.clone(),
                newest: f.newest.clone(),
                images: f
                    .images
                    .iter()
                    .map(|i| pb::FamilyImage {
                        image_id: i.image_id.clone(),
                        pushed_unix_ms: i.pushed_at,
                        superseded_since_unix_ms: i.superseded_since.unwrap_or(0),
                        nodes: i.nodes.max(0) as u64,
                        containers: i.containers.max(0) as u64,
                    })
                    .collect(),
                nodes: f.nodes.max(0) as u64,
                containers: f.containers.max(0) as u64,
                newest_share: f.newest_share,
            }
        }
    }

    impl From<&crate::store::AdvisorySummary> for pb::AdvisorySummary {
        fn from(a: &crate::store::AdvisorySummary) -> pb::AdvisorySummary {
            pb::AdvisorySummary {
                id: a.id.clone(),
                aliases: a.aliases.clone(),
                summary: a.summary.clone(),
                severity: severity(a.severity),
                modified: a.modified.clone(),
                packages: a.packages.clone(),
                images: a.images.max(0) as u64,
                nodes: a.nodes.max(0) as u64,
                containers: a.containers.max(0) as u64,
            }
        }
    }

    impl From<&crate::store::Exposure> for pb::ExposureEntry {
        fn from(e: &crate::store::Exposure) -> pb::ExposureEntry {
            pb::ExposureEntry {
                advisory_id: e.advisory_id.clone(),
                aliases: e.aliases.clone(),
                severity: severity(e.severity),
                image_id: e.image_id.clone(),
                image_kind: kind(e.image_kind),
                release: e.release.clone().unwrap_or_default(),
                package: e.package.clone(),
                version: e.version.clone(),
                fixed: e.fixed.clone().unwrap_or_default(),
                fixed_images: e.fixed_images.clone(),
                nodes: e.nodes.max(0) as u64,
                containers: e.containers.max(0) as u64,
            }
        }
    }

    impl From<&crate::store::ImagePackage> for pb::ImagePackage {
        fn from(p: &crate::store::ImagePackage) -> pb::ImagePackage {
            pb::ImagePackage {
                image_id: p.image_id.clone(),
                image_kind: kind(p.image_kind),
                manager: p.manager.to_wire() as i32,
                name: p.name.clone(),
                version: p.version.clone(),
                arch: p.arch.clone(),
                source: p.source.clone(),
                source_version: p.source_version.clone(),
                nodes: p.nodes.max(0) as u64,
                containers: p.containers.max(0) as u64,
            }
        }
    }

    impl From<&super::Container> for pb::ContainerSummary {
        fn from(c: &super::Container) -> pb::ContainerSummary {
            pb::ContainerSummary {
                node_id: c.node_id.clone(),
                hostname: c.hostname.clone(),
                container: Some(pb::ContainerInfo {
                    id: c.container_id.clone(),
                    name: c.name.clone(),
                    runtime: c.runtime.clone(),
                    image: c.image.clone(),
                    image_id: c.image_id.clone(),
                    pod: c.pod.clone(),
                    namespace: c.namespace.clone(),
                    pod_container: c.pod_container.clone(),
                    status: c.status as i32,
                    started_unix_ms: c.started,
                    processes: c.processes.max(0) as u32,
                }),
                drifted: c.drifted,
                open_deviations: c.open_deviations.max(0) as u64,
                max_severity: c.max_severity.map_or(0, |s| s as i32),
                first_seen_unix_ms: c.first_seen,
                last_seen_unix_ms: c.last_seen,
            }
        }
    }

    impl From<&super::StoredDeviation> for pb::StoredDeviation {
        fn from(d: &super::StoredDeviation) -> pb::StoredDeviation {
            pb::StoredDeviation {
                deviation: Some(pb::Deviation {
                    kind: d.kind as i32,
                    key: d.key.clone(),
                    severity: d.severity as i32,
                    expected: d.expected.clone(),
                    actual: d.actual.clone(),
                    changes: d.changes.clone(),
                    package: d.package.clone(),
                    explained_by: d.explained_by.clone(),
                    container: d.container.clone(),
                }),
                first_seen_unix_ms: d.first_seen,
                resolved_unix_ms: d.resolved_at.unwrap_or(0),
            }
        }
    }

    impl From<&super::Transition> for pb::Transition {
        fn from(t: &super::Transition) -> pb::Transition {
            pb::Transition {
                from: pb::NodeStatus::from(t.from) as i32,
                to: pb::NodeStatus::from(t.to) as i32,
                cause: t.cause.clone(),
                at_unix_ms: t.at,
                node_id: t.node_id.clone(),
                reasons: t.reasons.clone(),
            }
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

//! Stable snake-case names for enums, as used in JSON output, TOML policy
//! files, the REST API and the database.

use std::borrow::Cow;

use crate::v1::{
    ContainerState, ContainerStatus, DeviationKind, ExecMonitor, NodeStatus, PackageManager,
    Severity,
};

/// `dpkg`, `rpm`, `apk`; `unspecified` for unknown values.
pub fn package_manager_name(m: PackageManager) -> &'static str {
    match m {
        PackageManager::Dpkg => "dpkg",
        PackageManager::Rpm => "rpm",
        PackageManager::Apk => "apk",
        _ => "unspecified",
    }
}

const KINDS: &[(DeviationKind, &str)] = &[
    (DeviationKind::FileAdded, "file_added"),
    (DeviationKind::FileRemoved, "file_removed"),
    (DeviationKind::FileModified, "file_modified"),
    (DeviationKind::PackageAdded, "package_added"),
    (DeviationKind::PackageRemoved, "package_removed"),
    (DeviationKind::PackageChanged, "package_changed"),
    (DeviationKind::ListenerAdded, "listener_added"),
    (DeviationKind::ListenerRemoved, "listener_removed"),
    (DeviationKind::Integrity, "integrity"),
    (DeviationKind::ScanError, "scan_error"),
    (DeviationKind::ProcessUnexpected, "process_unexpected"),
    (DeviationKind::ProcessDeleted, "process_deleted"),
    (DeviationKind::ProcessMemfd, "process_memfd"),
    (DeviationKind::ModuleUnexpected, "module_unexpected"),
    (DeviationKind::KernelTainted, "kernel_tainted"),
    (DeviationKind::SessionOpened, "session_opened"),
];

const SEVERITIES: &[(Severity, &str)] = &[
    (Severity::Low, "low"),
    (Severity::Medium, "medium"),
    (Severity::High, "high"),
    (Severity::Critical, "critical"),
];

/// `file_added`, `package_changed`, ...; `unspecified` for unknown values.
pub fn kind_snake(kind: DeviationKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("unspecified", |(_, s)| s)
}

/// Parses a snake-case deviation kind.
pub fn kind_from_snake(name: &str) -> Option<DeviationKind> {
    KINDS.iter().find(|(_, s)| *s == name).map(|(k, _)| *k)
}

/// `low`, `medium`, `high`, `critical`; `unspecified` otherwise.
pub fn severity_snake(severity: Severity) -> &'static str {
    SEVERITIES
        .iter()
        .find(|(k, _)| *k == severity)
        .map_or("unspecified", |(_, s)| s)
}

/// Parses a snake-case severity.
pub fn severity_from_snake(name: &str) -> Option<Severity> {
    SEVERITIES.iter().find(|(_, s)| *s == name).map(|(k, _)| *k)
}

const CONTAINER_STATUSES: &[(ContainerStatus, &str)] = &[
    (ContainerStatus::Verified, "verified"),
    (ContainerStatus::Unverified, "unverified"),
    (ContainerStatus::Error, "error"),
];

const CONTAINER_STATES: &[(ContainerState, &str)] = &[
    (ContainerState::Verified, "verified"),
    (ContainerState::Drifted, "drifted"),
    (ContainerState::Unverified, "unverified"),
    (ContainerState::Error, "error"),
];

/// `verified`, `unverified`, `error`; `unspecified` otherwise.
pub fn container_status_snake(status: ContainerStatus) -> &'static str {
    CONTAINER_STATUSES
        .iter()
        .find(|(k, _)| *k == status)
        .map_or("unspecified", |(_, s)| s)
}

/// Parses a snake-case container status (never `unspecified`).
pub fn container_status_from_snake(name: &str) -> Option<ContainerStatus> {
    CONTAINER_STATUSES
        .iter()
        .find(|(_, s)| *s == name)
        .map(|(k, _)| *k)
}

/// `verified`, `drifted`, `unverified`, `error`; `unspecified` otherwise.
pub fn container_state_snake(state: ContainerState) -> &'static str {
    CONTAINER_STATES
        .iter()
        .find(|(k, _)| *k == state)
        .map_or("unspecified", |(_, s)| s)
}

/// Parses a snake-case container state (never `unspecified`).
pub fn container_state_from_snake(name: &str) -> Option<ContainerState> {
    CONTAINER_STATES
        .iter()
        .find(|(_, s)| *s == name)
        .map(|(k, _)| *k)
}

/// `fanotify`, `periodic`; `""` for an agent that did not say (older).
pub fn exec_monitor_snake(m: ExecMonitor) -> &'static str {
    match m {
        ExecMonitor::Fanotify => "fanotify",
        ExecMonitor::Periodic => "periodic",
        ExecMonitor::Unspecified => "",
    }
}

/// Parses what [`exec_monitor_snake`] writes.
pub fn exec_monitor_from_snake(name: &str) -> Option<ExecMonitor> {
    [
        ExecMonitor::Fanotify,
        ExecMonitor::Periodic,
        ExecMonitor::Unspecified,
    ]
    .into_iter()
    .find(|m| exec_monitor_snake(*m) == name)
}

const NODE_STATUSES: &[(NodeStatus, &str)] = &[
    (NodeStatus::Clean, "clean"),
    (NodeStatus::Drifted, "drifted"),
    (NodeStatus::Flagged, "flagged"),
    (NodeStatus::Recycling, "recycling"),
    (NodeStatus::Silent, "silent"),
    (NodeStatus::Retired, "retired"),
];

/// `clean`, `drifted`, `flagged`, `recycling`, `silent`, `retired`;
/// `unspecified` otherwise.
pub fn node_status_snake(status: NodeStatus) -> &'static str {
    NODE_STATUSES
        .iter()
        .find(|(k, _)| *k == status)
        .map_or("unspecified", |(_, s)| s)
}

/// Parses a snake-case node status (never `unspecified`).
pub fn node_status_from_snake(name: &str) -> Option<NodeStatus> {
    NODE_STATUSES
        .iter()
        .find(|(_, s)| *s == name)
        .map(|(k, _)| *k)
}

/// Whether printing `c` could move the cursor, recolour, retitle or
/// reorder what a terminal shows: control characters (C0, DEL, C1) and the
/// bidirectional overrides and isolates.
fn unsafe_to_print(c: char) -> bool {
    c.is_control()
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `s` as it may be shown to a person: characters a terminal would act on
/// are written as `\u{1b}`-style escapes. File names, hostnames and keys
/// come from the nodes, so from whoever controls them.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_to_print) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_to_print(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn terminal_controls_are_escaped_and_text_is_kept() {
        use super::printable;
        assert_eq!(printable("/usr/bin/ls"), "/usr/bin/ls");
        assert_eq!(printable("naïve/日本"), "naïve/日本");
        assert_eq!(printable("a\x1b[2Kb\r\n"), "a\\u{1b}[2Kb\\u{d}\\u{a}");
        assert_eq!(printable("x\u{202e}y\u{9b}"), "x\\u{202e}y\\u{9b}");
    }

    use super::*;

    #[test]
    fn names_round_trip() {
        for (kind, name) in KINDS {
            assert_eq!(kind_from_snake(name), Some(*kind));
            assert_eq!(kind_snake(*kind), *name);
        }
        for (sev, name) in SEVERITIES {
            assert_eq!(severity_from_snake(name), Some(*sev));
        }
        assert_eq!(kind_from_snake("file_exploded"), None);
        for (status, name) in NODE_STATUSES {
            assert_eq!(node_status_from_snake(name), Some(*status));
            assert_eq!(node_status_snake(*status), *name);
        }
        assert_eq!(node_status_from_snake("unspecified"), None);
        for m in [
            ExecMonitor::Fanotify,
            ExecMonitor::Periodic,
            ExecMonitor::Unspecified,
        ] {
            assert_eq!(exec_monitor_from_snake(exec_monitor_snake(m)), Some(m));
        }
        assert_eq!(exec_monitor_from_snake("inotify"), None);
        assert_eq!(node_status_snake(NodeStatus::Unspecified), "unspecified");
    }
}

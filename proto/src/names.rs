//! Stable snake-case names for enums, as used in JSON output, TOML policy
//! files, the REST API and the database.

use crate::v1::{DeviationKind, Severity};

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

#[cfg(test)]
mod tests {
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
    }
}

//! Security advisories in the OSV format (what osv.dev, Debian, Alpine,
//! Rocky/Alma and GitHub publish), read offline and bounded like every
//! other input: a file that is not OSV, or hostile, is refused with an
//! error naming the record and what is wrong, and nothing of it is
//! imported. Only the ecosystems of the package managers plumb reads are
//! kept (`Debian:*`, `Ubuntu:*` for dpkg, `Alpine:*` for apk, `Rocky
//! Linux:*`, `AlmaLinux:*`, `Red Hat:*` for rpm); the others are counted
//! and skipped.

use serde::Deserialize;

use crate::versions::{self, Ecosystem};

/// The largest advisory file read (a single record or an array of them).
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// The most records one import holds.
pub const MAX_RECORDS: usize = 100_000;
/// Bounds of one record's parts.
const MAX_ID: usize = 256;
const MAX_ALIASES: usize = 64;
const MAX_SUMMARY: usize = 1024;
const MAX_AFFECTED: usize = 256;
const MAX_EVENTS: usize = 256;

/// An advisory's severity, as the record states it in words (OSV's
/// `database_specific.severity`, Debian's urgency, GitHub's severity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdvisorySeverity {
    /// The record does not say.
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl AdvisorySeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            AdvisorySeverity::Unknown => "unknown",
            AdvisorySeverity::Low => "low",
            AdvisorySeverity::Medium => "medium",
            AdvisorySeverity::High => "high",
            AdvisorySeverity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<AdvisorySeverity> {
        match s.to_ascii_lowercase().as_str() {
            "unknown" | "unimportant" | "not yet assigned" | "" => Some(AdvisorySeverity::Unknown),
            "low" | "negligible" => Some(AdvisorySeverity::Low),
            "medium" | "moderate" => Some(AdvisorySeverity::Medium),
            "high" | "important" => Some(AdvisorySeverity::High),
            "critical" => Some(AdvisorySeverity::Critical),
            _ => None,
        }
    }
}

/// One version interval of an affected package: affected from
/// `introduced` (`0`: from the first) until `fixed` (exclusive) or through
/// `last_affected` (inclusive); neither: still affected.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Range {
    pub introduced: String,
    pub fixed: Option<String>,
    pub last_affected: Option<String>,
}

/// A package an advisory affects, in one package manager's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affected {
    pub manager: Ecosystem,
    /// The OSV ecosystem as written (`Debian:12`).
    pub ecosystem: String,
    /// The package (for Debian, the source package).
    pub name: String,
    pub ranges: Vec<Range>,
    /// Versions listed as affected one by one.
    pub versions: Vec<String>,
}

/// An advisory, as plumb keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub severity: AdvisorySeverity,
    /// RFC 3339, as the record says.
    pub modified: String,
    pub affected: Vec<Affected>,
}

impl Affected {
    /// Whether `version` (in this package's manager's order) is affected.
    pub fn affects(&self, version: &str) -> bool {
        if self
            .versions
            .iter()
            .any(|v| versions::compare(self.manager, v, version) == Ok(std::cmp::Ordering::Equal))
        {
            return true;
        }
        self.ranges.iter().any(|r| {
            let cmp = |a: &str| versions::compare(self.manager, version, a);
            let from = r.introduced == "0"
                || matches!(
                    cmp(&r.introduced),
                    Ok(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                );
            let until = match (&r.fixed, &r.last_affected) {
                (Some(f), _) => matches!(cmp(f), Ok(std::cmp::Ordering::Less)),
                (None, Some(l)) => matches!(
                    cmp(l),
                    Ok(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                ),
                (None, None) => true,
            };
            from && until
        })
    }

    /// The earliest fixed version above `version`, if any range has one.
    pub fn fixed_after(&self, version: &str) -> Option<&str> {
        self.ranges
            .iter()
            .filter_map(|r| r.fixed.as_deref())
            .filter(|f| versions::compare(self.manager, version, f) == Ok(std::cmp::Ordering::Less))
            .min_by(|a, b| {
                versions::compare(self.manager, a, b).unwrap_or(std::cmp::Ordering::Equal)
            })
    }
}

/// What an import read: the advisories kept and the affected entries of
/// ecosystems plumb does not read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub advisories: Vec<Advisory>,
    pub skipped_packages: usize,
}

/// An advisory file that is not imported, and why.
#[derive(Debug, thiserror::Error)]
pub enum AdvisoryError {
    #[error(
        "{source_name}: {bytes} bytes, more than the {MAX_FILE_BYTES} an advisory file may have"
    )]
    TooLarge { source_name: String, bytes: usize },
    #[error("{source_name}: not OSV JSON: {reason}")]
    NotOsv { source_name: String, reason: String },
    #[error("{source_name}: {count} records, more than the {MAX_RECORDS} one import may hold")]
    TooMany { source_name: String, count: usize },
    #[error("{source_name}: record {index} ({id:?}): {reason}")]
    BadRecord {
        source_name: String,
        index: usize,
        id: String,
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<serde_json::Value>),
    One(serde_json::Value),
}

#[derive(Deserialize)]
struct OsvRecord {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    modified: String,
    #[serde(default)]
    affected: Vec<OsvAffected>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OsvAffected {
    package: Option<OsvPackage>,
    #[serde(default)]
    ranges: Vec<OsvRange>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    ecosystem_specific: Option<serde_json::Value>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OsvPackage {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// The package manager of an OSV ecosystem (`Debian:12`), if plumb reads
/// its databases.
fn manager_of(ecosystem: &str) -> Option<Ecosystem> {
    let base = ecosystem.split(':').next().unwrap_or("");
    match base {
        "Debian" | "Ubuntu" => Some(Ecosystem::Dpkg),
        "Alpine" => Some(Ecosystem::Apk),
        "Rocky Linux" | "AlmaLinux" | "Red Hat" | "openSUSE" | "SUSE" => Some(Ecosystem::Rpm),
        _ => None,
    }
}

fn severity_of(v: &Option<serde_json::Value>) -> Option<AdvisorySeverity> {
    let v = v.as_ref()?;
    ["severity", "urgency"]
        .iter()
        .find_map(|k| v.get(k)?.as_str())
        .and_then(AdvisorySeverity::parse)
}

/// Reads an OSV file (one record, or an array of records) named
/// `source_name` in errors.
pub fn parse(source_name: &str, bytes: &[u8]) -> Result<Parsed, AdvisoryError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AdvisoryError::TooLarge {
            source_name: source_name.into(),
            bytes: bytes.len(),
        });
    }
    let not_osv = |reason: String| AdvisoryError::NotOsv {
        source_name: source_name.into(),
        reason,
    };
    let values =
        match serde_json::from_slice::<OneOrMany>(bytes).map_err(|e| not_osv(e.to_string()))? {
            OneOrMany::Many(v) => v,
            OneOrMany::One(v) => vec![v],
        };
    if values.len() > MAX_RECORDS {
        return Err(AdvisoryError::TooMany {
            source_name: source_name.into(),
            count: values.len(),
        });
    }
    let mut out = Parsed::default();
    for (index, value) in values.into_iter().enumerate() {
        let id_hint = value
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .chars()
            .take(64)
            .collect::<String>();
        let bad = |reason: String| AdvisoryError::BadRecord {
            source_name: source_name.into(),
            index,
            id: id_hint.clone(),
            reason,
        };
        let record: OsvRecord = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        check_record(&record).map_err(bad)?;
        let mut severity = severity_of(&record.database_specific);
        let mut affected = Vec::new();
        for a in &record.affected {
            let Some(pkg) = &a.package else {
                return Err(bad("an affected entry names no package".into()));
            };
            let Some(manager) = manager_of(&pkg.ecosystem) else {
                out.skipped_packages += 1;
                continue;
            };
            if severity.is_none() {
                severity = severity_of(&a.ecosystem_specific).or(severity_of(&a.database_specific));
            }
            let mut ranges = Vec::new();
            for r in &a.ranges {
                if r.kind != "ECOSYSTEM" {
                    continue;
                }
                ranges.extend(
                    ranges_of(&r.events).map_err(|e| bad(format!("package {}: {e}", pkg.name)))?,
                );
            }
            for v in a.versions.iter().chain(ranges.iter().flat_map(|r| {
                std::iter::once(&r.introduced)
                    .chain(r.fixed.iter())
                    .chain(r.last_affected.iter())
            })) {
                if v != "0" {
                    versions::compare(manager, v, v).map_err(|e| bad(e.to_string()))?;
                }
            }
            affected.push(Affected {
                manager,
                ecosystem: pkg.ecosystem.clone(),
                name: pkg.name.clone(),
                ranges,
                versions: a.versions.clone(),
            });
        }
        if affected.is_empty() {
            continue;
        }
        out.advisories.push(Advisory {
            id: record.id,
            aliases: record.aliases,
            summary: record.summary,
            severity: severity.unwrap_or(AdvisorySeverity::Unknown),
            modified: record.modified,
            affected,
        });
    }
    Ok(out)
}

fn check_record(r: &OsvRecord) -> Result<(), String> {
    let printable = |s: &str| !s.chars().any(char::is_control);
    if r.id.is_empty() || r.id.len() > MAX_ID || !printable(&r.id) {
        return Err(format!("id must be 1 to {MAX_ID} printable bytes"));
    }
    if r.aliases.len() > MAX_ALIASES
        || r.aliases
            .iter()
            .any(|a| a.is_empty() || a.len() > MAX_ID || !printable(a))
    {
        return Err(format!(
            "at most {MAX_ALIASES} aliases of 1 to {MAX_ID} printable bytes"
        ));
    }
    if r.summary.len() > MAX_SUMMARY {
        return Err(format!("summary longer than {MAX_SUMMARY} bytes"));
    }
    if r.modified.len() > 64 {
        return Err("modified is not a time".into());
    }
    if r.affected.len() > MAX_AFFECTED {
        return Err(format!("more than {MAX_AFFECTED} affected packages"));
    }
    for a in &r.affected {
        if let Some(p) = &a.package {
            if p.name.is_empty() || p.name.len() > MAX_ID || !printable(&p.name) {
                return Err(format!(
                    "package name must be 1 to {MAX_ID} printable bytes"
                ));
            }
            if p.ecosystem.len() > MAX_ID {
                return Err("ecosystem too long".into());
            }
        }
        if a.ranges.len() > MAX_EVENTS
            || a.versions.len() > 4 * MAX_EVENTS
            || a.ranges.iter().any(|r| r.events.len() > MAX_EVENTS)
        {
            return Err(format!("more than {MAX_EVENTS} ranges or events"));
        }
    }
    Ok(())
}

/// OSV range events (`introduced`, `fixed`, `last_affected`, `limit`, in
/// order) as intervals.
fn ranges_of(events: &[serde_json::Map<String, serde_json::Value>]) -> Result<Vec<Range>, String> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for e in events {
        let (kind, value) = e
            .iter()
            .next()
            .ok_or_else(|| "an empty range event".to_string())?;
        let value = value
            .as_str()
            .ok_or_else(|| format!("range event {kind} is not a string"))?
            .to_string();
        match kind.as_str() {
            "introduced" => {
                if let Some(from) = open.take() {
                    out.push(Range {
                        introduced: from,
                        fixed: None,
                        last_affected: None,
                    });
                }
                open = Some(value);
            }
            "fixed" | "last_affected" => {
                let from = open
                    .take()
                    .ok_or_else(|| format!("{kind} {value:?} without an introduced before it"))?;
                let fixed = (kind == "fixed").then(|| value.clone());
                let last_affected = (kind == "last_affected").then_some(value);
                out.push(Range {
                    introduced: from,
                    fixed,
                    last_affected,
                });
            }
            "limit" => {}
            other => return Err(format!("unknown range event {other:?}")),
        }
    }
    if let Some(from) = open {
        out.push(Range {
            introduced: from,
            fixed: None,
            last_affected: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DSA: &str = r#"{
      "id": "DSA-5900-1",
      "aliases": ["CVE-2025-0001"],
      "summary": "openssl - security update",
      "modified": "2025-05-01T00:00:00Z",
      "database_specific": {"severity": "high"},
      "affected": [
        {"package": {"ecosystem": "Debian:12", "name": "openssl"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.15-1~deb12u1"}]}]},
        {"package": {"ecosystem": "npm", "name": "left-pad"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]}
      ]
    }"#;

    #[test]
    fn an_osv_record_is_read_with_its_ranges_in_the_ecosystems_order() {
        let p = parse("dsa.json", DSA.as_bytes()).unwrap();
        assert_eq!(p.skipped_packages, 1);
        let a = &p.advisories[0];
        assert_eq!(a.id, "DSA-5900-1");
        assert_eq!(a.severity, AdvisorySeverity::High);
        let openssl = &a.affected[0];
        assert_eq!(openssl.manager, Ecosystem::Dpkg);
        assert!(openssl.affects("3.0.14-1~deb12u2"));
        assert!(openssl.affects("3.0.15-1~deb12u0"));
        assert!(!openssl.affects("3.0.15-1~deb12u1"));
        assert!(!openssl.affects("3.0.15-1"));
        assert_eq!(openssl.fixed_after("3.0.14-1"), Some("3.0.15-1~deb12u1"));
        assert_eq!(openssl.fixed_after("3.0.16-1"), None);
    }

    #[test]
    fn last_affected_and_listed_versions_count_and_open_ranges_stay_open() {
        let text = r#"[{"id": "ALPINE-1", "affected": [{"package": {"ecosystem": "Alpine:v3.20", "name": "busybox"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.36.0"}, {"last_affected": "1.36.1-r2"},
                                                        {"introduced": "1.37.0"}]}],
            "versions": ["1.35.0-r5"]}]}]"#;
        let p = parse("alpine.json", text.as_bytes()).unwrap();
        let b = &p.advisories[0].affected[0];
        assert_eq!(b.manager, Ecosystem::Apk);
        assert!(b.affects("1.36.1-r2"));
        assert!(!b.affects("1.36.1-r3"));
        assert!(b.affects("1.35.0-r5"));
        assert!(!b.affects("1.35.0-r6"));
        assert!(b.affects("1.38.0"), "an open range has no end");
        assert_eq!(p.advisories[0].severity, AdvisorySeverity::Unknown);
    }

    #[test]
    fn hostile_and_malformed_files_are_refused_naming_the_record() {
        let err = |text: &str| parse("f.json", text.as_bytes()).unwrap_err().to_string();
        assert!(err("not json").contains("not OSV JSON"));
        let e = err(
            r#"[{"id": "OK-1"}, {"id": "BAD-2", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1.0"}]}]}]}]"#,
        );
        assert!(
            e.contains("record 1") && e.contains("BAD-2") && e.contains("without an introduced"),
            "{e}"
        );
        let e = err(
            r#"{"id": "V-1", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "a:1"}]}]}]}"#,
        );
        assert!(e.contains("epoch"), "{e}");
        let e = err(&format!(r#"{{"id": "{}"}}"#, "x".repeat(300)));
        assert!(e.contains("id must be"), "{e}");
        let e = err(r#"{"id": "C-1", "summary": "a\u001b[2Jb", "aliases": ["\u001b"]}"#);
        assert!(e.contains("aliases"), "{e}");
        let huge = vec![b' '; MAX_FILE_BYTES + 1];
        assert!(parse("big.json", &huge)
            .unwrap_err()
            .to_string()
            .contains("more than"));
    }
}

//! Printing check results: a grouped, coloured text report for people and
//! one JSON object for machines.

use std::collections::BTreeMap;
use std::io::Write;

use anstyle::{AnsiColor, Style};
use plumb_proto::v1::{Deviation, DeviationKind, Manifest, Severity};
use plumb_proto::{kind_snake, severity_snake};
use serde::Serialize;

use crate::check::ScanStats;

/// A deviation as `check --json` prints it.
#[derive(Serialize)]
pub struct DeviationJson<'a> {
    pub kind: &'static str,
    pub key: &'a str,
    pub severity: &'static str,
    pub expected: &'a str,
    pub actual: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub changes: &'a [String],
    #[serde(skip_serializing_if = "str::is_empty")]
    pub package: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub explained_by: &'a str,
}

impl<'a> From<&'a Deviation> for DeviationJson<'a> {
    fn from(d: &'a Deviation) -> Self {
        DeviationJson {
            kind: kind_snake(DeviationKind::try_from(d.kind).unwrap_or(DeviationKind::Unspecified)),
            key: &d.key,
            severity: severity_snake(
                Severity::try_from(d.severity).unwrap_or(Severity::Unspecified),
            ),
            expected: &d.expected,
            actual: &d.actual,
            changes: &d.changes,
            package: &d.package,
            explained_by: &d.explained_by,
        }
    }
}

#[derive(Serialize)]
struct Report<'a> {
    image_id: &'a str,
    manifest_digest: String,
    root: &'a str,
    clean: bool,
    counts: BTreeMap<&'static str, usize>,
    files_scanned: u64,
    files_hashed: u64,
    /// Runtime checks: processes judged, and those of other mount
    /// namespaces (containers), out of scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    processes_checked: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    processes_other_namespaces: Option<usize>,
    deviations: Vec<DeviationJson<'a>>,
}

fn counts(devs: &[Deviation]) -> BTreeMap<&'static str, usize> {
    let mut c = BTreeMap::new();
    for d in devs {
        *c.entry(severity_snake(
            Severity::try_from(d.severity).unwrap_or(Severity::Unspecified),
        ))
        .or_insert(0) += 1;
    }
    c
}

/// Writes the JSON report.
pub fn json(
    out: &mut dyn Write,
    manifest: &Manifest,
    root: &str,
    devs: &[Deviation],
    stats: &ScanStats,
) -> std::io::Result<()> {
    let report = Report {
        image_id: &manifest.image_id,
        manifest_digest: manifest.digest_hex(),
        root,
        clean: devs.is_empty(),
        counts: counts(devs),
        files_scanned: stats.files,
        files_hashed: stats.hashed,
        processes_checked: stats.processes.map(|p| p.0),
        processes_other_namespaces: stats.processes.map(|p| p.1),
        deviations: devs.iter().map(DeviationJson::from).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// A container as `check --containers --json` prints it: one object a
/// line.
#[derive(Serialize)]
struct ContainerJson<'a> {
    container_id: &'a str,
    name: &'a str,
    runtime: &'a str,
    image: &'a str,
    image_digest: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pod: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    namespace: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pod_container: &'a str,
    status: &'a str,
    processes: u32,
    clean: bool,
    deviations: Vec<DeviationJson<'a>>,
}

/// Writes one JSON object per container.
pub fn containers_json(
    out: &mut dyn Write,
    reports: &[crate::containers::Report],
) -> std::io::Result<()> {
    for r in reports {
        let i = &r.info;
        let line = ContainerJson {
            container_id: &i.id,
            name: &i.name,
            runtime: &i.runtime,
            image: &i.image,
            image_digest: &i.image_id,
            pod: &i.pod,
            namespace: &i.namespace,
            pod_container: &i.pod_container,
            status: plumb_proto::container_status_snake(i.status()),
            processes: i.processes,
            clean: r.deviations.is_empty(),
            deviations: r.deviations.iter().map(DeviationJson::from).collect(),
        };
        serde_json::to_writer(&mut *out, &line)?;
        writeln!(out)?;
    }
    Ok(())
}

/// Writes the text report of every container.
pub fn containers_text(
    out: &mut dyn Write,
    reports: &[crate::containers::Report],
    color: bool,
) -> std::io::Result<()> {
    let p = |s: &str| plumb_proto::printable(s).into_owned();
    if reports.is_empty() {
        return writeln!(out, "no containers running");
    }
    for r in reports {
        let i = &r.info;
        let pod = if i.pod.is_empty() {
            String::new()
        } else {
            format!(" pod {}/{}", p(&i.namespace), p(&i.pod))
        };
        let verdict = if r.deviations.is_empty() {
            ("clean", AnsiColor::Green.on_default().bold())
        } else if i.status() == plumb_proto::v1::ContainerStatus::Verified {
            ("drift", AnsiColor::Red.on_default().bold())
        } else {
            ("NOT VERIFIED", AnsiColor::Magenta.on_default().bold())
        };
        let verdict = if color {
            format!("{}{}{:#}", verdict.1, verdict.0, verdict.1)
        } else {
            verdict.0.to_string()
        };
        writeln!(
            out,
            "{verdict}  {} {} ({}, {}) image {} {}{pod}",
            p(&i.runtime),
            p(&i.name),
            &i.id[..i.id.len().min(12)],
            plumb_proto::container_status_snake(i.status()),
            p(&i.image),
            &i.image_id[..i.image_id.len().min(19)],
        )?;
        for d in r.deviations.iter().map(printable_deviation) {
            let kind = DeviationKind::try_from(d.kind).unwrap_or(DeviationKind::Unspecified);
            let sev = Severity::try_from(d.severity).unwrap_or(Severity::Unspecified);
            write!(
                out,
                "  {:<8} {:<18} {}",
                severity_snake(sev),
                kind_snake(kind),
                d.key
            )?;
            if !d.changes.is_empty() {
                write!(out, "  [{}]", d.changes.join(", "))?;
            }
            if !d.actual.is_empty() && kind != DeviationKind::FileModified {
                write!(out, "  ({})", d.actual)?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => AnsiColor::Red.on_default().bold(),
        Severity::High => AnsiColor::Magenta.on_default().bold(),
        Severity::Medium => AnsiColor::Yellow.on_default(),
        _ => AnsiColor::Cyan.on_default(),
    }
}

fn printable_deviation(d: &Deviation) -> Deviation {
    let p = |s: &str| plumb_proto::printable(s).into_owned();
    Deviation {
        kind: d.kind,
        key: p(&d.key),
        severity: d.severity,
        expected: p(&d.expected),
        actual: p(&d.actual),
        changes: d.changes.iter().map(|c| p(c)).collect(),
        package: p(&d.package),
        explained_by: p(&d.explained_by),
        container: p(&d.container),
    }
}

/// Writes the text report; `color` adds ANSI styles.
pub fn text(
    out: &mut dyn Write,
    manifest: &Manifest,
    root: &str,
    devs: &[Deviation],
    stats: &ScanStats,
    color: bool,
) -> std::io::Result<()> {
    // Keys, states and package names come from the node: nothing in them
    // may act on the terminal.
    let devs: Vec<Deviation> = devs.iter().map(printable_deviation).collect();
    let devs = devs.as_slice();
    let root = plumb_proto::printable(root);
    let image_id = plumb_proto::printable(&manifest.image_id);
    let paint = |style: Style, text: &str| {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    };
    let digest = manifest.digest_hex();
    writeln!(
        out,
        "{} against image {} (manifest {})",
        root,
        image_id,
        &digest[..digest.len().min(12)]
    )?;
    if let Some((checked, other)) = stats.processes {
        writeln!(
            out,
            "processes: {checked} checked, {other} in other mount namespaces (containers) not checked"
        )?;
    }
    if devs.is_empty() {
        writeln!(
            out,
            "{} {} files, {} packages match the image",
            paint(AnsiColor::Green.on_default().bold(), "clean:"),
            stats.files,
            manifest.packages.len()
        )?;
        return Ok(());
    }
    let c = counts(devs);
    let summary: Vec<String> = ["critical", "high", "medium", "low"]
        .iter()
        .filter_map(|s| c.get(s).map(|n| format!("{n} {s}")))
        .collect();
    writeln!(
        out,
        "{} {} deviations ({})",
        paint(AnsiColor::Red.on_default().bold(), "drift:"),
        devs.len(),
        summary.join(", ")
    )?;

    // File deviations a package change explains are folded under it.
    let mut explained: BTreeMap<&str, usize> = BTreeMap::new();
    for d in devs.iter().filter(|d| !d.explained_by.is_empty()) {
        *explained.entry(&d.explained_by).or_insert(0) += 1;
    }
    for sev in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ] {
        let group: Vec<&Deviation> = devs
            .iter()
            .filter(|d| d.severity == sev as i32 && d.explained_by.is_empty())
            .collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint(severity_style(sev), &severity_snake(sev).to_uppercase())
        )?;
        for d in group {
            let kind = DeviationKind::try_from(d.kind).unwrap_or(DeviationKind::Unspecified);
            let line = match kind {
                DeviationKind::PackageAdded
                | DeviationKind::PackageRemoved
                | DeviationKind::PackageChanged => {
                    let verb = match kind {
                        DeviationKind::PackageAdded => format!("added {}", d.actual),
                        DeviationKind::PackageRemoved => format!("removed (was {})", d.expected),
                        _ => format!("changed {} -> {}", d.expected, d.actual),
                    };
                    let n = explained
                        .get(format!("{}:{}", kind_snake(kind), d.key).as_str())
                        .copied()
                        .unwrap_or(0);
                    let files = if n > 0 {
                        format!(" ({n} files)")
                    } else {
                        String::new()
                    };
                    format!("package {} {verb}{files}", d.key)
                }
                DeviationKind::FileModified => {
                    format!("modified  {}  [{}]", d.key, d.changes.join(", "))
                }
                DeviationKind::FileAdded => format!("added     {}", d.key),
                DeviationKind::FileRemoved => format!("removed   {}", d.key),
                DeviationKind::ListenerAdded => {
                    format!("new listener      {}  ({})", d.key, d.actual)
                }
                DeviationKind::ListenerRemoved => {
                    format!("missing listener  {}  ({})", d.key, d.expected)
                }
                DeviationKind::Integrity => format!("integrity {}  ({})", d.key, d.actual),
                DeviationKind::ScanError => format!("NOT VERIFIED  {}  ({})", d.key, d.actual),
                DeviationKind::ProcessUnexpected => {
                    format!("runs code outside the image  {}  ({})", d.key, d.actual)
                }
                DeviationKind::ProcessDeleted => {
                    format!("runs a deleted or replaced file  {}  ({})", d.key, d.actual)
                }
                DeviationKind::ProcessMemfd => {
                    format!("runs from memory  {}  ({})", d.key, d.actual)
                }
                DeviationKind::ModuleUnexpected => {
                    format!("kernel module not in the image  {}  ({})", d.key, d.actual)
                }
                DeviationKind::KernelTainted => format!("kernel tainted  ({})", d.actual),
                DeviationKind::SessionOpened => format!("login  {}  ({})", d.key, d.actual),
                DeviationKind::Unspecified => d.key.clone(),
            };
            write!(out, "  {line}")?;
            if !d.package.is_empty()
                && !matches!(
                    kind,
                    DeviationKind::PackageAdded
                        | DeviationKind::PackageRemoved
                        | DeviationKind::PackageChanged
                )
            {
                write!(
                    out,
                    "  {}",
                    paint(Style::new().dimmed(), &format!("(owned by {})", d.package))
                )?;
            }
            writeln!(out)?;
            if kind == DeviationKind::FileModified {
                writeln!(
                    out,
                    "      {} {}",
                    paint(Style::new().dimmed(), "expected"),
                    d.expected
                )?;
                writeln!(
                    out,
                    "      {}   {}",
                    paint(Style::new().dimmed(), "actual"),
                    d.actual
                )?;
            }
        }
    }
    Ok(())
}

//! The replacement policy: when do a node's open deviations make it
//! `drifted` or `flagged`, and why. Pure functions over deviations.

use std::path::Path;

use globset::{GlobBuilder, GlobMatcher};
use plumb_proto::severity_from_snake;
use plumb_proto::v1::Severity;
use serde::Deserialize;

/// A policy file (TOML) as operators write it.
///
/// ```toml
/// flag_severities = ["critical"]
/// score_threshold = 20
/// sticky = true
/// silent_after_secs = 60
/// alert_on = ["flagged", "silent"]
///
/// [weights]
/// critical = 10
/// high = 5
///
/// [[image]]
/// image_id = "ami-legacy"
/// score_threshold = 50
///
/// [[path]]
/// glob = "/opt/app/cache/**"
/// severity = "low"
///
/// [[allow]]
/// glob = "/etc/motd"
/// reason = "INC-1234 banner hotfix"
/// expires = "2026-12-31"
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyFile {
    /// Any open deviation of these severities flags the node.
    pub flag_severities: Vec<String>,
    /// A node whose weighted score reaches this is flagged (0 disables).
    pub score_threshold: i64,
    pub weights: Weights,
    /// Heartbeat silence after which a node is `silent`; 0 means three
    /// heartbeat periods.
    pub silent_after_secs: u64,
    /// Lifecycle statuses that trigger alerts (webhooks, Alertmanager).
    pub alert_on: Vec<String>,
    /// A flagged node stays flagged when what flagged it resolves (the
    /// evidence deleted is not a node repaired), until it is acknowledged,
    /// retired or cleared by an operator.
    pub sticky: bool,
    pub image: Vec<ImageOverride>,
    pub path: Vec<PathOverride>,
    pub allow: Vec<AllowRule>,
    /// When nodes are due for replacement by their posture (see
    /// `posture`), not their drift.
    pub posture: crate::posture::PostureRules,
}

impl Default for PolicyFile {
    fn default() -> Self {
        PolicyFile {
            flag_severities: vec!["critical".into()],
            score_threshold: 20,
            weights: Weights::default(),
            silent_after_secs: 0,
            alert_on: vec!["flagged".into(), "silent".into()],
            sticky: true,
            image: Vec::new(),
            path: Vec::new(),
            allow: Vec::new(),
            posture: Default::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            critical: 10,
            high: 5,
            medium: 2,
            low: 1,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageOverride {
    pub image_id: String,
    pub flag_severities: Option<Vec<String>>,
    pub score_threshold: Option<i64>,
    /// Whether this image's flags are held (the policy's `sticky`
    /// otherwise).
    pub sticky: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathOverride {
    /// Glob over the deviation key.
    pub glob: String,
    pub severity: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowRule {
    pub glob: String,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub image_id: Option<String>,
    #[serde(default)]
    pub node_id: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`; the rule stops applying at the end of that day (UTC).
    pub expires: String,
}

/// A policy that cannot be used, and why.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("reading policy {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("policy {path}: {cause}")]
    Toml {
        path: String,
        cause: toml::de::Error,
    },
    #[error("policy: unknown severity {0:?} (expected low, medium, high or critical)")]
    Severity(String),
    #[error("policy: invalid glob {glob:?}: {cause}")]
    Glob { glob: String, cause: globset::Error },
    #[error("policy: allow rule for {glob:?}: expires {expires:?} is not a YYYY-MM-DD date")]
    Expiry { glob: String, expires: String },
    #[error("policy: allow rule for {0:?} needs a reason")]
    Reason(String),
    #[error("policy: unknown status {0:?} in alert_on")]
    Status(String),
    #[error("policy: {0}")]
    Posture(String),
}

/// One open deviation as the policy sees it.
#[derive(Clone, Debug)]
pub struct OpenDeviation {
    pub kind: String,
    pub key: String,
    pub severity: Severity,
}

/// What the policy concludes about a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Drifted { reasons: Vec<String> },
    Flagged { reasons: Vec<String> },
}

struct CompiledAllow {
    glob: GlobMatcher,
    rule: AllowRule,
    expires_ms: i64,
}

/// A validated, compiled policy.
pub struct Policy {
    pub file: PolicyFile,
    flag: Vec<Severity>,
    paths: Vec<(GlobMatcher, Severity)>,
    allows: Vec<CompiledAllow>,
}

fn glob(g: &str) -> Result<GlobMatcher, PolicyError> {
    GlobBuilder::new(g)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|cause| PolicyError::Glob {
            glob: g.to_string(),
            cause,
        })
}

fn severities(list: &[String]) -> Result<Vec<Severity>, PolicyError> {
    list.iter()
        .map(|s| severity_from_snake(s).ok_or_else(|| PolicyError::Severity(s.clone())))
        .collect()
}

impl Policy {
    pub fn load(path: Option<&Path>) -> Result<Policy, PolicyError> {
        let file = match path {
            None => PolicyFile::default(),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|cause| PolicyError::Read {
                    path: p.display().to_string(),
                    cause,
                })?;
                toml::from_str(&text).map_err(|cause| PolicyError::Toml {
                    path: p.display().to_string(),
                    cause,
                })?
            }
        };
        Policy::compile(file)
    }

    pub fn compile(file: PolicyFile) -> Result<Policy, PolicyError> {
        let flag = severities(&file.flag_severities)?;
        for i in &file.image {
            severities(i.flag_severities.as_deref().unwrap_or_default())?;
        }
        let paths = file
            .path
            .iter()
            .map(|p| {
                Ok((
                    glob(&p.glob)?,
                    severities(std::slice::from_ref(&p.severity))?[0],
                ))
            })
            .collect::<Result<_, PolicyError>>()?;
        let allows = file
            .allow
            .iter()
            .map(|a| {
                if a.reason.trim().is_empty() {
                    return Err(PolicyError::Reason(a.glob.clone()));
                }
                let expires_ms =
                    crate::model::end_of_day_ms(&a.expires).ok_or_else(|| PolicyError::Expiry {
                        glob: a.glob.clone(),
                        expires: a.expires.clone(),
                    })?;
                Ok(CompiledAllow {
                    glob: glob(&a.glob)?,
                    rule: a.clone(),
                    expires_ms,
                })
            })
            .collect::<Result<_, PolicyError>>()?;
        for s in &file.alert_on {
            crate::model::NodeStatus::parse(s).ok_or_else(|| PolicyError::Status(s.clone()))?;
        }
        crate::posture::check(&file.posture).map_err(PolicyError::Posture)?;
        Ok(Policy {
            file,
            flag,
            paths,
            allows,
        })
    }

    /// The silence after which a node with this heartbeat period is silent.
    pub fn silent_after_ms(&self, heartbeat_secs: i64) -> i64 {
        match self.silence() {
            Silence::After(ms) => ms,
            Silence::Heartbeats(n) => heartbeat_secs.max(1) * n * 1000,
        }
    }

    /// When a node is silent, as the store's query needs it.
    pub fn silence(&self) -> Silence {
        if self.file.silent_after_secs > 0 {
            Silence::After(self.file.silent_after_secs as i64 * 1000)
        } else {
            Silence::Heartbeats(MISSED_HEARTBEATS)
        }
    }

    pub fn alerts_on(&self, status: &str) -> bool {
        self.file.alert_on.iter().any(|s| s == status)
    }

    fn weight(&self, s: Severity) -> i64 {
        let w = &self.file.weights;
        match s {
            Severity::Critical => w.critical,
            Severity::High => w.high,
            Severity::Medium => w.medium,
            _ => w.low,
        }
    }

    /// Whether verdicts depend on deviation keys (allow rules, per-path
    /// overrides). When they do not, [`Policy::verdict`] over per-severity
    /// counts is enough and the store need not load every deviation.
    pub fn needs_keys(&self) -> bool {
        !self.allows.is_empty() || !self.paths.is_empty()
    }

    /// Whether flags of nodes of `image_id` are held.
    pub fn sticky(&self, image_id: &str) -> bool {
        self.file
            .image
            .iter()
            .find(|i| i.image_id == image_id)
            .and_then(|i| i.sticky)
            .unwrap_or(self.file.sticky)
    }

    /// The verdict once a held flag is taken into account: a node whose
    /// flag is held stays flagged, for the reasons it was flagged, when
    /// the policy alone would now call it drifted or clean.
    pub fn held(&self, node: &crate::model::Node, verdict: Verdict) -> Verdict {
        if node.held_since == 0 || !self.sticky(&node.image_id) {
            return verdict;
        }
        match verdict {
            Verdict::Flagged { .. } => verdict,
            Verdict::Clean | Verdict::Drifted { .. } => Verdict::Flagged {
                reasons: node
                    .held_reasons
                    .iter()
                    .map(|r| {
                        format!("{r} (resolved; flag held until acknowledged, retired or cleared)")
                    })
                    .collect(),
            },
        }
    }

    /// Judges a node of `image_id` with these open deviations at `now_ms`.
    pub fn evaluate(
        &self,
        node_id: &str,
        image_id: &str,
        open: &[OpenDeviation],
        now_ms: i64,
    ) -> Verdict {
        let mut counts = SeverityCounts::default();
        let mut top = Vec::new();
        for d in open {
            let key = Path::new(&d.key);
            if self.allows.iter().any(|a| {
                a.expires_ms > now_ms
                    && a.glob.is_match(key)
                    && (a.rule.kinds.is_empty() || a.rule.kinds.contains(&d.kind))
                    && a.rule.image_id.as_deref().is_none_or(|i| i == image_id)
                    && a.rule.node_id.as_deref().is_none_or(|n| n == node_id)
            }) {
                continue;
            }
            let severity = self
                .paths
                .iter()
                .find(|(g, _)| g.is_match(key))
                .map_or(d.severity, |(_, s)| *s);
            counts.add(severity, 1);
            top.push(OpenDeviation {
                severity,
                ..d.clone()
            });
        }
        top.sort_by_key(|d| std::cmp::Reverse(d.severity));
        top.truncate(10);
        self.verdict(image_id, &counts, &top)
    }

    /// The verdict from per-severity counts and the most severe open
    /// deviations (for reasons), after allow rules and overrides.
    pub fn verdict(
        &self,
        image_id: &str,
        counts: &SeverityCounts,
        top: &[OpenDeviation],
    ) -> Verdict {
        let image = self.file.image.iter().find(|i| i.image_id == image_id);
        let flag = match image.and_then(|i| i.flag_severities.as_ref()) {
            Some(list) => severities(list).unwrap_or_default(),
            None => self.flag.clone(),
        };
        let threshold = image
            .and_then(|i| i.score_threshold)
            .unwrap_or(self.file.score_threshold);
        let total = counts.total();
        if total == 0 {
            return Verdict::Clean;
        }
        let flag_reasons: Vec<String> = top
            .iter()
            .filter(|d| flag.contains(&d.severity))
            .map(|d| {
                format!(
                    "{} {} {}",
                    plumb_proto::severity_snake(d.severity),
                    d.kind,
                    d.key
                )
            })
            .collect();
        if !flag_reasons.is_empty() {
            return Verdict::Flagged {
                reasons: flag_reasons,
            };
        }
        let score: i64 = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ]
        .into_iter()
        .map(|s| self.weight(s) * counts.get(s))
        .sum();
        let summary = format!("{}, score {score}", open_deviations(total));
        if threshold > 0 && score >= threshold {
            Verdict::Flagged {
                reasons: vec![format!("{summary} >= threshold {threshold}")],
            }
        } else {
            Verdict::Drifted {
                reasons: vec![summary],
            }
        }
    }
}

/// Open deviations per severity.
#[derive(Clone, Debug, Default)]
pub struct SeverityCounts([i64; 5]);

/// Heartbeats a node may miss before it is silent, unless the policy sets
/// `silent_after_secs`.
const MISSED_HEARTBEATS: i64 = 3;

/// When a node is silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Silence {
    /// After this many milliseconds without a heartbeat.
    After(i64),
    /// After this many of its own heartbeat periods without one.
    Heartbeats(i64),
}

impl SeverityCounts {
    pub fn add(&mut self, s: Severity, n: i64) {
        self.0[(s as usize).min(4)] += n;
    }

    pub fn get(&self, s: Severity) -> i64 {
        self.0[(s as usize).min(4)]
    }

    pub fn total(&self) -> i64 {
        self.0.iter().sum()
    }
}

/// "1 open deviation", "3 open deviations": what reasons say.
pub fn open_deviations(n: i64) -> String {
    format!("{n} open deviation{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(kind: &str, key: &str, s: Severity) -> OpenDeviation {
        OpenDeviation {
            kind: kind.into(),
            key: key.into(),
            severity: s,
        }
    }

    #[test]
    fn any_critical_flags_by_default() {
        let p = Policy::compile(PolicyFile::default()).unwrap();
        assert_eq!(p.evaluate("n", "i", &[], 0), Verdict::Clean);
        assert!(matches!(
            p.evaluate(
                "n",
                "i",
                &[dev("file_modified", "/etc/motd", Severity::Medium)],
                0
            ),
            Verdict::Drifted { .. }
        ));
        let v = p.evaluate(
            "n",
            "i",
            &[dev("file_modified", "/usr/bin/ls", Severity::Critical)],
            0,
        );
        assert_eq!(
            v,
            Verdict::Flagged {
                reasons: vec!["critical file_modified /usr/bin/ls".into()]
            }
        );
    }

    #[test]
    fn score_threshold_flags_many_small_changes() {
        let p = Policy::compile(PolicyFile::default()).unwrap();
        let many: Vec<_> = (0..10)
            .map(|i| dev("file_added", &format!("/srv/{i}"), Severity::Low))
            .collect();
        assert!(matches!(
            p.evaluate("n", "i", &many, 0),
            Verdict::Drifted { .. }
        ));
        let more: Vec<_> = (0..20)
            .map(|i| dev("file_added", &format!("/srv/{i}"), Severity::Low))
            .collect();
        assert!(matches!(
            p.evaluate("n", "i", &more, 0),
            Verdict::Flagged { .. }
        ));
    }

    #[test]
    fn allow_rules_expire_and_overrides_apply() {
        let file: PolicyFile = toml::from_str(
            "[[allow]]\nglob = \"/usr/bin/ls\"\nreason = \"INC-1\"\nexpires = \"2026-01-31\"\n\
             [[path]]\nglob = \"/opt/**\"\nseverity = \"low\"\n\
             [[image]]\nimage_id = \"lax\"\nflag_severities = []\nscore_threshold = 0\n",
        )
        .unwrap();
        let p = Policy::compile(file).unwrap();
        let ls = [dev("file_modified", "/usr/bin/ls", Severity::Critical)];
        let jan = crate::model::end_of_day_ms("2026-01-15").unwrap();
        let feb = crate::model::end_of_day_ms("2026-02-15").unwrap();
        assert_eq!(
            p.evaluate("n", "i", &ls, jan),
            Verdict::Clean,
            "allowed until expiry"
        );
        assert!(
            matches!(p.evaluate("n", "i", &ls, feb), Verdict::Flagged { .. }),
            "expired"
        );
        let opt = [dev("file_modified", "/opt/x", Severity::Critical)];
        assert!(
            matches!(p.evaluate("n", "i", &opt, 0), Verdict::Drifted { .. }),
            "per-path override"
        );
        assert!(
            matches!(p.evaluate("n", "lax", &ls, feb), Verdict::Drifted { .. }),
            "per-image override"
        );
    }

    #[test]
    fn bad_policies_are_refused_with_the_reason() {
        let bad = |t: &str| {
            Policy::compile(toml::from_str(t).unwrap())
                .err()
                .unwrap()
                .to_string()
        };
        assert!(bad("flag_severities = [\"urgent\"]").contains("urgent"));
        assert!(bad("[[allow]]\nglob=\"/x\"\nreason=\"r\"\nexpires=\"soon\"").contains("soon"));
        assert!(
            bad("[[allow]]\nglob=\"/x\"\nreason=\"\"\nexpires=\"2026-01-01\"").contains("reason")
        );
        assert!(toml::from_str::<PolicyFile>("flag_severity = []").is_err());
    }

    #[test]
    fn end_of_day_is_utc_midnight_after() {
        assert_eq!(crate::model::end_of_day_ms("1970-01-01"), Some(86_400_000));
        assert_eq!(crate::model::end_of_day_ms("2026-13-01"), None);
    }
}

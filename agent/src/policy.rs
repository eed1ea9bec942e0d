//! What to ignore and how severe a deviation is.
//!
//! The defaults are recorded in every manifest at build time (so a node is
//! judged by its image's rules); a TOML policy file given to `check` or
//! `run` adds rules in front of them. The first matching severity rule
//! decides; two facts are judged before any rule, because no glob can say
//! them: a setuid/setgid bit gained is always critical, and a changed
//! executable with no matching rule is critical.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use plumb_proto::v1::{Deviation, DeviationKind, PolicyDefaults, Severity, SeverityRule};
use plumb_proto::{kind_from_snake, severity_from_snake};
use serde::Deserialize;

/// Paths never recorded nor compared: pseudo filesystems, scratch space,
/// logs and caches, and the files every boot rewrites (machine identity,
/// host keys generated at first boot, DHCP leases, random seeds).
pub const DEFAULT_IGNORE: &[&str] = &[
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/tmp",
    "/var/tmp",
    "/var/log",
    "/var/cache",
    "/var/crash",
    "/var/spool/postfix/pid",
    "/var/lib/plumb",
    "/var/lib/dhcp",
    "/var/lib/dhclient",
    "/var/lib/NetworkManager",
    "/var/lib/cloud",
    "/var/lib/systemd/random-seed",
    "/var/lib/systemd/timers",
    "/var/lib/systemd/coredump",
    "/var/lib/private",
    "/var/lib/logrotate",
    "/var/lib/chrony",
    "/etc/machine-id",
    "/var/lib/dbus/machine-id",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/adjtime",
    "/etc/mtab",
    "/etc/.pwd.lock",
    "/etc/ssh/ssh_host_*",
    "/lost+found",
    "/root/.bash_history",
    "/root/.cache",
    "/swapfile",
];

const CRITICAL_PATHS: &[&str] = &[
    "/boot/**",
    "/bin/**",
    "/sbin/**",
    "/usr/bin/**",
    "/usr/sbin/**",
    "/usr/local/bin/**",
    "/usr/local/sbin/**",
    "/lib/**",
    "/lib32/**",
    "/lib64/**",
    "/usr/lib/**",
    "/usr/lib32/**",
    "/usr/lib64/**",
    "/usr/libexec/**",
    "/usr/local/lib/**",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d/**",
];

const HIGH_PATHS: &[&str] = &[
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/sudoers.d/**",
    "/etc/ssh/**",
    "/etc/pam.d/**",
    "/etc/security/**",
    "/etc/crontab",
    "/etc/cron.*/**",
    "/var/spool/cron/**",
    "/etc/systemd/**",
    "/etc/init.d/**",
    "/root/.ssh/**",
    "/home/*/.ssh/**",
    "/etc/profile",
    "/etc/profile.d/**",
];

/// The severity rules every manifest records unless told otherwise.
pub fn default_rules() -> Vec<SeverityRule> {
    let mut rules = vec![
        rule(
            "*",
            &["package_added", "package_removed", "package_changed"],
            Severity::Critical,
        ),
        rule("*", &["listener_added"], Severity::Critical),
        rule("*", &["listener_removed"], Severity::Medium),
    ];
    rules.extend(
        CRITICAL_PATHS
            .iter()
            .map(|g| rule(g, &[], Severity::Critical)),
    );
    rules.extend(HIGH_PATHS.iter().map(|g| rule(g, &[], Severity::High)));
    rules.push(rule("/etc/**", &[], Severity::Medium));
    rules
}

fn rule(glob: &str, kinds: &[&str], severity: Severity) -> SeverityRule {
    SeverityRule {
        glob: glob.to_string(),
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        severity: severity as i32,
    }
}

/// The defaults a new manifest records.
pub fn default_policy(extra_ignore: &[String]) -> PolicyDefaults {
    let mut ignore: Vec<String> = DEFAULT_IGNORE.iter().map(|s| s.to_string()).collect();
    ignore.extend(extra_ignore.iter().cloned());
    PolicyDefaults {
        ignore,
        severity: default_rules(),
    }
}

/// A bad policy: which rule or file, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("invalid glob {glob:?}: {cause}")]
    Glob { glob: String, cause: globset::Error },
    #[error("unknown deviation kind {0:?} (expected one of file_added, file_removed, file_modified, package_added, package_removed, package_changed, listener_added, listener_removed)")]
    Kind(String),
    #[error("unknown severity {0:?} (expected low, medium, high or critical)")]
    Severity(String),
    #[error("reading policy {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("policy {path}: {cause}")]
    Toml {
        path: String,
        cause: toml::de::Error,
    },
}

fn glob(pattern: &str) -> Result<Glob, PolicyError> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|cause| PolicyError::Glob {
            glob: pattern.to_string(),
            cause,
        })
}

/// Compiled ignore globs. A pattern ignores the paths it matches and
/// everything below them.
#[derive(Debug)]
pub struct IgnoreSet {
    set: GlobSet,
    patterns: Vec<String>,
    /// The literal start of each pattern, up to its first glob character:
    /// only a path that starts with it can match the pattern.
    prefixes: Vec<Vec<u8>>,
}

impl IgnoreSet {
    pub fn new(patterns: impl IntoIterator<Item = String>) -> Result<IgnoreSet, PolicyError> {
        let mut builder = GlobSetBuilder::new();
        let mut kept = Vec::new();
        for p in patterns {
            builder.add(glob(&p)?);
            let below = format!("{}/**", p.trim_end_matches('/'));
            builder.add(glob(&below)?);
            kept.push(p);
        }
        let set = builder.build().map_err(|cause| PolicyError::Glob {
            glob: kept.join(", "),
            cause,
        })?;
        let prefixes = kept
            .iter()
            .map(|p| {
                let literal = p.find(['*', '?', '[', '{', '\\']).unwrap_or(p.len());
                p.as_bytes()[..literal].to_vec()
            })
            .collect();
        Ok(IgnoreSet {
            set,
            patterns: kept,
            prefixes,
        })
    }

    pub fn is_ignored(&self, path: &[u8]) -> bool {
        self.set
            .is_match(Path::new(std::ffi::OsStr::from_bytes(path)))
    }

    /// Whether any path below the directory `dir` could be ignored: when
    /// not, the walk matches none of its entries against the globs (most
    /// directories of a tree are far from every ignored path).
    pub fn may_ignore_below(&self, dir: &[u8]) -> bool {
        let mut below = dir.to_vec();
        if !below.ends_with(b"/") {
            below.push(b'/');
        }
        self.prefixes
            .iter()
            .any(|p| p.starts_with(&below) || below.starts_with(p))
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

struct CompiledRule {
    glob: globset::GlobMatcher,
    kinds: Vec<DeviationKind>,
    severity: Severity,
}

/// Facts about a file deviation that no glob can express.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileFacts {
    /// A setuid or setgid bit is present now that was not expected.
    pub gained_setid: bool,
    /// The file is (or was) an executable regular file.
    pub executable: bool,
}

/// A complete, compiled policy: ignore set plus ordered severity rules.
pub struct Policy {
    /// Everything ignored: what the walk skips.
    pub ignore: IgnoreSet,
    /// Only the override file's ignores. Manifest entries never match the
    /// manifest's own ignores (the build skipped those paths), so the diff
    /// needs to check only these — a hot-path saving on large trees.
    pub extra_ignore: Option<IgnoreSet>,
    rules: Vec<CompiledRule>,
    /// Runtime code the node may run although the manifest lacks it (a
    /// JIT cache, a deployment directory the image owns), first match
    /// wins: (glob over the key, kinds or all runtime kinds, reason).
    allow: Vec<(globset::GlobMatcher, Vec<DeviationKind>, String)>,
    /// Logins allowed by source address, and why.
    pub session_allow: Vec<crate::scan::runtime::SessionAllow>,
    /// Programs whose script argument must be a file of the manifest;
    /// `None`: the manifest's list.
    pub interpreters: Option<Vec<String>>,
}

impl Policy {
    /// Compiles a manifest's recorded defaults with an optional override
    /// file's rules in front.
    pub fn compile(
        defaults: &PolicyDefaults,
        overrides: Option<&PolicyFile>,
    ) -> Result<Policy, PolicyError> {
        let mut ignore: Vec<String> = Vec::new();
        let mut rules: Vec<SeverityRule> = Vec::new();
        let extra_ignore = match overrides {
            Some(file) if !file.ignore.is_empty() => {
                Some(IgnoreSet::new(file.ignore.iter().cloned())?)
            }
            _ => None,
        };
        if let Some(file) = overrides {
            ignore.extend(file.ignore.iter().cloned());
            for r in &file.severity {
                let severity = severity_from_snake(&r.severity)
                    .ok_or_else(|| PolicyError::Severity(r.severity.clone()))?;
                rules.push(SeverityRule {
                    glob: r.path.clone(),
                    kinds: r.kinds.clone(),
                    severity: severity as i32,
                });
            }
        }
        if !overrides.is_some_and(|f| f.replace_defaults) {
            ignore.extend(defaults.ignore.iter().cloned());
            rules.extend(defaults.severity.iter().cloned());
        }
        let rules = rules
            .into_iter()
            .map(|r| {
                let kinds = r
                    .kinds
                    .iter()
                    .map(|k| kind_from_snake(k).ok_or_else(|| PolicyError::Kind(k.clone())))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(CompiledRule {
                    glob: glob(&r.glob)?.compile_matcher(),
                    kinds,
                    severity: Severity::try_from(r.severity).unwrap_or(Severity::Low),
                })
            })
            .collect::<Result<Vec<_>, PolicyError>>()?;
        let mut allow = Vec::new();
        let mut session_allow = Vec::new();
        let mut interpreters = None;
        if let Some(file) = overrides {
            for a in &file.allow {
                let kinds = a
                    .kinds
                    .iter()
                    .map(|k| kind_from_snake(k).ok_or_else(|| PolicyError::Kind(k.clone())))
                    .collect::<Result<Vec<_>, _>>()?;
                allow.push((glob(&a.path)?.compile_matcher(), kinds, a.reason.clone()));
            }
            session_allow = file
                .session_allow
                .iter()
                .map(|s| crate::scan::runtime::SessionAllow {
                    from: s.from.clone(),
                    reason: s.reason.clone(),
                })
                .collect();
            interpreters = file.interpreters.clone();
        }
        Ok(Policy {
            ignore: IgnoreSet::new(ignore)?,
            extra_ignore,
            rules,
            allow,
            session_allow,
            interpreters,
        })
    }

    /// Why a runtime finding is allowed, when an allow rule matches it.
    pub fn runtime_allowed(&self, kind: DeviationKind, key: &str) -> Option<&str> {
        self.allow
            .iter()
            .find(|(g, kinds, _)| (kinds.is_empty() || kinds.contains(&kind)) && g.is_match(key))
            .map(|(_, _, reason)| reason.as_str())
    }

    /// A part of the node or container that could not be verified, as a
    /// `scan_error` deviation: the one constructor every agent-side
    /// unverified finding goes through, so its severity comes from the
    /// policy in one place (critical unless a rule names `scan_error`).
    pub fn scan_error(&self, key: &str, expected: &str, actual: String) -> Deviation {
        Deviation {
            severity: self.severity(DeviationKind::ScanError, key, FileFacts::default()) as i32,
            ..Policy::unruled_scan_error(key, expected, actual)
        }
    }

    /// [`Policy::scan_error`] where no policy exists (an agent judging
    /// only containers has no node policy for its own findings): the
    /// severity a policy without a rule naming `scan_error` gives,
    /// critical.
    pub fn unruled_scan_error(key: &str, expected: &str, actual: String) -> Deviation {
        Deviation {
            kind: DeviationKind::ScanError as i32,
            severity: Severity::Critical as i32,
            key: key.to_string(),
            expected: expected.to_string(),
            actual,
            ..Default::default()
        }
    }

    /// The severity of a deviation of `kind` on `key`.
    pub fn severity(&self, kind: DeviationKind, key: &str, facts: FileFacts) -> Severity {
        if facts.gained_setid {
            return Severity::Critical;
        }
        let path = Path::new(key);
        // Only rules that name the kind can lower a scan_error (a part of
        // the node that could not be verified) or runtime drift (code the
        // image does not hold, a login): critical unless said otherwise.
        if matches!(
            kind,
            DeviationKind::ScanError
                | DeviationKind::ProcessUnexpected
                | DeviationKind::ProcessDeleted
                | DeviationKind::ProcessMemfd
                | DeviationKind::ModuleUnexpected
                | DeviationKind::KernelTainted
                | DeviationKind::SessionOpened
        ) {
            return self
                .rules
                .iter()
                .find(|r| r.kinds.contains(&kind) && r.glob.is_match(path))
                .map_or(Severity::Critical, |r| r.severity);
        }
        for r in &self.rules {
            if (r.kinds.is_empty() || r.kinds.contains(&kind)) && r.glob.is_match(path) {
                return r.severity;
            }
        }
        if facts.executable {
            Severity::Critical
        } else {
            Severity::Low
        }
    }
}

/// A policy file (TOML), as users write it.
///
/// ```toml
/// ignore = ["/opt/app/cache", "/srv/uploads/**"]
/// replace_defaults = false
///
/// [[severity]]
/// path = "/opt/app/config/**"
/// kinds = ["file_modified"]
/// severity = "high"
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Extra paths (globs) to ignore, in front of the manifest's.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Severity rules, tried before the manifest's, first match wins.
    #[serde(default)]
    pub severity: Vec<SeverityRuleFile>,
    /// Use only this file's rules, not the manifest's defaults.
    #[serde(default)]
    pub replace_defaults: bool,
    /// Runtime code allowed although the manifest lacks it.
    #[serde(default)]
    pub allow: Vec<AllowRuleFile>,
    /// Logins allowed by source address (the one administrative proxy).
    #[serde(default)]
    pub session_allow: Vec<SessionAllowFile>,
    /// Programs whose script argument is judged (default: the manifest's,
    /// sh, bash, dash, python3, perl).
    #[serde(default)]
    pub interpreters: Option<Vec<String>>,
}

/// `[[allow]]`: runtime code the node may run.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowRuleFile {
    /// Glob over the key: the executable, library or script path.
    pub path: String,
    /// Runtime kinds it allows; all when empty.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Why: shown when the rule allows something.
    pub reason: String,
}

/// `[[session_allow]]`: logins from one address are expected.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionAllowFile {
    pub from: String,
    pub reason: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityRuleFile {
    /// Glob over the deviation key: a path, a package name or `proto:addr:port`.
    pub path: String,
    /// Deviation kinds the rule applies to; all when empty.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
}

impl PolicyFile {
    pub fn load(path: &Path) -> Result<PolicyFile, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|cause| PolicyError::Read {
            path: path.display().to_string(),
            cause,
        })?;
        PolicyFile::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<PolicyFile, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|cause| PolicyError::Toml {
            path: origin.to_string(),
            cause,
        })?;
        // Validate eagerly so a typo is reported before any scan starts.
        for r in &file.severity {
            glob(&r.path)?;
            severity_from_snake(&r.severity)
                .ok_or_else(|| PolicyError::Severity(r.severity.clone()))?;
            for k in &r.kinds {
                kind_from_snake(k).ok_or_else(|| PolicyError::Kind(k.clone()))?;
            }
        }
        for g in &file.ignore {
            glob(g)?;
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Policy {
        Policy::compile(&default_policy(&[]), None).unwrap()
    }

    #[test]
    fn default_severities() {
        let p = defaults();
        let none = FileFacts::default();
        assert_eq!(
            p.severity(DeviationKind::FileModified, "/usr/bin/ls", none),
            Severity::Critical
        );
        assert_eq!(
            p.severity(DeviationKind::FileModified, "/boot/vmlinuz", none),
            Severity::Critical
        );
        assert_eq!(
            p.severity(DeviationKind::FileModified, "/etc/ssh/sshd_config", none),
            Severity::High
        );
        assert_eq!(
            p.severity(DeviationKind::FileModified, "/etc/motd", none),
            Severity::Medium
        );
        assert_eq!(
            p.severity(DeviationKind::FileAdded, "/srv/data.csv", none),
            Severity::Low
        );
        assert_eq!(
            p.severity(DeviationKind::PackageAdded, "netcat-openbsd", none),
            Severity::Critical
        );
        assert_eq!(
            p.severity(DeviationKind::ListenerAdded, "tcp:0.0.0.0:4444", none),
            Severity::Critical
        );
        let exe = FileFacts {
            executable: true,
            ..Default::default()
        };
        assert_eq!(
            p.severity(DeviationKind::FileAdded, "/srv/run.sh", exe),
            Severity::Critical
        );
        let setid = FileFacts {
            gained_setid: true,
            ..Default::default()
        };
        assert_eq!(
            p.severity(DeviationKind::FileModified, "/srv/x", setid),
            Severity::Critical
        );
    }

    #[test]
    fn default_ignores_cover_churn_and_nothing_else() {
        let p = defaults();
        for path in [
            "/proc/1/stat",
            "/var/log/syslog",
            "/etc/machine-id",
            "/etc/ssh/ssh_host_rsa_key",
            "/tmp",
        ] {
            assert!(p.ignore.is_ignored(path.as_bytes()), "{path}");
        }
        for path in [
            "/etc/passwd",
            "/usr/bin/ls",
            "/var/lib/dpkg/status",
            "/etc/ssh/sshd_config",
            "/tmpfoo",
        ] {
            assert!(!p.ignore.is_ignored(path.as_bytes()), "{path}");
        }
    }

    #[test]
    fn a_directory_said_to_hold_nothing_ignored_holds_nothing_ignored() {
        let mut patterns: Vec<String> = DEFAULT_IGNORE.iter().map(|s| s.to_string()).collect();
        patterns.extend(
            [
                "/srv/**/cache",
                "/opt/app/*.pid",
                "/opt/{a,b}/state",
                "/data/x\\*y",
                "/home/?/tmp",
                "**/__pycache__",
                "/var/lib/app/",
            ]
            .map(String::from),
        );
        let ignore = IgnoreSet::new(patterns).unwrap();
        let names = [
            "",
            "a",
            "b",
            "x*y",
            "cache",
            "app",
            "app.pid",
            "state",
            "tmp",
            "log",
            "lib",
            "var",
            "srv",
            "opt",
            "data",
            "home",
            "etc",
            "ssh",
            "ssh_host_rsa_key",
            "__pycache__",
            "usr",
            "share",
            "machine-id",
            "proc",
            "1",
        ];
        // Every path of up to four of these names: whenever one is ignored,
        // its directory must say something below it may be.
        let mut paths: Vec<String> = vec![String::new()];
        let mut checked = 0;
        for _ in 0..4 {
            let mut longer = Vec::new();
            for dir in &paths {
                let shown = if dir.is_empty() { "/" } else { dir.as_str() };
                let may = ignore.may_ignore_below(shown.as_bytes());
                for name in names.iter().filter(|n| !n.is_empty()) {
                    let path = format!("{dir}/{name}");
                    if ignore.is_ignored(path.as_bytes()) {
                        assert!(
                            may,
                            "{path} is ignored but {shown} says nothing below it is"
                        );
                        checked += 1;
                    }
                    longer.push(path);
                }
            }
            paths = longer;
        }
        assert!(checked > 1000, "only {checked} ignored paths checked");
        // A pattern starting with a glob may match anywhere.
        assert!(ignore.may_ignore_below(b"/usr/share"));
        let defaults = IgnoreSet::new(DEFAULT_IGNORE.iter().map(|s| s.to_string())).unwrap();
        assert!(!defaults.may_ignore_below(b"/usr/share"));
        assert!(!defaults.may_ignore_below(b"/varx"));
        assert!(defaults.may_ignore_below(b"/var"));
        assert!(defaults.may_ignore_below(b"/etc/ssh"));
        assert!(defaults.may_ignore_below(b"/"));
    }

    #[test]
    fn policy_file_rules_come_first() {
        let file = PolicyFile::parse(
            "ignore = [\"/srv/cache\"]\n[[severity]]\npath = \"/usr/bin/ls\"\nseverity = \"low\"\n",
            "p.toml",
        )
        .unwrap();
        let p = Policy::compile(&default_policy(&[]), Some(&file)).unwrap();
        assert_eq!(
            p.severity(
                DeviationKind::FileModified,
                "/usr/bin/ls",
                FileFacts::default()
            ),
            Severity::Low
        );
        assert_eq!(
            p.severity(
                DeviationKind::FileModified,
                "/usr/bin/cat",
                FileFacts::default()
            ),
            Severity::Critical
        );
        assert!(p.ignore.is_ignored(b"/srv/cache/x"));
    }

    #[test]
    fn without_a_policy_a_scan_error_is_what_the_defaults_give() {
        let d = defaults().scan_error("exec-queue", "every exec judged", "overflow".into());
        assert_eq!(
            Policy::unruled_scan_error("exec-queue", "every exec judged", "overflow".into()),
            d
        );
    }

    #[test]
    fn a_scan_error_is_critical_unless_a_rule_names_it() {
        let p = Policy::compile(&default_policy(&[]), None).unwrap();
        let d = p.scan_error("processes", "", "unreadable".into());
        assert_eq!(d.kind, DeviationKind::ScanError as i32);
        assert_eq!(d.severity, Severity::Critical as i32);
        let file = PolicyFile::parse(
            "[[severity]]\npath = \"exec-queue\"\nkinds = [\"scan_error\"]\nseverity = \"high\"\n",
            "p.toml",
        )
        .unwrap();
        let p = Policy::compile(&default_policy(&[]), Some(&file)).unwrap();
        assert_eq!(
            p.scan_error("exec-queue", "", String::new()).severity,
            Severity::High as i32
        );
        assert_eq!(
            p.scan_error("files", "", String::new()).severity,
            Severity::Critical as i32
        );
    }

    #[test]
    fn bad_policy_files_name_the_problem() {
        let err = PolicyFile::parse(
            "[[severity]]\npath = \"/x\"\nseverity = \"urgent\"\n",
            "p.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("urgent"), "{err}");
        let err = PolicyFile::parse("ignor = []\n", "p.toml").unwrap_err();
        assert!(
            err.to_string().contains("p.toml") && err.to_string().contains("ignor"),
            "{err}"
        );
        let err = PolicyFile::parse(
            "[[severity]]\npath = \"/x[\"\nseverity = \"low\"\n",
            "p.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("/x["), "{err}");
        let err = PolicyFile::parse(
            "[[severity]]\npath = \"/x\"\nkinds=[\"file_exploded\"]\nseverity = \"low\"\n",
            "p",
        )
        .unwrap_err();
        assert!(err.to_string().contains("file_exploded"), "{err}");
    }
}

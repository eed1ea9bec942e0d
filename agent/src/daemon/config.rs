//! `plumb-agent run` configuration: a TOML file (`--config`) with every
//! field optional, overridden by command-line flags, validated into
//! [`RunConfig`] before anything starts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The daemon's settings, defined once: the TOML file (`--config`), the
/// command-line flags and the `PLUMB_*` environment variables all fill
/// this type, every field optional; flags and variables override the
/// file ([`RunConfig::resolve`]). Durations are `"30s"`, `"5m"`, `"1h"`,
/// `"1d"`, `"250ms"` (humantime), or a bare number of seconds.
#[derive(Debug, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct RunConfigFile {
    /// Collector gRPC URL, e.g. `https://collector.internal:7400`; several
    /// replicas as a comma-separated list, tried in turn.
    #[arg(long, env = "PLUMB_COLLECTOR")]
    pub collector: Option<String>,
    /// Node identity [default: the root's machine id, else the hostname].
    #[arg(long, env = "PLUMB_NODE_ID")]
    pub node_id: Option<String>,
    /// Fetch the manifest of this image from the collector.
    #[arg(long, env = "PLUMB_IMAGE_ID")]
    pub image_id: Option<String>,
    /// Or read it from this file (baked into the image).
    #[arg(long, env = "PLUMB_MANIFEST")]
    pub manifest: Option<PathBuf>,
    /// The root to watch [default: /].
    #[arg(long, env = "PLUMB_ROOT")]
    pub root: Option<PathBuf>,
    /// Spool, hash cache, sequence counter [default: /var/lib/plumb].
    #[arg(long, env = "PLUMB_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Incremental rescan period [default: 5m].
    #[arg(long, env = "PLUMB_INTERVAL")]
    pub interval: Option<String>,
    /// Full rehash period [default: 1d].
    #[arg(long, env = "PLUMB_FULL_INTERVAL")]
    pub full_interval: Option<String>,
    /// Package, listener and process re-read period [default: 30s].
    #[arg(long, env = "PLUMB_QUICK_INTERVAL")]
    pub quick_interval: Option<String>,
    /// Heartbeat period [default: 10s].
    #[arg(long, env = "PLUMB_HEARTBEAT")]
    pub heartbeat: Option<String>,
    /// Read-rate limit for hashing, MB/s [default: unlimited].
    #[arg(long, env = "PLUMB_MAX_READ_MBPS")]
    pub max_read_mbps: Option<f64>,
    /// Extra policy (TOML) in front of the manifest's.
    #[arg(long, env = "PLUMB_POLICY")]
    pub policy: Option<PathBuf>,
    /// Real-time file events [default: true]; `--no-watch` turns them off.
    #[arg(skip)]
    pub watch: Option<bool>,
    /// Paths (manifest paths) to watch [default: the whole root, or the
    /// system directories when the root is `/`]. File only.
    #[arg(skip)]
    pub watch_paths: Option<Vec<String>>,
    /// Spooled messages kept before new changes wait for a full-state
    /// resend [default: 10000]. File only.
    #[arg(skip)]
    pub spool_max_messages: Option<usize>,
    /// CA bundle (PEM) that signs the collector's certificate [default:
    /// the system's roots].
    #[arg(long, env = "PLUMB_CA")]
    pub ca: Option<PathBuf>,
    /// This node's certificate (PEM) [default: node.pem in the state dir,
    /// written by enrollment].
    #[arg(long, env = "PLUMB_CERT")]
    pub cert: Option<PathBuf>,
    /// This node's private key [default: node.key in the state dir].
    #[arg(long, env = "PLUMB_KEY")]
    pub key: Option<PathBuf>,
    /// File holding a one-time enrollment token, used when the node has
    /// no certificate yet.
    #[arg(long, env = "PLUMB_ENROLL_TOKEN_FILE")]
    pub enroll_token_file: Option<PathBuf>,
    /// Allow an http:// collector URL on loopback (development only).
    #[arg(long, env = "PLUMB_INSECURE_PLAINTEXT", num_args = 0..=1, default_missing_value = "true")]
    pub insecure_plaintext: Option<bool>,
    /// Public keys (SPKI PEM) the manifest must be signed with (repeatable
    /// or comma-separated).
    #[arg(long = "trust-key", env = "PLUMB_TRUST_KEYS", value_delimiter = ',')]
    pub trust_keys: Option<Vec<PathBuf>>,
    /// The agent's heap ceiling, e.g. `256M` (the global `--memory-limit`
    /// wins over it).
    #[arg(skip)]
    pub memory_limit: Option<String>,
    /// Serve the agent's own metrics (Prometheus text at /metrics) on
    /// this address, e.g. `127.0.0.1:9101`.
    #[arg(long, env = "PLUMB_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// Judge the node's containers against their images' manifests:
    /// `on`, `off`, or `auto` (on when the root is `/`) [default: auto].
    #[arg(long, env = "PLUMB_CONTAINERS")]
    pub containers: Option<String>,
    /// Judge the running processes and kernel modules against the
    /// manifest's runtime section: `on`, `off`, or `auto` (on when the
    /// root is the running system's root, as `/proc/1/root` shows it; a
    /// mounted image or a copy is not what runs) [default: auto].
    #[arg(long, env = "PLUMB_PROCESSES")]
    pub processes: Option<String>,
    /// Where the container runtimes keep their metadata: the host's `/`,
    /// or where it is mounted when the agent runs in a container
    /// [default: /].
    #[arg(long, env = "PLUMB_RUNTIME_ROOT")]
    pub runtime_root: Option<PathBuf>,
    /// containerd's root, where a distribution moved it (k3s:
    /// `/var/lib/rancher/k3s/agent/containerd`) [default:
    /// RUNTIME_ROOT/var/lib/containerd].
    #[arg(long, env = "PLUMB_CONTAINERD_ROOT")]
    pub containerd_root: Option<PathBuf>,
    /// containerd's state dir (k3s: `/run/k3s/containerd`) [default:
    /// RUNTIME_ROOT/run/containerd].
    #[arg(long, env = "PLUMB_CONTAINERD_STATE")]
    pub containerd_state: Option<PathBuf>,
    /// Judge each new process as it execs (fanotify, needs
    /// CAP_SYS_ADMIN): `on`, `off`, or `auto` (on when the root is `/`
    /// and the privilege is there; else the periodic process scan)
    /// [default: auto].
    #[arg(long, env = "PLUMB_EXEC_MONITOR")]
    pub exec_monitor: Option<String>,
    /// How long an exec of code outside the image stays reported after
    /// it was last seen (the process has exited; it ran) [default: 1d].
    #[arg(long, env = "PLUMB_EXEC_RETENTION")]
    pub exec_retention: Option<String>,
}

/// `on`, `off` or `auto` for a switch whose `auto` follows the root.
fn switch(value: Option<&str>, what: &str, root: &Path) -> Result<bool, String> {
    match value.unwrap_or("auto") {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        "auto" => Ok(root == Path::new("/")),
        other => Err(format!("{what} {other:?}: expected on, off or auto")),
    }
}

/// Validated configuration.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Where the agent serves its own `/metrics`, if anywhere.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// As given (for messages).
    pub collector: String,
    /// Every replica's URL, in the order given.
    pub collectors: Vec<String>,
    pub node_id: String,
    pub image_id: Option<String>,
    pub manifest: Option<PathBuf>,
    pub root: PathBuf,
    pub state_dir: PathBuf,
    pub interval: Duration,
    pub full_interval: Duration,
    pub quick_interval: Duration,
    pub heartbeat: Duration,
    pub max_read_mbps: Option<f64>,
    pub policy: Option<PathBuf>,
    pub watch: bool,
    pub watch_paths: Vec<String>,
    pub spool_max_messages: usize,
    pub proc_dir: PathBuf,
    pub ca: Option<PathBuf>,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// A one-time enrollment token (from `--enroll-token`,
    /// `PLUMB_ENROLL_TOKEN` or `enroll_token_file`).
    pub enroll_token: Option<String>,
    pub insecure_plaintext: bool,
    pub trust_keys: Vec<PathBuf>,
    /// Judge the node's containers.
    pub containers: bool,
    /// Judge running processes and kernel modules.
    pub processes: bool,
    /// Where the runtimes keep their metadata.
    pub runtime_dirs: crate::containers::RuntimeDirs,
    /// Watch every exec (when the privilege is there).
    pub exec_monitor: bool,
    pub exec_retention: Duration,
}

/// Parses a duration as the collector does (humantime: `250ms`, `30s`,
/// `5m`, `2h`, `1d`, `1h 30m`), or a bare number of seconds (kept for
/// existing configurations).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let d = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|e| format!("invalid duration {s:?}: {e}"))?
    } else {
        humantime::parse_duration(s)
            .map_err(|e| format!("invalid duration {s:?} (expected e.g. 30s, 5m, 1h): {e}"))?
    };
    if d.is_zero() {
        return Err(format!("duration {s:?} must be positive"));
    }
    Ok(d)
}

/// The default node id: the root's machine id, else the host name.
pub fn default_node_id(root: &Path) -> String {
    for p in [
        root.join("etc/machine-id"),
        PathBuf::from("/etc/machine-id"),
    ] {
        if let Ok(id) = std::fs::read_to_string(p) {
            let id = id.trim();
            if !id.is_empty() {
                return id.to_string();
            }
        }
    }
    sysinfo::System::host_name().unwrap_or_else(|| "unknown-node".into())
}

const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/opt", "/root", "/srv",
];

impl RunConfig {
    /// Merges file and flags (flags win) and validates.
    pub fn resolve(file: RunConfigFile, flags: RunConfigFile) -> Result<RunConfig, String> {
        macro_rules! pick {
            ($f:ident) => {
                flags.$f.clone().or(file.$f.clone())
            };
        }
        let collector = pick!(collector)
            .ok_or("no collector: give --collector URL or `collector` in the config file")?;
        let collectors: Vec<String> = collector
            .split(',')
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect();
        if collectors.is_empty() {
            return Err(format!("collector {collector:?} names no URL"));
        }
        for url in &collectors {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "collector {url:?} must be an http:// or https:// URL"
                ));
            }
        }
        let metrics_listen = pick!(metrics_listen)
            .map(|a| {
                a.parse::<std::net::SocketAddr>()
                    .map_err(|e| format!("metrics_listen {a:?}: {e} (expected ADDRESS:PORT)"))
            })
            .transpose()?;
        // File events arrive with absolute paths: a relative root would key
        // them by host path, not manifest path.
        let root = pick!(root).unwrap_or_else(|| PathBuf::from("/"));
        let root = std::fs::canonicalize(&root)
            .or_else(|_| std::path::absolute(&root))
            .map_err(|e| format!("root {}: {e}", root.display()))?;
        let image_id = pick!(image_id);
        if image_id.as_deref().is_some_and(|i| i.trim().is_empty()) {
            return Err(
                "image_id is empty (on Kubernetes: is the node label or ConfigMap that sets it there?)"
                    .into(),
            );
        }
        let manifest = pick!(manifest);
        if image_id.is_none() && manifest.is_none() {
            return Err(
                "give --manifest FILE or --image-id ID (to fetch the manifest from the collector)"
                    .into(),
            );
        }
        let dur = |v: Option<String>, default: &str, what: &str| {
            parse_duration(v.as_deref().unwrap_or(default)).map_err(|e| format!("{what}: {e}"))
        };
        let max_read_mbps = pick!(max_read_mbps);
        if max_read_mbps.is_some_and(|m| m <= 0.0 || !m.is_finite()) {
            return Err("max_read_mbps must be positive".into());
        }
        let watch_paths = match pick!(watch_paths) {
            Some(p) => p,
            None if root == Path::new("/") => SYSTEM_DIRS.iter().map(|s| s.to_string()).collect(),
            None => vec!["/".to_string()],
        };
        let state_dir = pick!(state_dir).unwrap_or_else(|| PathBuf::from("/var/lib/plumb"));
        let insecure_plaintext = pick!(insecure_plaintext).unwrap_or(false);
        if collector.starts_with("http://") && !insecure_plaintext {
            return Err(format!(
                "collector {collector:?} is plaintext: use https:// (http:// needs --insecure-plaintext and a loopback address)"
            ));
        }
        let enroll_token = match pick!(enroll_token_file) {
            Some(f) => Some(
                std::fs::read_to_string(&f)
                    .map_err(|e| format!("enroll_token_file {}: {e}", f.display()))?
                    .trim()
                    .to_string(),
            ),
            None => None,
        };
        Ok(RunConfig {
            node_id: pick!(node_id).unwrap_or_else(|| default_node_id(&root)),
            ca: pick!(ca),
            cert: pick!(cert).unwrap_or_else(|| state_dir.join("node.pem")),
            key: pick!(key).unwrap_or_else(|| state_dir.join("node.key")),
            enroll_token,
            insecure_plaintext,
            trust_keys: pick!(trust_keys).unwrap_or_default(),
            collector,
            collectors,
            metrics_listen,
            image_id,
            manifest,
            state_dir,
            interval: dur(pick!(interval), "5m", "interval")?,
            full_interval: dur(pick!(full_interval), "1d", "full_interval")?,
            quick_interval: dur(pick!(quick_interval), "30s", "quick_interval")?,
            heartbeat: dur(pick!(heartbeat), "10s", "heartbeat")?,
            max_read_mbps,
            policy: pick!(policy),
            watch: pick!(watch).unwrap_or(true),
            watch_paths,
            spool_max_messages: match pick!(spool_max_messages).unwrap_or(10_000) {
                n if n > plumb_proto::MAX_SPOOL_MESSAGES => {
                    return Err(format!(
                        "spool_max_messages {n} is above the limit of {} (the collector refuses larger gaps in a report chain)",
                        plumb_proto::MAX_SPOOL_MESSAGES
                    ))
                }
                n => n.max(2),
            },
            containers: switch(pick!(containers).as_deref(), "containers", &root)?,
            processes: match pick!(processes).as_deref().unwrap_or("auto") {
                "on" | "true" => true,
                "off" | "false" => false,
                "auto" => crate::scan::runtime::is_live_root(&root, Path::new("/proc")),
                other => return Err(format!("processes {other:?}: expected on, off or auto")),
            },
            runtime_dirs: crate::containers::RuntimeDirs::under(
                &pick!(runtime_root).unwrap_or_else(|| PathBuf::from("/")),
            )
            .with_containerd(pick!(containerd_root), pick!(containerd_state)),
            exec_monitor: switch(pick!(exec_monitor).as_deref(), "exec_monitor", &root)?,
            exec_retention: dur(pick!(exec_retention), "1d", "exec_retention")?,
            root,
            proc_dir: PathBuf::from("/proc"),
        })
    }

    pub fn load_file(path: &Path) -> Result<RunConfigFile, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("config {}: {e}", path.display()))
    }

    /// The daemon's configuration from all its sources: the file (`file`,
    /// else [`DEFAULT_CONFIG`] when it exists), then `flags` (command line
    /// and environment) over it. The file's memory limit applies unless
    /// one was given on the command line.
    pub fn load(
        file: Option<&Path>,
        flags: RunConfigFile,
        memory_limit_given: bool,
    ) -> Result<RunConfig, String> {
        let default = Path::new(DEFAULT_CONFIG);
        let path = file.or_else(|| default.exists().then_some(default));
        let file = match path {
            Some(p) => RunConfig::load_file(p)?,
            None => RunConfigFile::default(),
        };
        if let (Some(limit), false) = (&file.memory_limit, memory_limit_given) {
            crate::memory::parse_size(limit)
                .and_then(crate::memory::set_ceiling)
                .map_err(|e| format!("config memory_limit: {e}"))?;
        }
        RunConfig::resolve(file, flags)
    }
}

/// Where `run` finds its configuration when not told.
pub const DEFAULT_CONFIG: &str = "/etc/plumb/agent.toml";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert!(parse_duration("5 parsecs").unwrap_err().contains("unit"));
        assert!(parse_duration("0s").is_err());
    }

    #[test]
    fn a_spool_larger_than_the_collector_accepts_as_a_gap_is_refused() {
        let file = |n: usize| -> RunConfigFile {
            toml::from_str(&format!(
                "collector = \"https://a:1\"\nimage_id = \"img\"\nspool_max_messages = {n}\n"
            ))
            .unwrap()
        };
        let max = plumb_proto::MAX_SPOOL_MESSAGES;
        let ok = RunConfig::resolve(file(max), RunConfigFile::default()).unwrap();
        assert_eq!(ok.spool_max_messages, max);
        let err = RunConfig::resolve(file(max + 1), RunConfigFile::default())
            .err()
            .unwrap();
        assert!(err.contains("spool_max_messages"), "{err}");
    }

    #[test]
    fn processes_are_judged_by_default_only_on_the_running_systems_root() {
        let with = |root: &str, processes: Option<&str>| {
            let file: RunConfigFile = toml::from_str(&format!(
                "collector = \"https://a:1\"\nimage_id = \"i\"\nroot = \"{root}\"\n"
            ))
            .unwrap();
            let flags = RunConfigFile {
                processes: processes.map(String::from),
                ..Default::default()
            };
            RunConfig::resolve(file, flags).map(|c| c.processes)
        };
        let elsewhere = std::env::temp_dir();
        let elsewhere = elsewhere.to_str().unwrap();
        assert_eq!(with(elsewhere, None), Ok(false));
        assert_eq!(with(elsewhere, Some("on")), Ok(true));
        assert_eq!(with("/", Some("off")), Ok(false));
        assert_eq!(
            with("/", None),
            Ok(crate::scan::runtime::is_live_root(
                Path::new("/"),
                Path::new("/proc")
            ))
        );
        assert!(with("/", Some("sometimes"))
            .unwrap_err()
            .contains("processes"));
    }

    #[test]
    fn flags_override_the_file_and_errors_name_the_field() {
        let file: RunConfigFile =
            toml::from_str("collector = \"https://a:1\"\nimage_id = \"img\"\ninterval = \"1m\"\n")
                .unwrap();
        let flags = RunConfigFile {
            interval: Some("10s".into()),
            ..Default::default()
        };
        let c = RunConfig::resolve(file, flags).unwrap();
        assert_eq!(c.interval, Duration::from_secs(10));
        assert_eq!(c.collector, "https://a:1");

        let file: RunConfigFile =
            toml::from_str("collector = \"https://a:1\"\nimage_id = \"i\"\nheartbeat = \"soon\"\n")
                .unwrap();
        assert!(RunConfig::resolve(file, RunConfigFile::default())
            .unwrap_err()
            .starts_with("heartbeat:"));
        assert!(toml::from_str::<RunConfigFile>("colector = \"x\"")
            .unwrap_err()
            .to_string()
            .contains("colector"));
        let none =
            RunConfig::resolve(RunConfigFile::default(), RunConfigFile::default()).unwrap_err();
        assert!(none.contains("collector"));
        let plain: RunConfigFile =
            toml::from_str("collector = \"http://127.0.0.1:1\"\nimage_id = \"i\"\n").unwrap();
        assert!(RunConfig::resolve(plain, RunConfigFile::default())
            .unwrap_err()
            .contains("plaintext"));
    }
}

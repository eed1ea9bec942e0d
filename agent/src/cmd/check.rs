//! `check`: a root judged once against its manifest, or every running
//! container against its image's.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use plumb_agent::check::Checker;
use plumb_agent::containers::{self, Containers, ManifestSource, RuntimeDirs};
use plumb_agent::manifest::{self, Baseline};
use plumb_agent::policy::PolicyFile;
use plumb_agent::report;

use super::Output;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The manifest of the image this root was built from; with
    /// `--containers`, the manifests of the containers' images (repeat it).
    #[arg(long, required_unless_present = "containers")]
    manifest: Vec<PathBuf>,
    /// Judge every running container against its image's manifest
    /// instead of the root: one report (JSON object) per container.
    #[arg(long, conflicts_with_all = ["root", "full", "no_processes"])]
    containers: bool,
    /// With `--containers`: where the runtimes keep their metadata (the
    /// host's `/` when the agent runs in a container with it mounted).
    #[arg(long, default_value = "/", requires = "containers")]
    runtime_root: PathBuf,
    /// With `--containers`: containerd's root [default:
    /// RUNTIME_ROOT/var/lib/containerd].
    #[arg(long, requires = "containers")]
    containerd_root: Option<PathBuf>,
    /// With `--containers`: containerd's state dir [default:
    /// RUNTIME_ROOT/run/containerd].
    #[arg(long, requires = "containers")]
    containerd_state: Option<PathBuf>,
    /// With `--containers`: fetch the images' manifests from the collector
    /// the daemon's configuration names (its file, `--config` or the
    /// default), with the daemon's identity, for images no `--manifest`
    /// gives.
    #[arg(long, requires = "containers")]
    from_collector: bool,
    /// The daemon's configuration file, for `--from-collector`.
    #[arg(long, requires = "from_collector")]
    config: Option<PathBuf>,
    /// The root to check.
    #[arg(long, default_value = "/")]
    root: PathBuf,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
    /// A TOML policy file whose rules go in front of the manifest's.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Rehash every file instead of trusting the hash cache.
    #[arg(long)]
    full: bool,
    /// Leave out the runtime checks (processes, kernel modules, logins)
    /// the manifest asks for.
    #[arg(long)]
    no_processes: bool,
    /// Judge the running processes and kernel modules even though the
    /// root is not the running system's (by default they are judged only
    /// when it is: a mounted image does not answer for the host's).
    #[arg(long, conflicts_with = "no_processes")]
    processes: bool,
    /// Where the hash cache is read and written. Without it, a check reads
    /// the daemon's cache (/var/lib/plumb) when it can and writes nothing:
    /// a one-off check never replaces the running daemon's state.
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Where the proc filesystem is mounted.
    #[arg(long, default_value = "/proc", hide = true)]
    proc_dir: PathBuf,
}

/// A check, resolved from its flags.
pub enum Check {
    Root(Box<RootCheck>),
    Containers(Box<ContainerCheck>),
}

/// A root against one manifest.
pub struct RootCheck {
    root: PathBuf,
    manifest: Baseline,
    policy: Option<PolicyFile>,
    proc_dir: PathBuf,
    /// The hash cache's directory, and whether it is written back.
    state_dir: Option<PathBuf>,
    keep_cache: bool,
    full: bool,
    /// The runtime checks the manifest asks for, at all (`--no-processes`
    /// leaves them out)...
    runtime: bool,
    /// ...and the running processes and modules among them: only on the
    /// running system's root, or with `--processes`.
    judge_running: bool,
    output: Output,
}

/// Every running container against its image's manifest.
pub struct ContainerCheck {
    proc_dir: PathBuf,
    dirs: RuntimeDirs,
    source: Box<dyn ManifestSource + Send>,
    policy: Option<PolicyFile>,
    output: Output,
}

impl Check {
    pub fn resolve(args: CheckArgs) -> anyhow::Result<Check> {
        let policy = args.policy.as_deref().map(PolicyFile::load).transpose()?;
        let output = Output::new(args.json);
        if args.containers {
            let files = containers::files_source(&args.manifest)?;
            let source: Box<dyn ManifestSource + Send> = if args.from_collector {
                Box::new(FilesThenCollector::connect(files, args.config.as_deref())?)
            } else {
                Box::new(files)
            };
            return Ok(Check::Containers(Box::new(ContainerCheck {
                dirs: RuntimeDirs::under(&args.runtime_root)
                    .with_containerd(args.containerd_root, args.containerd_state),
                proc_dir: args.proc_dir,
                source,
                policy,
                output,
            })));
        }
        let [manifest_file] = &args.manifest[..] else {
            anyhow::bail!("a check of a root takes one --manifest (several are for --containers)");
        };
        let manifest = manifest::read(manifest_file)?;
        let (state_dir, keep_cache) = plumb_agent::check::state_dir_for(args.state_dir.as_deref());
        let judge_running =
            args.processes || plumb_agent::scan::runtime::is_live_root(&args.root, &args.proc_dir);
        if !judge_running && !args.no_processes && manifest.meta.runtime.is_some() {
            eprintln!(
                "plumb-agent: running processes and kernel modules not judged: {} is not the running system's root (--processes judges them anyway)",
                args.root.display()
            );
        }
        Ok(Check::Root(Box::new(RootCheck {
            root: args.root,
            manifest,
            policy,
            proc_dir: args.proc_dir,
            state_dir,
            keep_cache,
            full: args.full,
            runtime: !args.no_processes,
            judge_running,
            output,
        })))
    }

    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Check::Root(c) => c.run(),
            Check::Containers(c) => c.run(),
        }
    }
}

impl RootCheck {
    fn run(self) -> anyhow::Result<ExitCode> {
        let mut checker = Checker::new(
            &self.root,
            self.manifest,
            self.policy.as_ref(),
            self.state_dir.as_deref(),
            &self.proc_dir,
        )?;
        checker.runtime_enabled = self.runtime;
        checker.judge_running = self.judge_running;
        checker.write_state = self.keep_cache;
        let bar = super::progress("checking");
        let result = checker.scan(self.full, bar.clone());
        bar.finish_and_clear();
        let result = result.with_context(|| format!("checking {}", self.root.display()))?;
        if self.keep_cache {
            checker.save_cache();
        }
        let root = self.root.display().to_string();
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let (devs, stats) = (&result.deviations, &result.stats);
        match self.output {
            Output::Json => report::json(&mut out, &checker.manifest, &root, devs, stats)?,
            Output::Text { color } => {
                report::text(&mut out, &checker.manifest, &root, devs, stats, color)?
            }
        }
        Ok(super::verdict(result.deviations.is_empty()))
    }
}

impl ContainerCheck {
    fn run(self) -> anyhow::Result<ExitCode> {
        let proc_dir = self.proc_dir.clone();
        let mut pass = Containers::new(self.proc_dir, self.dirs, self.source, self.policy);
        let (reports, stats) = pass
            .pass(true)
            .with_context(|| format!("finding containers in {}", proc_dir.display()))?;
        tracing::info!(
            containers = stats.containers,
            images_verified = stats.images_verified,
            elapsed_ms = stats.duration.as_millis() as u64,
            "containers checked"
        );
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        match self.output {
            Output::Json => report::containers_json(&mut out, &reports)?,
            Output::Text { color } => report::containers_text(&mut out, &reports, color)?,
        }
        Ok(super::verdict(
            reports.iter().all(|r| r.deviations.is_empty()),
        ))
    }
}

/// Images' manifests from `--manifest` files first, then from the
/// collector the daemon's configuration names, with its identity.
struct FilesThenCollector {
    files: containers::Files,
    collector: plumb_agent::client::CollectorSource,
    /// Drives the collector's connections: a worker of its own runs them
    /// and their timeouts while the pass blocks on a fetch
    /// (`Handle::block_on` on a current-thread runtime would drive
    /// neither, and wait forever).
    _runtime: tokio::runtime::Runtime,
}

impl FilesThenCollector {
    fn connect(
        files: containers::Files,
        config: Option<&std::path::Path>,
    ) -> anyhow::Result<FilesThenCollector> {
        let cfg = plumb_agent::daemon::config::RunConfig::load(config, Default::default(), true)
            .map_err(|e| anyhow::anyhow!(e))?;
        let tls = plumb_agent::client::client_tls(&cfg)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let collector =
            plumb_agent::client::CollectorSource::new(&cfg, tls, runtime.handle().clone());
        Ok(FilesThenCollector {
            files,
            collector,
            _runtime: runtime,
        })
    }
}

impl ManifestSource for FilesThenCollector {
    fn manifest(&mut self, image_id: &str) -> Result<Option<Baseline>, String> {
        match self.files.manifest(image_id)? {
            Some(m) => Ok(Some(m)),
            None => self.collector.manifest(image_id),
        }
    }
}

//! `plumb-agent`: build manifests, check nodes, run the daemon.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use plumb_agent::check::Checker;
use plumb_agent::manifest::{self, BuildOptions};
use plumb_agent::policy::PolicyFile;
use plumb_agent::{listeners, report};
use plumb_proto::cli::rfc3339;

/// Drift detection for immutable infrastructure: the node agent.
#[derive(Parser)]
#[command(name = "plumb-agent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Heap ceiling (K, M or G; default 256M, and for `manifest build` a
    /// quarter of the machine's memory): an input that would need more (a
    /// package database, a manifest, a tree) is an error naming it,
    /// reported as `scan_error`, not an abort.
    #[arg(long, global = true, env = "PLUMB_MEMORY_LIMIT", value_parser = plumb_agent::memory::parse_size)]
    memory_limit: Option<usize>,
    /// Log lines as text or as JSON objects (stderr; `PLUMB_LOG` filters).
    #[arg(
        long,
        global = true,
        env = "PLUMB_LOG_FORMAT",
        value_enum,
        default_value_t
    )]
    log_format: plumb_proto::logging::LogFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Build and inspect golden-image manifests.
    Manifest {
        #[command(subcommand)]
        command: ManifestCommand,
    },
    /// Compare a root with a manifest once and report deviations.
    /// Exit status: 0 matches, 1 deviates, 2 error.
    Check(CheckArgs),
    /// Run the node daemon: scan, watch, and stream deviations to the
    /// collector. Configuration errors exit with status 64.
    Run(Box<RunArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish,
    /// powershell).
    Completions { shell: plumb_proto::cli::Shell },
    /// Write the man pages into DIR.
    #[command(hide = true)]
    Man { dir: PathBuf },
}

#[derive(Subcommand)]
enum ManifestCommand {
    /// Record every file, package and listener of a root.
    Build(Box<BuildArgs>),
    /// Print a manifest's summary (image id, digest, counts).
    Show {
        /// Manifest file (binary protobuf or JSON).
        file: PathBuf,
    },
    /// Sign a manifest with an Ed25519 key (PKCS#8 PEM, from `plumbctl
    /// keys generate`); the file is rewritten with the signature added.
    Sign {
        file: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(clap::Args)]
struct BuildArgs {
    /// The root to record (the image's filesystem).
    #[arg(long, default_value = "/", conflicts_with = "image_archive")]
    root: PathBuf,
    /// The image id (AMI id, image tag, build id). A container image's id
    /// is its digest, read from the archive.
    #[arg(
        long,
        required_unless_present = "image_archive",
        conflicts_with = "image_archive"
    )]
    image_id: Option<String>,
    /// Record a container image instead of a root: an OCI image layout
    /// (directory or tar) or a `docker save` / `podman save` archive. Its
    /// layers are read, never extracted; the manifest's image id is the
    /// image's id (`sha256:` of its config).
    #[arg(long, value_name = "PATH")]
    image_archive: Option<PathBuf>,
    /// Which image of an archive that holds several (a name or tag).
    #[arg(long, requires = "image_archive")]
    image_ref: Option<String>,
    /// Refuse an image whose layers expand to more than this.
    #[arg(long, requires = "image_archive", default_value = "64G", value_parser = plumb_agent::memory::parse_size)]
    max_image_size: usize,
    /// Output file: JSON when it ends in `.json`, binary protobuf otherwise.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Paths (globs) to leave out, in addition to the defaults.
    #[arg(long)]
    exclude: Vec<String>,
    /// Record listeners even though the root is not `/`.
    #[arg(long)]
    listeners: bool,
    /// Allowed listeners: `tcp:9100`, `udp:*`, `tcp:*:nginx`.
    #[arg(long = "allow-listener", value_parser = listeners::parse_rule)]
    allow_listener: Vec<plumb_proto::v1::ListenerRule>,
    /// Provenance label KEY=VALUE (repeatable): source commit, Packer
    /// build id, template, pipeline URL. Shown by `manifest show`,
    /// `plumbctl images` and the dashboard; `plumbctl nodes --label`
    /// finds the nodes running the build.
    #[arg(long, value_parser = plumb_proto::parse_label)]
    label: Vec<plumb_proto::v1::Label>,
    /// Leave out the runtime checks (processes, kernel modules, logins).
    /// They are recorded by default, for `/` and for an image mounted
    /// elsewhere alike: the image's files are what may run on its nodes.
    #[arg(long, conflicts_with = "runtime")]
    no_runtime: bool,
    /// Record the runtime checks (the default; kept for older scripts).
    #[arg(long, hide = true)]
    runtime: bool,
    /// Where the proc filesystem is mounted.
    #[arg(long, default_value = "/proc", hide = true)]
    proc_dir: PathBuf,
    /// Sign the manifest with this Ed25519 key (PKCS#8 PEM).
    #[arg(long)]
    sign_key: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CheckArgs {
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

#[derive(clap::Args)]
struct RunArgs {
    /// TOML configuration file; flags and PLUMB_* variables override it
    /// [default: /etc/plumb/agent.toml when it exists].
    #[arg(long, env = "PLUMB_CONFIG")]
    config: Option<PathBuf>,
    /// The daemon's settings (the same as the file's).
    #[command(flatten)]
    settings: plumb_agent::daemon::config::RunConfigFile,
    /// Disable real-time file events (periodic rescans only).
    #[arg(long, env = "PLUMB_NO_WATCH")]
    no_watch: bool,
    /// One-time enrollment token, used when the node has no certificate.
    #[arg(long, env = "PLUMB_ENROLL_TOKEN", hide_env_values = true)]
    enroll_token: Option<String>,
    /// Check the configuration (and the manifest file, if given) and exit.
    #[arg(long)]
    validate: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon says what it does (connected, scans done, deviations
    // sent) at info; one-off commands only warn.
    let default_log = if matches!(cli.command, Command::Run(_)) {
        "warn,plumb_agent=info"
    } else {
        "warn"
    };
    plumb_proto::logging::init(cli.log_format, default_log);
    // A one-off build reads a whole root and exits: its default is sized
    // to the machine; everything else keeps the daemon's bound.
    let is_build = matches!(
        cli.command,
        Command::Manifest {
            command: ManifestCommand::Build(_)
        }
    );
    let memory_limit = cli.memory_limit.unwrap_or_else(|| {
        if is_build {
            plumb_agent::memory::build_ceiling()
        } else {
            plumb_agent::memory::DEFAULT_CEILING
        }
    });
    if let Err(e) = plumb_agent::memory::set_ceiling(memory_limit) {
        eprintln!("plumb-agent: error: {e}");
        return ExitCode::from(64);
    }
    // Not for the daemon: its sockets never raise SIGPIPE, but a closed
    // log pipe must not kill it.
    if !matches!(cli.command, Command::Run(_)) {
        plumb_proto::cli::die_quietly_on_closed_stdout();
    }
    let result = match cli.command {
        Command::Manifest {
            command: ManifestCommand::Build(args),
        } => build(*args),
        Command::Manifest {
            command: ManifestCommand::Show { file },
        } => show(&file),
        Command::Manifest {
            command: ManifestCommand::Sign { file, key },
        } => sign(&file, &key),
        Command::Check(args) => check(args),
        Command::Run(args) => return run(*args, cli.memory_limit.is_some()),
        Command::Completions { shell } => {
            plumb_proto::cli::print_completions(Cli::command(), shell);
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir } => plumb_proto::cli::write_man_pages(Cli::command(), &dir)
            .with_context(|| format!("writing man pages into {}", dir.display()))
            .map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "plumb-agent: error: {}",
                plumb_proto::cli::error_chain(e.as_ref())
            );
            ExitCode::from(2)
        }
    }
}

fn progress(label: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {pos} entries ({per_sec}, {elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(label);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn load_signer(key: &Path) -> anyhow::Result<plumb_proto::signature::ManifestSigner> {
    let pem = std::fs::read_to_string(key)
        .with_context(|| format!("reading signing key {}", key.display()))?;
    plumb_proto::signature::ManifestSigner::from_pem(&pem)
        .with_context(|| format!("signing key {}", key.display()))
}

fn sign(file: &Path, key: &Path) -> anyhow::Result<ExitCode> {
    let signer = load_signer(key)?;
    let mut m = manifest::read(file)?;
    signer.sign(&mut m.meta)?;
    manifest::write(file, &m)?;
    eprintln!(
        "manifest {} for image {} signed with key {}",
        file.display(),
        m.meta.image_id,
        signer.key_id()
    );
    println!("{}", m.digest_hex());
    Ok(ExitCode::SUCCESS)
}

fn build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    // A bad key is refused before the (long) build starts.
    let signer = args.sign_key.as_deref().map(load_signer).transpose()?;
    let bar = progress("recording");
    let started = std::time::Instant::now();
    let built = match args.image_archive {
        Some(archive) => {
            let opts = plumb_agent::image::ImageBuildOptions {
                archive: archive.clone(),
                image_ref: args.image_ref,
                exclude: args.exclude,
                labels: args.label,
                max_size: args.max_image_size as u64,
                runtime: !args.no_runtime,
                progress: bar.clone(),
            };
            let built = plumb_agent::image::build(&opts);
            bar.finish_and_clear();
            built.with_context(|| {
                format!("building a manifest of image archive {}", archive.display())
            })?
        }
        None => {
            let opts = BuildOptions {
                root: args.root.clone(),
                image_id: args.image_id.unwrap_or_default(),
                exclude: args.exclude,
                listeners: args.listeners,
                allow_listeners: args.allow_listener,
                proc_dir: args.proc_dir,
                progress: bar.clone(),
                throttle: None,
                labels: args.label,
                runtime: !args.no_runtime,
            };
            let built = manifest::build(&opts);
            bar.finish_and_clear();
            built.with_context(|| format!("building a manifest of {}", args.root.display()))?
        }
    };
    let mut built = built;
    if let Some(signer) = &signer {
        signer.sign(&mut built.manifest.meta)?;
    }
    built.write(&args.output)?;
    let (m, stats) = (&built.manifest, &built.stats);
    tracing::info!(
        files = stats.files,
        bytes = stats.hashed_bytes,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "manifest built"
    );
    eprintln!(
        "manifest {} for image {}: {} files ({} MB hashed), {} packages, {} in {:.1}s",
        args.output.display(),
        m.meta.image_id,
        m.files.len(),
        stats.hashed_bytes / 1_000_000,
        m.meta.packages.len(),
        match (&m.meta.listeners, &m.meta.container) {
            (_, Some(c)) => format!("{} layers", c.layers.len()),
            (Some(l), None) => format!("{} listeners", l.listeners.len()),
            (None, None) => "no listeners recorded".to_string(),
        },
        started.elapsed().as_secs_f64()
    );
    println!("{}", m.digest_hex());
    Ok(ExitCode::SUCCESS)
}

fn show(file: &Path) -> anyhow::Result<ExitCode> {
    let manifest::Baseline { meta: m, files } = manifest::read(file)?;
    let b = m.builder.clone().unwrap_or_default();
    let count = |t: plumb_proto::v1::FileType| files.iter().filter(|f| f.file_type == t).count();
    println!("image id:     {}", m.image_id);
    println!("digest:       sha256:{}", m.digest_hex());
    println!("format:       {}", m.format_version);
    let signers: Vec<&str> = m.signatures.iter().map(|s| s.key_id.as_str()).collect();
    println!(
        "signed by:    {}",
        if signers.is_empty() {
            "(unsigned)".to_string()
        } else {
            signers.join(", ")
        }
    );
    println!("created:      {}", rfc3339(m.created_unix_ms));
    for l in &m.labels {
        println!(
            "label:        {}={}",
            l.key,
            plumb_proto::printable(&l.value)
        );
    }
    println!(
        "built on:     {} ({}, kernel {}), agent {}",
        b.hostname, b.os, b.kernel, b.agent_version
    );
    if !b.image_os.is_empty() {
        println!("image os:     {}", b.image_os);
    }
    if let Some(c) = &m.container {
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                plumb_proto::printable(&v.join(" ")).into_owned()
            }
        };
        println!(
            "container:    {}/{}, {} layers",
            c.os,
            c.architecture,
            c.layers.len()
        );
        println!("names:        {}", list(&c.names));
        println!("manifests:    {}", list(&c.manifest_digests));
        println!("entrypoint:   {}", list(&c.entrypoint));
        println!("cmd:          {}", list(&c.cmd));
        println!(
            "user:         {}",
            if c.user.is_empty() { "(root)" } else { &c.user }
        );
        println!(
            "workdir:      {}",
            list(std::slice::from_ref(&c.working_dir))
        );
        println!("ports:        {}", list(&c.exposed_ports));
        println!("volumes:      {}", list(&c.volumes));
    }
    println!(
        "files:        {} ({} regular, {} directories, {} symlinks, {} other)",
        files.len(),
        count(plumb_proto::v1::FileType::Regular),
        count(plumb_proto::v1::FileType::Directory),
        count(plumb_proto::v1::FileType::Symlink),
        files.len()
            - count(plumb_proto::v1::FileType::Regular)
            - count(plumb_proto::v1::FileType::Directory)
            - count(plumb_proto::v1::FileType::Symlink)
    );
    println!(
        "setuid/gid:   {}",
        files.iter().filter(|f| f.mode & 0o6000 != 0).count()
    );
    println!("packages:     {}", m.packages.len());
    match &m.listeners {
        Some(l) => println!(
            "listeners:    {} recorded, {} allowed rules",
            l.listeners.len(),
            l.allowed.len()
        ),
        None => println!("listeners:    not recorded"),
    }
    match &m.runtime {
        Some(r) => {
            let checked: Vec<&str> = [
                (r.processes, "processes"),
                (r.modules, "kernel modules"),
                (r.sessions, "logins"),
            ]
            .into_iter()
            .filter_map(|(on, what)| on.then_some(what))
            .collect();
            println!(
                "runtime:      on: {} (interpreters judged by their script: {})",
                checked.join(", "),
                r.interpreters.join(", ")
            );
        }
        None => println!("runtime:      off: processes, kernel modules and logins are not checked"),
    }
    if let Some(p) = &m.policy {
        println!(
            "policy:       {} ignore globs, {} severity rules",
            p.ignore.len(),
            p.severity.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check_containers(args: CheckArgs) -> anyhow::Result<ExitCode> {
    use plumb_agent::containers::{self, Containers, ManifestSource, RuntimeDirs};
    let files = containers::files_source(&args.manifest)?;
    // Images no file gives come from the collector, when asked.
    struct Both {
        files: containers::Files,
        collector: Option<plumb_agent::daemon::containers::CollectorSource>,
        _runtime: Option<tokio::runtime::Runtime>,
    }
    impl ManifestSource for Both {
        fn manifest(
            &mut self,
            image_id: &str,
        ) -> Result<Option<plumb_agent::manifest::Baseline>, String> {
            match self.files.manifest(image_id)? {
                Some(m) => Ok(Some(m)),
                None => match self.collector.as_mut() {
                    Some(c) => c.manifest(image_id),
                    None => Ok(None),
                },
            }
        }
    }
    let (collector, runtime) = if args.from_collector {
        let cfg = plumb_agent::daemon::config::RunConfig::load(
            args.config.as_deref(),
            Default::default(),
            true,
        )
        .map_err(|e| anyhow::anyhow!(e))?;
        let tls = plumb_agent::daemon::identity::client_tls(&cfg)?;
        // A worker of its own drives the connection and its timeouts while
        // the pass blocks on a fetch (`Handle::block_on` on a current-thread
        // runtime would drive neither, and wait forever).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let source = plumb_agent::daemon::containers::CollectorSource {
            collectors: cfg.collectors.clone(),
            tls,
            runtime: runtime.handle().clone(),
            // The daemon's cache of image manifests (verified on read).
            dir: cfg.state_dir.join("images"),
        };
        (Some(source), Some(runtime))
    } else {
        (None, None)
    };
    let source = Both {
        files,
        collector,
        _runtime: runtime,
    };
    let policy = args.policy.as_deref().map(PolicyFile::load).transpose()?;
    let mut pass = Containers::new(
        args.proc_dir.clone(),
        RuntimeDirs::under(&args.runtime_root)
            .with_containerd(args.containerd_root.clone(), args.containerd_state.clone()),
        Box::new(source),
        policy,
    );
    let (reports, stats) = pass
        .pass(true)
        .with_context(|| format!("finding containers in {}", args.proc_dir.display()))?;
    tracing::info!(
        containers = stats.containers,
        images_verified = stats.images_verified,
        elapsed_ms = stats.duration.as_millis() as u64,
        "containers checked"
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        report::containers_json(&mut out, &reports)?;
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        report::containers_text(&mut out, &reports, color)?;
    }
    Ok(if reports.iter().all(|r| r.deviations.is_empty()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    if args.containers {
        return check_containers(args);
    }
    let [manifest_file] = &args.manifest[..] else {
        anyhow::bail!("a check of a root takes one --manifest (several are for --containers)");
    };
    let m = manifest::read(manifest_file)?;
    let policy = args.policy.as_deref().map(PolicyFile::load).transpose()?;
    let (state_dir, keep_cache) = plumb_agent::check::state_dir_for(args.state_dir.as_deref());
    let mut checker = Checker::new(
        &args.root,
        m,
        policy.as_ref(),
        state_dir.as_deref(),
        &args.proc_dir,
    )?;
    checker.runtime_enabled = !args.no_processes;
    checker.judge_running =
        args.processes || plumb_agent::runtime::is_live_root(&args.root, &args.proc_dir);
    if !checker.judge_running && !args.no_processes && checker.manifest.runtime.is_some() {
        eprintln!(
            "plumb-agent: running processes and kernel modules not judged: {} is not the running system's root (--processes judges them anyway)",
            args.root.display()
        );
    }
    checker.write_state = keep_cache;
    let bar = progress("checking");
    let result = checker.scan(args.full, bar.clone());
    bar.finish_and_clear();
    let result = result.with_context(|| format!("checking {}", args.root.display()))?;
    if keep_cache {
        checker.save_cache();
    }
    let root = args.root.display().to_string();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        report::json(
            &mut out,
            &checker.manifest,
            &root,
            &result.deviations,
            &result.stats,
        )?;
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        report::text(
            &mut out,
            &checker.manifest,
            &root,
            &result.deviations,
            &result.stats,
            color,
        )?;
    }
    Ok(if result.deviations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run(args: RunArgs, memory_limit_given: bool) -> ExitCode {
    use plumb_agent::daemon::config::RunConfig;
    let mut flags = args.settings;
    if args.no_watch {
        flags.watch = Some(false);
    }
    let mut cfg = match RunConfig::load(args.config.as_deref(), flags, memory_limit_given) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("plumb-agent: error: {e}");
            return ExitCode::from(64);
        }
    };
    if args.enroll_token.is_some() {
        cfg.enroll_token = args.enroll_token;
    }
    if args.validate {
        if let Some(m) = &cfg.manifest {
            if let Err(e) = plumb_agent::manifest::read(m) {
                eprintln!("plumb-agent: error: {e}");
                return ExitCode::from(64);
            }
        }
        println!(
            "configuration ok: node {} reporting to {}",
            cfg.node_id, cfg.collector
        );
        return ExitCode::SUCCESS;
    }
    plumb_agent::daemon::process::prepare();
    // Two workers are plenty for one stream; scans run on their own thread.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .thread_name("plumb-agent")
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("plumb-agent: error: starting runtime: {e}");
            return ExitCode::from(70);
        }
    };
    let stop = plumb_agent::daemon::process::shutdown_signal();
    match runtime.block_on(plumb_agent::daemon::run(cfg, stop)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "plumb-agent: error: {}",
                plumb_proto::cli::error_chain(e.as_ref())
            );
            ExitCode::from(1)
        }
    }
}

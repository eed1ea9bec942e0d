//! `manifest build`: a root or a container image recorded as a manifest.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use plumb_agent::image::ImageBuildOptions;
use plumb_agent::manifest::{self, BuildOptions, Built};
use plumb_agent::scan::listeners;
use plumb_proto::signature::ManifestSigner;

#[derive(clap::Args)]
pub struct BuildArgs {
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

/// What is recorded: a root, or a container image archive.
enum Source {
    Root(BuildOptions),
    Archive(ImageBuildOptions),
}

/// A build, resolved from its flags: the source with its options, the
/// output and the signing key, loaded before the (long) build starts so a
/// bad key is refused at once.
pub struct Build {
    source: Source,
    output: PathBuf,
    signer: Option<ManifestSigner>,
}

impl Build {
    pub fn resolve(args: BuildArgs) -> anyhow::Result<Build> {
        let signer = args
            .sign_key
            .as_deref()
            .map(super::sign::load_signer)
            .transpose()?;
        let progress = super::progress("recording");
        let source = match args.image_archive {
            Some(archive) => Source::Archive(ImageBuildOptions {
                archive,
                image_ref: args.image_ref,
                exclude: args.exclude,
                labels: args.label,
                max_size: args.max_image_size as u64,
                runtime: !args.no_runtime,
                progress,
            }),
            None => Source::Root(BuildOptions {
                root: args.root,
                image_id: args.image_id.unwrap_or_default(),
                exclude: args.exclude,
                listeners: args.listeners,
                allow_listeners: args.allow_listener,
                proc_dir: args.proc_dir,
                progress,
                throttle: None,
                labels: args.label,
                runtime: !args.no_runtime,
            }),
        };
        Ok(Build {
            source,
            output: args.output,
            signer,
        })
    }

    /// Records the source, signs and writes the manifest; prints its
    /// digest.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let started = std::time::Instant::now();
        let mut built: Built = match &self.source {
            Source::Archive(opts) => {
                let built = plumb_agent::image::build(opts);
                opts.progress.finish_and_clear();
                built.with_context(|| {
                    format!(
                        "building a manifest of image archive {}",
                        opts.archive.display()
                    )
                })?
            }
            Source::Root(opts) => {
                let built = manifest::build(opts);
                opts.progress.finish_and_clear();
                built.with_context(|| format!("building a manifest of {}", opts.root.display()))?
            }
        };
        if let Some(signer) = &self.signer {
            signer.sign(&mut built.manifest.meta)?;
        }
        built.write(&self.output)?;
        let (m, stats) = (&built.manifest, &built.stats);
        tracing::info!(
            files = stats.files,
            bytes = stats.hashed_bytes,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "manifest built"
        );
        eprintln!(
            "manifest {} for image {}: {} files ({} MB hashed), {} packages, {} in {:.1}s",
            self.output.display(),
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
}

//! Containers: found on the host from the kernel's view ([`discover`]),
//! named by their runtime's metadata ([`runtimes`]), and judged against
//! the manifest of the image they were started from ([`judge`]).
//!
//! A container is never reported clean unless it was verified: one whose
//! image has no manifest, whose runtime does not name its image, or whose
//! root is not an overlay carries a `scan_error` deviation saying why.

pub mod bolt;
pub mod discover;
pub mod judge;
pub mod runtimes;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plumb_proto::v1::{ContainerInfo, ContainerStatus, Deviation, DeviationKind};

use crate::manifest::Baseline;
use crate::policy::{Policy, PolicyFile};
pub use discover::Root;
pub use runtimes::RuntimeDirs;

/// Where an image's manifest comes from, by image id.
pub trait ManifestSource {
    /// `Ok(None)`: no manifest is registered for the image.
    fn manifest(&mut self, image_id: &str) -> Result<Option<Baseline>, String>;
}

/// Manifests given as files (`check --containers --manifest ...`).
pub struct Files(pub HashMap<String, Baseline>);

impl ManifestSource for Files {
    fn manifest(&mut self, image_id: &str) -> Result<Option<Baseline>, String> {
        Ok(self.0.remove(image_id))
    }
}

/// One container and what judging it found.
pub struct Report {
    pub info: ContainerInfo,
    /// Each with `container` set to the container's id.
    pub deviations: Vec<Deviation>,
    /// Entries in its writable layer.
    pub upper_entries: usize,
    /// Its image, when it was verified against one.
    pub image: Option<Arc<judge::Image>>,
    /// Its root as the host sees it (`/proc/<pid>/root`).
    pub root: PathBuf,
}

/// What a container pass saw, for logs and metrics.
#[derive(Debug, Default)]
pub struct PassStats {
    pub containers: usize,
    pub images_verified: usize,
    pub duration: Duration,
}

/// Judges every container of the node, keeping what it learned of each
/// image (manifest, layer verdict) from pass to pass.
pub struct Containers {
    pub proc_dir: PathBuf,
    pub dirs: RuntimeDirs,
    source: Box<dyn ManifestSource + Send>,
    overrides: Option<PolicyFile>,
    /// By image id: its manifest, or why there is none.
    images: HashMap<String, Result<Arc<judge::Image>, String>>,
    /// Layer verdicts by (image id, lower dirs), with when they were made.
    layers: HashMap<(String, Vec<PathBuf>), (Vec<Deviation>, Instant)>,
    /// How long a layer verdict holds before the layers are hashed again.
    pub layer_interval: Duration,
    /// What judging one container may cost: past it the container is
    /// `error`, never clean, and the pass goes on to the next.
    pub budget: judge::Budget,
    /// The policy of a container with no image to judge it by: the
    /// overrides over no manifest's defaults.
    fallback: Policy,
}

impl Containers {
    pub fn new(
        proc_dir: PathBuf,
        dirs: RuntimeDirs,
        source: Box<dyn ManifestSource + Send>,
        overrides: Option<PolicyFile>,
    ) -> Containers {
        Containers {
            proc_dir,
            dirs,
            source,
            images: HashMap::new(),
            layers: HashMap::new(),
            layer_interval: Duration::from_secs(3600),
            budget: judge::Budget::default(),
            fallback: fallback_policy(overrides.as_ref()),
            overrides,
        }
    }

    /// Replaces the override policy: every image is compiled again.
    pub fn set_policy(&mut self, overrides: Option<PolicyFile>) {
        self.fallback = fallback_policy(overrides.as_ref());
        self.overrides = overrides;
        self.images.clear();
        self.layers.clear();
    }

    /// Forgets manifests that could not be had, so the next pass asks
    /// again (a manifest pushed since).
    pub fn retry_missing(&mut self) {
        self.images.retain(|_, v| v.is_ok());
    }

    fn image(&mut self, image_id: &str) -> Result<Arc<judge::Image>, String> {
        if let Some(known) = self.images.get(image_id) {
            return known.clone();
        }
        let got = match self.source.manifest(image_id) {
            Ok(Some(m)) if m.meta.image_id != image_id => Err(format!(
                "the manifest offered for image {image_id} is that of {}",
                m.meta.image_id
            )),
            Ok(Some(m)) => judge::Image::new(m, self.overrides.as_ref())
                .map(Arc::new)
                .map_err(|e| format!("policy: {e}")),
            Ok(None) => Err(format!("no manifest is registered for image {image_id}")),
            Err(e) => Err(format!(
                "the manifest of image {image_id} could not be fetched: {e}"
            )),
        };
        self.images.insert(image_id.to_string(), got.clone());
        got
    }

    /// Finds and judges every running container. `full` hashes the image
    /// layers again even when the last verdict is recent.
    pub fn pass(&mut self, full: bool) -> std::io::Result<(Vec<Report>, PassStats)> {
        let started = Instant::now();
        let found = discover::containers(&self.proc_dir)?;
        let mut meta = runtimes::Metadata::read(&self.dirs);
        for e in &meta.errors {
            tracing::warn!(error = %e, "container runtime metadata unreadable");
        }
        let mut reports = Vec::with_capacity(found.len());
        let mut stats = PassStats {
            containers: found.len(),
            ..PassStats::default()
        };
        if full {
            self.layers.clear();
        }
        self.layers
            .retain(|_, (_, at)| at.elapsed() < self.layer_interval);
        for f in found {
            let described = meta.describe(f.cgroup_id.as_deref(), &f.pids);
            let report = self.judge(&f, described, &mut stats);
            reports.push(report);
        }
        stats.duration = started.elapsed();
        Ok((reports, stats))
    }

    fn judge(
        &mut self,
        f: &discover::Found,
        described: Option<runtimes::Described>,
        stats: &mut PassStats,
    ) -> Report {
        let d = described.clone().unwrap_or_default();
        let id = Some(d.id.clone())
            .filter(|id| !id.is_empty())
            .or_else(|| f.cgroup_id.clone())
            .unwrap_or_else(|| format!("mntns:{}", ns_inode(&f.namespace)));
        let mut info = ContainerInfo {
            id: id.clone(),
            name: d.name.clone(),
            runtime: if described.is_some() {
                d.runtime.clone()
            } else {
                "unknown".into()
            },
            image: d.image.clone(),
            image_id: d.image_id.clone(),
            pod: d.pod.clone(),
            namespace: d.namespace.clone(),
            pod_container: d.pod_container.clone(),
            status: ContainerStatus::Verified as i32,
            started_unix_ms: f.started_unix_ms,
            processes: f.pids.len() as u32,
        };
        let mut deviations = Vec::new();
        const JUDGED: &str = "a container judged against its image's manifest";
        let mut upper_entries = 0;
        let mut verified_image = None;
        let image = if described.is_none() {
            Err(format!(
                "no known runtime (podman, CRI-O, docker, containerd) describes this container (mount namespace {}, pid {}): its image is unknown",
                f.namespace, f.leader
            ))
        } else if d.image_id.is_empty() {
            Err(format!(
                "the {} metadata does not name the image id of {:?}",
                d.runtime, d.image
            ))
        } else {
            self.image(&d.image_id)
        };
        match image {
            Err(why) => {
                info.status = ContainerStatus::Unverified as i32;
                deviations.push(self.fallback.scan_error("image", JUDGED, why));
            }
            Ok(image) => {
                verified_image = Some(image.clone());
                let procs = judge::processes(&image, &self.proc_dir, &f.pids, f.leader);
                for finding in procs.findings {
                    if image
                        .policy
                        .runtime_allowed(finding.kind, &finding.key)
                        .is_some()
                    {
                        continue;
                    }
                    deviations.push(Deviation {
                        kind: finding.kind as i32,
                        severity: image.policy.severity(
                            finding.kind,
                            &finding.key,
                            Default::default(),
                        ) as i32,
                        expected: "code from the image".into(),
                        key: finding.key,
                        actual: finding.actual,
                        ..Default::default()
                    });
                }
                if !procs.unreadable.is_empty() {
                    deviations.push(image.policy.scan_error(
                        "processes",
                        JUDGED,
                        format!("processes unreadable: {}", procs.unreadable.join("; ")),
                    ));
                }
                match &f.root {
                    Root::Overlay { lowers, upper } => {
                        let (devs, n) = judge::writable_layer(&image, upper, &f.mount_points, &self.budget);
                        deviations.extend(devs);
                        upper_entries = n;
                        let key = (d.image_id.clone(), lowers.clone());
                        if !self.layers.contains_key(&key) {
                            let verdict = judge::image_layers(&image, lowers, &self.budget);
                            stats.images_verified += 1;
                            if !verdict.is_empty() {
                                tracing::warn!(image = %d.image_id, deviations = verdict.len(), "image layers on disk differ from the manifest");
                            }
                            self.layers.insert(key.clone(), (verdict, Instant::now()));
                        }
                        deviations.extend(self.layers[&key].0.iter().cloned());
                    }
                    Root::Other(fstype) => deviations.push(image.policy.scan_error(
                        "files",
                        JUDGED,
                        format!("root is {fstype}, not an overlay: its writes cannot be told from its image"),
                    )),
                    Root::Unknown => deviations.push(image.policy.scan_error(
                        "files",
                        JUDGED,
                        "the root mount could not be read from mountinfo".into(),
                    )),
                }
            }
        }
        if info.status == ContainerStatus::Verified as i32
            && deviations
                .iter()
                .any(|d| d.kind == DeviationKind::ScanError as i32)
        {
            info.status = ContainerStatus::Error as i32;
        }
        for dev in &mut deviations {
            dev.container = id.clone();
        }
        deviations.sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
        deviations.dedup_by(|a, b| a.kind == b.kind && a.key == b.key);
        Report {
            info,
            deviations,
            upper_entries,
            image: verified_image,
            root: self.proc_dir.join(f.leader.to_string()).join("root"),
        }
    }
}

/// The policy for containers without an image to judge them by: the
/// overrides over empty defaults, or no rule at all when the overrides do
/// not compile (each image then reports that error itself).
fn fallback_policy(overrides: Option<&PolicyFile>) -> Policy {
    let defaults = plumb_proto::v1::PolicyDefaults::default();
    Policy::compile(&defaults, overrides)
        .or_else(|_| Policy::compile(&defaults, None))
        // Invariant: no defaults and no overrides hold no pattern that
        // could fail to compile.
        .expect("an empty policy compiles")
}

/// `4026532174` of `mnt:[4026532174]`.
fn ns_inode(ns: &str) -> &str {
    ns.trim_start_matches("mnt:[").trim_end_matches(']')
}

/// Reads manifests given on the command line into a [`Files`] source.
pub fn files_source(
    paths: &[impl AsRef<Path>],
) -> Result<Files, crate::manifest::ManifestFileError> {
    let mut map = HashMap::new();
    for p in paths {
        let m = crate::manifest::read(p.as_ref())?;
        map.insert(m.meta.image_id.clone(), m);
    }
    Ok(Files(map))
}

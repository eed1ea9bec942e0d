//! The daemon's container pass: every quick interval (and when the exec
//! monitor sees a process in a mount namespace it does not know), the
//! node's containers are found and judged ([`crate::containers`]), their
//! deviations replace the containers' part of the deviation set, and the
//! list goes to the collector when it changed.
//!
//! Manifests of container images come from the collector by image id
//! ([`crate::client::CollectorSource`]).

use std::path::PathBuf;

use plumb_proto::v1::{ContainerInfo, ContainerList};
use tokio::sync::watch;

use super::outbox::{DevKey, DeviationSet};
use crate::client::CollectorSource;
use crate::containers::{Containers, Report, RuntimeDirs};
use crate::manifest::now_ms;
use crate::policy::PolicyFile;

/// The container part of the scanner.
pub struct ContainerWatch {
    pub containers: Containers,
    list: watch::Sender<Option<ContainerList>>,
    passes: u64,
}

impl ContainerWatch {
    pub fn new(
        proc_dir: PathBuf,
        dirs: RuntimeDirs,
        source: CollectorSource,
        overrides: Option<PolicyFile>,
        list: watch::Sender<Option<ContainerList>>,
    ) -> ContainerWatch {
        ContainerWatch {
            containers: Containers::new(proc_dir, dirs, Box::new(source), overrides),
            list,
            passes: 0,
        }
    }

    /// Judges every container; replaces the containers' deviations in
    /// `current`. Returns how many containers run, and the reports without
    /// their deviations (for the exec monitor).
    pub fn pass(&mut self, current: &mut DeviationSet, full: bool) -> (usize, Vec<Report>) {
        self.passes += 1;
        // Images without a manifest are asked for again now and then: one
        // may have been pushed since.
        if self.passes % 10 == 0 {
            self.containers.retry_missing();
        }
        let (reports, stats) = match self.containers.pass(full) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "containers could not be listed; their deviations stay as they were");
                return (0, Vec::new());
            }
        };
        tracing::debug!(
            containers = stats.containers,
            images_verified = stats.images_verified,
            elapsed_ms = stats.duration.as_millis() as u64,
            "container pass"
        );
        current.retain(|k, _| k.container.is_empty());
        let mut infos: Vec<ContainerInfo> = Vec::with_capacity(reports.len());
        let mut kept = Vec::with_capacity(reports.len());
        for mut r in reports {
            for d in std::mem::take(&mut r.deviations) {
                current.insert(DevKey::of(&d), d);
            }
            infos.push(r.info.clone());
            kept.push(r);
        }
        infos.sort_by(|a, b| a.id.cmp(&b.id));
        let n = infos.len();
        self.list.send_if_modified(|old| {
            let same = old.as_ref().is_some_and(|o| o.containers == infos);
            if !same {
                *old = Some(ContainerList {
                    containers: infos,
                    observed_unix_ms: now_ms(),
                });
            }
            !same
        });
        (n, kept)
    }
}

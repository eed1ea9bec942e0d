//! What the container runtimes' own metadata says of a container found by
//! the kernel: its name, image and, for a pod's, the Kubernetes names.
//! Read only, each file bounded, never trusted for *what* runs (that is
//! the kernel's view): a container no runtime claims is still judged, as
//! `unknown`.
//!
//! - podman and CRI-O share containers/storage: `overlay-containers/
//!   containers.json` (id, names, image id) and each container's bundle
//!   `config.json` (annotations: CRI-O's Kubernetes names, libpod's
//!   manager mark).
//! - docker: `containers/<id>/config.v2.json` (name, image id, labels,
//!   dockershim's Kubernetes labels).
//! - containerd: the task bundle `io.containerd.runtime.v2.task/<ns>/<id>/
//!   config.json` (CRI annotations: image name, pod, namespace, container).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Largest metadata file read.
const MAX_METADATA: u64 = 64 << 20;

/// Where each runtime keeps its metadata (under a prefix where the host's
/// directories are mounted into the agent's container).
#[derive(Clone, Debug)]
pub struct RuntimeDirs {
    /// containers/storage's graph root (`/var/lib/containers/storage`).
    pub storage: PathBuf,
    /// containers/storage's run root (`/run/containers/storage`).
    pub storage_run: PathBuf,
    /// docker's data root (`/var/lib/docker`).
    pub docker: PathBuf,
    /// containerd's state dir (`/run/containerd`).
    pub containerd: PathBuf,
}

impl RuntimeDirs {
    /// The conventional places, under `prefix` (`/` on the host).
    pub fn under(prefix: &Path) -> RuntimeDirs {
        RuntimeDirs {
            storage: prefix.join("var/lib/containers/storage"),
            storage_run: prefix.join("run/containers/storage"),
            docker: prefix.join("var/lib/docker"),
            containerd: prefix.join("run/containerd"),
        }
    }
}

/// What a runtime says of one container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Described {
    pub runtime: String,
    pub name: String,
    pub image: String,
    /// `sha256:<config digest>`, when the metadata names it.
    pub image_id: String,
    pub pod: String,
    pub namespace: String,
    pub pod_container: String,
}

/// The runtimes' metadata, read once per pass.
#[derive(Default)]
pub struct Metadata {
    storage: HashMap<String, StorageContainer>,
    images: HashMap<String, StorageImage>,
    dirs: Option<RuntimeDirs>,
    /// Metadata files that exist but could not be read or parsed.
    pub errors: Vec<String>,
}

#[derive(Deserialize)]
struct StorageContainer {
    id: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    image: String,
    #[serde(default)]
    metadata: String,
}

#[derive(Deserialize)]
struct StorageImage {
    id: String,
    #[serde(default)]
    names: Vec<String>,
}

#[derive(Deserialize, Default)]
struct Bundle {
    #[serde(default)]
    annotations: HashMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerConfig {
    #[serde(default)]
    name: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    config: DockerRunConfig,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct DockerRunConfig {
    #[serde(default)]
    image: String,
    #[serde(default)]
    labels: Option<HashMap<String, String>>,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut bytes = Vec::new();
    file.take(MAX_METADATA + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_METADATA {
        return Err(format!(
            "{}: larger than {MAX_METADATA} bytes",
            path.display()
        ));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| format!("{}: invalid JSON: {e}", path.display()))
}

impl Metadata {
    /// Reads the runtimes' indexes present under `dirs`.
    pub fn read(dirs: &RuntimeDirs) -> Metadata {
        let mut m = Metadata {
            dirs: Some(dirs.clone()),
            ..Metadata::default()
        };
        match read_json::<Vec<StorageContainer>>(
            &dirs.storage.join("overlay-containers/containers.json"),
        ) {
            Ok(list) => {
                m.storage = list
                    .into_iter()
                    .flatten()
                    .map(|c| (c.id.clone(), c))
                    .collect()
            }
            Err(e) => m.errors.push(e),
        }
        match read_json::<Vec<StorageImage>>(&dirs.storage.join("overlay-images/images.json")) {
            Ok(list) => {
                m.images = list
                    .into_iter()
                    .flatten()
                    .map(|i| (i.id.clone(), i))
                    .collect()
            }
            Err(e) => m.errors.push(e),
        }
        m
    }

    /// What the runtimes say of the container with this id.
    pub fn describe(&mut self, id: &str) -> Option<Described> {
        if !is_id(id) {
            return None;
        }
        let dirs = self.dirs.clone()?;
        if self.storage.contains_key(id) {
            let bundle = self
                .bundle(
                    &dirs
                        .storage
                        .join(format!("overlay-containers/{id}/userdata/config.json")),
                )
                .or_else(|| {
                    self.bundle(
                        &dirs
                            .storage_run
                            .join(format!("overlay-containers/{id}/userdata/config.json")),
                    )
                })
                .unwrap_or_default();
            let c = &self.storage[id];
            let a = &bundle.annotations;
            let meta: HashMap<String, serde_json::Value> =
                serde_json::from_str(&c.metadata).unwrap_or_default();
            let image_name = meta
                .get("image-name")
                .and_then(|v| v.as_str())
                .map(String::from)
                .or_else(|| a.get("io.kubernetes.cri-o.ImageName").cloned())
                .or_else(|| {
                    self.images
                        .get(&c.image)
                        .and_then(|i| i.names.first().cloned())
                })
                .unwrap_or_default();
            let crio = a.contains_key("io.kubernetes.cri-o.ContainerID")
                || a.contains_key("io.kubernetes.pod.name");
            return Some(Described {
                runtime: if crio { "cri-o" } else { "podman" }.into(),
                name: a
                    .get("io.kubernetes.cri-o.Name")
                    .cloned()
                    .or_else(|| c.names.first().cloned())
                    .unwrap_or_default(),
                image: image_name,
                image_id: if is_id(&c.image) {
                    format!("sha256:{}", c.image)
                } else {
                    String::new()
                },
                pod: a.get("io.kubernetes.pod.name").cloned().unwrap_or_default(),
                namespace: a
                    .get("io.kubernetes.pod.namespace")
                    .cloned()
                    .unwrap_or_default(),
                pod_container: a
                    .get("io.kubernetes.container.name")
                    .cloned()
                    .unwrap_or_default(),
            });
        }
        match read_json::<DockerConfig>(
            &dirs.docker.join(format!("containers/{id}/config.v2.json")),
        ) {
            Ok(Some(d)) => {
                let labels = d.config.labels.unwrap_or_default();
                return Some(Described {
                    runtime: "docker".into(),
                    name: d.name.trim_start_matches('/').to_string(),
                    image: d.config.image,
                    image_id: if d.image.starts_with("sha256:") && is_id(&d.image[7..]) {
                        d.image
                    } else {
                        String::new()
                    },
                    pod: labels
                        .get("io.kubernetes.pod.name")
                        .cloned()
                        .unwrap_or_default(),
                    namespace: labels
                        .get("io.kubernetes.pod.namespace")
                        .cloned()
                        .unwrap_or_default(),
                    pod_container: labels
                        .get("io.kubernetes.container.name")
                        .cloned()
                        .unwrap_or_default(),
                });
            }
            Ok(None) => {}
            Err(e) => self.errors.push(e),
        }
        let tasks = dirs.containerd.join("io.containerd.runtime.v2.task");
        for ns in std::fs::read_dir(&tasks).into_iter().flatten().flatten() {
            let path = ns.path().join(id).join("config.json");
            if let Some(bundle) = self.bundle(&path) {
                let a = bundle.annotations;
                let get = |k: &str| a.get(k).cloned().unwrap_or_default();
                return Some(Described {
                    runtime: "containerd".into(),
                    name: get("io.kubernetes.cri.container-name"),
                    image: get("io.kubernetes.cri.image-name"),
                    // The CRI annotations name the image, not its id
                    // (that is in containerd's metadata database): the
                    // container is found, and reported unverified.
                    image_id: String::new(),
                    pod: get("io.kubernetes.cri.sandbox-name"),
                    namespace: get("io.kubernetes.cri.sandbox-namespace"),
                    pod_container: get("io.kubernetes.cri.container-name"),
                });
            }
        }
        None
    }

    fn bundle(&mut self, path: &Path) -> Option<Bundle> {
        match read_json::<Bundle>(path) {
            Ok(b) => b,
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }
}

/// 64 lowercase hex digits.
fn is_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "b04d5bf472e47c33da17b14bd47c76222793909f9a5c351cacbd535b6b8bdf80";
    const IMG: &str = "d6029b3fbebe47972d3ec987f561ddef7794f3a150a32b956bef79815eec70a7";

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn docker_metadata_names_the_container_image_and_pod() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = RuntimeDirs::under(dir.path());
        write(
            &dirs.docker.join(format!("containers/{ID}/config.v2.json")),
            &format!(
                r#"{{"Name":"/k8s_app_web-1","Image":"sha256:{IMG}","Config":{{"Image":"registry/app:1","Labels":{{"io.kubernetes.pod.name":"web-1","io.kubernetes.pod.namespace":"prod","io.kubernetes.container.name":"app"}}}}}}"#
            ),
        );
        let d = Metadata::read(&dirs).describe(ID).unwrap();
        assert_eq!(d.runtime, "docker");
        assert_eq!(d.image_id, format!("sha256:{IMG}"));
        assert_eq!((d.pod.as_str(), d.namespace.as_str()), ("web-1", "prod"));
    }

    #[test]
    fn containerd_cri_annotations_name_the_pod() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = RuntimeDirs::under(dir.path());
        write(
            &dirs.containerd.join(format!(
                "io.containerd.runtime.v2.task/k8s.io/{ID}/config.json"
            )),
            r#"{"annotations":{"io.kubernetes.cri.container-name":"app","io.kubernetes.cri.image-name":"registry/app:1","io.kubernetes.cri.sandbox-name":"web-1","io.kubernetes.cri.sandbox-namespace":"prod"}}"#,
        );
        let d = Metadata::read(&dirs).describe(ID).unwrap();
        assert_eq!(d.runtime, "containerd");
        assert_eq!(d.image, "registry/app:1");
        assert_eq!(d.image_id, "", "no id: the container is unverified");
        assert_eq!(d.pod, "web-1");
    }

    #[test]
    fn broken_metadata_is_an_error_not_a_crash_and_ids_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = RuntimeDirs::under(dir.path());
        write(
            &dirs.storage.join("overlay-containers/containers.json"),
            "[{]",
        );
        let mut m = Metadata::read(&dirs);
        assert!(m.errors[0].contains("invalid JSON"), "{:?}", m.errors);
        assert_eq!(m.describe("../../etc"), None);
        assert_eq!(m.describe(ID), None);
    }
}

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
//! - containerd: the task bundles `io.containerd.runtime.v2.task/<ns>/<id>/`
//!   in its state dir (`init.pid` ties a process to its task, whatever the
//!   id; `config.json` has the CRI annotations: pod, namespace, container),
//!   the container's image name and the image's target in its metadata
//!   database ([`super::bolt`]), and the image's manifest, which names its
//!   config, in its content store.

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
    /// containerd's root (`/var/lib/containerd`): metadata and content.
    pub containerd_root: PathBuf,
}

impl RuntimeDirs {
    /// The conventional places, under `prefix` (`/` on the host).
    pub fn under(prefix: &Path) -> RuntimeDirs {
        RuntimeDirs {
            storage: prefix.join("var/lib/containers/storage"),
            storage_run: prefix.join("run/containers/storage"),
            docker: prefix.join("var/lib/docker"),
            containerd: prefix.join("run/containerd"),
            containerd_root: prefix.join("var/lib/containerd"),
        }
    }
}

impl RuntimeDirs {
    /// containerd's root and state dir where they are not the usual ones.
    pub fn with_containerd(mut self, root: Option<PathBuf>, state: Option<PathBuf>) -> RuntimeDirs {
        if let Some(root) = root {
            self.containerd_root = root;
        }
        if let Some(state) = state {
            self.containerd = state;
        }
        self
    }
}

/// What a runtime says of one container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Described {
    /// The runtime's id of the container, when it is not the 64 hex digits
    /// of its cgroup (containerd names containers as its clients ask).
    pub id: String,
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
    /// containerd's running tasks: (namespace, id) by init pid.
    containerd_tasks: HashMap<u32, (String, String)>,
    /// containerd's metadata database, read once per pass when needed.
    containerd_db: Option<Result<super::bolt::Bolt, String>>,
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
    let file = match crate::scan::hash::open_regular(path) {
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
        m.containerd_tasks = containerd_tasks(&dirs.containerd);
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

    /// What the runtimes say of the container whose cgroup names `id`
    /// (64 hex digits) or whose processes are `pids`.
    pub fn describe(&mut self, id: Option<&str>, pids: &[u32]) -> Option<Described> {
        let id = id.filter(|id| is_id(id));
        let Some(id) = id else {
            return self.containerd(None, pids);
        };
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
                id: id.to_string(),
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
                    id: id.to_string(),
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
        self.containerd(Some(id), pids)
    }

    /// A containerd container: the task whose id is `id`, or whose init
    /// process is one of `pids`.
    fn containerd(&mut self, id: Option<&str>, pids: &[u32]) -> Option<Described> {
        let dirs = self.dirs.clone()?;
        let tasks = dirs.containerd.join("io.containerd.runtime.v2.task");
        let (ns, id) = pids
            .iter()
            .find_map(|p| self.containerd_tasks.get(p).cloned())
            .or_else(|| {
                let id = id?;
                self.containerd_tasks
                    .values()
                    .find(|(_, i)| i == id)
                    .cloned()
            })?;
        let bundle = self
            .bundle(&tasks.join(&ns).join(&id).join("config.json"))
            .unwrap_or_default();
        let a = bundle.annotations;
        let get = |k: &str| a.get(k).cloned().unwrap_or_default();
        let mut image = get("io.kubernetes.cri.image-name");
        let image_id = match self.containerd_image(&dirs, &ns, &id, &mut image) {
            Ok(image_id) => image_id,
            Err(e) => {
                self.errors
                    .push(format!("containerd container {ns}/{id}: {e}"));
                String::new()
            }
        };
        let name = get("io.kubernetes.cri.container-name");
        Some(Described {
            name: if name.is_empty() { id.clone() } else { name },
            id,
            runtime: "containerd".into(),
            image,
            image_id,
            pod: get("io.kubernetes.cri.sandbox-name"),
            namespace: get("io.kubernetes.cri.sandbox-namespace"),
            pod_container: get("io.kubernetes.cri.container-name"),
        })
    }

    /// The id (`sha256:` of its config) of the image containerd's
    /// metadata says container `ns/id` runs; `image` is filled with the
    /// image's name when the bundle did not give it.
    fn containerd_image(
        &mut self,
        dirs: &RuntimeDirs,
        ns: &str,
        id: &str,
        image: &mut String,
    ) -> Result<String, String> {
        let db_path = dirs
            .containerd_root
            .join("io.containerd.metadata.v1.bolt/meta.db");
        let db = self.containerd_db.get_or_insert_with(|| {
            read_bounded(&db_path, MAX_CONTAINERD_DB).and_then(super::bolt::Bolt::new)
        });
        let db = db
            .as_ref()
            .map_err(|e| format!("{}: {e}", db_path.display()))?;
        let v1 = db.root().path(&[b"v1", ns.as_bytes()])?;
        let Some(v1) = v1 else {
            return Err(format!("namespace {ns} is not in the metadata database"));
        };
        let container = v1.path(&[b"containers", id.as_bytes()])?;
        let name = container
            .and_then(|c| c.get(b"image").transpose())
            .transpose()?
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        if image.is_empty() {
            *image = name.clone();
        }
        let wanted = if name.is_empty() { image.clone() } else { name };
        if wanted.is_empty() {
            return Err("its metadata names no image".into());
        }
        let target = v1
            .path(&[b"images", wanted.as_bytes(), b"target"])?
            .ok_or_else(|| format!("image {wanted} is not in the metadata database"))?;
        let digest = target
            .get(b"digest")?
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .ok_or_else(|| format!("image {wanted} has no target digest"))?;
        config_of(&dirs.containerd_root, &digest, 0)
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

/// Largest containerd metadata database read.
const MAX_CONTAINERD_DB: u64 = 256 << 20;
/// Largest image index or manifest read from containerd's content store.
const MAX_CONTAINERD_DOCUMENT: u64 = 4 << 20;
/// Most containerd tasks looked at.
const MAX_CONTAINERD_TASKS: usize = 20_000;

/// containerd's running tasks, (namespace, id) by the pid in their
/// bundle's `init.pid`.
fn containerd_tasks(state: &Path) -> HashMap<u32, (String, String)> {
    let mut tasks = HashMap::new();
    let root = state.join("io.containerd.runtime.v2.task");
    for ns in std::fs::read_dir(root).into_iter().flatten().flatten() {
        for task in std::fs::read_dir(ns.path()).into_iter().flatten().flatten() {
            if tasks.len() >= MAX_CONTAINERD_TASKS {
                return tasks;
            }
            let pid = read_bounded(&task.path().join("init.pid"), 32)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| t.trim().parse::<u32>().ok());
            if let Some(pid) = pid {
                let name = |e: &std::fs::DirEntry| e.file_name().to_string_lossy().into_owned();
                tasks.insert(pid, (name(&ns), name(&task)));
            }
        }
    }
    tasks
}

/// `path`'s bytes, refused past `max`.
fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file =
        crate::scan::hash::open_regular(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        return Err(format!("{}: larger than {max} bytes", path.display()));
    }
    Ok(bytes)
}

#[derive(Deserialize)]
struct OciDocument {
    #[serde(default)]
    manifests: Vec<OciDescriptor>,
    config: Option<OciDescriptor>,
}

#[derive(Deserialize)]
struct OciDescriptor {
    digest: String,
    platform: Option<OciPlatform>,
}

#[derive(Deserialize)]
struct OciPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
}

/// The architecture as image platforms name it.
fn oci_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

/// The config digest of the image whose manifest or index is `digest` in
/// containerd's content store (an index's entry for this host's platform).
fn config_of(root: &Path, digest: &str, depth: usize) -> Result<String, String> {
    let hex = digest
        .strip_prefix("sha256:")
        .filter(|h| is_id(h))
        .ok_or_else(|| format!("target digest {digest:?} is not sha256:<64 hex digits>"))?;
    let path = root.join(format!(
        "io.containerd.content.v1.content/blobs/sha256/{hex}"
    ));
    let bytes = read_bounded(&path, MAX_CONTAINERD_DOCUMENT)?;
    let actual = crate::image::archive::sha256_id(&bytes);
    if actual != digest {
        return Err(format!(
            "{}: hashes to {actual}: the content store was altered",
            path.display()
        ));
    }
    let doc: OciDocument = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: invalid JSON: {e}", path.display()))?;
    if let Some(config) = doc.config {
        return Ok(config.digest);
    }
    if depth > 2 {
        return Err(format!("{}: indexes nested too deep", path.display()));
    }
    let entry = match doc.manifests.as_slice() {
        [one] => one,
        many => many
            .iter()
            .find(|m| {
                m.platform
                    .as_ref()
                    .is_some_and(|p| p.os == "linux" && p.architecture == oci_arch())
            })
            .ok_or_else(|| {
                format!(
                    "{}: the index has no manifest for linux/{}",
                    path.display(),
                    oci_arch()
                )
            })?,
    };
    config_of(root, &entry.digest, depth + 1)
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
        let d = Metadata::read(&dirs).describe(Some(ID), &[7]).unwrap();
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
        write(
            &dirs.containerd.join(format!(
                "io.containerd.runtime.v2.task/k8s.io/{ID}/init.pid"
            )),
            "4242",
        );
        let mut m = Metadata::read(&dirs);
        let d = m.describe(Some(ID), &[4242]).unwrap();
        assert_eq!(d.runtime, "containerd");
        assert_eq!(d.image, "registry/app:1");
        assert_eq!(
            d.image_id, "",
            "no metadata database: the container is unverified"
        );
        assert!(m.errors[0].contains("meta.db"), "{:?}", m.errors);
        assert_eq!(d.pod, "web-1");
        // Found by its init pid too, whatever its id.
        let by_pid = m.describe(None, &[1, 4242]).unwrap();
        assert_eq!(by_pid.id, ID);
        assert_eq!(m.describe(None, &[1]), None);
    }

    #[test]
    fn containerd_content_gives_the_config_of_this_platform_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = dir
            .path()
            .join("io.containerd.content.v1.content/blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        let put = |bytes: &[u8]| {
            let id = crate::image::archive::sha256_id(bytes);
            std::fs::write(blobs.join(&id[7..]), bytes).unwrap();
            id
        };
        let manifest = |config: &str| {
            put(
                format!(r#"{{"schemaVersion":2,"config":{{"digest":"{config}"}},"layers":[]}}"#)
                    .as_bytes(),
            )
        };
        let ours = format!("sha256:{IMG}");
        let theirs = format!("sha256:{ID}");
        let (m_ours, m_theirs) = (manifest(&ours), manifest(&theirs));
        let index = put(
            format!(
                r#"{{"manifests":[{{"digest":"{m_theirs}","platform":{{"os":"linux","architecture":"s390x"}}}},{{"digest":"{m_ours}","platform":{{"os":"linux","architecture":"{}"}}}}]}}"#,
                oci_arch()
            )
            .as_bytes(),
        );
        assert_eq!(config_of(dir.path(), &m_ours, 0).unwrap(), ours);
        assert_eq!(config_of(dir.path(), &index, 0).unwrap(), ours);
        // A document that does not hash to its name is refused.
        std::fs::write(blobs.join(&m_ours[7..]), b"{}").unwrap();
        let err = config_of(dir.path(), &index, 0).unwrap_err();
        assert!(err.contains("content store was altered"), "{err}");
        assert!(config_of(dir.path(), "sha256:../../x", 0).is_err());
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
        assert_eq!(m.describe(Some("../../etc"), &[]), None);
        assert_eq!(m.describe(Some(ID), &[]), None);
    }
}

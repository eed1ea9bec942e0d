//! Finding the node's containers from the kernel's side: every process
//! whose mount namespace is not init's and whose root is not the host's,
//! grouped by mount namespace, with the root overlay read from the
//! process's own `mountinfo`. Nothing the container says about itself is
//! asked; the runtime's metadata ([`super::runtimes`]) only names what
//! was found.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::scan::runtime::read_bounded;

/// One container as the kernel shows it.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// `mnt:[4026532174]`: what groups its processes.
    pub namespace: String,
    pub pids: Vec<u32>,
    /// The lowest pid: the container's first process, whose mountinfo and
    /// cgroup are read.
    pub leader: u32,
    /// 64 hex digits found in the leader's cgroup path (libpod-, docker-,
    /// cri-containerd-, crio- scopes), when there is one.
    pub cgroup_id: Option<String>,
    pub root: Root,
    /// Every mount point inside the container (`/etc/hosts`, `/proc`,
    /// volumes): what the runtime put there is not the image's.
    pub mount_points: Vec<Vec<u8>>,
    /// When the leader started (from its `/proc` entry).
    pub started_unix_ms: i64,
}

/// The container's root filesystem.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Root {
    /// An overlay: image layers below (top first), the writable layer.
    Overlay {
        lowers: Vec<PathBuf>,
        upper: PathBuf,
    },
    /// Another filesystem (`fstype`): its writes cannot be told from its
    /// image, so the container is not verified.
    Other(String),
    #[default]
    Unknown,
}

/// Every container on the node, by mount namespace.
pub fn containers(proc_dir: &Path) -> std::io::Result<Vec<Found>> {
    // Init's view is the host's. Where init is out of the agent's reach
    // (a sandbox whose init holds more privileges), the agent's own is.
    let init_ns = std::fs::read_link(proc_dir.join("1/ns/mnt"))
        .or_else(|_| std::fs::read_link(proc_dir.join("self/ns/mnt")))?;
    let host_root = std::fs::metadata(proc_dir.join("1/root"))
        .or_else(|_| std::fs::metadata(proc_dir.join("self/root")))
        .map(|m| (m.dev(), m.ino()))
        .ok();
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for entry in std::fs::read_dir(proc_dir)? {
        let Some(pid) = entry
            .ok()
            .and_then(|e| e.file_name().to_str()?.parse::<u32>().ok())
        else {
            continue;
        };
        let dir = proc_dir.join(pid.to_string());
        let Ok(ns) = std::fs::read_link(dir.join("ns/mnt")) else {
            continue; // exited, or a kernel thread
        };
        if ns == init_ns {
            continue;
        }
        // Kernel threads (kdevtmpfs has a mount namespace of its own) run
        // no executable.
        if matches!(std::fs::read_link(dir.join("exe")), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
        {
            continue;
        }
        // A host service in a private mount namespace (systemd's
        // PrivateTmp) still has the host's root: it is the host's.
        let root = std::fs::metadata(dir.join("root"))
            .map(|m| (m.dev(), m.ino()))
            .ok();
        if root.is_some() && root == host_root {
            continue;
        }
        groups
            .entry(ns.to_string_lossy().into_owned())
            .or_default()
            .push(pid);
    }
    // Overlay dirs in mountinfo are paths of the host's mount namespace:
    // an agent in a container of its own (a DaemonSet with the host's pid
    // namespace) reaches them through init's root.
    let own_ns = std::fs::read_link(proc_dir.join("self/ns/mnt")).ok();
    let host_view = (own_ns.as_ref() != Some(&init_ns)).then(|| proc_dir.join("1/root"));
    Ok(groups
        .into_iter()
        .filter_map(|(namespace, mut pids)| {
            pids.sort_unstable();
            let leader = pids[0];
            let dir = proc_dir.join(leader.to_string());
            let mountinfo = read_bounded(&dir.join("mountinfo")).ok()?;
            let (mut root, mount_points) = parse_mountinfo(&mountinfo);
            if let (Some(view), Root::Overlay { lowers, upper }) = (&host_view, &mut root) {
                let under = |p: &Path| view.join(p.strip_prefix("/").unwrap_or(p));
                *upper = under(upper);
                for l in lowers.iter_mut() {
                    *l = under(l);
                }
            }
            let cgroup = read_bounded(&dir.join("cgroup")).unwrap_or_default();
            let started_unix_ms = std::fs::metadata(&dir)
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis() as i64);
            Some(Found {
                namespace,
                pids,
                leader,
                cgroup_id: container_id_in_cgroup(&cgroup),
                root,
                mount_points,
                started_unix_ms,
            })
        })
        .collect())
}

/// The 64-hex container id in a `/proc/<pid>/cgroup` text: the last one
/// on the first line that has one (`…/libpod-<id>`, `…/docker-<id>.scope`,
/// `…/cri-containerd-<id>.scope`, `…/crio-<id>.scope`, `/docker/<id>`).
pub fn container_id_in_cgroup(text: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(text);
    for line in text.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        let found = path
            .split(|c: char| !c.is_ascii_hexdigit())
            .rfind(|t| t.len() == 64);
        if let Some(id) = found {
            return Some(id.to_ascii_lowercase());
        }
    }
    None
}

/// The root mount and every mount point of a `mountinfo` text.
pub fn parse_mountinfo(text: &[u8]) -> (Root, Vec<Vec<u8>>) {
    let mut root = Root::Unknown;
    let mut points = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let fields: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == b"-") else {
            continue;
        };
        if fields.len() < sep + 4 || sep < 5 {
            continue;
        }
        let point = unescape(fields[4]);
        if point == b"/" {
            // The last mount on `/` is the one the container sees.
            let fstype = String::from_utf8_lossy(fields[sep + 1]).into_owned();
            root = if fstype == "overlay" {
                overlay_dirs(&unescape(fields[sep + 3])).unwrap_or(Root::Other(fstype))
            } else {
                Root::Other(fstype)
            };
        } else {
            points.push(point);
        }
    }
    (root, points)
}

/// `lowerdir=a:b,upperdir=c,...` (and the kernel's `lowerdir+=` form).
fn overlay_dirs(options: &[u8]) -> Option<Root> {
    use std::os::unix::ffi::OsStrExt;
    let mut lowers = Vec::new();
    let mut upper = None;
    for opt in options.split(|&b| b == b',') {
        if let Some(v) = opt.strip_prefix(b"lowerdir=") {
            lowers.extend(split_lowers(v));
        } else if let Some(v) = opt.strip_prefix(b"lowerdir+=") {
            lowers.push(v.to_vec());
        } else if let Some(v) = opt.strip_prefix(b"upperdir=") {
            upper = Some(v.to_vec());
        }
    }
    let path = |b: Vec<u8>| PathBuf::from(std::ffi::OsStr::from_bytes(&b));
    Some(Root::Overlay {
        lowers: lowers.into_iter().map(path).collect(),
        upper: path(upper?),
    })
}

/// Lower dirs are `:`-separated; a `\:` is a colon in a name.
fn split_lowers(v: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    let mut escaped = false;
    for &b in v {
        match (escaped, b) {
            (false, b'\\') => escaped = true,
            (false, b':') => out.push(Vec::new()),
            _ => {
                escaped = false;
                out.last_mut().expect("one part").push(b);
            }
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\' && i + 3 < field.len() {
            let octal = &field[i + 1..i + 4];
            if octal.iter().all(|c| (b'0'..=b'7').contains(c)) {
                let v = octal
                    .iter()
                    .fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
                out.push(v as u8);
                i += 4;
                continue;
            }
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_overlay_and_mount_points_come_from_mountinfo() {
        let text = b"76 51 0:41 / / rw,relatime - overlay overlay rw,lowerdir=/s/l/A:/s/l/B,upperdir=/s/c/diff,workdir=/s/c/work,uuid=on\n\
77 76 0:44 / /proc rw - proc proc rw\n\
82 76 254:0 /run/x/hosts /etc/hosts rw - ext4 /dev/vda rw\n\
90 76 254:0 /v /srv/my\\040data rw - ext4 /dev/vda rw\n";
        let (root, points) = parse_mountinfo(text);
        assert_eq!(
            root,
            Root::Overlay {
                lowers: vec!["/s/l/A".into(), "/s/l/B".into()],
                upper: "/s/c/diff".into()
            }
        );
        assert_eq!(
            points,
            vec![
                b"/proc".to_vec(),
                b"/etc/hosts".to_vec(),
                b"/srv/my data".to_vec()
            ]
        );
        let (root, _) = parse_mountinfo(b"1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
        assert_eq!(root, Root::Other("ext4".into()));
    }

    #[test]
    fn container_ids_are_read_from_every_runtime_cgroup_layout() {
        let id = "b04d5bf472e47c33da17b14bd47c76222793909f9a5c351cacbd535b6b8bdf80";
        for line in [
            format!("0::/libpod_parent/libpod-{id}"),
            format!("0::/system.slice/docker-{id}.scope"),
            format!("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-{id}.scope"),
            format!("12:pids:/docker/{id}"),
        ] {
            assert_eq!(
                container_id_in_cgroup(line.as_bytes()).as_deref(),
                Some(id),
                "{line}"
            );
        }
        assert_eq!(
            container_id_in_cgroup(b"0::/user.slice/session-1.scope"),
            None
        );
    }
}

//! Every exec, as it happens: fanotify `FAN_OPEN_EXEC` on each of the
//! node's filesystems and each container's root overlay. The kernel hands
//! over a descriptor of the file being executed with each event, so even
//! a process that exits at once is judged, by the content it ran: a file
//! that is not the image's (at a path the manifest lacks, or with other
//! content) is a `process_unexpected` deviation, an anonymous or deleted
//! file whose content is none of the image's a `process_memfd` /
//! `process_deleted` one.
//!
//! Needs `CAP_SYS_ADMIN`; without it [`ExecMonitor::start`] fails and the
//! daemon keeps to its periodic process scan. Notification only
//! (`FAN_CLASS_NOTIF`): no exec ever waits for the agent.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use nix::sys::fanotify::{EventFFlags, Fanotify, InitFlags, MarkFlags, MaskFlags};
use plumb_proto::v1::{Deviation, DeviationKind};
use sha2::{Digest, Sha256};

use crate::policy::Policy;
use crate::scan::runtime::KnownFiles;

/// Filesystems whose files can be executed and that are marked.
const MARKED_FSTYPES: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "overlay", "vfat", "f2fs", "zfs", "ramfs",
    "squashfs", "erofs", "fuseblk",
];

/// Verdicts remembered (by file version and path) before the memory is
/// dropped and files are hashed again.
const MAX_VERDICTS: usize = 20_000;
/// After a batch, the monitor lets events gather this long before it waits
/// on the queue again: an exec that finds no one waiting queues its event
/// without waking a thread on another core, which on a virtual machine
/// costs the exec more than the event itself. Latency stays far under the
/// second an exec has to reach the collector; the kernel's queue (16,384
/// events) holds what a burst brings meanwhile.
const GATHER: std::time::Duration = std::time::Duration::from_millis(20);

/// Events one read returns at most: nix reads 4,096 bytes, and an
/// event's header is 24.
const FULL_READ: usize = 4096 / 24;

/// Largest executable hashed; a larger one is judged by path alone.
const MAX_HASHED: u64 = 1 << 30;

/// What execs are judged against: the node's or one image's files.
pub struct World {
    pub known: Arc<KnownFiles>,
    /// Contents of the image's regular files: an anonymous file that holds
    /// one of them (runc runs a sealed copy of itself) is the image's code.
    pub digests: Arc<HashSet<[u8; 32]>>,
    pub policy: Arc<Policy>,
    /// The container the world is, empty for the node.
    pub container: String,
}

/// Which world each filesystem's execs belong to.
#[derive(Default)]
pub struct Worlds {
    pub host: Option<Arc<World>>,
    /// The node's root as the agent sees it (`/`, or where the host's root
    /// is mounted): only execs of files below it are the node's.
    pub root: PathBuf,
    /// Container root overlays by device.
    pub containers: HashMap<u64, Arc<World>>,
}

/// The fanotify group, shared by the thread that reads it and the
/// container pass that marks new containers' roots.
pub struct ExecMonitor {
    fan: Fanotify,
    marked: std::sync::Mutex<HashSet<u64>>,
}

impl ExecMonitor {
    /// Opens the group and marks every filesystem mounted in the agent's
    /// mount namespace; fails without `CAP_SYS_ADMIN`. The kernel's queue
    /// for the group is bounded (`fs.fanotify.max_queued_events`, 16,384
    /// by default): a flood of execs costs the node that much memory at
    /// most, and what does not fit is reported as an overflow, which
    /// [`ExecMonitor::run`] turns into a deviation.
    pub fn start() -> Result<ExecMonitor, String> {
        let fan = Fanotify::init(
            InitFlags::FAN_CLASS_NOTIF | InitFlags::FAN_CLOEXEC,
            EventFFlags::O_RDONLY | EventFFlags::O_LARGEFILE | EventFFlags::O_CLOEXEC,
        )
        .map_err(|e| format!("fanotify_init: {e} (exec monitoring needs CAP_SYS_ADMIN)"))?;
        let monitor = ExecMonitor {
            fan,
            marked: Default::default(),
        };
        let mountinfo = std::fs::read("/proc/self/mountinfo")
            .map_err(|e| format!("/proc/self/mountinfo: {e}"))?;
        let mut marked = 0;
        for (point, fstype) in mounts(&mountinfo) {
            if MARKED_FSTYPES.contains(&fstype.as_str()) && monitor.mark(&point).is_ok() {
                marked += 1;
            }
        }
        if marked == 0 {
            return Err("no filesystem could be marked".into());
        }
        tracing::info!(filesystems = marked, "exec monitor started (fanotify)");
        Ok(monitor)
    }

    /// Marks the filesystem `path` is on (once per device).
    pub fn mark(&self, path: &Path) -> Result<(), String> {
        let dev = std::fs::metadata(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .dev();
        let mut marked = self.marked.lock().unwrap_or_else(|e| e.into_inner());
        if marked.contains(&dev) {
            return Ok(());
        }
        self.fan
            .mark(
                MarkFlags::FAN_MARK_ADD | MarkFlags::FAN_MARK_FILESYSTEM,
                MaskFlags::FAN_OPEN_EXEC,
                nix::fcntl::AT_FDCWD,
                Some(path),
            )
            .map_err(|e| format!("fanotify_mark {}: {e}", path.display()))?;
        marked.insert(dev);
        Ok(())
    }

    /// Reads events until `stop` is set, judging each; `found` gets every
    /// deviation as it is judged.
    pub fn run(
        &self,
        worlds: &RwLock<Worlds>,
        stop: &std::sync::atomic::AtomicBool,
        mut found: impl FnMut(Vec<Deviation>, usize),
    ) {
        let mut verdicts: HashMap<(crate::scan::hash::StatKey, Vec<u8>), Verdict> = HashMap::new();
        let own_pid = std::process::id() as i32;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let mut fds = [nix::poll::PollFd::new(
                self.fan_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            match nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(500u16)) {
                Ok(0) => continue,
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "exec monitor stopped: poll failed");
                    return;
                }
            }
            let events = match self.fan.read_events() {
                Ok(e) => e,
                Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "exec monitor stopped: read failed");
                    return;
                }
            };
            let worlds = worlds.read().unwrap_or_else(|e| e.into_inner());
            // An exec in a container is reported twice: on its overlay and
            // on the lower filesystem that backs the file. The overlay's
            // event speaks for both.
            let in_container: HashSet<i32> = events
                .iter()
                .filter_map(|e| {
                    let st = rustix::fs::fstat(e.fd()?).ok()?;
                    worlds
                        .containers
                        .contains_key(&(st.st_dev as u64))
                        .then_some(e.pid())
                })
                .collect();
            let mut out = Vec::new();
            let judged = events.len();
            for event in &events {
                let Some(fd) = event.fd() else {
                    // Execs went unjudged: a deviation the ledger keeps, so
                    // a flood cannot hide one exec without a trace.
                    tracing::warn!("exec monitor queue overflowed: some execs were not seen");
                    let what =
                        "the kernel's exec event queue overflowed: some execs were not judged";
                    let expected = "every exec judged as it happens";
                    let mut d = match &worlds.host {
                        Some(host) => host.policy.scan_error("exec-queue", expected, what.into()),
                        // No node world (a container-only agent).
                        None => crate::policy::Policy::unruled_scan_error(
                            "exec-queue",
                            expected,
                            what.into(),
                        ),
                    };
                    d.changes = vec!["exec".into()];
                    out.push(d);
                    continue;
                };
                if event.pid() == own_pid {
                    continue;
                }
                let Ok(st) = rustix::fs::fstat(fd) else {
                    continue;
                };
                let dev = st.st_dev;
                let world = match worlds.containers.get(&dev) {
                    Some(w) => w.clone(),
                    None if in_container.contains(&event.pid()) => continue,
                    None => match &worlds.host {
                        Some(h) => h.clone(),
                        None => continue,
                    },
                };
                let Some(path) = fd_path(fd) else { continue };
                let rel = if world.container.is_empty() {
                    match node_path(&path, &worlds.root) {
                        Some(p) => p,
                        // Not a file of the node's root (a test's fixture
                        // root, a host path outside a mounted root).
                        None => continue,
                    }
                } else {
                    container_path(&path)
                };
                let key = crate::scan::hash::StatKey::of(&st);
                let verdict = verdicts
                    .entry((key, rel.clone()))
                    .or_insert_with(|| judge(&world, fd, &rel, st.st_nlink, st.st_size as u64))
                    .clone();
                if verdicts.len() > MAX_VERDICTS {
                    verdicts.clear();
                }
                let Some((kind, key)) = verdict else { continue };
                if world.policy.runtime_allowed(kind, &key).is_some() {
                    continue;
                }
                out.push(Deviation {
                    kind: kind as i32,
                    severity: world.policy.severity(kind, &key, Default::default()) as i32,
                    expected: "code from the image".into(),
                    actual: describe(event.pid()),
                    key,
                    container: world.container.clone(),
                    changes: vec!["exec".into()],
                    ..Default::default()
                });
            }
            drop(worlds);
            found(out, judged);
            // A read short of full drained the queue: wait a little for
            // more to come together. A full one may have left more
            // behind, and the queue is bounded: read on at once.
            if judged < FULL_READ {
                std::thread::sleep(GATHER);
            }
        }
    }

    fn fan_fd(&self) -> BorrowedFd<'_> {
        self.fan.as_fd()
    }
}

/// `(kind, key)` when the file executed is not the image's code.
type Verdict = Option<(DeviationKind, String)>;

/// The [`Verdict`] on one file executed.
fn judge(world: &World, fd: BorrowedFd<'_>, path: &[u8], nlink: u64, size: u64) -> Verdict {
    let text = String::from_utf8_lossy(path).into_owned();
    let anonymous = nlink == 0 || text.starts_with("/memfd:") || text.ends_with(" (deleted)");
    if anonymous {
        // runc execs a sealed copy of itself: the image's content.
        if digest(fd, size).is_some_and(|d| world.digests.contains(&d)) {
            return None;
        }
        return Some(if text.starts_with("/memfd:") {
            let name = text
                .trim_start_matches("/memfd:")
                .trim_end_matches(" (deleted)");
            (DeviationKind::ProcessMemfd, format!("memfd:{name}"))
        } else {
            (
                DeviationKind::ProcessDeleted,
                text.trim_end_matches(" (deleted)").to_string(),
            )
        });
    }
    match world.known.digest(path) {
        None => Some((DeviationKind::ProcessUnexpected, text)),
        Some(None) => None,
        Some(Some(want)) => {
            if size > MAX_HASHED || digest(fd, size) == Some(want) {
                None
            } else {
                Some((DeviationKind::ProcessUnexpected, text))
            }
        }
    }
}

/// SHA-256 of what `fd` holds, read from its start through its own
/// descriptor (`/proc/self/fd`), never by path.
fn digest(fd: BorrowedFd<'_>, size: u64) -> Option<[u8; 32]> {
    if size > MAX_HASHED {
        return None;
    }
    let mut file = std::fs::File::open(format!("/proc/self/fd/{}", fd.as_raw_fd())).ok()?;
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
    }
    Some(sha.finalize().into())
}

fn fd_path(fd: BorrowedFd<'_>) -> Option<Vec<u8>> {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .ok()
        .map(|p| p.as_os_str().as_bytes().to_vec())
}

/// A path the agent sees as the node's manifest path, when it is under
/// the node's root.
fn node_path(path: &[u8], root: &Path) -> Option<Vec<u8>> {
    let root = root.as_os_str().as_bytes();
    let root = root.strip_suffix(b"/").unwrap_or(root);
    if root.is_empty() {
        return Some(path.to_vec());
    }
    let rest = path.strip_prefix(root)?;
    rest.starts_with(b"/").then(|| rest.to_vec())
}

/// A container's file as its manifest names it: the overlay's merged
/// directory is left out when the mount is visible to the agent.
fn container_path(path: &[u8]) -> Vec<u8> {
    const MERGED: &[u8] = b"/merged/";
    match path.windows(MERGED.len()).position(|w| w == MERGED) {
        Some(i) if path.starts_with(b"/var/lib/") || path.starts_with(b"/run/") => {
            path[i + MERGED.len() - 1..].to_vec()
        }
        _ => path.to_vec(),
    }
}

/// Who ran it, while it still can be read.
fn describe(pid: i32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
    };
    match field("Name:") {
        Some(name) => format!(
            "exec pid={pid} name={name} uid={} ppid={}",
            field("Uid:").unwrap_or_default(),
            field("PPid:").unwrap_or_default()
        ),
        None => format!("exec pid={pid} (exited before it could be described)"),
    }
}

/// (mount point, fstype) of every mount in a mountinfo text.
fn mounts(text: &[u8]) -> Vec<(PathBuf, String)> {
    let text = String::from_utf8_lossy(text);
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let sep = fields.iter().position(|f| *f == "-")?;
            let point = fields.get(4)?.replace("\\040", " ");
            Some((PathBuf::from(point), fields.get(sep + 1)?.to_string()))
        })
        .collect()
}

impl World {
    /// The world of a container of `image`.
    pub fn of_image(image: &crate::containers::judge::Image, container: String) -> World {
        World {
            known: image.known.clone(),
            digests: image.digests.clone(),
            policy: image.policy.clone(),
            container,
        }
    }

    /// The world of a manifest's files.
    pub fn of(
        manifest: &crate::manifest::Baseline,
        policy: Arc<Policy>,
        container: String,
    ) -> World {
        use plumb_proto::v1::FileType;
        let regular = || {
            manifest
                .files
                .iter()
                .filter(|f| f.file_type == FileType::Regular)
        };
        World {
            known: Arc::new(KnownFiles::new(regular().map(|f| (&*f.path, f.sha256)))),
            digests: Arc::new(
                regular()
                    .filter(|f| f.mode & 0o111 != 0)
                    .filter_map(|f| f.sha256)
                    .collect(),
            ),
            policy,
            container,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn paths_map_to_the_node_and_to_containers() {
        assert_eq!(
            node_path(b"/usr/bin/ls", Path::new("/")),
            Some(b"/usr/bin/ls".to_vec())
        );
        assert_eq!(
            node_path(b"/host/usr/bin/ls", Path::new("/host")),
            Some(b"/usr/bin/ls".to_vec())
        );
        assert_eq!(node_path(b"/hostile/x", Path::new("/host")), None);
        assert_eq!(
            container_path(b"/var/lib/containers/storage/overlay/abc/merged/tmp/x"),
            b"/tmp/x"
        );
        assert_eq!(container_path(b"/tmp/x"), b"/tmp/x");
    }

    /// More execs than the kernel queues while the reader is behind: the
    /// kernel reports the overflow, and the overflow is a deviation, not a
    /// silent gap.
    #[test]
    fn an_overflowing_exec_queue_is_a_deviation() {
        let monitor = match ExecMonitor::start() {
            Ok(m) => m,
            Err(e) => {
                eprintln!("skipped: {e}");
                return;
            }
        };
        let limit: usize = std::fs::read_to_string("/proc/sys/fs/fanotify/max_queued_events")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(16_384);
        assert!(
            limit <= 100_000,
            "a queue of {limit} events: too many execs to fill here"
        );
        // Nobody reads the group while these run: each exec is queued.
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..limit / 2 + 500 {
                        let ok = std::process::Command::new("/bin/true").status();
                        assert!(ok.map(|s| s.success()).unwrap_or(false));
                    }
                });
            }
        });
        let worlds = RwLock::new(Worlds::default());
        let stop = AtomicBool::new(false);
        let done = AtomicBool::new(false);
        let mut found = Vec::new();
        std::thread::scope(|s| {
            // The reader stops once it has reported the overflow, or after
            // 60 s whatever it read.
            s.spawn(|| {
                let deadline = Instant::now() + Duration::from_secs(60);
                while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(50));
                }
                stop.store(true, Ordering::Relaxed);
            });
            monitor.run(&worlds, &stop, |devs, _| {
                if devs.iter().any(|d| d.key == "exec-queue") {
                    done.store(true, Ordering::Relaxed);
                }
                found.extend(devs);
            });
            done.store(true, Ordering::Relaxed);
        });
        let overflow = found
            .iter()
            .find(|d| d.key == "exec-queue")
            .expect("the overflow reported as a deviation");
        assert_eq!(overflow.kind, DeviationKind::ScanError as i32);
        // A scan_error's severity is the policy's: critical unless a rule
        // names it.
        assert_eq!(
            overflow.severity,
            plumb_proto::v1::Severity::Critical as i32
        );
    }
}

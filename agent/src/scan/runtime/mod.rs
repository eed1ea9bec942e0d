//! Runtime drift: what the node runs, against what its image holds.
//!
//! - Processes (`/proc/<pid>/exe`, `maps`, `status`, `cmdline`): every
//!   executable and every file-backed executable mapping must be a file of
//!   the manifest, still the inode the process started from; a process
//!   running a deleted or replaced file, an anonymous memory file, or code
//!   from outside the manifest is a deviation. Processes in mount
//!   namespaces other than init's (containers) are counted, not judged.
//! - Kernel modules (`/proc/modules`): each loaded module has a module file
//!   in the manifest for the running release; taint flags for out-of-tree
//!   or unsigned modules are a deviation.
//! - Sessions (the root's `/run/utmp` and `/var/log/wtmp`): an immutable
//!   node is never logged into, so every interactive login is drift.
//!
//! Every read is bounded; a part that cannot be read is reported by the
//! caller as a `scan_error`, never as clean.

mod modules;
mod processes;
mod sessions;

use std::io::Read;
use std::path::Path;

use plumb_proto::v1::DeviationKind;

pub use modules::{kernel_release, module_names, scan_modules};
pub use processes::{executable_mappings, scan_pids, scan_processes, KnownFiles, ProcessScan};
pub use sessions::{
    login_records_present, parse_utmp, scan_sessions, utmp_record, HistorySeen, LoginRecord,
    SessionAllow, USER_PROCESS, UTMP_SIZE,
};

/// What a runtime check found that is not as the image says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: DeviationKind,
    pub key: String,
    pub actual: String,
}

/// Whether `root` is the running system's root, the one init runs in
/// (`<proc_dir>/1/root`): only then are its processes and kernel modules
/// the root's to answer for. A mounted disk image or a container's root
/// copied out is not.
pub fn is_live_root(root: &Path, proc_dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let id = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    match (id(root), id(&proc_dir.join("1/root"))) {
        (Some(a), Some(b)) => a == b,
        // Init's root unreadable (no CAP_SYS_PTRACE): the root named `/`.
        (Some(_), None) => std::fs::canonicalize(root).is_ok_and(|r| r == Path::new("/")),
        _ => false,
    }
}

/// At most this many bytes are read from one `/proc` file (a process's
/// maps can be long; a hostile process controls its own cmdline).
pub const MAX_PROC_FILE: u64 = 4 << 20;

pub fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_PROC_FILE)
        .read_to_end(&mut out)?;
    Ok(out)
}

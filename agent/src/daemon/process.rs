//! What the daemon asks of the operating system for itself: a low CPU and
//! I/O priority, a heap that returns what scans freed, and the signals
//! that stop it.

/// Runs scans at low CPU and I/O priority so a node's workload wins, and
/// keeps the heap small between scans. Call before any other thread
/// starts.
pub fn prepare() {
    lower_priority();
    keep_heap_small();
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Makes freed memory go back to the operating system. glibc otherwise
/// raises its mmap and trim thresholds after a large block is freed (the
/// manifest's records are one), and keeps what scans freed in the worker
/// threads' arenas resident for good; with fixed thresholds the daemon at
/// rest is back to its baseline after every scan.
#[allow(unsafe_code)]
fn keep_heap_small() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
    }
}

/// Lowers this process's CPU and I/O priority; failing is not fatal.
#[allow(unsafe_code)]
fn lower_priority() {
    const IOPRIO_CLASS_BE: libc::c_long = 2;
    const IOPRIO_WHO_PROCESS: libc::c_long = 1;
    // SAFETY: setpriority and ioprio_set take plain integers and only
    // change this process's scheduling; failure is reported, not fatal.
    unsafe {
        if libc::setpriority(libc::PRIO_PROCESS, 0, 10) != 0 {
            tracing::debug!("could not lower CPU priority");
        }
        if libc::syscall(
            libc::SYS_ioprio_set,
            IOPRIO_WHO_PROCESS,
            0,
            (IOPRIO_CLASS_BE << 13) | 7,
        ) != 0
        {
            tracing::debug!("could not lower I/O priority");
        }
    }
}

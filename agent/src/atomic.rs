//! Files replaced whole: readers see the old file or the new one, never a
//! torn one, and a crash or a full disk leaves no half-written file and no
//! temporary behind. The spool, the state files, the caches, the exec
//! ledger, identities and manifests are all written this way.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Replaces `path` with `bytes`.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_parts(path, &[bytes])
}

/// [`write()`] of `parts` one after the other, without joining them in
/// memory first.
pub fn write_parts(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let (tmp_path, mut tmp) = temporary_in(dir, path)?;
    let written = parts
        .iter()
        .try_for_each(|part| tmp.write_all(part))
        .and_then(|()| tmp.sync_all())
        .and_then(|()| std::fs::rename(&tmp_path, path));
    if let Err(e) = written {
        // A full disk must not stay full because of us.
        drop(tmp);
        let _ = std::fs::remove_file(&tmp_path);
        return Err(e);
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn temporary_in(dir: &Path, target: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let file = std::fs::File::create(&tmp)?;
    Ok((tmp, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        write(&path, b"old").unwrap();
        write_parts(&path, &[b"n", b"e", b"w"]).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state"], "no temporary left");
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_its_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        write(&path, b"old").unwrap();
        // The rename fails (a directory stands where the file would go):
        // the old content stays, the temporary goes.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("inside"), b"x").unwrap();
        assert!(write(&blocked, b"new").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let temporaries = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp.")
            })
            .count();
        assert_eq!(temporaries, 0);
        // A directory that does not exist: an error, not a panic.
        assert!(write(&dir.path().join("no/such/dir/file"), b"x").is_err());
    }
}

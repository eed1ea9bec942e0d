//! Paths as plumb records them: bytes relative to the scanned root, written
//! with a leading `/`, never re-encoded. Non-UTF-8 names survive exactly.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The manifest path (`/usr/bin/ls`) of `full` below `root`.
pub fn relative(root: &Path, full: &Path) -> Vec<u8> {
    let rel = full
        .strip_prefix(root)
        .unwrap_or(full)
        .as_os_str()
        .as_bytes();
    let mut out = Vec::with_capacity(rel.len() + 1);
    out.push(b'/');
    out.extend_from_slice(rel);
    out
}

/// The on-disk path of manifest path `rel` below `root`.
pub fn on_disk(root: &Path, rel: &[u8]) -> PathBuf {
    let trimmed = rel.strip_prefix(b"/").unwrap_or(rel);
    if trimmed.is_empty() {
        return root.to_path_buf();
    }
    root.join(OsStr::from_bytes(trimmed))
}

/// Splits path bytes into the manifest's (`path`, `raw_path`) pair: the
/// UTF-8 text alone when valid, else a lossy rendering (kept in `lossy`)
/// plus the exact bytes.
pub fn text_fields<'a>(bytes: &'a [u8], lossy: &'a mut String) -> (&'a str, &'a [u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text, &[]),
        Err(_) => {
            *lossy = String::from_utf8_lossy(bytes).into_owned();
            (lossy.as_str(), bytes)
        }
    }
}

/// A printable rendering of path bytes: invalid UTF-8 bytes as `\xNN`, so
/// two different names never print the same.
pub fn display(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_have_a_leading_slash() {
        assert_eq!(
            relative(Path::new("/r"), Path::new("/r/usr/bin/ls")),
            b"/usr/bin/ls"
        );
        assert_eq!(relative(Path::new("/r"), Path::new("/r")), b"/");
        assert_eq!(on_disk(Path::new("/r"), b"/usr"), PathBuf::from("/r/usr"));
        assert_eq!(on_disk(Path::new("/r"), b"/"), PathBuf::from("/r"));
    }

    #[test]
    fn non_utf8_names_are_kept_exactly_and_printed_unambiguously() {
        let mut lossy = String::new();
        let (s, raw) = text_fields(b"/bad\xffname", &mut lossy);
        assert_eq!(raw, b"/bad\xffname");
        assert!(s.starts_with("/bad"));
        assert_eq!(display(b"/bad\xffname"), "/bad\\xffname");
        let mut lossy = String::new();
        assert_eq!(text_fields(b"/ok", &mut lossy), ("/ok", &b""[..]));
    }
}

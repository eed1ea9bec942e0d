//! rpm's version order: `[epoch:]version[-release]`, the epoch
//! numerically (none is 0), then version and release by `rpmvercmp`:
//! runs of digits or of letters compared pairwise (digits numerically, a
//! digit run above a letter run), separators ignored, `~` before
//! everything (even the end), `^` after the end but before anything else.

use std::cmp::Ordering;

use super::VersionError;

/// `rpmvercmp` of one version or release string.
pub fn vercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // A tilde sorts before everything, the end included.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // A caret sorts after the end, before anything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca.is_none() || cb.is_none() {
            break;
        }
        let numeric = a[i].is_ascii_digit();
        let run = |s: &[u8], mut k: usize| {
            let start = k;
            while k < s.len()
                && if numeric {
                    s[k].is_ascii_digit()
                } else {
                    s[k].is_ascii_alphabetic()
                }
            {
                k += 1;
            }
            (start, k)
        };
        let (sa, ea) = run(a, i);
        let (sb, eb) = run(b, j);
        if sb == eb {
            // Different kinds of run: a number is newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut x, mut y) = (&a[sa..ea], &b[sb..eb]);
        if numeric {
            while x.first() == Some(&b'0') {
                x = &x[1..];
            }
            while y.first() == Some(&b'0') {
                y = &y[1..];
            }
            match x.len().cmp(&y.len()) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        match x.cmp(y) {
            Ordering::Equal => {}
            other => return other,
        }
        i = ea;
        j = eb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (false, _) => Ordering::Greater,
        (true, false) => Ordering::Less,
    }
}

struct Evr<'a> {
    epoch: u64,
    version: &'a str,
    release: &'a str,
}

fn parse(v: &str) -> Result<Evr<'_>, VersionError> {
    let bad = |reason| VersionError {
        ecosystem: "rpm",
        version: v.to_string(),
        reason,
    };
    if v.is_empty() {
        return Err(bad("empty"));
    }
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) => (
            e.parse::<u64>()
                .map_err(|_| bad("the epoch is not a number"))?,
            rest,
        ),
        None => (0, v),
    };
    let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
    if version.is_empty() {
        return Err(bad("the version is empty"));
    }
    Ok(Evr {
        epoch,
        version,
        release,
    })
}

pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (a, b) = (parse(a)?, parse(b)?);
    Ok(a.epoch
        .cmp(&b.epoch)
        .then_with(|| vercmp(a.version, b.version))
        // A release given on one side only does not decide (as rpm
        // compares a dependency without a release).
        .then_with(|| {
            if a.release.is_empty() || b.release.is_empty() {
                Ordering::Equal
            } else {
                vercmp(a.release, b.release)
            }
        }))
}

//! Package versions, ordered the way each package manager orders them:
//! dpkg (epochs, `~` before everything, revisions), rpm (rpmvercmp, with
//! epoch and release) and apk (suffixes such as `_rc` and `_p`, `-r`
//! revisions). "Which nodes run openssl older than 3.0.15-1~deb12u1" is
//! only answered right in the ecosystem's own order; each is checked
//! against its upstream project's own test vectors (`vectors/`).

use std::cmp::Ordering;

mod apk;
mod dpkg;
mod rpm;

/// A package manager, by whose rules versions compare. Serialised (REST,
/// JSON output) by its name: `dpkg`, `rpm`, `apk`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Dpkg,
    Rpm,
    Apk,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 3] = [Ecosystem::Dpkg, Ecosystem::Rpm, Ecosystem::Apk];

    /// The name the manifests use for the package's source (`dpkg`,
    /// `rpm`, `apk`).
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Dpkg => "dpkg",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Apk => "apk",
        }
    }

    pub fn parse(s: &str) -> Option<Ecosystem> {
        Ecosystem::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// From a manifest's `PackageManager`; `None` for one plumb does not
    /// know (or unspecified).
    pub fn from_wire(m: i32) -> Option<Ecosystem> {
        use plumb_proto::v1::PackageManager;
        match PackageManager::try_from(m).ok()? {
            PackageManager::Dpkg => Some(Ecosystem::Dpkg),
            PackageManager::Rpm => Some(Ecosystem::Rpm),
            PackageManager::Apk => Some(Ecosystem::Apk),
            _ => None,
        }
    }

    /// As the wire says it.
    pub fn to_wire(self) -> plumb_proto::v1::PackageManager {
        use plumb_proto::v1::PackageManager;
        match self {
            Ecosystem::Dpkg => PackageManager::Dpkg,
            Ecosystem::Rpm => PackageManager::Rpm,
            Ecosystem::Apk => PackageManager::Apk,
        }
    }
}

/// A version this ecosystem cannot order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ecosystem} version {version:?}: {reason}")]
pub struct VersionError {
    pub ecosystem: &'static str,
    pub version: String,
    pub reason: &'static str,
}

/// The longest version string compared (longer ones are refused: a
/// version is a few dozen bytes, an advisory or a package database may be
/// hostile).
pub const MAX_VERSION_BYTES: usize = 256;

/// Orders `a` against `b` by `ecosystem`'s rules.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    for v in [a, b] {
        if v.len() > MAX_VERSION_BYTES {
            return Err(VersionError {
                ecosystem: ecosystem.as_str(),
                version: v.chars().take(64).collect(),
                reason: "longer than 256 bytes",
            });
        }
    }
    match ecosystem {
        Ecosystem::Dpkg => dpkg::compare(a, b),
        Ecosystem::Rpm => rpm::compare(a, b),
        Ecosystem::Apk => Ok(apk::compare(a, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of a vectors file that are not comments.
    fn cases(text: &str) -> impl Iterator<Item = Vec<&str>> {
        text.lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty())
            .map(|l| l.split_whitespace().collect())
    }

    fn sign(n: &str) -> Ordering {
        match n {
            "-1" => Ordering::Less,
            "0" => Ordering::Equal,
            "1" => Ordering::Greater,
            other => panic!("bad expected result {other}"),
        }
    }

    #[test]
    fn dpkg_orders_as_dpkgs_own_tests_say() {
        let mut n = 0;
        for c in cases(include_str!("vectors/dpkg.txt")) {
            let got = compare(Ecosystem::Dpkg, c[0], c[1]).unwrap();
            assert_eq!(got, sign(c[2]), "dpkg: {} vs {}", c[0], c[1]);
            assert_eq!(
                compare(Ecosystem::Dpkg, c[1], c[0]).unwrap(),
                sign(c[2]).reverse(),
                "dpkg, reversed: {} vs {}",
                c[1],
                c[0]
            );
            n += 1;
        }
        assert!(n >= 60, "{n} cases");
    }

    #[test]
    fn rpm_orders_as_rpms_own_tests_say() {
        let mut n = 0;
        for c in cases(include_str!("vectors/rpmvercmp.txt")) {
            let got = rpm::vercmp(c[0], c[1]);
            assert_eq!(got, sign(c[2]), "rpmvercmp({}, {})", c[0], c[1]);
            n += 1;
        }
        assert!(n >= 60, "{n} cases");
    }

    #[test]
    fn apk_orders_as_apks_own_tests_say() {
        let mut n = 0;
        for c in cases(include_str!("vectors/apk.txt")) {
            let want = match c[1] {
                "<" => Ordering::Less,
                "=" => Ordering::Equal,
                ">" => Ordering::Greater,
                other => panic!("bad operator {other}"),
            };
            assert_eq!(
                apk::compare(c[0], c[2]),
                want,
                "apk: {} {} {}",
                c[0],
                c[1],
                c[2]
            );
            assert_eq!(
                apk::compare(c[2], c[0]),
                want.reverse(),
                "apk, reversed: {} vs {}",
                c[2],
                c[0]
            );
            n += 1;
        }
        assert!(n >= 700, "{n} cases");
    }

    proptest::proptest! {
        /// Whatever a package database or an advisory says, comparing
        /// never panics, and each order is antisymmetric.
        #[test]
        fn any_versions_compare_without_panic(a in "[0-9a-z:~^+._-]{0,40}", b in "[0-9a-z:~^+._-]{0,40}") {
            for e in Ecosystem::ALL {
                if let (Ok(x), Ok(y)) = (compare(e, &a, &b), compare(e, &b, &a)) {
                    proptest::prop_assert_eq!(x, y.reverse(), "{:?} {} {}", e, a, b);
                }
            }
        }
    }

    #[test]
    fn epochs_and_releases_count_and_bad_versions_are_refused() {
        use Ordering::*;
        let dpkg = |a, b| compare(Ecosystem::Dpkg, a, b).unwrap();
        assert_eq!(dpkg("3.0.15-1~deb12u1", "3.0.15-1"), Less);
        assert_eq!(dpkg("3.0.14-1~deb12u2", "3.0.15-1~deb12u1"), Less);
        assert_eq!(dpkg("1:1.0", "2.0"), Greater);
        let rpm = |a, b| compare(Ecosystem::Rpm, a, b).unwrap();
        assert_eq!(rpm("1:1.0-1.el9", "2.0-1.el9"), Greater);
        assert_eq!(rpm("3.0.7-24.el9", "3.0.7-25.el9"), Less);
        // A release on one side only does not decide, as in rpm.
        assert_eq!(rpm("3.0.7-25.el9", "3.0.7"), Equal);
        assert_eq!(rpm("0:3.0.7-25.el9", "3.0.7-25.el9"), Equal);
        for bad in ["", "a:1.0", "1:", "-1", "99999999999:1"] {
            assert!(compare(Ecosystem::Dpkg, bad, "1.0").is_err(), "{bad:?}");
        }
        assert!(compare(Ecosystem::Rpm, "x:1", "1").is_err());
        let huge = "1".repeat(300);
        let err = compare(Ecosystem::Apk, &huge, "1").unwrap_err();
        assert!(err.to_string().contains("256 bytes"), "{err}");
    }
}

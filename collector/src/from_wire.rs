//! The gRPC answers the tools receive, turned back into the model types
//! the REST API serves: `plumbctl --json` prints their serialisation, so
//! a JSON answer has one shape whichever way it was asked. A value this
//! collector does not know (an enum from a newer one) is an error naming
//! where it was, never a default.

use plumb_proto::v1 as pb;

use crate::advisories::AdvisorySeverity;
use crate::posture::DueImage;
use crate::store::{
    AdvisorySummary, Exposure, Family, FamilyImage, ImageKind, ImagePackage, RolloutPoint,
};
use crate::versions::Ecosystem;

/// An enum value not in this collector's schema.
#[derive(Debug, thiserror::Error)]
#[error("{what}: unknown {field} {value}")]
pub struct UnknownValue {
    what: String,
    field: &'static str,
    value: i32,
}

fn unknown(what: &str, field: &'static str, value: i32) -> UnknownValue {
    UnknownValue {
        what: what.to_string(),
        field,
        value,
    }
}

fn severity(what: &str, v: i32) -> Result<AdvisorySeverity, UnknownValue> {
    use pb::AdvisorySeverity as P;
    Ok(match P::try_from(v) {
        Ok(P::Unknown) => AdvisorySeverity::Unknown,
        Ok(P::Low) => AdvisorySeverity::Low,
        Ok(P::Medium) => AdvisorySeverity::Medium,
        Ok(P::High) => AdvisorySeverity::High,
        Ok(P::Critical) => AdvisorySeverity::Critical,
        _ => return Err(unknown(what, "severity", v)),
    })
}

fn image_kind(what: &str, v: i32) -> Result<ImageKind, UnknownValue> {
    match pb::ImageKind::try_from(v) {
        Ok(pb::ImageKind::Machine) => Ok(ImageKind::Machine),
        Ok(pb::ImageKind::Container) => Ok(ImageKind::Container),
        _ => Err(unknown(what, "image kind", v)),
    }
}

/// A count as the model holds it.
fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl TryFrom<&pb::AdvisorySummary> for AdvisorySummary {
    type Error = UnknownValue;
    fn try_from(a: &pb::AdvisorySummary) -> Result<Self, UnknownValue> {
        Ok(AdvisorySummary {
            id: a.id.clone(),
            aliases: a.aliases.clone(),
            summary: a.summary.clone(),
            severity: severity(&format!("advisory {:?}", a.id), a.severity)?,
            modified: a.modified.clone(),
            packages: a.packages.clone(),
            images: count(a.images),
            nodes: count(a.nodes),
            containers: count(a.containers),
        })
    }
}

impl TryFrom<&pb::ExposureEntry> for Exposure {
    type Error = UnknownValue;
    fn try_from(e: &pb::ExposureEntry) -> Result<Self, UnknownValue> {
        let what = format!("exposure of {} to {}", e.image_id, e.advisory_id);
        Ok(Exposure {
            advisory_id: e.advisory_id.clone(),
            aliases: e.aliases.clone(),
            severity: severity(&what, e.severity)?,
            image_id: e.image_id.clone(),
            image_kind: image_kind(&what, e.image_kind)?,
            release: some(&e.release),
            package: e.package.clone(),
            version: e.version.clone(),
            fixed: some(&e.fixed),
            fixed_images: e.fixed_images.clone(),
            nodes: count(e.nodes),
            containers: count(e.containers),
        })
    }
}

impl TryFrom<&pb::ImagePackage> for ImagePackage {
    type Error = UnknownValue;
    fn try_from(p: &pb::ImagePackage) -> Result<Self, UnknownValue> {
        let what = format!("package {:?} of {}", p.name, p.image_id);
        Ok(ImagePackage {
            image_id: p.image_id.clone(),
            image_kind: image_kind(&what, p.image_kind)?,
            manager: Ecosystem::from_wire(p.manager)
                .ok_or_else(|| unknown(&what, "package manager", p.manager))?,
            name: p.name.clone(),
            version: p.version.clone(),
            arch: p.arch.clone(),
            source: p.source.clone(),
            source_version: p.source_version.clone(),
            nodes: count(p.nodes),
            containers: count(p.containers),
        })
    }
}

impl From<&pb::Family> for Family {
    fn from(f: &pb::Family) -> Self {
        Family {
            family: f.family.clone(),
            newest: f.newest.clone(),
            images: f
                .images
                .iter()
                .map(|i| FamilyImage {
                    image_id: i.image_id.clone(),
                    pushed_at: i.pushed_unix_ms,
                    superseded_since: (i.superseded_since_unix_ms > 0)
                        .then_some(i.superseded_since_unix_ms),
                    nodes: count(i.nodes),
                    containers: count(i.containers),
                })
                .collect(),
            nodes: count(f.nodes),
            containers: count(f.containers),
            newest_share: f.newest_share,
        }
    }
}

impl From<&pb::RolloutPoint> for RolloutPoint {
    fn from(p: &pb::RolloutPoint) -> Self {
        RolloutPoint {
            at: p.at_unix_ms,
            newest: p.newest.clone(),
            newest_share: p.newest_share,
            units: count(p.units),
        }
    }
}

impl From<&pb::DueImage> for DueImage {
    fn from(d: &pb::DueImage) -> Self {
        DueImage {
            image_id: d.image_id.clone(),
            family: some(&d.family),
            reasons: d.reasons.clone(),
            advisories: d.advisories.clone(),
            nodes: d.nodes.clone(),
            node_count: count(d.node_count),
            containers: count(d.containers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_enum_value_is_an_error_naming_where() {
        let e = pb::ExposureEntry {
            advisory_id: "DSA-1".into(),
            image_id: "ami-1".into(),
            severity: 42,
            image_kind: pb::ImageKind::Machine as i32,
            ..Default::default()
        };
        let err = Exposure::try_from(&e).unwrap_err().to_string();
        assert_eq!(err, "exposure of ami-1 to DSA-1: unknown severity 42");
        let p = pb::ImagePackage {
            image_id: "ami-1".into(),
            name: "zlib1g".into(),
            image_kind: pb::ImageKind::Machine as i32,
            manager: 9,
            ..Default::default()
        };
        let err = ImagePackage::try_from(&p).unwrap_err().to_string();
        assert_eq!(
            err,
            "package \"zlib1g\" of ami-1: unknown package manager 9"
        );
    }

    #[test]
    fn a_round_trip_through_the_wire_keeps_the_rest_shape() {
        let family = Family {
            family: "web".into(),
            newest: "ami-2".into(),
            images: vec![FamilyImage {
                image_id: "ami-1".into(),
                pushed_at: 5,
                superseded_since: Some(7),
                nodes: 3,
                containers: 0,
            }],
            nodes: 3,
            containers: 0,
            newest_share: 0.5,
        };
        let back = Family::from(&pb::Family::from(&family));
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&family).unwrap()
        );
    }
}

//! Replacement for posture, not only drift: the images whose nodes and
//! containers are *due* for replacement, and why. An image is due when
//! it has been superseded in its family for longer than the policy's
//! grace period, or when it is exposed to an advisory at or above the
//! policy's severity (unless an unexpired exception with a reason covers
//! that advisory). Due is its own reason, never drift: a node that is due
//! keeps its status and is not called compromised.

use serde::Deserialize;

use crate::advisories::AdvisorySeverity;
use crate::store::{DueRow, Store, StoreError};

/// The policy's `[posture]` section.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostureRules {
    /// An image superseded in its family for longer than this many days
    /// is due (0: supersession never makes an image due).
    pub superseded_grace_days: u32,
    /// Exposure to an advisory of at least this severity (`low`,
    /// `medium`, `high`, `critical`) makes an image due (none: never).
    pub exposure_severity: Option<String>,
    pub exception: Vec<PostureException>,
}

/// An advisory that does not make images due, for a reason, until a date.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostureException {
    pub advisory: String,
    pub reason: String,
    /// `YYYY-MM-DD`; the exception stops applying at the end of that day
    /// (UTC).
    pub expires: String,
}

/// What is wrong with a `[posture]` section.
pub fn check(rules: &PostureRules) -> Result<(), String> {
    if let Some(s) = &rules.exposure_severity {
        match AdvisorySeverity::parse(s) {
            Some(AdvisorySeverity::Unknown) | None => {
                return Err(format!(
                    "posture: exposure_severity {s:?} is not low, medium, high or critical"
                ))
            }
            Some(_) => {}
        }
    }
    for e in &rules.exception {
        if e.reason.trim().is_empty() {
            return Err(format!(
                "posture: the exception for {:?} needs a reason",
                e.advisory
            ));
        }
        if crate::model::end_of_day_ms(&e.expires).is_none() {
            return Err(format!(
                "posture: the exception for {:?} expires {:?}, not a YYYY-MM-DD date",
                e.advisory, e.expires
            ));
        }
    }
    Ok(())
}

/// An image whose nodes and containers are due for replacement.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DueImage {
    pub image_id: String,
    pub family: Option<String>,
    /// Why, one line each: supersession past the grace period, exposures.
    pub reasons: Vec<String>,
    /// Advisories behind the reasons (for alert labels).
    pub advisories: Vec<String>,
    /// The nodes running the image (not retired), at most
    /// [`MAX_DUE_NODES`] listed.
    pub nodes: Vec<String>,
    pub node_count: i64,
    pub containers: i64,
}

/// Nodes listed per due image at most.
pub const MAX_DUE_NODES: i64 = 1000;

/// The images due for replacement at `now`, by `rules`.
pub async fn due(
    store: &Store,
    rules: &PostureRules,
    now: i64,
) -> Result<Vec<DueImage>, StoreError> {
    due_in(store, &store.families().await?, rules, now).await
}

/// [`due`] with the image families already read (the posture judgement
/// reads them once for the rollout and for this).
pub async fn due_in(
    store: &Store,
    families: &[crate::store::Family],
    rules: &PostureRules,
    now: i64,
) -> Result<Vec<DueImage>, StoreError> {
    use std::collections::BTreeMap;
    let mut due: BTreeMap<String, DueImage> = BTreeMap::new();
    // Each image's family, looked up once per exposure row.
    let family_of: std::collections::HashMap<&str, &str> = families
        .iter()
        .flat_map(|f| {
            f.images
                .iter()
                .map(|i| (i.image_id.as_str(), f.family.as_str()))
        })
        .collect();
    fn entry<'a>(
        due: &'a mut BTreeMap<String, DueImage>,
        image: &str,
        family: Option<&str>,
    ) -> &'a mut DueImage {
        due.entry(image.to_string()).or_insert_with(|| DueImage {
            image_id: image.to_string(),
            family: family.map(String::from),
            reasons: Vec::new(),
            advisories: Vec::new(),
            nodes: Vec::new(),
            node_count: 0,
            containers: 0,
        })
    }
    if rules.superseded_grace_days > 0 {
        let grace = i64::from(rules.superseded_grace_days) * 86_400_000;
        for f in families {
            for i in &f.images {
                let Some(since) = i.superseded_since else {
                    continue;
                };
                if now - since > grace {
                    entry(&mut due, &i.image_id, Some(&f.family))
                        .reasons
                        .push(format!(
                            "superseded by {} in family {} since {}, past the {}-day grace",
                            f.newest,
                            f.family,
                            crate::rfc3339(since),
                            rules.superseded_grace_days
                        ));
                }
            }
        }
    }
    if let Some(threshold) = rules
        .exposure_severity
        .as_deref()
        .and_then(AdvisorySeverity::parse)
    {
        let excepted = |advisory: &str| {
            rules.exception.iter().any(|e| {
                e.advisory == advisory
                    && crate::model::end_of_day_ms(&e.expires).is_some_and(|end| now < end)
            })
        };
        for e in store.exposure(None, None).await? {
            if e.severity < threshold || excepted(&e.advisory_id) {
                continue;
            }
            let d = entry(
                &mut due,
                &e.image_id,
                family_of.get(e.image_id.as_str()).copied(),
            );
            let alias = e
                .aliases
                .first()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default();
            d.reasons.push(format!(
                "exposed to {}{alias}, {}: {} {}{}",
                e.advisory_id,
                e.severity.as_str(),
                e.package,
                e.version,
                e.fixed
                    .as_deref()
                    .map(|f| format!(", fixed in {f}"))
                    .unwrap_or_default()
            ));
            if !d.advisories.contains(&e.advisory_id) {
                d.advisories.push(e.advisory_id.clone());
            }
        }
    }
    let mut out: Vec<DueImage> = due.into_values().collect();
    for d in &mut out {
        let (nodes, count, containers) = store.running_image(&d.image_id, MAX_DUE_NODES).await?;
        d.nodes = nodes;
        d.node_count = count;
        d.containers = containers;
    }
    out.sort_by(|a, b| {
        (b.node_count + b.containers, &a.image_id).cmp(&(a.node_count + a.containers, &b.image_id))
    });
    Ok(out)
}

/// How the stored judgement moves to a new one ([`compare`]).
#[derive(Debug, Default)]
pub struct DueChange {
    /// Every image due now, to store (keeping when each became due).
    pub due: Vec<DueRow>,
    /// Images due now and not before: told as `due`.
    pub became: Vec<DueRow>,
    /// Images due before and not now: told as resolved.
    pub gone: Vec<DueRow>,
}

/// The change from `stored` (the last judgement) to `now_due` (this one),
/// at `now`.
pub fn compare(stored: &[DueRow], now_due: &[DueImage], now: i64) -> DueChange {
    let before: std::collections::HashMap<&str, &DueRow> =
        stored.iter().map(|d| (d.image_id.as_str(), d)).collect();
    let mut change = DueChange::default();
    for d in now_due {
        let row = DueRow {
            image_id: d.image_id.clone(),
            family: d.family.clone(),
            since: before.get(d.image_id.as_str()).map_or(now, |b| b.since),
            reasons: d.reasons.clone(),
            advisories: d.advisories.clone(),
            nodes: d.node_count,
            containers: d.containers,
        };
        if !before.contains_key(d.image_id.as_str()) {
            change.became.push(row.clone());
        }
        change.due.push(row);
    }
    change.gone = stored
        .iter()
        .filter(|s| !now_due.iter().any(|d| d.image_id == s.image_id))
        .cloned()
        .collect();
    change
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: &str, reasons: &[&str]) -> DueImage {
        DueImage {
            image_id: id.into(),
            family: Some("web".into()),
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            advisories: vec!["DSA-1".into()],
            nodes: vec!["n1".into()],
            node_count: 1,
            containers: 2,
        }
    }

    #[test]
    fn a_new_due_image_is_told_once_and_keeps_when_it_became_due() {
        let first = compare(&[], &[image("a", &["exposed"])], 10);
        assert_eq!(first.became.len(), 1);
        assert_eq!(first.due[0].since, 10);
        assert!(first.gone.is_empty());

        // Judged again, with another reason: nothing to tell, same since.
        let again = compare(&first.due, &[image("a", &["exposed", "superseded"])], 20);
        assert!(again.became.is_empty() && again.gone.is_empty());
        assert_eq!(again.due[0].since, 10);
        assert_eq!(again.due[0].reasons.len(), 2);

        // No longer due: told as gone, with what it was due for.
        let after = compare(&again.due, &[image("b", &["superseded"])], 30);
        assert_eq!(after.gone.len(), 1);
        assert_eq!(after.gone[0].image_id, "a");
        assert_eq!(after.became[0].image_id, "b");
        assert_eq!(after.due.len(), 1);
    }
}

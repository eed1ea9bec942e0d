//! Node lifecycle: `clean → drifted → flagged → recycling → retired`, plus
//! `silent` when heartbeats stop. A pure function from the current status
//! and an event to the next status; the store records each transition.

use std::collections::HashMap;

use crate::model::{Container, ContainerLabels, FiredContainer, NodeStatus};
use crate::policy::Verdict;

/// Something that happened to a node.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// The policy judged the node's open deviations.
    Evaluated(&'a Verdict),
    /// Automation acknowledged the flag and is replacing the node.
    Acknowledged,
    /// The replacement was confirmed, or the node deregistered.
    Retired,
    /// No heartbeat for longer than the policy allows.
    Silence,
    /// An operator cleared a held flag (with a reason): the node is judged
    /// afresh from what is open now.
    Cleared,
}

/// The status after `event`, or `None` when the status does not change.
pub fn next(current: NodeStatus, event: &Event<'_>) -> Option<NodeStatus> {
    use NodeStatus::*;
    let to = match (current, event) {
        // Retirement is final; recycling waits for retirement.
        (Retired, _) => return None,
        (_, Event::Retired) => Retired,
        (Recycling, _) => return None,
        (Flagged | Drifted | Silent, Event::Acknowledged) => Recycling,
        (Clean, Event::Acknowledged) => return None,
        (Flagged, Event::Cleared) => Clean,
        (_, Event::Cleared) => return None,
        (_, Event::Silence) => Silent,
        (_, Event::Evaluated(v)) => match v {
            Verdict::Clean => Clean,
            Verdict::Drifted { .. } => Drifted,
            Verdict::Flagged { .. } => Flagged,
        },
    };
    (to != current).then_some(to)
}

/// A container alert to send: firing, or resolved at `ends_at`.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerAlert {
    pub container: ContainerLabels,
    pub state: String,
    pub reasons: Vec<String>,
    pub since: i64,
    pub ends_at: Option<i64>,
}

/// What a node's container alerts become after an evaluation.
#[derive(Debug, Default)]
pub struct ContainerAlerts {
    /// The alerts that fire now, by container id (replaces the old set).
    pub firing: Vec<(String, FiredContainer)>,
    /// The alerts to send: new ones, and resolutions of those that no
    /// longer fire (or fire with other labels or in another state).
    pub send: Vec<ContainerAlert>,
}

impl ContainerAlerts {
    /// Whether nothing changed since the last evaluation.
    pub fn unchanged(&self, fired: usize) -> bool {
        self.send.is_empty() && self.firing.len() == fired
    }
}

/// A container fires while it is drifted or unverified, and resolves,
/// with the labels it fired with, when it is clean again or gone. One
/// that changes state or labels resolves and fires afresh.
pub fn container_alerts(
    fired: &HashMap<String, FiredContainer>,
    containers: &[Container],
    now: i64,
) -> ContainerAlerts {
    let resolve = |f: &FiredContainer| ContainerAlert {
        container: f.container.clone(),
        state: f.state.clone(),
        reasons: Vec::new(),
        since: f.since,
        ends_at: Some(now),
    };
    let mut out = ContainerAlerts::default();
    for c in containers {
        let state = if c.drifted {
            "drifted"
        } else if c.status != plumb_proto::v1::ContainerStatus::Verified {
            "unverified"
        } else {
            continue;
        };
        let labels = ContainerLabels::from(c);
        match fired.get(&c.container_id) {
            Some(f) if f.state == state && f.container == labels => {
                out.firing.push((c.container_id.clone(), f.clone()));
                continue;
            }
            Some(f) => out.send.push(resolve(f)),
            None => {}
        }
        let worst = c
            .max_severity
            .map(|s| format!(", worst {}", plumb_proto::severity_snake(s)))
            .unwrap_or_default();
        out.send.push(ContainerAlert {
            container: labels.clone(),
            state: state.to_string(),
            reasons: vec![format!(
                "{}{worst}",
                crate::policy::open_deviations(c.open_deviations)
            )],
            since: now,
            ends_at: None,
        });
        out.firing.push((
            c.container_id.clone(),
            FiredContainer {
                state: state.to_string(),
                container: labels,
                since: now,
            },
        ));
    }
    let mut gone: Vec<_> = fired
        .iter()
        .filter(|(id, _)| !out.firing.iter().any(|(i, _)| i == *id))
        .collect();
    gone.sort_by(|a, b| a.0.cmp(b.0));
    out.send.extend(gone.into_iter().map(|(_, f)| resolve(f)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use NodeStatus::*;

    #[test]
    fn drift_flags_then_automation_recycles_and_retires() {
        let flagged = Verdict::Flagged {
            reasons: vec!["x".into()],
        };
        assert_eq!(next(Clean, &Event::Evaluated(&flagged)), Some(Flagged));
        assert_eq!(next(Flagged, &Event::Acknowledged), Some(Recycling));
        assert_eq!(
            next(Recycling, &Event::Evaluated(&Verdict::Clean)),
            None,
            "recycling is sticky"
        );
        assert_eq!(next(Recycling, &Event::Retired), Some(Retired));
        assert_eq!(
            next(Retired, &Event::Evaluated(&flagged)),
            None,
            "retired is final"
        );
    }

    #[test]
    fn only_a_flagged_node_is_cleared() {
        assert_eq!(next(Flagged, &Event::Cleared), Some(Clean));
        for s in [Clean, Drifted, Recycling, Retired, Silent] {
            assert_eq!(next(s, &Event::Cleared), None, "{s}");
        }
    }

    #[test]
    fn silence_and_recovery() {
        assert_eq!(next(Clean, &Event::Silence), Some(Silent));
        assert_eq!(
            next(Silent, &Event::Evaluated(&Verdict::Clean)),
            Some(Clean)
        );
        assert_eq!(next(Silent, &Event::Silence), None);
        assert_eq!(
            next(Clean, &Event::Acknowledged),
            None,
            "nothing to acknowledge"
        );
        assert_eq!(
            next(Drifted, &Event::Evaluated(&Verdict::Clean)),
            Some(Clean)
        );
    }

    fn container(id: &str, status: &str, drifted: bool) -> Container {
        Container {
            node_id: "n".into(),
            hostname: "h".into(),
            container_id: id.into(),
            name: format!("name-{id}"),
            runtime: "podman".into(),
            image: "app:1".into(),
            image_id: "sha256:aa".into(),
            pod: String::new(),
            namespace: String::new(),
            pod_container: String::new(),
            status: plumb_proto::container_status_from_snake(status).unwrap(),
            drifted,
            started: 0,
            processes: 1,
            first_seen: 0,
            last_seen: 0,
            open_deviations: i64::from(drifted),
            max_severity: None,
        }
    }

    fn fire(prev: &ContainerAlerts) -> HashMap<String, FiredContainer> {
        prev.firing.iter().cloned().collect()
    }

    #[test]
    fn a_container_fires_once_and_resolves_when_clean_or_gone() {
        let none = HashMap::new();
        let clean = [container("a", "verified", false)];
        assert!(container_alerts(&none, &clean, 1).unchanged(0));

        let drifted = [
            container("a", "verified", true),
            container("b", "unverified", false),
        ];
        let first = container_alerts(&none, &drifted, 1);
        let states: Vec<_> = first.send.iter().map(|a| a.state.as_str()).collect();
        assert_eq!(states, ["drifted", "unverified"]);
        assert!(first.send.iter().all(|a| a.ends_at.is_none()));

        let again = container_alerts(&fire(&first), &drifted, 2);
        assert!(again.unchanged(2), "still firing: nothing sent again");

        let later = container_alerts(&fire(&again), &clean, 3);
        assert_eq!(later.send.len(), 2, "a is clean, b is gone");
        assert!(later
            .send
            .iter()
            .all(|a| a.ends_at == Some(3) && a.since == 1));
        assert!(later.firing.is_empty());
    }

    #[test]
    fn a_container_that_changes_state_resolves_and_fires_afresh() {
        let first = container_alerts(&HashMap::new(), &[container("a", "unverified", false)], 1);
        let next = container_alerts(&fire(&first), &[container("a", "verified", true)], 2);
        let sent: Vec<_> = next
            .send
            .iter()
            .map(|a| (a.state.as_str(), a.ends_at))
            .collect();
        assert_eq!(sent, [("unverified", Some(2)), ("drifted", None)]);
    }
}

//! Node lifecycle: `clean → drifted → flagged → recycling → retired`, plus
//! `silent` when heartbeats stop. A pure function from the current status
//! and an event to the next status; the store records each transition.

use crate::model::NodeStatus;
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
}

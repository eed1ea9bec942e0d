//! What makes replicas of one database one collector, twice a second:
//! commands other replicas relayed for the agents this one holds, and
//! transitions other replicas made, fanned out here too.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use plumb_proto::v1::CollectorMessage;

use super::agents::Agents;
use super::judge::Judge;
use crate::model::now_ms;
use crate::store::{FollowedTransition, Store};

/// How long an id the replica loop read past is looked for again (a
/// transaction of another replica still open): far longer than any
/// transaction stays uncommitted.
const ANNOUNCE_WINDOW_MS: i64 = 30_000;
/// Transitions read at one look, and looks at most in one tick.
const PAGE: usize = 10_000;
const PAGES_PER_TICK: usize = 10;
/// Ids read past and looked for again, at most: past it, the oldest of a
/// gap just read past are not looked for (with a warning).
const MAX_HOLES: usize = 100_000;
/// Commands for an agent older than this are dropped unsent.
const COMMAND_TTL_MS: i64 = 60_000;

/// What makes replicas of one database one collector, twice a second:
/// commands other replicas relayed for the agents this one holds
/// (rescans, revocations) go out, and transitions other replicas made
/// are fanned out here too (watch streams, the dashboard's live view).
pub async fn replica_loop(
    store: Store,
    instance: String,
    agents: Arc<Agents>,
    judge: Arc<Judge>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    use plumb_proto::v1::{collector_message, Command};
    let mut follower: Option<Follower> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        let now = now_ms();
        match store.take_commands(&instance, now - COMMAND_TTL_MS).await {
            Ok(commands) => {
                for (node, kind) in commands {
                    let Some(command) = kind.agent_command() else {
                        agents.disconnect_node(&node, &format!("node {}d", kind.as_str()));
                        continue;
                    };
                    let msg = CollectorMessage {
                        body: Some(collector_message::Body::Command(Command {
                            kind: command as i32,
                            policy_toml: String::new(),
                        })),
                    };
                    if !agents.command(&node, msg) {
                        tracing::warn!(node = %node, kind = kind.as_str(), "relayed command for an agent no longer connected here");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "reading relayed commands failed"),
        }
        follow(&store, &mut follower, &judge, now).await;
    }
}

/// One look at the transitions other replicas recorded: those after the
/// cursor, and those read past before while their transactions were open;
/// each announced once. Costs what was recorded since the last look, not
/// the whole window: a burst of transitions (a fleet gone silent at once)
/// is read once per replica, not twice a second for half a minute.
async fn follow(store: &Store, follower: &mut Option<Follower>, judge: &Judge, now: i64) {
    let f = match follower {
        Some(f) => f,
        None => match store.transitions_start(now - ANNOUNCE_WINDOW_MS).await {
            Ok((last, recent)) => follower.insert(Follower::starting(last, &recent, now)),
            Err(e) => {
                tracing::error!(error = %e, "reading where transitions end failed");
                return;
            }
        },
    };
    let mut read = Vec::new();
    for _ in 0..PAGES_PER_TICK {
        match store.transitions_after(f.cursor, PAGE as i64).await {
            Ok(rows) => {
                let full = rows.len() == PAGE;
                f.advance(rows.iter().map(|(t, _)| t.id), now);
                read.extend(rows);
                if !full {
                    break;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "reading other replicas' transitions failed");
                break;
            }
        }
    }
    let holes = f.holes(PAGE);
    if !holes.is_empty() {
        match store.transitions_with_ids(&holes).await {
            Ok(rows) => {
                for (t, _) in &rows {
                    f.found(t.id);
                }
                read.extend(rows);
            }
            Err(e) => {
                tracing::error!(error = %e, "reading other replicas' open transitions failed")
            }
        }
    }
    f.expire(now - ANNOUNCE_WINDOW_MS);
    let rows = read
        .into_iter()
        .filter_map(|(t, node): FollowedTransition| node.map(|(image, host)| (t, image, host)))
        .collect();
    judge.announce_others(rows, now - 2 * ANNOUNCE_WINDOW_MS);
}

/// Where the replica loop is in the transitions table: the highest id
/// read, and the ids below it not read yet (an id is taken when a
/// transaction inserts, and seen when it commits: another replica's may
/// commit after a higher id did), each with when it was first missed.
#[derive(Debug)]
struct Follower {
    cursor: i64,
    holes: BTreeMap<i64, i64>,
}

impl Follower {
    /// From the highest id recorded and the ids recorded within the
    /// window (in order): the gaps between them may still commit.
    fn starting(last: i64, recent: &[i64], now: i64) -> Follower {
        let mut f = Follower {
            cursor: recent.first().map_or(last, |first| first - 1),
            holes: BTreeMap::new(),
        };
        f.advance(recent.iter().copied(), now);
        f.advance(std::iter::once(last), now);
        f
    }

    /// Ids read after the cursor, in order: the ids skipped become holes.
    fn advance(&mut self, ids: impl Iterator<Item = i64>, now: i64) {
        for id in ids {
            if id <= self.cursor {
                self.holes.remove(&id);
                continue;
            }
            let room = MAX_HOLES.saturating_sub(self.holes.len()) as i64;
            let skipped = id - self.cursor - 1;
            if skipped > room {
                tracing::warn!(
                    from = self.cursor + 1,
                    to = id - 1,
                    "too many transition ids read past to look for again: those still open when read past are not announced here"
                );
            }
            // The newest of the skipped ids are the likeliest to commit.
            for h in (id - skipped.min(room)).max(self.cursor + 1)..id {
                self.holes.insert(h, now);
            }
            self.cursor = id;
        }
    }

    /// The oldest `at_most` ids to look for again.
    fn holes(&self, at_most: usize) -> Vec<i64> {
        self.holes.keys().take(at_most).copied().collect()
    }

    fn found(&mut self, id: i64) {
        self.holes.remove(&id);
    }

    /// Gives up ids first missed before `before` (rolled back, or taken
    /// by a transaction that failed).
    fn expire(&mut self, before: i64) {
        self.holes.retain(|_, missed| *missed >= before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_past_are_looked_for_until_found_or_given_up() {
        let mut f = Follower::starting(10, &[], 0);
        assert_eq!((f.cursor, f.holes(10)), (10, vec![]));
        // 11 and 13 are open while 12 and 14 commit.
        f.advance([12, 14].into_iter(), 1_000);
        assert_eq!(f.cursor, 14);
        assert_eq!(f.holes(10), vec![11, 13]);
        f.found(13);
        assert_eq!(f.holes(10), vec![11]);
        // An id read past and then read again is no longer looked for.
        f.advance([11, 15].into_iter(), 2_000);
        assert_eq!((f.cursor, f.holes(10)), (15, vec![]));
        // 16 rolled back: given up once its window has passed.
        f.advance([17].into_iter(), 3_000);
        f.expire(2_000);
        assert_eq!(f.holes(10), vec![16]);
        f.expire(3_001);
        assert!(f.holes(10).is_empty());
    }

    #[test]
    fn a_start_looks_for_the_gaps_among_recent_transitions() {
        // Recorded within the window: 5, 7, 8; the highest id is 10 (9
        // and 10 in flight when the ids were read, 10 committed since).
        let f = Follower::starting(10, &[5, 7, 8], 0);
        assert_eq!(f.cursor, 10);
        assert_eq!(f.holes(10), vec![6, 9]);
        // Nothing recent: start after the highest id.
        let f = Follower::starting(42, &[], 0);
        assert_eq!((f.cursor, f.holes(10)), (42, vec![]));
    }

    #[test]
    fn holes_are_bounded() {
        let mut f = Follower::starting(0, &[], 0);
        f.advance(std::iter::once(MAX_HOLES as i64 + 1_001), 0);
        assert_eq!(f.holes.len(), MAX_HOLES);
        // The newest skipped ids are kept.
        assert_eq!(f.holes(1), vec![1_001]);
        assert_eq!(f.cursor, MAX_HOLES as i64 + 1_001);
    }
}

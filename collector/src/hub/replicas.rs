//! What makes replicas of one database one collector, twice a second:
//! commands other replicas relayed for the agents this one holds, and
//! transitions other replicas made, fanned out here too.

use std::sync::Arc;
use std::time::Duration;

use plumb_proto::v1::CollectorMessage;

use super::agents::Agents;
use super::judge::Judge;
use crate::model::now_ms;
use crate::store::Store;

/// How far back the replica loop looks for transitions other replicas
/// made: far longer than any transaction stays uncommitted.
const ANNOUNCE_WINDOW_MS: i64 = 30_000;
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
        match store
            .transitions_since(now - ANNOUNCE_WINDOW_MS, 10_000)
            .await
        {
            Ok(rows) => judge.announce_others(rows, now - 2 * ANNOUNCE_WINDOW_MS),
            Err(e) => tracing::error!(error = %e, "reading other replicas' transitions failed"),
        }
    }
}

//! What operators and automation do to a node — acknowledge, retire,
//! clear a held flag, rescan, revoke — in one place for gRPC and REST,
//! each audited with its target. Failures are an [`ActionError`], mapped
//! once to a gRPC status and once to an HTTP status (in `api`); a
//! database error's text is logged, never sent to the caller.

use plumb_proto::v1::{collector_message, CollectorMessage, Command, CommandKind};

use crate::hub::Hub;
use crate::lifecycle::Event;
use crate::model::{now_ms, Node, NodeStatus, Relayed};
use crate::security::principal::Principal;
use crate::store::StoreError;

/// Rescans of one node within this window coalesce into one.
const RESCAN_WINDOW: std::time::Duration = std::time::Duration::from_secs(30);

/// Why an action was not done.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no node {0:?}")]
    NotFound(String),
    /// The request itself is wrong (a missing reason, a bad id).
    #[error("{0}")]
    Invalid(String),
    /// The node is not in a state the action applies to.
    #[error("{0}")]
    Conflict(String),
    /// The database failed; logged where it is mapped, not shown.
    #[error("collector database unavailable")]
    Store(#[from] StoreError),
}

impl From<ActionError> for tonic::Status {
    fn from(e: ActionError) -> tonic::Status {
        match e {
            ActionError::NotFound(_) => tonic::Status::not_found(e.to_string()),
            ActionError::Invalid(m) => tonic::Status::invalid_argument(m),
            ActionError::Conflict(m) => tonic::Status::failed_precondition(m),
            ActionError::Store(e) => e.into(),
        }
    }
}

/// A database error as a gRPC status: its text is logged here, and the
/// caller is told only that the database is unavailable.
impl From<StoreError> for tonic::Status {
    fn from(e: StoreError) -> tonic::Status {
        tracing::error!(error = %e, "database operation failed");
        match e {
            // Plumb's own description of a bad row, no database text.
            StoreError::InvalidRow(_) => tonic::Status::internal(e.to_string()),
            _ => tonic::Status::unavailable("collector database unavailable"),
        }
    }
}

/// The cause a clear records: the operator's reason, which it needs.
pub fn clear_reason(reason: &str) -> Result<String, ActionError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ActionError::Invalid(
            "clearing a held flag needs a reason (plumbctl clear NODE --reason TEXT)".into(),
        ));
    }
    if reason.len() > 1024 || reason.chars().any(char::is_control) {
        return Err(ActionError::Invalid(
            "the reason must be at most 1024 printable characters".into(),
        ));
    }
    Ok(format!("cleared: {reason}"))
}

/// Acknowledges, retires or clears a node.
pub async fn act_on_node(
    hub: &Hub,
    who: &Principal,
    node_id: &str,
    event: Event<'_>,
    cause: &str,
) -> Result<Node, ActionError> {
    let action = match event {
        Event::Acknowledged => "acknowledge",
        Event::Retired => "retire",
        Event::Cleared => "clear",
        _ => "act",
    };
    let result = act(hub, node_id, event, cause).await;
    let audit = &hub.trust.auth.audit;
    match &result {
        Ok(n) => audit.ok(who, action, node_id, &format!("{cause} (now {})", n.status)),
        Err(e) => audit.refused(who, action, node_id, &e.to_string()),
    }
    result
}

async fn act(hub: &Hub, node_id: &str, event: Event<'_>, cause: &str) -> Result<Node, ActionError> {
    let Some(before) = hub.store.node(node_id).await? else {
        return Err(ActionError::NotFound(node_id.to_string()));
    };
    let clearing = matches!(event, Event::Cleared);
    if clearing && before.status != NodeStatus::Flagged {
        // A flag held while the node is silent is released without a
        // transition; anything else has nothing to clear.
        if before.held_since == 0 || !hub.store.release_hold(node_id).await? {
            return Err(ActionError::Conflict(format!(
                "node {node_id} is {} and holds no flag: nothing to clear",
                before.status
            )));
        }
        return Ok(before);
    }
    let wanted = match event {
        Event::Acknowledged => Some(NodeStatus::Recycling),
        Event::Retired => Some(NodeStatus::Retired),
        _ => None,
    };
    let retiring = matches!(event, Event::Retired);
    hub.judge.apply(node_id, event, cause).await?;
    let node = hub
        .store
        .node(node_id)
        .await?
        .ok_or_else(|| ActionError::NotFound(node_id.to_string()))?;
    if let Some(w) = wanted {
        if node.status != w {
            return Err(ActionError::Conflict(format!(
                "node {node_id} is {} and cannot become {w}",
                node.status
            )));
        }
    }
    // A retired node's agent has nothing more to say: its stream ends
    // now, and whatever it sends after is a finding.
    if retiring {
        hub.agents.end_stream(node_id, Relayed::Retire).await?;
    }
    if clearing {
        // Judged afresh from what is open now: still-open flagging
        // deviations flag it again at once.
        hub.judge.evaluate_now(node_id).await?;
        return hub
            .store
            .node(node_id)
            .await?
            .ok_or_else(|| ActionError::NotFound(node_id.to_string()));
    }
    Ok(node)
}

/// Revokes a node's certificates: its agent is refused from now on, and
/// cut off now wherever its stream is held. Returns how many certificates
/// plumb had issued to it.
pub async fn revoke_node(hub: &Hub, who: &Principal, node_id: &str) -> Result<i64, ActionError> {
    if node_id.is_empty() || node_id.len() > plumb_proto::MAX_ID_BYTES {
        return Err(ActionError::Invalid("node id must be 1-256 bytes".into()));
    }
    let certs = hub.store.revoke_node(node_id, &who.name, now_ms()).await?;
    hub.trust.auth.audit.ok(
        who,
        "revoke node",
        node_id,
        &format!("{certs} certificate(s) issued by plumb"),
    );
    hub.agents.end_stream(node_id, Relayed::Revoke).await?;
    Ok(certs)
}

/// What became of a rescan request.
#[derive(Debug, PartialEq, Eq)]
pub enum Rescan {
    /// Sent down the agent's stream.
    Sent,
    /// Coalesced with one sent within the window.
    Coalesced,
    /// Relayed to the replica holding the agent's stream.
    Relayed(String),
}

/// Asks a node's connected agent to rescan (`full`: rehash every file).
/// Rescans cost the node I/O: one per window, the rest coalesce.
pub async fn rescan(
    hub: &Hub,
    who: &Principal,
    node_id: &str,
    full: bool,
) -> Result<Rescan, ActionError> {
    if hub.store.node(node_id).await?.is_none() {
        return Err(ActionError::NotFound(node_id.to_string()));
    }
    let relayed = if full {
        Relayed::FullRescan
    } else {
        Relayed::Rescan
    };
    let command = relayed.as_str();
    let audit = &hub.trust.auth.audit;
    if !hub.agents.is_connected(node_id) {
        // Another replica may hold the agent's stream: it sends the
        // command on.
        let holder = hub.store.stream_holder(node_id).await?;
        let Some(holder) = holder.filter(|h| *h != hub.instance) else {
            return Err(ActionError::Conflict(format!(
                "node {node_id:?} is not connected"
            )));
        };
        if !hub.trust.rescan_allowed(node_id, RESCAN_WINDOW) {
            return Ok(Rescan::Coalesced);
        }
        hub.store
            .relay_command(node_id, &holder, relayed, now_ms())
            .await?;
        audit.ok(
            who,
            command,
            node_id,
            &format!("relayed to replica {holder}"),
        );
        return Ok(Rescan::Relayed(holder));
    }
    if !hub.trust.rescan_allowed(node_id, RESCAN_WINDOW) {
        audit.ok(
            who,
            command,
            node_id,
            "coalesced with a rescan sent moments ago",
        );
        return Ok(Rescan::Coalesced);
    }
    let kind = relayed.agent_command().unwrap_or(CommandKind::Rescan);
    let msg = CollectorMessage {
        body: Some(collector_message::Body::Command(Command {
            kind: kind as i32,
            policy_toml: String::new(),
        })),
    };
    if hub.agents.command(node_id, msg) {
        audit.ok(who, command, node_id, "sent to the agent");
        Ok(Rescan::Sent)
    } else {
        Err(ActionError::Conflict(format!(
            "node {node_id:?} is not connected"
        )))
    }
}

/// Imports the OSV advisories of `osv` (named `source_name`), audited:
/// every record is checked before any is stored, and all of them are
/// stored in one transaction, or none.
pub async fn import_advisories(
    hub: &Hub,
    who: &Principal,
    source_name: &str,
    osv: Vec<u8>,
) -> Result<crate::store::Imported, ActionError> {
    let audit = &hub.trust.auth.audit;
    let name = source_name.chars().take(256).collect::<String>();
    let parse_name = name.clone();
    let parsed = tokio::task::spawn_blocking(move || crate::advisories::parse(&parse_name, &osv))
        .await
        .map_err(|e| ActionError::Invalid(format!("{name}: {e}")))?;
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            audit.refused(who, "import advisories", &name, &e.to_string());
            return Err(ActionError::Invalid(e.to_string()));
        }
    };
    let imported = hub
        .store
        .import_advisories(&parsed.advisories, parsed.skipped_packages, now_ms())
        .await?;
    hub.posture_changed();
    audit.ok(
        who,
        "import advisories",
        &name,
        &format!(
            "{} advisories, {} affected packages",
            imported.advisories, imported.packages
        ),
    );
    Ok(imported)
}

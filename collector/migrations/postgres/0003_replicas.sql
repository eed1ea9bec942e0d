-- Replicas on one database: work that must happen once fleet-wide (a
-- sink's alert delivery, silence detection, retention) is done by the
-- replica holding its lease, renewed while it works and taken over by
-- another replica once it lapses.
CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);

-- A sink's undelivered alerts, in order.
CREATE INDEX outbox_sink_pending ON outbox (sink, delivered_at, id);

-- Which replica holds each node's agent stream.
CREATE TABLE streams (
    node_id TEXT PRIMARY KEY,
    holder  TEXT NOT NULL,
    since   BIGINT NOT NULL
);

-- Commands (rescan, revoke) for a stream another replica holds, picked
-- up by that replica.
CREATE TABLE node_commands (
    id         BIGSERIAL PRIMARY KEY,
    node_id    TEXT NOT NULL,
    holder     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX node_commands_holder ON node_commands (holder, id);

-- Retention prunes history by age.
CREATE INDEX deviations_resolved ON deviations (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX audit_at ON audit (at);
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;

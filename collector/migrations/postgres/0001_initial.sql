CREATE TABLE nodes (
    node_id         TEXT PRIMARY KEY,
    hostname        TEXT NOT NULL,
    image_id        TEXT NOT NULL,
    manifest_digest TEXT NOT NULL,
    agent_version   TEXT NOT NULL,
    boot_id         TEXT NOT NULL,
    status          TEXT NOT NULL,
    status_since    BIGINT NOT NULL,
    reasons         TEXT NOT NULL,
    first_seen      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    last_seq        BIGINT NOT NULL,
    heartbeat_secs  BIGINT NOT NULL,
    open_count      BIGINT NOT NULL,
    max_severity    BIGINT NOT NULL
);
CREATE INDEX nodes_status ON nodes (status, node_id);
CREATE INDEX nodes_image ON nodes (image_id, status);

CREATE TABLE deviations (
    id           BIGSERIAL PRIMARY KEY,
    node_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    dkey         TEXT NOT NULL,
    severity     BIGINT NOT NULL,
    expected     TEXT NOT NULL,
    actual       TEXT NOT NULL,
    changes      TEXT NOT NULL,
    package      TEXT NOT NULL,
    explained_by TEXT NOT NULL,
    first_seen   BIGINT NOT NULL,
    resolved_at  BIGINT
);
CREATE UNIQUE INDEX deviations_open ON deviations (node_id, kind, dkey) WHERE resolved_at IS NULL;
CREATE INDEX deviations_node ON deviations (node_id, resolved_at, severity);
CREATE INDEX deviations_fleet ON deviations (kind, dkey) WHERE resolved_at IS NULL;

CREATE TABLE transitions (
    id          BIGSERIAL PRIMARY KEY,
    node_id     TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    cause       TEXT NOT NULL,
    reasons     TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX transitions_node ON transitions (node_id, id);
CREATE INDEX transitions_at ON transitions (at);

CREATE TABLE manifests (
    image_id  TEXT PRIMARY KEY,
    digest    TEXT NOT NULL,
    body      BYTEA NOT NULL,
    files     BIGINT NOT NULL,
    packages  BIGINT NOT NULL,
    pushed_at BIGINT NOT NULL
);

CREATE TABLE outbox (
    id           BIGSERIAL PRIMARY KEY,
    sink         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    attempts     BIGINT NOT NULL,
    next_attempt BIGINT NOT NULL,
    delivered_at BIGINT,
    last_error   TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (delivered_at, next_attempt);

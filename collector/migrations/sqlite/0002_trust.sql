-- Trust: API tokens and dashboard sessions (secrets stored as SHA-256),
-- the audit log, enrollment tokens, issued node certificates, revoked
-- nodes, and the per-node report chain.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    token_id   TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    source  TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_target ON audit (target, id);

CREATE TABLE enrollments (
    hash       TEXT PRIMARY KEY,
    image_id   TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    uses_left  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE node_certs (
    serial    TEXT PRIMARY KEY,
    node_id   TEXT NOT NULL,
    image_id  TEXT NOT NULL,
    issued_at BIGINT NOT NULL
);
CREATE INDEX node_certs_node ON node_certs (node_id);

CREATE TABLE revoked_nodes (
    node_id TEXT PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL
);

ALTER TABLE nodes ADD COLUMN last_hash TEXT NOT NULL DEFAULT '';

-- Containers: the agent reports the containers running on its node, and a
-- deviation may be in one of them. A deviation is identified by (node,
-- container, kind, key); the node's own have container ''.
ALTER TABLE deviations ADD COLUMN container TEXT NOT NULL DEFAULT '';
DROP INDEX deviations_open;
CREATE UNIQUE INDEX deviations_open ON deviations (node_id, container, kind, dkey) WHERE resolved_at IS NULL;

-- The node's running containers, as its agent last listed them.
CREATE TABLE containers (
    node_id       TEXT NOT NULL,
    container_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    runtime       TEXT NOT NULL,
    image         TEXT NOT NULL,
    image_id      TEXT NOT NULL,
    pod           TEXT NOT NULL,
    namespace     TEXT NOT NULL,
    pod_container TEXT NOT NULL,
    -- verified, unverified or error, as the agent judged it.
    status        TEXT NOT NULL,
    started       BIGINT NOT NULL,
    processes     BIGINT NOT NULL,
    first_seen    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL,
    PRIMARY KEY (node_id, container_id)
);
CREATE INDEX containers_image ON containers (image_id, node_id);

-- How the agent sees new processes (fanotify or periodic), and whether it
-- judges containers, from its hello.
ALTER TABLE nodes ADD COLUMN exec_monitor TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN sees_containers BIGINT NOT NULL DEFAULT 0;

-- The container alerts that fired and are not resolved yet, with the
-- container as it was then: a resolve carries the labels it fired with.
CREATE TABLE container_alerts (
    node_id      TEXT NOT NULL,
    container_id TEXT NOT NULL,
    state        TEXT NOT NULL,
    container    TEXT NOT NULL,
    since        BIGINT NOT NULL,
    PRIMARY KEY (node_id, container_id)
);

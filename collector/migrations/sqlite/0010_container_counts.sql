-- Each container's open deviations per severity, kept by the batch writer
-- by deltas as the nodes' are (0005): the containers' own index on the
-- deviations made every stored deviation of a container cost half again
-- as much. A container's count, its worst severity, which containers
-- drifted and the fleet per image now read the containers alone.
ALTER TABLE containers ADD COLUMN open_low BIGINT NOT NULL DEFAULT 0;
ALTER TABLE containers ADD COLUMN open_medium BIGINT NOT NULL DEFAULT 0;
ALTER TABLE containers ADD COLUMN open_high BIGINT NOT NULL DEFAULT 0;
ALTER TABLE containers ADD COLUMN open_critical BIGINT NOT NULL DEFAULT 0;
ALTER TABLE containers ADD COLUMN open_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE containers ADD COLUMN max_severity BIGINT NOT NULL DEFAULT 0;
UPDATE containers SET
    open_low = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = containers.node_id AND d.container = containers.container_id AND d.resolved_at IS NULL AND d.severity <= 1),
    open_medium = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = containers.node_id AND d.container = containers.container_id AND d.resolved_at IS NULL AND d.severity = 2),
    open_high = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = containers.node_id AND d.container = containers.container_id AND d.resolved_at IS NULL AND d.severity = 3),
    open_critical = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = containers.node_id AND d.container = containers.container_id AND d.resolved_at IS NULL AND d.severity >= 4),
    open_count = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = containers.node_id AND d.container = containers.container_id AND d.resolved_at IS NULL),
    max_severity = (SELECT COALESCE(MAX(d.severity), 0) FROM deviations d WHERE d.node_id = containers.node_id AND d.container = containers.container_id AND d.resolved_at IS NULL);
DROP INDEX deviations_open_containers;

-- The open deviations' unique key: (node, kind, key, container key),
-- the container last so that a node's deviations of a kind sit together
-- whatever container they are in, as a host's do (keyed by container
-- first, a batch touched as many pages as the node had containers), and
-- as `cref`, the first 63 bits of the SHA-256 of the container id (0 for
-- the node's own), not the 64-character id itself: a key as long as a
-- host's. Lookups match `cref`; `container` keeps the id.
ALTER TABLE deviations ADD COLUMN cref BIGINT NOT NULL DEFAULT 0;
DROP INDEX deviations_open;
-- SQLite has no SHA-256: the store computes the keys of stored rows and
-- creates the index itself when it opens the database (`key_containers`).

-- The drifted containers (verified, with open deviations), in the
-- listing's order (and for the fleet per image), straight off an index
-- that holds only them.
CREATE INDEX containers_drifted ON containers (node_id, name, container_id) WHERE status = 'verified' AND open_count > 0;

-- The fleet per image reads this index (it covers what the view counts
-- but the drifted, which come off containers_drifted), not every
-- container's row; the counts, which move with every batch, are not in it.
DROP INDEX containers_image;
CREATE INDEX containers_image ON containers (image_id, node_id, status, image);

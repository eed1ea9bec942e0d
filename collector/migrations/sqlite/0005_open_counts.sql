-- Each node's open deviations per severity, kept up to date by the batch
-- writer: storing a batch costs what the batch carries, not what the node
-- already has open (a node with 100,000 open deviations made every batch
-- count them all). A full-state report recounts. Unknown severities count
-- as the nearest known one.
ALTER TABLE nodes ADD COLUMN open_low BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN open_medium BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN open_high BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN open_critical BIGINT NOT NULL DEFAULT 0;
UPDATE nodes SET
    open_low = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = nodes.node_id AND d.resolved_at IS NULL AND d.severity <= 1),
    open_medium = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = nodes.node_id AND d.resolved_at IS NULL AND d.severity = 2),
    open_high = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = nodes.node_id AND d.resolved_at IS NULL AND d.severity = 3),
    open_critical = (SELECT COUNT(*) FROM deviations d WHERE d.node_id = nodes.node_id AND d.resolved_at IS NULL AND d.severity >= 4);

-- A node's deviations by severity, newest first, straight off an index:
-- open ones for the policy's summary (its ten most severe) and the open
-- history pages, resolved ones for the resolved pages (all of a node's
-- history merges the two). Two partial indexes, so that storing an open
-- deviation updates as many indexes as before. (An IS NULL condition on
-- the old index's second column kept PostgreSQL from reading it in
-- order: every summary sorted all of the node's open deviations.)
DROP INDEX deviations_node;
CREATE INDEX deviations_open_rank ON deviations (node_id, severity, id) WHERE resolved_at IS NULL;
CREATE INDEX deviations_node ON deviations (node_id, severity, id) WHERE resolved_at IS NOT NULL;

-- No query looks open deviations up by kind and key alone (fleet
-- correlation reads them all): an index fewer to update per deviation.
DROP INDEX deviations_fleet;

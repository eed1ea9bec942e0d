-- The open deviations of containers only, with their severity: a
-- container's open count and worst severity straight off the index, and
-- which containers drifted, without reading the nodes' own deviations.
CREATE INDEX deviations_open_containers ON deviations (node_id, container, severity) WHERE resolved_at IS NULL AND container <> '';

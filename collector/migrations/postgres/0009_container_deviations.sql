-- The open deviations of containers only: which containers drifted,
-- without reading the nodes' own open deviations.
CREATE INDEX deviations_open_containers ON deviations (node_id, container) WHERE resolved_at IS NULL AND container <> '';

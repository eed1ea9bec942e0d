-- Liveness lives with the stream: the replica holding a node's stream
-- keeps its heartbeats in memory and persists `last_seen` on disconnect,
-- on a status change and otherwise every few minutes. `holder` names
-- that replica while it holds the stream; only nodes with no live holder
-- are looked for by the silence check, through `nodes_unheld`, which
-- holds just them (a connected fleet leaves it nearly empty).
ALTER TABLE nodes ADD COLUMN holder TEXT;
UPDATE nodes SET holder = (SELECT s.holder FROM streams s WHERE s.node_id = nodes.node_id);
CREATE INDEX nodes_unheld ON nodes (last_seen)
    WHERE holder IS NULL AND status NOT IN ('silent', 'retired', 'recycling');
CREATE INDEX nodes_holder ON nodes (holder) WHERE holder IS NOT NULL;

-- A flag is held: a node flagged by the policy stays flagged when the
-- deviation that flagged it resolves (an intruder deleting the evidence),
-- until it is acknowledged, retired or cleared by an operator.
-- held_since is 0 while no flag is held.
ALTER TABLE nodes ADD COLUMN held_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN held_reasons TEXT NOT NULL DEFAULT '[]';
-- Nodes flagged before flags were held hold theirs from now on.
UPDATE nodes SET held_since = status_since, held_reasons = reasons WHERE status = 'flagged';

-- Each image family's rollout over time: one point per family per ten
-- minutes (the last judgement in that bucket), written by the posture
-- judgement, pruned with the rest of history.
CREATE TABLE family_rollout (
    family       TEXT NOT NULL,
    at           BIGINT NOT NULL,
    newest       TEXT NOT NULL,
    -- Nodes and containers on the newest image, and on the family.
    newest_units BIGINT NOT NULL,
    total_units  BIGINT NOT NULL,
    PRIMARY KEY (family, at)
);

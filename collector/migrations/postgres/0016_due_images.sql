-- Images due for replacement (patch posture: superseded past the grace
-- period, or exposed at the policy's severity), as the collector last
-- judged them. An image entering or leaving this table is what webhooks
-- and Alertmanager are told; the flag queue shows it with its reasons.
CREATE TABLE due_images (
    image_id   TEXT PRIMARY KEY,
    -- The image's family, '' for none.
    family     TEXT NOT NULL,
    -- When it was first judged due.
    since      BIGINT NOT NULL,
    -- JSON arrays: why, one line each; the advisories behind the reasons.
    reasons    TEXT NOT NULL,
    advisories TEXT NOT NULL,
    -- Nodes (not retired) and containers running it when last judged.
    nodes      BIGINT NOT NULL,
    containers BIGINT NOT NULL
);

-- Resolved deviations leave `deviations`, which from now on holds open
-- ones only (its `resolved_at` is always NULL and its partial indexes
-- stay as they are), for `resolved_deviations`. On PostgreSQL that table
-- and `transitions` are partitioned by day; SQLite has no partitions and
-- retention deletes their rows in batches.
CREATE TABLE resolved_deviations (
    id           INTEGER PRIMARY KEY,
    node_id      TEXT NOT NULL,
    container    TEXT NOT NULL,
    cref         BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    dkey         TEXT NOT NULL,
    severity     BIGINT NOT NULL,
    expected     TEXT NOT NULL,
    actual       TEXT NOT NULL,
    changes      TEXT NOT NULL,
    package      TEXT NOT NULL,
    explained_by TEXT NOT NULL,
    first_seen   BIGINT NOT NULL,
    resolved_at  BIGINT NOT NULL
);
INSERT INTO resolved_deviations
    SELECT id, node_id, container, cref, kind, dkey, severity, expected, actual, changes,
        package, explained_by, first_seen, resolved_at
    FROM deviations WHERE resolved_at IS NOT NULL;
DELETE FROM deviations WHERE resolved_at IS NOT NULL;
DROP INDEX deviations_node;
DROP INDEX deviations_resolved;
CREATE INDEX resolved_deviations_node ON resolved_deviations (node_id, severity, id);
CREATE INDEX resolved_deviations_at ON resolved_deviations (resolved_at);

DROP INDEX nodes_unheld;
CREATE INDEX nodes_unheld ON nodes (node_id)
    WHERE holder IS NULL AND status NOT IN ('silent', 'retired', 'recycling');

-- History partitioned by time, so that retention drops whole days
-- instead of deleting rows one by one (each a dead tuple to vacuum).
--
-- Resolved deviations leave `deviations`, which from now on holds open
-- ones only (its `resolved_at` is always NULL and its partial indexes
-- stay as they are), for `resolved_deviations`, partitioned by the day
-- they were resolved. Transitions are partitioned by the day they
-- happened. The collector makes each day's partition ahead of time
-- (`store::history`); a row outside every day partition lands in the
-- default partition and is moved into its day when that is made.
CREATE TABLE resolved_deviations (
    id           BIGINT NOT NULL,
    node_id      TEXT COLLATE "C" NOT NULL,
    container    TEXT NOT NULL,
    cref         BIGINT NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    dkey         TEXT COLLATE "C" NOT NULL,
    severity     BIGINT NOT NULL,
    expected     TEXT NOT NULL,
    actual       TEXT NOT NULL,
    changes      TEXT NOT NULL,
    package      TEXT NOT NULL,
    explained_by TEXT NOT NULL,
    first_seen   BIGINT NOT NULL,
    resolved_at  BIGINT NOT NULL
) PARTITION BY RANGE (resolved_at);
CREATE TABLE resolved_deviations_default PARTITION OF resolved_deviations DEFAULT;
INSERT INTO resolved_deviations
    SELECT id, node_id, container, cref, kind, dkey, severity, expected, actual, changes,
        package, explained_by, first_seen, resolved_at
    FROM deviations WHERE resolved_at IS NOT NULL;
DELETE FROM deviations WHERE resolved_at IS NOT NULL;
DROP INDEX deviations_node;
DROP INDEX deviations_resolved;
CREATE INDEX resolved_deviations_node ON resolved_deviations (node_id, severity, id);

ALTER TABLE transitions RENAME TO transitions_unpartitioned;
CREATE TABLE transitions (
    id          BIGINT NOT NULL DEFAULT nextval('transitions_id_seq'),
    node_id     TEXT COLLATE "C" NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    cause       TEXT NOT NULL,
    reasons     TEXT NOT NULL,
    at          BIGINT NOT NULL
) PARTITION BY RANGE (at);
CREATE TABLE transitions_default PARTITION OF transitions DEFAULT;
INSERT INTO transitions
    SELECT id, node_id, from_status, to_status, cause, reasons, at FROM transitions_unpartitioned;
ALTER SEQUENCE transitions_id_seq OWNED BY transitions.id;
DROP TABLE transitions_unpartitioned;
CREATE INDEX transitions_node ON transitions (node_id, id);
CREATE INDEX transitions_id ON transitions (id);
CREATE INDEX transitions_at ON transitions (at);

-- Hot rows are updated in place: room on each page for the new version
-- of a row (a HOT update, no index touched when no indexed column
-- changes). `last_seen` is no longer indexed for the same reason: the
-- silence check reads the nodes without a live holder (few) and
-- compares their `last_seen` itself.
ALTER TABLE nodes SET (fillfactor = 80);
ALTER TABLE containers SET (fillfactor = 80);
DROP INDEX nodes_unheld;
CREATE INDEX nodes_unheld ON nodes (node_id)
    WHERE holder IS NULL AND status NOT IN ('silent', 'retired', 'recycling');

-- Replicas on one database: work that must happen once fleet-wide (a
-- sink's alert delivery, silence detection, retention) is done by the
-- replica holding its lease, renewed while it works and taken over by
-- another replica once it lapses.
CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);

-- A sink's undelivered alerts, in order.
CREATE INDEX outbox_sink_pending ON outbox (sink, delivered_at, id);

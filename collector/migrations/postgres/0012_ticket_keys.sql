-- TLS session ticket keys, shared by the replicas so that an agent
-- resumes its TLS session on whichever replica it reconnects to. One key
-- per period (hour since the epoch), made by the first replica that needs
-- it and erased two periods later: a stolen key opens at most the
-- tickets of its own two hours.
CREATE TABLE ticket_keys (
    period BIGINT PRIMARY KEY,
    key_hex TEXT NOT NULL
);

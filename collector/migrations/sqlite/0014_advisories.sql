-- Security advisories imported from OSV records, and the packages each
-- affects (per package manager: the ranges and listed versions, as JSON).
-- Exposure is computed from these and the package inventory when asked.
CREATE TABLE advisories (
    id          TEXT PRIMARY KEY,
    aliases     TEXT NOT NULL,
    summary     TEXT NOT NULL,
    severity    TEXT NOT NULL,
    modified    TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);
CREATE TABLE advisory_packages (
    advisory_id TEXT NOT NULL,
    manager     TEXT NOT NULL,
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    affected    TEXT NOT NULL
);
CREATE INDEX advisory_packages_name ON advisory_packages (name);
CREATE INDEX advisory_packages_advisory ON advisory_packages (advisory_id);

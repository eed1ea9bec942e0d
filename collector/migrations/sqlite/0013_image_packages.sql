-- Every package of every registered image (machine and container), so
-- that "which images carry openssl" is an index lookup, not a decode of
-- every manifest. Written with the manifest; manifests registered before
-- are indexed once when the collector starts (`indexed`).
CREATE TABLE image_packages (
    image_id       TEXT NOT NULL,
    manager        TEXT NOT NULL,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    arch           TEXT NOT NULL,
    source         TEXT NOT NULL,
    source_version TEXT NOT NULL,
    PRIMARY KEY (image_id, manager, name, arch, version)
);
CREATE INDEX image_packages_name ON image_packages (name);
CREATE INDEX image_packages_source ON image_packages (source);
ALTER TABLE manifests ADD COLUMN indexed BIGINT NOT NULL DEFAULT 0;
-- 1: a container image (its manifest was built from an image archive).
ALTER TABLE manifests ADD COLUMN container BIGINT NOT NULL DEFAULT 0;

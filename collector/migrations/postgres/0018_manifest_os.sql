-- The operating system a machine image's manifest names (its
-- os-release PRETTY_NAME), for the releases no package tells (Ubuntu's
-- base-files does not). Every manifest is indexed again once to fill it.
ALTER TABLE manifests ADD COLUMN os TEXT NOT NULL DEFAULT '';
UPDATE manifests SET indexed = 0;

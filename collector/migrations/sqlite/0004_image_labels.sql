-- Provenance labels of each registered manifest (source commit, Packer
-- build id, ...): shown with the image, and `nodes --label` finds the
-- nodes running a build.
CREATE TABLE image_labels (
    image_id TEXT NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (image_id, key)
);
CREATE INDEX image_labels_key_value ON image_labels (key, value);

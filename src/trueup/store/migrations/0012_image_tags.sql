-- Image registries: the last scan of each ImageRepository and the tags it found.
--
-- image_scans: one row per repository ("name", or "namespace/name"): the image, when it was
-- last scanned, the error of that scan ('' when it succeeded), when the kept tags were read
-- (NULL before a first good scan; a failed scan keeps the tags of the last good one), and
-- how many tags were dropped as malformed or excluded.
CREATE TABLE image_scans (
    repository  TEXT PRIMARY KEY,
    image       TEXT NOT NULL,
    scanned_at  TEXT NOT NULL,
    tags_at     TEXT,
    error       TEXT NOT NULL DEFAULT '',
    malformed   INTEGER NOT NULL DEFAULT 0,
    excluded    INTEGER NOT NULL DEFAULT 0
);

-- image_tags: the tags of the last good scan, with their digest when one was asked for
-- ('' otherwise). Replaced as a whole with each good scan.
CREATE TABLE image_tags (
    repository  TEXT NOT NULL REFERENCES image_scans (repository) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    digest      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (repository, tag)
) WITHOUT ROWID;

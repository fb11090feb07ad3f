-- What the last good apply knew of each inventoried object: the hash of the desired content
-- and the resourceVersion the server left it at. While both stay the same, nothing changed
-- on either side and the next sync skips that object's dry-run. Empty means "not known".

ALTER TABLE inventory ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE inventory ADD COLUMN resource_version TEXT NOT NULL DEFAULT '';

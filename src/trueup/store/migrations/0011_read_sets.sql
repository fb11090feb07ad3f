-- Rollback by revert (`trueup rollback APP --to REVISION --revert`).
--
-- attempt_reads: what each attempt's render read, as a JSON list of repository-relative
-- paths (files, or directories with all they hold; '.' for the whole repository): the
-- paths a revert to that attempt's revision restores, and whose other Apps change with them.
CREATE TABLE attempt_reads (
    attempt_id  INTEGER PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
    app         TEXT NOT NULL,
    paths       TEXT NOT NULL
);
CREATE INDEX attempt_reads_by_app ON attempt_reads (app, attempt_id);

-- Reverts pushed to a source's branch: which App asked, the branch and the paths restored,
-- the revision they were restored to, the revert commit and the head it was made on, by
-- whom and when. Pending (applied_at NULL) until an attempt of the App applies the revert
-- commit or a later one; image automation leaves the paths of a pending revert alone.
CREATE TABLE reverts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    app               TEXT NOT NULL,
    source            TEXT NOT NULL,
    branch            TEXT NOT NULL,
    paths             TEXT NOT NULL,
    revision          TEXT NOT NULL,
    commit_sha        TEXT NOT NULL,
    parent_sha        TEXT NOT NULL,
    by                TEXT NOT NULL,
    at                TEXT NOT NULL,
    applied_at        TEXT,
    applied_revision  TEXT
);
CREATE INDEX reverts_pending ON reverts (applied_at, app);

-- Rollback in pin mode (`trueup rollback APP --to REVISION`) and what a revision is replayed with.
--
-- attempt_inputs: besides its revision, what each attempt's render read that a later render
-- may resolve differently: for a Helm chart from a repository, the chart version a range
-- resolved to and the digest of its archive; and the sha256 of each ConfigMap or Secret the
-- render read from the cluster (valuesFrom, substituteFrom), as a JSON list. Hashes only:
-- the values themselves never enter the store.
CREATE TABLE attempt_inputs (
    attempt_id      INTEGER PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
    chart_version   TEXT NOT NULL DEFAULT '',
    chart_digest    TEXT NOT NULL DEFAULT '',
    values_digests  TEXT NOT NULL DEFAULT '[]'
);

-- Apps pinned at an earlier revision: every reconcile applies that revision's commit with
-- its recorded inputs (copied here, so that the pin stands on its own) until
-- `trueup resume APP`; by whom (such as 'cli:alice'), since when, and why.
CREATE TABLE pins (
    app             TEXT PRIMARY KEY,
    revision        TEXT NOT NULL,
    commit_sha      TEXT NOT NULL,
    by              TEXT NOT NULL,
    at              TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    chart_version   TEXT NOT NULL DEFAULT '',
    chart_digest    TEXT NOT NULL DEFAULT '',
    values_digests  TEXT NOT NULL DEFAULT '[]'
);

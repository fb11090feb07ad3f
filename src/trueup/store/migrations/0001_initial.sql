-- The first schema: attempts with their change sets, and one inventory per app.
-- Times are UTC text in one fixed format (YYYY-MM-DDTHH:MM:SS.ffffffZ) so that they sort as text.

CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    app           TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT    NOT NULL,
    revision      TEXT,
    trigger       TEXT    NOT NULL,
    result        TEXT    NOT NULL,
    plan_summary  TEXT    NOT NULL DEFAULT '',
    health        TEXT    NOT NULL DEFAULT '',
    duration_s    REAL    NOT NULL DEFAULT 0,
    error         TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX attempts_by_app_newest ON attempts (app, started_at DESC, id DESC);
CREATE INDEX attempts_by_app_result ON attempts (app, result, started_at DESC, id DESC);

-- One row per object of an attempt's change set, in the order apply handled them.
CREATE TABLE attempt_changes (
    attempt_id  INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    api_group   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    namespace   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (attempt_id, position)
);

-- Answers "when was Deployment/shop/web last changed, and by which revision".
CREATE INDEX attempt_changes_by_object ON attempt_changes (kind, namespace, name, api_group);

-- What each app applied and owns; prune only ever considers these objects.
CREATE TABLE inventory (
    app          TEXT NOT NULL,
    api_group    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    namespace    TEXT NOT NULL,
    name         TEXT NOT NULL,
    api_version  TEXT NOT NULL,
    PRIMARY KEY (app, api_group, kind, namespace, name)
);

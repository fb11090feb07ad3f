-- Events: what the daemon saw and did (a reconcile, a drift, a revert, a health change, a
-- suspension, a webhook...), kept beside the history for `trueup events` and the event feed.
-- id only ever grows (AUTOINCREMENT never reuses the id of a pruned row), so that a reader
-- can resume after the last id it saw. app is NULL for events about the daemon itself.
-- objects and fields are JSON: a list of object ids as text, and an object of details.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT    NOT NULL,
    app       TEXT,
    revision  TEXT,
    level     TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    message   TEXT    NOT NULL,
    objects   TEXT    NOT NULL DEFAULT '[]',
    fields    TEXT    NOT NULL DEFAULT '{}'
);

CREATE INDEX events_by_app ON events (app, id);
CREATE INDEX events_by_time ON events (at);

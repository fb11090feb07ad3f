-- Per-App locks and suspensions, shared by every process on this state file.
--
-- app_locks: at most one reconcile of an App at a time, also across processes. A lock is a
-- lease: in force until expires_at, renewed by its holder while it works, taken over once
-- it has expired, and broken at once when its owner (trueup.store.owner.Owner) is provably
-- gone. token is new for every acquisition, so that one process holding the locks of many
-- Apps from many coroutines releases only what it took; purpose (such as 'daemon' or
-- 'cli:alice') is for messages only.
CREATE TABLE app_locks (
    app          TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    token        TEXT NOT NULL,
    purpose      TEXT NOT NULL DEFAULT '',
    acquired_at  TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

-- Apps suspended by hand (trueup suspend): by whom (such as 'cli:alice'), since when, and why.
CREATE TABLE suspensions (
    app     TEXT PRIMARY KEY,
    by      TEXT NOT NULL,
    at      TEXT NOT NULL,
    reason  TEXT NOT NULL DEFAULT ''
);

-- What a running daemon plans for each App, for status: when it reconciles the App next,
-- and how many of its objects it last found drifted. owner is the daemon process
-- (trueup.store.owner.Owner), so that a plan left by a daemon that is gone can be told apart.
CREATE TABLE schedules (
    app         TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    next_at     TEXT,
    drifted     INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);

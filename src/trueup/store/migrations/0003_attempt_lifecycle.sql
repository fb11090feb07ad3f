-- Honest records: an attempt is written when it starts ('running', with the process that
-- owns it) and completed when it ends; a 'running' attempt whose owner is provably gone is
-- later marked 'interrupted'. Every attempt names the target it ran against and the class of
-- its failure. Inventories name the target they belong to ('' for rows written before).

ALTER TABLE attempts ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN target TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN owner TEXT NOT NULL DEFAULT '';

CREATE INDEX attempts_running ON attempts (id) WHERE result = 'running';

ALTER TABLE inventory ADD COLUMN target TEXT NOT NULL DEFAULT '';

-- The last time each app was compared with its target (by a sync or a diff), and the outcome.
CREATE TABLE confirmations (
    app           TEXT    PRIMARY KEY,
    target        TEXT    NOT NULL,
    confirmed_at  TEXT    NOT NULL,
    revision      TEXT,
    in_sync       INTEGER NOT NULL,
    health        TEXT    NOT NULL DEFAULT ''
);

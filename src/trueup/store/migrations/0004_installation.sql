-- The id of this trueup installation, made once on first use: it is written into the
-- tracking annotation of every object trueup applies, so that two installations sharing
-- a cluster never take each other's objects for their own.

CREATE TABLE installation (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    id          TEXT    NOT NULL
);

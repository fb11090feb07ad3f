-- The objects a partial sync (`trueup sync --object`) was limited to, as a JSON list of ids
-- ("ConfigMap/shop/settings"); '' for a sync of the whole App, as every earlier attempt
-- was. A partial attempt is never an App's last successful sync.

ALTER TABLE attempts ADD COLUMN only_objects TEXT NOT NULL DEFAULT '';

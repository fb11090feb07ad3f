-- What the commit of each attempt's revision says of itself: its author (name and email),
-- subject line and committer time. commit_sha '' means none was read (attempts recorded
-- before, or a source git could not describe); committed_at is then NULL.

ALTER TABLE attempts ADD COLUMN commit_sha TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN commit_author TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN commit_email TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN commit_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN committed_at TEXT;

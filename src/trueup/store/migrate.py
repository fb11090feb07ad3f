"""Bring a SQLite database up to the schema this trueup knows, one numbered migration at a time.

Migrations are the files ``migrations/NNNN_name.sql`` shipped inside the package. Each is
applied in its own ``BEGIN IMMEDIATE`` transaction together with its row in
``schema_version``, so a crash leaves the database at the previous version, and two
processes opening a new file at once apply each migration exactly once (the second waits
for the write lock, then sees the migration done). The schema only ever moves forward:
nothing is dropped and recreated.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

from trueup.errors import StoreError

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its version number, name, and SQL script."""

    version: int
    name: str
    sql: str


def known_migrations() -> tuple[Migration, ...]:
    """The migrations shipped with this trueup, in version order (checked to be 1, 2, 3...)."""
    found = []
    for entry in files("trueup.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    # A gap or a duplicate is a packaging bug; failing loudly beats a half-migrated database.
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"trueup's own migrations are misnumbered: {[m.version for m in found]}")
    return tuple(found)


def statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (``executescript`` would commit early)."""
    result: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            result.append(pending.strip())
            pending = ""
    if pending.strip() and not _only_comments(pending):
        raise StoreError(f"incomplete SQL statement at the end of a migration: {pending.strip()!r}")
    return result


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def current_version(conn: sqlite3.Connection) -> int:
    """The highest migration applied to ``conn``'s database; 0 for a new one."""
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Apply every pending migration to ``conn`` (in autocommit mode) and return the version.

    A database whose version is higher than any this trueup knows was written by a newer
    trueup; it is refused rather than guessed at.
    """
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    migrations = known_migrations()
    latest = migrations[-1].version if migrations else 0
    for migration in migrations:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = current_version(conn)
            if version > latest:
                raise StoreError(
                    f"{path}: the state database has schema version {version}, but this trueup "
                    f"only knows versions up to {latest}; it was written by a newer trueup "
                    "(upgrade trueup, or point it at another state file)"
                )
            if version >= migration.version:
                conn.execute("ROLLBACK")
                continue
            for statement in statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return current_version(conn)

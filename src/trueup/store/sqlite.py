"""The default store: one SQLite file, safe for many coroutines and several processes at once.

Every sqlite3 call runs on one dedicated worker thread that owns the connection, so the
event loop never blocks and calls from concurrent coroutines are serialised in order.
Processes sharing the file are kept apart by SQLite itself: WAL mode lets readers run
beside one writer, every write takes the write lock up front (``BEGIN IMMEDIATE``, so a
transaction never has to upgrade a read lock and deadlock), and ``busy_timeout`` makes a
writer wait for the lock instead of failing at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
import sqlite3
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from trueup.changeset import ObjectChange
from trueup.errors import StoreError, TemporaryError, TrueupError
from trueup.objects import ObjectId
from trueup.store import rows
from trueup.store.image_scans import ImageScan, read_image_scans, write_image_scan
from trueup.store.migrate import migrate
from trueup.store.model import (
    AppLock,
    Attempt,
    AttemptResult,
    Confirmation,
    EventRecord,
    InventoryEntry,
    Pin,
    RecordedInputs,
    Revert,
    Schedule,
    Suspension,
    lease_end,
    next_lock,
    normalised_path,
)
from trueup.store.outcome import Outcome

T = TypeVar("T")

# ?1 app, ?2 result or NULL for any, ?3 limit, ?4 1 for syncs of the whole App only (not
# partial ones), else 0. Kept literal: no SQL is built from values.
_ATTEMPT = (
    "SELECT id, app, started_at, finished_at, revision, trigger, result, plan_summary, health,"
    " duration_s, error, reason, target, owner, commit_sha, commit_author, commit_email,"
    " commit_subject, committed_at, only_objects FROM attempts"
)
_NEWEST_ATTEMPTS = (
    _ATTEMPT + " WHERE app = ?1 AND (?2 IS NULL OR result = ?2)"
    " AND (?4 = 0 OR only_objects = '') ORDER BY started_at DESC, id DESC LIMIT ?3"
)
# ?1: an owner whose attempts are left out (NULL: none). The partial index attempts_running
# makes this a walk over the running attempts only.
_RUNNING_ATTEMPTS = (
    _ATTEMPT + " WHERE result = 'running' AND (?1 IS NULL OR owner != ?1) ORDER BY id"
)
# The id of the newest (whole, succeeded) attempt of each App of ?1, a JSON list of names:
# one index lookup per App (attempts_by_app_newest, attempts_by_app_result), not a scan.
_LAST_IDS = (
    "SELECT (SELECT id FROM attempts WHERE app = names.value"
    " ORDER BY started_at DESC, id DESC LIMIT 1) FROM json_each(?1) AS names"
)
_LAST_SUCCESSFUL_IDS = (
    "SELECT (SELECT id FROM attempts WHERE app = names.value AND result = 'succeeded'"
    " AND only_objects = '' ORDER BY started_at DESC, id DESC LIMIT 1)"
    " FROM json_each(?1) AS names"
)
_CHANGES_OF = (
    "SELECT attempt_id, api_group, kind, namespace, name, action, reason FROM attempt_changes"
    " WHERE attempt_id IN ({ids}) ORDER BY attempt_id, position"
)
_CONFIRMATIONS_OF = (
    "SELECT app, target, confirmed_at, revision, in_sync, health FROM confirmations"
    " WHERE app IN (SELECT value FROM json_each(?1))"
)
_CHANGES_OF_RUNNING_ATTEMPTS = (
    "SELECT attempt_id, api_group, kind, namespace, name, action, reason FROM attempt_changes"
    " WHERE attempt_id IN"
    " (SELECT id FROM attempts WHERE result = 'running' AND (?1 IS NULL OR owner != ?1))"
    " ORDER BY attempt_id, position"
)
_INSERT_CHANGES = (
    "INSERT INTO attempt_changes (attempt_id, position, api_group, kind, namespace, name, action,"
    " reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_CHANGES_OF_NEWEST_ATTEMPTS = (
    "SELECT attempt_id, api_group, kind, namespace, name, action, reason FROM attempt_changes"
    " WHERE attempt_id IN (SELECT id FROM attempts WHERE app = ?1 AND (?2 IS NULL OR result = ?2)"
    " AND (?4 = 0 OR only_objects = '') ORDER BY started_at DESC, id DESC LIMIT ?3)"
    " ORDER BY attempt_id, position"
)

# ?1 id after which (0: from the first), ?2 limit[, ?3 app]. One statement per case, so that
# each uses its index (events_by_app, or the id itself) rather than scanning.
_EVENTS = "SELECT id, at, app, revision, level, kind, message, objects, fields FROM events"
_EVENTS_SQL = {
    (False, True): _EVENTS + " WHERE id > ?1 ORDER BY id DESC LIMIT ?2",
    (False, False): _EVENTS + " WHERE id > ?1 ORDER BY id LIMIT ?2",
    (True, True): _EVENTS + " WHERE app = ?3 AND id > ?1 ORDER BY id DESC LIMIT ?2",
    (True, False): _EVENTS + " WHERE app = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
}
_INSERT_EVENT = (
    "INSERT INTO events (at, app, revision, level, kind, message, objects, fields)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# ?1 app (NULL: the daemon's own events), ?2 how many of its newest to keep.
_FIRST_EVENT_TO_DROP = "SELECT id FROM events WHERE app IS ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2"

_LOCKS = "SELECT app, owner, token, purpose, acquired_at, expires_at FROM app_locks"
_SUSPENSIONS = "SELECT app, by, at, reason FROM suspensions"
_REVERTS = (
    "SELECT id, app, source, branch, paths, revision, commit_sha, parent_sha, by, at,"
    " applied_at, applied_revision FROM reverts"
)
_INSERT_REVERT = (
    "INSERT INTO reverts (app, source, branch, paths, revision, commit_sha, parent_sha, by,"
    " at, applied_at, applied_revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SCHEDULES = "SELECT app, owner, next_at, drifted, updated_at FROM schedules ORDER BY app"
_SCHEDULES_OF = (
    "SELECT app, owner, next_at, drifted, updated_at FROM schedules"
    " WHERE app IN (SELECT value FROM json_each(?1)) ORDER BY app"
)
_PINS = (
    "SELECT app, revision, commit_sha, by, at, reason, chart_version, chart_digest,"
    " values_digests FROM pins"
)

DEFAULT_BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another process's write lock before giving up."""


@contextmanager
def _transaction(conn: sqlite3.Connection, *, write: bool) -> Iterator[None]:
    """One transaction: a consistent snapshot for reads, the write lock up front for writes."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _translate(path: Path, error: sqlite3.Error) -> TrueupError:
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return TemporaryError(
            f"{path}: the state database stayed locked by another process: {text} "
            "(the operation can be retried; check for a stuck trueup process)"
        )
    return StoreError(
        f"{path}: the state database failed: {text} "
        "(check the file is a trueup state database and the disk is writable)"
    )


def _connect(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Autocommit (isolation_level=None): transactions are explicit, never implicit.
    conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL keeps WAL databases consistent after a crash or SIGKILL; only a power
        # loss may forget the last commits, which the next reconcile recreates.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _with_changes(found: list[Any], changes: list[Any]) -> list[Attempt]:
    """The attempts of ``found`` rows, each with its rows of ``changes``."""
    by_attempt: dict[int, list[ObjectChange]] = {}
    for row in changes:
        attempt_id, change = rows.change_from_row(row)
        by_attempt.setdefault(attempt_id, []).append(change)
    return [rows.attempt_from_row(row, by_attempt.get(row[0], ())) for row in found]


def _insert_attempt(conn: sqlite3.Connection, attempt: Attempt) -> int:
    cursor = conn.execute(
        "INSERT INTO attempts (app, started_at, finished_at, revision, trigger, result,"
        " plan_summary, health, duration_s, error, reason, target, owner, commit_sha,"
        " commit_author, commit_email, commit_subject, committed_at, only_objects)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows.attempt_row(attempt),
    )
    attempt_id = cursor.lastrowid
    assert attempt_id is not None  # an INSERT into a rowid table always sets it
    conn.executemany(_INSERT_CHANGES, rows.change_rows(attempt_id, attempt.changes))
    return attempt_id


def _update_running_attempt(conn: sqlite3.Connection, attempt: Attempt) -> bool:
    cursor = conn.execute(
        "UPDATE attempts SET app = ?, started_at = ?, finished_at = ?, revision = ?,"
        " trigger = ?, result = ?, plan_summary = ?, health = ?, duration_s = ?,"
        " error = ?, reason = ?, target = ?, owner = ?, commit_sha = ?,"
        " commit_author = ?, commit_email = ?, commit_subject = ?, committed_at = ?,"
        " only_objects = ? WHERE id = ? AND result = 'running'",
        (*rows.attempt_row(attempt), attempt.id),
    )
    if cursor.rowcount != 1:
        return False
    assert attempt.id is not None  # the UPDATE matched a row by it
    conn.execute("DELETE FROM attempt_changes WHERE attempt_id = ?", (attempt.id,))
    conn.executemany(_INSERT_CHANGES, rows.change_rows(attempt.id, attempt.changes))
    return True


def _write_inventory(conn: sqlite3.Connection, app: str, new: list[tuple[Any, ...]]) -> None:
    conn.execute("DELETE FROM inventory WHERE app = ?", (app,))
    conn.executemany(
        "INSERT INTO inventory (app, api_group, kind, namespace, name, api_version,"
        " content_hash, resource_version, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        new,
    )


def _write_known(
    conn: sqlite3.Connection, app: str, known: Mapping[ObjectId, tuple[str, str]]
) -> None:
    conn.executemany(
        "UPDATE inventory SET content_hash = ?, resource_version = ? WHERE app = ?"
        " AND api_group = ? AND kind = ? AND namespace = ? AND name = ?",
        [
            (content, version, app, oid.group, oid.kind, oid.namespace, oid.name)
            for oid, (content, version) in known.items()
        ],
    )


def _write_confirmation(conn: sqlite3.Connection, confirmation: Confirmation) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO confirmations (app, target, confirmed_at, revision, in_sync,"
        " health) VALUES (?, ?, ?, ?, ?, ?)",
        rows.confirmation_row(confirmation),
    )


def _write_reads(conn: sqlite3.Connection, attempt_id: int, reads: Iterable[str]) -> None:
    paths = rows.paths_column({normalised_path(p) for p in reads})
    found = conn.execute("SELECT app FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
    if found is None:
        raise StoreError(f"no attempt {attempt_id} to record the read-set of")
    conn.execute(
        "INSERT OR REPLACE INTO attempt_reads (attempt_id, app, paths) VALUES (?, ?, ?)",
        (attempt_id, found[0], paths),
    )


def _settle_reverts(conn: sqlite3.Connection, attempt: Attempt) -> list[Revert]:
    sql = _REVERTS + " WHERE applied_at IS NULL AND app = ? ORDER BY id"
    applied_at = rows.format_time(attempt.finished_at)
    settled = []
    for row in conn.execute(sql, (attempt.app,)).fetchall():
        revert = rows.revert_from_row(row)
        if revert.applied_by(attempt):
            conn.execute(
                "UPDATE reverts SET applied_at = ?, applied_revision = ? WHERE id = ?",
                (applied_at, attempt.revision, revert.id),
            )
            settled.append(
                dataclasses.replace(
                    revert, applied_at=attempt.finished_at, applied_revision=attempt.revision
                )
            )
    return settled


def _duplicates_error(path: Path, app: str, new: list[tuple[Any, ...]]) -> StoreError | None:
    """The error for an inventory of ``app`` listing an object twice, or None."""
    twice = [key for key, n in Counter(row[1:5] for row in new).items() if n > 1]
    if not twice:
        return None
    named = ", ".join(str(rows.inventory_from_row((*key, "")).id) for key in twice)
    return StoreError(
        f"{path}: inventory of app {app!r} lists {named} more than once; the "
        "previous inventory was kept (this is a bug in the caller: report it)"
    )


class SqliteStore:
    """``Store`` on a SQLite file; create it with ``await SqliteStore.open(path)``."""

    def __init__(self, path: Path, conn: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        """Use ``SqliteStore.open``; this only wires up an already-open connection."""
        self.path = path
        self._conn = conn
        self._executor = executor
        self._closed = False

    @classmethod
    async def open(cls, path: Path, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Self:
        """Open (creating parent folders and the file if needed) and migrate the database."""
        path = Path(path)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trueup-store")
        loop = asyncio.get_running_loop()
        try:
            conn = await loop.run_in_executor(executor, _connect, path, busy_timeout_s)
        except sqlite3.Error as e:
            executor.shutdown(wait=False)
            raise _translate(path, e) from e
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(path, conn, executor)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise StoreError(f"{self.path}: the state database is closed; open it again")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, work, self._conn)
        except sqlite3.Error as e:
            raise _translate(self.path, e) from e

    async def record_attempt(self, attempt: Attempt) -> int:
        """Record ``attempt`` and its change set in one transaction; return the new id."""

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn, write=True):
                return _insert_attempt(conn, attempt)

        return await self._run(work)

    async def update_attempt(self, attempt: Attempt) -> bool:
        """Replace the running attempt ``attempt.id`` and its change set; False if none runs."""

        def work(conn: sqlite3.Connection) -> bool:
            with _transaction(conn, write=True):
                return _update_running_attempt(conn, attempt)

        return await self._run(work)

    async def record_outcome(self, outcome: Outcome) -> int | None:
        """Write every record of ``outcome`` in one transaction; the attempt's id."""
        new = None
        if outcome.inventory is not None:
            new = [rows.inventory_row(outcome.app, e, outcome.target) for e in outcome.inventory]
            if (duplicates := _duplicates_error(self.path, outcome.app, new)) is not None:
                raise duplicates

        def work(conn: sqlite3.Connection) -> int | None:
            with _transaction(conn, write=True):
                if new is not None:
                    _write_inventory(conn, outcome.app, new)
                if outcome.known:
                    _write_known(conn, outcome.app, outcome.known)
                if outcome.confirmation is not None:
                    _write_confirmation(conn, outcome.confirmation)
                attempt = outcome.attempt
                if attempt is None:
                    return None
                if attempt.id is not None and _update_running_attempt(conn, attempt):
                    attempt_id = attempt.id
                else:
                    attempt_id = _insert_attempt(conn, attempt)
                if outcome.reads:
                    _write_reads(conn, attempt_id, outcome.reads)
                _settle_reverts(conn, dataclasses.replace(attempt, id=attempt_id))
                return attempt_id

        return await self._run(work)

    async def running_attempts(self, *, not_owned_by: str | None = None) -> list[Attempt]:
        """Every running attempt of every app (of owners other than ``not_owned_by``),
        oldest first."""

        def work(conn: sqlite3.Connection) -> list[Attempt]:
            with _transaction(conn, write=False):
                found = conn.execute(_RUNNING_ATTEMPTS, (not_owned_by,)).fetchall()
                if not found:
                    return []
                changes = conn.execute(_CHANGES_OF_RUNNING_ATTEMPTS, (not_owned_by,)).fetchall()
            return _with_changes(found, changes)

        return await self._run(work)

    def _select_attempts(
        self,
        conn: sqlite3.Connection,
        app: str,
        result: AttemptResult | None,
        limit: int,
        *,
        whole: bool = False,
    ) -> list[Attempt]:
        params = (app, result.value if result else None, limit, int(whole))
        with _transaction(conn, write=False):
            found = conn.execute(_NEWEST_ATTEMPTS, params).fetchall()
            changes = conn.execute(_CHANGES_OF_NEWEST_ATTEMPTS, params).fetchall()
        return _with_changes(found, changes)

    async def history(self, app: str, limit: int = 100) -> list[Attempt]:
        """Up to ``limit`` attempts of ``app``, newest first."""
        return await self._run(lambda conn: self._select_attempts(conn, app, None, max(limit, 0)))

    async def last_attempt(self, app: str) -> Attempt | None:
        """The newest attempt of ``app``, or ``None``."""
        found = await self.history(app, limit=1)
        return found[0] if found else None

    async def last_successful(self, app: str) -> Attempt | None:
        """The newest succeeded sync of the whole of ``app`` (not a partial one), or ``None``."""
        found = await self._run(
            lambda conn: self._select_attempts(conn, app, AttemptResult.SUCCEEDED, 1, whole=True)
        )
        return found[0] if found else None

    async def last_attempts(self, apps: Collection[str]) -> dict[str, Attempt]:
        """The newest attempt of each of ``apps`` that has one, in one read."""
        return await self._run(lambda conn: self._newest_of(conn, apps, _LAST_IDS))

    async def last_successful_attempts(self, apps: Collection[str]) -> dict[str, Attempt]:
        """The newest succeeded sync of the whole App, of each of ``apps`` that has one."""
        return await self._run(lambda conn: self._newest_of(conn, apps, _LAST_SUCCESSFUL_IDS))

    @staticmethod
    def _newest_of(conn: sqlite3.Connection, apps: Collection[str], ids: str) -> dict[str, Attempt]:
        names = json.dumps(sorted(set(apps)))
        with _transaction(conn, write=False):
            found = conn.execute(_ATTEMPT + f" WHERE id IN ({ids})", (names,)).fetchall()
            changes = conn.execute(_CHANGES_OF.format(ids=ids), (names,)).fetchall()
        return {attempt.app: attempt for attempt in _with_changes(found, changes)}

    async def apps(self) -> list[str]:
        """Every app with an attempt, an inventory or a suspension, sorted."""
        sql = (
            "SELECT app FROM attempts UNION SELECT app FROM inventory"
            " UNION SELECT app FROM suspensions ORDER BY app"
        )
        return await self._run(lambda conn: [row[0] for row in conn.execute(sql)])

    async def inventory(self, app: str) -> tuple[InventoryEntry, ...]:
        """The objects ``app`` owns, sorted by id."""
        sql = (
            "SELECT api_group, kind, namespace, name, api_version, content_hash, resource_version"
            " FROM inventory WHERE app = ? ORDER BY api_group, kind, namespace, name"
        )
        return await self._run(
            lambda conn: tuple(rows.inventory_from_row(r) for r in conn.execute(sql, (app,)))
        )

    async def inventory_target(self, app: str) -> str:
        """The target the inventory of ``app`` belongs to, or ''."""
        sql = "SELECT target FROM inventory WHERE app = ? LIMIT 1"

        def work(conn: sqlite3.Connection) -> str:
            row = conn.execute(sql, (app,)).fetchone()
            return str(row[0]) if row else ""

        return await self._run(work)

    async def replace_inventory(
        self, app: str, entries: Iterable[InventoryEntry], *, target: str = ""
    ) -> None:
        """Replace the inventory of ``app`` in one transaction; on any error the old one stays."""
        new = [rows.inventory_row(app, entry, target) for entry in entries]

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn, write=True):
                _write_inventory(conn, app, new)

        try:
            await self._run(work)
        except StoreError as e:
            duplicates = _duplicates_error(self.path, app, new)
            if duplicates is None:
                raise
            raise duplicates from e

    async def record_confirmation(self, confirmation: Confirmation) -> None:
        """Remember ``confirmation`` as the last comparison of its app."""

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn, write=True):
                _write_confirmation(conn, confirmation)

        await self._run(work)

    async def confirmation(self, app: str) -> Confirmation | None:
        """The last comparison of ``app``, or ``None``."""
        sql = (
            "SELECT app, target, confirmed_at, revision, in_sync, health FROM confirmations"
            " WHERE app = ?"
        )

        def work(conn: sqlite3.Connection) -> Confirmation | None:
            row = conn.execute(sql, (app,)).fetchone()
            return rows.confirmation_from_row(row) if row else None

        return await self._run(work)

    async def confirmations(self, apps: Collection[str]) -> dict[str, Confirmation]:
        """The last comparison of each of ``apps`` that was compared, in one read."""
        names = json.dumps(sorted(set(apps)))
        return await self._run(
            lambda conn: {
                r[0]: rows.confirmation_from_row(r)
                for r in conn.execute(_CONFIRMATIONS_OF, (names,))
            }
        )

    async def installation_id(self) -> str:
        """This installation's id, made on first use and kept in the database."""

        def work(conn: sqlite3.Connection) -> str:
            with _transaction(conn, write=True):
                conn.execute(
                    "INSERT OR IGNORE INTO installation (singleton, id) VALUES (1, ?)",
                    (secrets.token_hex(6),),
                )
                row = conn.execute("SELECT id FROM installation WHERE singleton = 1").fetchone()
            return str(row[0])

        return await self._run(work)

    async def try_lock(
        self, app: str, *, owner: str, token: str, purpose: str, now: datetime, ttl: timedelta
    ) -> AppLock:
        """Take (or renew) the lock of ``app``, or return the other holder's lock in force."""
        wanted = AppLock(app, owner, token, purpose, now, lease_end(now, ttl))

        def work(conn: sqlite3.Connection) -> AppLock:
            # Read and write under the write lock taken up front: no other process can
            # take the app's lock between the decision and the write.
            with _transaction(conn, write=True):
                row = conn.execute(_LOCKS + " WHERE app = ?", (app,)).fetchone()
                held = rows.lock_from_row(row) if row else None
                lock = next_lock(held, wanted)
                if lock is not held:
                    conn.execute(
                        "INSERT OR REPLACE INTO app_locks (app, owner, token, purpose,"
                        " acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                        rows.lock_row(lock),
                    )
            return lock

        return await self._run(work)

    async def renew_lock(self, app: str, *, token: str, now: datetime, ttl: timedelta) -> bool:
        """Extend the lock of ``app`` held with ``token``; False when it is not held so."""
        expires = rows.format_time(lease_end(now, ttl))
        sql = "UPDATE app_locks SET expires_at = ? WHERE app = ? AND token = ?"
        return await self._write_count(sql, (expires, app, token)) == 1

    async def release_lock(self, app: str, *, token: str) -> None:
        """Free the lock of ``app`` if it is held with ``token``."""
        await self.break_lock(app, token=token)

    async def break_lock(self, app: str, *, token: str) -> bool:
        """Free the lock of ``app`` only if it is still held with ``token``."""
        sql = "DELETE FROM app_locks WHERE app = ? AND token = ?"
        return await self._write_count(sql, (app, token)) == 1

    async def locks(self) -> list[AppLock]:
        """Every lock, expired ones too, by app name."""
        sql = _LOCKS + " ORDER BY app"
        return await self._run(lambda conn: [rows.lock_from_row(r) for r in conn.execute(sql)])

    async def suspend(self, app: str, *, by: str, at: datetime, reason: str = "") -> Suspension:
        """Suspend ``app`` unless it is; return the suspension in force (the first one)."""
        suspension = Suspension(app, by, at, reason)

        def work(conn: sqlite3.Connection) -> Suspension:
            with _transaction(conn, write=True):
                conn.execute(
                    "INSERT OR IGNORE INTO suspensions (app, by, at, reason) VALUES (?, ?, ?, ?)",
                    rows.suspension_row(suspension),
                )
                row = conn.execute(_SUSPENSIONS + " WHERE app = ?", (app,)).fetchone()
            return rows.suspension_from_row(row)

        return await self._run(work)

    async def resume(self, app: str) -> bool:
        """Lift the suspension of ``app``; False when it was not suspended."""
        return await self._write_count("DELETE FROM suspensions WHERE app = ?", (app,)) == 1

    async def forget(self, app: str) -> None:
        """Delete ``app``'s inventory, comparison, suspension, pin and lock; keep its history."""

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn, write=True):
                for table in (
                    "inventory",
                    "confirmations",
                    "suspensions",
                    "pins",
                    "app_locks",
                    "schedules",
                ):
                    conn.execute(f"DELETE FROM {table} WHERE app = ?", (app,))  # noqa: S608

        await self._run(work)

    async def record_schedule(self, schedule: Schedule) -> None:
        """Remember the daemon's plan for ``schedule.app``."""
        sql = (
            "INSERT OR REPLACE INTO schedules (app, owner, next_at, drifted, updated_at)"
            " VALUES (?, ?, ?, ?, ?)"
        )

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn, write=True):
                conn.execute(sql, rows.schedule_row(schedule))

        await self._run(work)

    async def schedules(self, apps: Collection[str] | None = None) -> dict[str, Schedule]:
        """The daemon's plan for every app (of ``apps`` only, when given: one index lookup
        each), by app name."""
        parameters: tuple[str, ...] = ()
        if apps is None:
            sql = _SCHEDULES
        else:
            sql, parameters = _SCHEDULES_OF, (json.dumps(sorted(set(apps))),)
        return await self._run(
            lambda conn: {r[0]: rows.schedule_from_row(r) for r in conn.execute(sql, parameters)}
        )

    async def suspensions(self) -> dict[str, Suspension]:
        """Every suspension, by app name."""
        sql = _SUSPENSIONS + " ORDER BY app"
        return await self._run(
            lambda conn: {r[0]: rows.suspension_from_row(r) for r in conn.execute(sql)}
        )

    async def record_inputs(self, attempt_id: int, inputs: RecordedInputs) -> None:
        """Remember what attempt ``attempt_id``'s render read; StoreError for no such attempt."""
        sql = (
            "INSERT OR REPLACE INTO attempt_inputs (attempt_id, chart_version, chart_digest,"
            " values_digests) VALUES (?, ?, ?, ?)"
        )

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn, write=True):
                if conn.execute("SELECT 1 FROM attempts WHERE id = ?", (attempt_id,)).fetchone():
                    conn.execute(sql, (attempt_id, *rows.inputs_columns(inputs)))
                    return
            raise StoreError(f"no attempt {attempt_id} to record the inputs of")

        await self._run(work)

    async def recorded_inputs(self, attempt_id: int) -> RecordedInputs | None:
        """What was remembered for attempt ``attempt_id``, or None."""
        sql = (
            "SELECT chart_version, chart_digest, values_digests FROM attempt_inputs"
            " WHERE attempt_id = ?"
        )

        def work(conn: sqlite3.Connection) -> RecordedInputs | None:
            row = conn.execute(sql, (attempt_id,)).fetchone()
            return None if row is None else rows.inputs_from_columns(row)

        return await self._run(work)

    async def pin(self, pin: Pin) -> Pin:
        """Pin ``pin.app``, replacing an earlier pin of it."""
        sql = (
            "INSERT OR REPLACE INTO pins (app, revision, commit_sha, by, at, reason,"
            " chart_version, chart_digest, values_digests) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn, write=True):
                conn.execute(sql, rows.pin_row(pin))

        await self._run(work)
        return pin

    async def unpin(self, app: str) -> bool:
        """Lift the pin of ``app``; False when it was not pinned."""
        return await self._write_count("DELETE FROM pins WHERE app = ?", (app,)) == 1

    async def pins(self) -> dict[str, Pin]:
        """Every pin, by app name."""
        sql = _PINS + " ORDER BY app"
        return await self._run(lambda conn: {r[0]: rows.pin_from_row(r) for r in conn.execute(sql)})

    async def record_reads(self, attempt_id: int, reads: Iterable[str]) -> None:
        """Remember what attempt ``attempt_id``'s render read; StoreError for no such attempt."""
        reads = list(reads)

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn, write=True):
                _write_reads(conn, attempt_id, reads)

        await self._run(work)

    async def reads(self, attempt_id: int) -> frozenset[str] | None:
        """What was remembered for attempt ``attempt_id``, or None."""
        sql = "SELECT paths FROM attempt_reads WHERE attempt_id = ?"

        def work(conn: sqlite3.Connection) -> frozenset[str] | None:
            row = conn.execute(sql, (attempt_id,)).fetchone()
            return None if row is None else frozenset(rows.paths_from_column(row[0]))

        return await self._run(work)

    async def current_reads(self) -> dict[str, frozenset[str]]:
        """Each app's read-set of its newest attempt with one."""
        sql = (
            "SELECT app, paths FROM attempt_reads WHERE attempt_id IN"
            " (SELECT MAX(attempt_id) FROM attempt_reads GROUP BY app) ORDER BY app"
        )
        return await self._run(
            lambda conn: {r[0]: frozenset(rows.paths_from_column(r[1])) for r in conn.execute(sql)}
        )

    async def record_revert(self, revert: Revert) -> int:
        """Record ``revert`` and return its new id."""
        row = rows.revert_row(revert)

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn, write=True):
                revert_id = conn.execute(_INSERT_REVERT, row).lastrowid
            assert revert_id is not None  # an INSERT into a rowid table always sets it
            return revert_id

        return await self._run(work)

    async def pending_reverts(self) -> list[Revert]:
        """Every revert not yet applied, oldest first."""
        sql = _REVERTS + " WHERE applied_at IS NULL ORDER BY id"
        return await self._run(lambda conn: [rows.revert_from_row(r) for r in conn.execute(sql)])

    async def settle_reverts(self, attempt: Attempt) -> list[Revert]:
        """Mark the pending reverts ``attempt`` applied as applied; return them."""

        def work(conn: sqlite3.Connection) -> list[Revert]:
            with _transaction(conn, write=True):
                return _settle_reverts(conn, attempt)

        return await self._run(work)

    async def reverts(self, app: str, limit: int = 100) -> list[Revert]:
        """Up to ``limit`` reverts of ``app``, newest first."""
        sql = _REVERTS + " WHERE app = ? ORDER BY id DESC LIMIT ?"
        return await self._run(
            lambda conn: [rows.revert_from_row(r) for r in conn.execute(sql, (app, max(limit, 0)))]
        )

    async def record_events(self, events: Sequence[EventRecord]) -> list[int]:
        """Record ``events`` in one transaction; return their new ids in order."""
        values = [rows.event_row(event) for event in events]

        def work(conn: sqlite3.Connection) -> list[int]:
            ids = []
            with _transaction(conn, write=True):
                for row in values:
                    event_id = conn.execute(_INSERT_EVENT, row).lastrowid
                    assert event_id is not None  # an INSERT into a rowid table always sets it
                    ids.append(event_id)
            return ids

        return await self._run(work) if values else []

    async def events(
        self,
        *,
        app: str | None = None,
        after_id: int | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[EventRecord]:
        """Up to ``limit`` events, newest or oldest first, of ``app`` and after ``after_id``."""
        sql = _EVENTS_SQL[app is not None, newest_first]
        first: tuple[int, int] = (after_id or 0, max(limit, 0))
        params = first if app is None else (*first, app)

        def work(conn: sqlite3.Connection) -> list[EventRecord]:
            found = (rows.event_from_row(row) for row in conn.execute(sql, params))
            return [event for event in found if event is not None]

        return await self._run(work)

    async def prune_events(self, *, older_than: datetime, keep_per_app: int) -> int:
        """Delete the events before ``older_than`` and all but each app's newest
        ``keep_per_app``; how many were deleted."""
        if keep_per_app < 0:
            raise ValueError(f"events to keep per app must be 0 or more, got {keep_per_app}")
        before = rows.format_time(older_than)

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn, write=True):
                deleted = conn.execute("DELETE FROM events WHERE at < ?", (before,)).rowcount
                apps = [row[0] for row in conn.execute("SELECT DISTINCT app FROM events")]
                for app in apps:
                    row = conn.execute(_FIRST_EVENT_TO_DROP, (app, keep_per_app)).fetchone()
                    if row is not None:
                        deleted += conn.execute(
                            "DELETE FROM events WHERE app IS ? AND id <= ?", (app, row[0])
                        ).rowcount
            return deleted

        return await self._run(work)

    async def record_image_scan(self, scan: ImageScan) -> None:
        """Replace the last scan of ``scan.repository`` and its tags in one transaction."""

        def work(conn: sqlite3.Connection) -> None:
            with _transaction(conn, write=True):
                write_image_scan(conn, scan)

        await self._run(work)

    async def image_scans(self) -> dict[str, ImageScan]:
        """The last scan of every repository, by repository name."""

        def work(conn: sqlite3.Connection) -> dict[str, ImageScan]:
            with _transaction(conn, write=False):
                return {scan.repository: scan for scan in read_image_scans(conn)}

        return await self._run(work)

    async def image_scan(self, repository: str) -> ImageScan | None:
        """The last scan of ``repository``, or None."""

        def work(conn: sqlite3.Connection) -> ImageScan | None:
            with _transaction(conn, write=False):
                found = read_image_scans(conn, repository)
            return found[0] if found else None

        return await self._run(work)

    async def _write_count(self, sql: str, params: tuple[str, ...]) -> int:
        """Run one writing statement in its own transaction; how many rows it changed."""

        def work(conn: sqlite3.Connection) -> int:
            with _transaction(conn, write=True):
                return conn.execute(sql, params).rowcount

        return await self._run(work)

    async def close(self) -> None:
        """Close the connection and stop the worker thread; closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._conn.close)
        finally:
            self._executor.shutdown(wait=False)

"""The SQLite store on real files: the store contract, migrations, and the file itself."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.store.contract import REVISION_B, WEB, StoreContract, attempt
from trueup.changeset import Action, ObjectChange
from trueup.errors import StoreError
from trueup.objects import ObjectId
from trueup.store import InventoryEntry, SqliteStore, Store
from trueup.store.migrate import known_migrations, statements

LATEST = len(known_migrations())

pytestmark = pytest.mark.anyio


class TestSqliteStore(StoreContract):
    """Runs the store contract against ``SqliteStore`` on a file in a temporary folder."""

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[Store]:
        store = await SqliteStore.open(tmp_path / "state.db")
        yield store
        await store.close()


def schema_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])


async def test_open_creates_missing_folders_and_a_wal_database(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.db"
    store = await SqliteStore.open(path)
    await store.close()
    assert path.is_file()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(path) == LATEST


async def test_an_empty_existing_file_is_migrated_from_scratch(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.touch()
    async with await SqliteStore.open(path) as store:
        await store.record_attempt(attempt())
    assert schema_version(path) == LATEST


async def test_reopening_keeps_history_and_inventory_and_applies_no_migration_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path) as store:
        first = await store.record_attempt(attempt(changes=(ObjectChange(WEB, Action.CREATED),)))
        await store.replace_inventory("shop", [InventoryEntry(WEB, "apps/v1")])
        installation = await store.installation_id()
    async with await SqliteStore.open(path) as store:
        assert await store.installation_id() == installation
        second = await store.record_attempt(attempt(minute=1))
        assert [a.id for a in await store.history("shop")] == [second, first]
        assert await store.inventory("shop") == (InventoryEntry(WEB, "apps/v1"),)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == LATEST


async def test_a_database_from_a_newer_trueup_is_refused_and_left_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path) as store:
        await store.record_attempt(attempt())
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'future', '2099-01-01')")
    with pytest.raises(StoreError) as refused:
        await SqliteStore.open(path)
    message = str(refused.value)
    assert str(path) in message
    assert "schema version 99" in message
    assert f"only knows versions up to {LATEST}" in message
    assert "upgrade trueup" in message
    assert schema_version(path) == 99
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 1


async def test_a_file_that_is_not_a_database_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not sqlite, it is a text file that is long enough" * 100)
    with pytest.raises(StoreError, match=rf"^{path}: .*not a database"):
        await SqliteStore.open(path)


async def test_a_change_of_an_object_can_be_traced_to_its_revision_in_plain_sql(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path) as store:
        await store.record_attempt(attempt(minute=1, changes=(ObjectChange(WEB, Action.CREATED),)))
        await store.record_attempt(
            attempt(minute=2, revision=REVISION_B, changes=(ObjectChange(WEB, Action.CONFIGURED),))
        )
        await store.record_attempt(
            attempt(minute=3, changes=(ObjectChange(WEB, Action.UNCHANGED),))
        )
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT a.revision, c.action FROM attempt_changes c JOIN attempts a"
            " ON a.id = c.attempt_id WHERE c.kind = 'Deployment' AND c.namespace = 'shop'"
            " AND c.name = 'web' AND c.action != 'unchanged' ORDER BY a.started_at DESC LIMIT 1"
        ).fetchone()
    assert row == (REVISION_B, "configured")


async def test_a_failed_inventory_replace_rolls_back_the_delete_of_the_old_rows(
    tmp_path: Path,
) -> None:
    # The duplicate is only found by the database after the old rows were deleted and
    # some new rows inserted: the transaction must undo all of that.
    path = tmp_path / "state.db"
    old = InventoryEntry(WEB, "apps/v1")
    async with await SqliteStore.open(path) as store:
        await store.replace_inventory("shop", [old])
        fresh = [
            InventoryEntry(ObjectId("", "ConfigMap", "shop", f"c{i}"), "v1") for i in range(50)
        ]
        with pytest.raises(StoreError, match="previous inventory was kept"):
            await store.replace_inventory("shop", [*fresh, fresh[7]])
    async with await SqliteStore.open(path) as store:
        assert await store.inventory("shop") == (old,)


async def test_a_version_one_database_is_migrated_keeping_its_inventory(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = known_migrations()[0]
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
        )
        for statement in statements(first.sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, ?, '2026-01-01')", (first.name,))
        conn.execute(
            "INSERT INTO inventory VALUES ('shop', 'apps', 'Deployment', 'shop', 'web', 'apps/v1')"
        )
    async with await SqliteStore.open(path) as store:
        assert await store.inventory("shop") == (InventoryEntry(WEB, "apps/v1"),)
        known = InventoryEntry(WEB, "apps/v1", content_hash="abc", resource_version="42")
        await store.replace_inventory("shop", [known])
        assert await store.inventory("shop") == (known,)
    assert schema_version(path) == LATEST


async def test_attempts_recorded_before_the_lifecycle_columns_read_as_unclassified(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
        )
        for migration in known_migrations()[:2]:
            for statement in statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version VALUES (?, ?, '2026-01-01')",
                (migration.version, migration.name),
            )
        conn.execute(
            "INSERT INTO attempts (app, started_at, finished_at, trigger, result, error) VALUES"
            " ('shop', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:02.000000Z', 'cli:alice',"
            " 'failed', 'boom')"
        )
    async with await SqliteStore.open(path) as store:
        [old] = await store.history("shop")
        assert (old.error, old.reason, old.target, old.owner) == ("boom", None, "", "")
        assert old.commit is None, "attempts recorded before commits were read name none"
        assert await store.running_attempts() == []
    assert schema_version(path) == LATEST

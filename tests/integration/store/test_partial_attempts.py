"""Attempts of partial syncs (``Attempt.only``) in both stores: kept and read back, and
never an App's last successful sync; an 0008 database gains the column, old attempts
reading as syncs of the whole App."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.store.contract import REVISION_A, REVISION_B, attempt
from trueup.store import AttemptResult, MemoryStore, SqliteStore, Store
from trueup.store.migrate import known_migrations, statements

pytestmark = pytest.mark.anyio

ONLY = ("ConfigMap/shop/a", "Deployment/shop/web")


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    opened = await SqliteStore.open(tmp_path / "state.db")
    yield opened
    await opened.close()


async def test_a_partial_attempt_comes_back_with_its_objects(store: Store) -> None:
    partial = dataclasses.replace(attempt(minute=1), only=ONLY)
    await store.record_attempt(partial)

    [found] = await store.history("shop")

    assert found.only == ONLY
    assert found.as_data()["only"] == list(ONLY)


async def test_a_partial_success_is_not_the_last_successful_sync(store: Store) -> None:
    await store.record_attempt(attempt(minute=1, revision=REVISION_A))
    await store.record_attempt(
        dataclasses.replace(attempt(minute=2, revision=REVISION_B), only=ONLY)
    )

    last_good = await store.last_successful("shop")
    last = await store.last_attempt("shop")

    assert last_good is not None
    assert (last_good.revision, last_good.only) == (REVISION_A, ())
    assert last is not None
    assert (last.revision, last.only) == (REVISION_B, ONLY)


async def test_an_app_with_only_partial_successes_has_no_last_successful_sync(
    store: Store,
) -> None:
    await store.record_attempt(dataclasses.replace(attempt(minute=1), only=ONLY))
    assert await store.last_successful("shop") is None


async def test_a_running_partial_attempt_keeps_its_objects_when_it_finishes(
    store: Store,
) -> None:
    running = dataclasses.replace(attempt(result=AttemptResult.RUNNING), only=ONLY)
    attempt_id = await store.record_attempt(running)
    done = dataclasses.replace(running, id=attempt_id, result=AttemptResult.FAILED, error="x")

    assert await store.update_attempt(done)
    [found] = await store.history("shop")
    assert (found.result, found.only) == (AttemptResult.FAILED, ONLY)


async def test_attempts_of_an_0008_database_read_as_syncs_of_the_whole_app(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        for migration in known_migrations()[:8]:
            for statement in statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, '')",
                (migration.version, migration.name),
            )
        conn.execute(
            "INSERT INTO attempts (app, started_at, finished_at, revision, trigger, result)"
            " VALUES ('shop', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:02.000000Z',"
            " ?, 'cli:alice', 'succeeded')",
            (REVISION_A,),
        )

    store = await SqliteStore.open(path)
    try:
        last_good = await store.last_successful("shop")
    finally:
        await store.close()

    assert last_good is not None
    assert (last_good.revision, last_good.only) == (REVISION_A, ())

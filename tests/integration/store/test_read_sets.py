"""Read-sets and reverts in both stores: each attempt's read-set is kept and the newest
one per App is current; a pushed revert stays pending until an attempt applies it; an 0010
database gains both tables."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.store.contract import REVISION_A, T0, attempt
from trueup.errors import StoreError
from trueup.store import AttemptResult, MemoryStore, Revert, SqliteStore, Store
from trueup.store.migrate import known_migrations, statements

pytestmark = pytest.mark.anyio

COMMIT, PARENT = "c" * 40, "b" * 40


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    opened = await SqliteStore.open(tmp_path / "state.db")
    yield opened
    await opened.close()


def _revert(app: str = "shop", minute: int = 10) -> Revert:
    return Revert(
        app=app,
        source="GitSource/deploy",
        branch="main",
        paths=("apps/shop", "base"),
        revision=REVISION_A,
        commit=COMMIT,
        parent=PARENT,
        by="cli:alice",
        at=T0 + timedelta(minutes=minute),
    )


async def test_an_attempt_s_read_set_comes_back_normalised(store: Store) -> None:
    attempt_id = await store.record_attempt(attempt(minute=1))

    await store.record_reads(attempt_id, ["./apps/shop/", "base", "charts/web/values.yaml"])

    assert await store.reads(attempt_id) == frozenset(
        {"apps/shop", "base", "charts/web/values.yaml"}
    )
    assert await store.reads(attempt_id + 99) is None


async def test_the_newest_read_set_of_each_app_is_current(store: Store) -> None:
    old = await store.record_attempt(attempt(minute=1))
    new = await store.record_attempt(attempt(minute=2))
    other = await store.record_attempt(attempt("blog", minute=3))
    await store.record_attempt(attempt(minute=4))  # failed to render: no read-set
    await store.record_reads(old, ["apps/shop", "base"])
    await store.record_reads(new, ["apps/shop", "base-v2"])
    await store.record_reads(other, ["apps/blog", "base"])

    assert await store.current_reads() == {
        "blog": frozenset({"apps/blog", "base"}),
        "shop": frozenset({"apps/shop", "base-v2"}),
    }
    assert await store.reads(old) == frozenset({"apps/shop", "base"})  # history keeps the old one


async def test_a_read_set_of_no_attempt_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no attempt 7"):
        await store.record_reads(7, ["base"])


async def test_a_pushed_revert_is_pending_until_an_attempt_applies_it(store: Store) -> None:
    revert_id = await store.record_revert(_revert())
    await store.record_revert(_revert("blog"))

    pending = await store.pending_reverts()
    assert [(r.id, r.app) for r in pending] == [(revert_id, "shop"), (revert_id + 1, "blog")]
    assert pending[0].covers("base/deployment.yaml")

    stale = attempt(minute=11, revision=f"main@sha1:{PARENT}")
    assert await store.settle_reverts(stale) == []
    failed = attempt(minute=12, revision=f"main@sha1:{COMMIT}", result=AttemptResult.FAILED)
    assert await store.settle_reverts(failed) == []

    applied = attempt(minute=13, revision=f"main@sha1:{COMMIT}")
    [settled] = await store.settle_reverts(applied)

    assert (settled.id, settled.applied_at, settled.applied_revision) == (
        revert_id,
        applied.finished_at,
        applied.revision,
    )
    assert [r.app for r in await store.pending_reverts()] == ["blog"]
    [kept] = await store.reverts("shop")
    assert kept == settled
    assert not kept.pending


async def test_reverts_of_an_app_come_newest_first(store: Store) -> None:
    first = await store.record_revert(_revert(minute=1))
    second = await store.record_revert(dataclasses.replace(_revert(minute=2), commit="e" * 40))

    assert [r.id for r in await store.reverts("shop")] == [second, first]
    assert [r.id for r in await store.reverts("shop", limit=1)] == [second]
    assert await store.reverts("blog") == []


async def test_a_database_of_the_previous_version_gains_both_tables(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(
        "CREATE TABLE schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    for migration in known_migrations():
        if migration.version >= 11:
            break
        for statement in statements(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_version VALUES (?, ?, '2026-01-01T00:00:00Z')",
            (migration.version, migration.name),
        )
    conn.close()

    store = await SqliteStore.open(path)
    try:
        attempt_id = await store.record_attempt(attempt(minute=1))
        await store.record_reads(attempt_id, ["base"])
        await store.record_revert(_revert())
        assert await store.current_reads() == {"shop": frozenset({"base"})}
        assert len(await store.pending_reverts()) == 1
    finally:
        await store.close()

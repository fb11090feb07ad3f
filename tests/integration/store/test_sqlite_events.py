"""The SQLite store keeps events as every store must, and leaves out kinds it does not know."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.store.events_contract import EventStoreContract, event
from trueup.store import SqliteStore, Store

pytestmark = pytest.mark.anyio


class TestSqliteStoreEvents(EventStoreContract):
    """Runs the events contract against ``SqliteStore`` on a file in a temporary folder."""

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[Store]:
        store = await SqliteStore.open(tmp_path / "state.db")
        yield store
        await store.close()


async def test_an_event_of_a_kind_a_newer_trueup_wrote_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path) as store:
        [known] = await store.record_events([event()])
        await store.record_events([event()])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE events SET kind = 'app.future' WHERE id != ?", (known,))
    async with await SqliteStore.open(path) as store:
        assert [e.id for e in await store.events()] == [known]


async def test_events_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path) as store:
        ids = await store.record_events([event(minute=1), event("blog", minute=2)])
    async with await SqliteStore.open(path) as store:
        assert [e.id for e in await store.events(newest_first=False)] == ids

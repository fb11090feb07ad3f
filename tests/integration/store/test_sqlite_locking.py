"""While another process holds the write lock, the store waits off the event loop, then gives up."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tests.unit.store.contract import attempt
from trueup.errors import TemporaryError
from trueup.store import SqliteStore

pytestmark = pytest.mark.anyio


async def test_a_write_waiting_for_the_lock_leaves_the_event_loop_running(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path, busy_timeout_s=10) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        try:
            write = asyncio.create_task(store.record_attempt(attempt()))
            ticks = 0
            for _ in range(20):
                await asyncio.sleep(0.01)
                ticks += 1
            assert not write.done()
            assert ticks == 20
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert await asyncio.wait_for(write, timeout=10) >= 1
        assert len(await store.history("shop")) == 1


async def test_a_lock_held_past_the_busy_timeout_is_a_temporary_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path, busy_timeout_s=0.2) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(TemporaryError, match=r"locked by another process.*retried"):
                await store.record_attempt(attempt())
        finally:
            other.execute("ROLLBACK")
            other.close()
        await store.record_attempt(attempt())
        assert len(await store.history("shop")) == 1

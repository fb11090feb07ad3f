"""Several processes writing to one SQLite state file at once lose nothing."""

from __future__ import annotations

import asyncio
import multiprocessing
from pathlib import Path

import pytest

from tests.unit.store.contract import NS, attempt
from trueup.objects import ObjectId
from trueup.store import InventoryEntry, SqliteStore

pytestmark = pytest.mark.anyio

WRITERS = 3
ATTEMPTS_PER_WRITER = 60


def write_many(path: str, writer: int, start: multiprocessing.synchronize.Event) -> None:
    """In a child process: record attempts and replace an inventory, interleaved."""

    async def main() -> None:
        store = await SqliteStore.open(Path(path))
        try:
            start.wait(timeout=30)
            for i in range(ATTEMPTS_PER_WRITER):
                await store.record_attempt(attempt("shop", minute=i))
                entries = [
                    InventoryEntry(ObjectId("", "ConfigMap", "shop", f"w{writer}-{n}"), "v1")
                    for n in range(i % 7 + 1)
                ]
                await store.replace_inventory(f"app-{writer}", entries)
        finally:
            await store.close()

    asyncio.run(main())


async def test_concurrent_writer_processes_lose_no_attempt_and_keep_inventories_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    # Create the schema first in this process, then let the children race on the data.
    async with await SqliteStore.open(path) as store:
        await store.replace_inventory("seed", [InventoryEntry(NS, "v1")])
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    children = [
        context.Process(target=write_many, args=(str(path), n, start)) for n in range(WRITERS)
    ]
    for child in children:
        child.start()
    start.set()
    for child in children:
        child.join(timeout=120)
    assert [child.exitcode for child in children] == [0] * WRITERS

    async with await SqliteStore.open(path) as store:
        history = await store.history("shop", limit=10_000)
        assert len(history) == WRITERS * ATTEMPTS_PER_WRITER
        assert len({a.id for a in history}) == WRITERS * ATTEMPTS_PER_WRITER
        last = (ATTEMPTS_PER_WRITER - 1) % 7 + 1
        for writer in range(WRITERS):
            names = [e.id.name for e in await store.inventory(f"app-{writer}")]
            assert names == sorted(f"w{writer}-{n}" for n in range(last))


def open_fresh(path: str, start: multiprocessing.synchronize.Event) -> None:
    """In a child process: open (and so migrate) a file other processes open at once."""

    async def main() -> None:
        start.wait(timeout=30)
        store = await SqliteStore.open(Path(path))
        await store.record_attempt(attempt("shop"))
        await store.close()

    asyncio.run(main())


async def test_processes_opening_a_new_file_at_once_migrate_it_exactly_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    children = [context.Process(target=open_fresh, args=(str(path), start)) for _ in range(3)]
    for child in children:
        child.start()
    start.set()
    for child in children:
        child.join(timeout=120)
    assert [child.exitcode for child in children] == [0, 0, 0]
    async with await SqliteStore.open(path) as store:
        assert len(await store.history("shop")) == 3

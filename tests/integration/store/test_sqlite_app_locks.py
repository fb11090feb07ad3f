"""Processes sharing one SQLite file hold an App's lock in turn; a dead holder's is broken."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
from datetime import timedelta
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from tests.unit.store.contract import attempt
from trueup.errors import TemporaryError
from trueup.store import SqliteStore, hold_app_lock

pytestmark = pytest.mark.anyio

WORKERS = 3
ROUNDS = 15
FAST = timedelta(milliseconds=5)


def reconcile_in_turn(path: str, marks: str, worker: int, start: Event) -> None:
    """In a child process: hold App/shop's lock ``ROUNDS`` times, marking entry and exit."""

    def mark(text: str) -> None:
        # O_APPEND: each short line lands whole, after every line written before it.
        fd = os.open(marks, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, f"{text} {worker}\n".encode())
        finally:
            os.close(fd)

    async def main() -> None:
        async with await SqliteStore.open(Path(path)) as store:
            start.wait(timeout=30)
            for i in range(ROUNDS):
                async with hold_app_lock(store, "shop", purpose=f"worker {worker}", poll=FAST):
                    mark("enter")
                    await store.record_attempt(attempt("shop", minute=i))
                    await asyncio.sleep(0.002)
                    mark("exit")

    asyncio.run(main())


async def test_processes_contending_for_one_app_s_lock_are_never_inside_at_once(
    tmp_path: Path,
) -> None:
    path, marks = tmp_path / "state.db", tmp_path / "marks"
    async with await SqliteStore.open(path):
        pass  # the schema first, so that the children race on the lock only
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    children = [
        context.Process(target=reconcile_in_turn, args=(str(path), str(marks), n, start))
        for n in range(WORKERS)
    ]
    for child in children:
        child.start()
    start.set()
    for child in children:
        child.join(timeout=300)
    assert [child.exitcode for child in children] == [0] * WORKERS

    lines = marks.read_text().splitlines()
    assert len(lines) == 2 * WORKERS * ROUNDS
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):
        assert enter.startswith("enter ")
        assert leave == "exit " + enter.removeprefix("enter "), "another entered meanwhile"
    assert len({line for line in lines if line.startswith("enter")}) == WORKERS
    async with await SqliteStore.open(path) as store:
        assert await store.locks() == []
        assert len(await store.history("shop", limit=1000)) == WORKERS * ROUNDS


def hold_until_killed(path: str, held: Event, ttl_s: float) -> None:
    """In a child process: take App/shop's lock, say so, and hold it until killed."""

    async def main() -> None:
        async with (
            await SqliteStore.open(Path(path)) as store,
            hold_app_lock(store, "shop", purpose="daemon", ttl=timedelta(seconds=ttl_s)),
        ):
            held.set()
            await asyncio.Event().wait()

    asyncio.run(main())


async def take_at_once(store: SqliteStore) -> None:
    """Hold App/shop's lock without waiting for anyone, checking it is held as ``cli:alice``."""
    async with hold_app_lock(store, "shop", purpose="cli:alice", wait=timedelta(0)) as lease:
        [lock] = await store.locks()
        assert (lock.token, lock.purpose) == (lease.token, "cli:alice")


async def test_the_lock_of_a_killed_holder_on_this_host_is_broken_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with await SqliteStore.open(path):
        pass
    context = multiprocessing.get_context("spawn")
    held = context.Event()
    # An hour to live: only knowing the holder is gone can free the lock in this test.
    holder = context.Process(target=hold_until_killed, args=(str(path), held, 3600.0))
    holder.start()
    try:
        assert await asyncio.to_thread(held.wait, 120)
        async with await SqliteStore.open(path) as store:
            with pytest.raises(TemporaryError) as refused:
                await take_at_once(store)
            named = f"locked by daemon, pid {holder.pid} on {socket.gethostname()}"
            assert named in str(refused.value)

            assert holder.pid is not None
            os.kill(holder.pid, signal.SIGKILL)
            await asyncio.to_thread(holder.join, 60)
            assert holder.exitcode == -signal.SIGKILL

            await take_at_once(store)
            assert await store.locks() == []
    finally:
        if holder.is_alive():
            holder.kill()
            holder.join()


def stall_past_the_lease(path: str, held: Event, taken: Event, outcome: str) -> None:
    """In a child process: hold App/shop's lock, stall the event loop until someone else
    took it (as a paused process would), and write how the hold ended."""

    async def main() -> str:
        async with await SqliteStore.open(Path(path)) as store:
            lease = hold_app_lock(store, "shop", purpose="daemon", ttl=timedelta(seconds=0.6))
            try:
                async with lease:
                    held.set()
                    taken.wait(timeout=120)  # blocks the loop: no renewal while it waits
                    await asyncio.Event().wait()
            except TemporaryError as e:
                return f"lost={lease.lost}: {e}"
        return "the hold ended without an error"

    Path(outcome).write_text(asyncio.run(main()))


async def test_a_holder_stalled_past_its_lease_loses_the_lock_and_stops_when_it_wakes(
    tmp_path: Path,
) -> None:
    path, outcome = tmp_path / "state.db", tmp_path / "outcome"
    async with await SqliteStore.open(path):
        pass
    context = multiprocessing.get_context("spawn")
    held, taken = context.Event(), context.Event()
    holder = context.Process(
        target=stall_past_the_lease, args=(str(path), held, taken, str(outcome))
    )
    holder.start()
    try:
        assert await asyncio.to_thread(held.wait, 120)
        # Alive, so not broken: the lock is taken once its lease has expired unrenewed.
        async with (
            await SqliteStore.open(path) as store,
            hold_app_lock(store, "shop", purpose="cli:alice", wait=timedelta(seconds=120)),
        ):
            taken.set()
            await asyncio.to_thread(holder.join, 120)
            assert holder.exitcode == 0
            text = outcome.read_text()
            assert text.startswith("lost=True: lost the lock of App/shop (daemon)")
            assert f"cli:alice, pid {os.getpid()} on {socket.gethostname()} holds it now" in text
    finally:
        if holder.is_alive():
            holder.kill()
            holder.join()

"""An app's lock held for a block: one holder at a time, waits, broken locks, lost leases."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.unit.store.contract import GONE, T0
from trueup.errors import TemporaryError
from trueup.store import AppLease, AppLock, MemoryStore, Owner, hold_app_lock

pytestmark = pytest.mark.anyio

DAEMON = Owner("host-a", "boot", 100, 1)
"""A holder on another host: never provably gone, so always waited for."""
CLI = Owner("host-a", "boot", 200, 2)
FAST = timedelta(milliseconds=10)
SHORT_TTL = timedelta(seconds=0.3)
"""Renewed every 0.1 s (real time); lease expiry itself is driven by the fake clock."""


@dataclasses.dataclass
class FakeClock:
    """The time written to the store; tests move it by hand."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


async def eventually(condition: Callable[[], bool | Awaitable[bool]]) -> None:
    """Wait (without asserting how long) until ``condition`` holds."""

    async def poll() -> None:
        while True:
            result = condition()
            if result if isinstance(result, bool) else await result:
                return
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout=30)


def lease(store: MemoryStore, clock: FakeClock, **options: Any) -> AppLease:
    """A lease of App/shop on ``store`` for this process, polling fast."""
    settings: dict[str, Any] = {"purpose": "cli:alice", "poll": FAST, "clock": clock}
    settings.update(options)
    return hold_app_lock(store, "shop", **settings)


async def take(store: MemoryStore, token: str, *, owner: Owner = DAEMON, at: datetime = T0) -> None:
    """Let another holder (``daemon`` on host-a) take App/shop's lock for 30 seconds."""
    got = await store.try_lock(
        "shop", owner=str(owner), token=token, purpose="daemon", now=at, ttl=timedelta(seconds=30)
    )
    assert got.token == token


async def test_two_holders_of_one_app_run_one_after_the_other_and_the_second_is_told_once() -> None:
    store, clock = MemoryStore(), FakeClock()
    marks: list[str] = []
    first_inside, first_may_leave = asyncio.Event(), asyncio.Event()
    told: list[AppLock] = []
    told_once = asyncio.Event()

    def on_wait(lock: AppLock) -> None:
        told.append(lock)
        told_once.set()

    async def first() -> None:
        async with lease(store, clock, purpose="daemon") as held:
            marks.append("first in")
            first_inside.set()
            await first_may_leave.wait()
            marks.append("first out")
        assert held.lock is not None
        assert told == [held.lock]

    async def second() -> None:
        await first_inside.wait()
        async with lease(store, clock, on_wait=on_wait):
            marks.append("second in")
        marks.append("second out")

    running = asyncio.gather(first(), second())
    await eventually(told_once.is_set)
    await asyncio.sleep(FAST.total_seconds() * 3)  # a few polls of the waiter
    assert marks == ["first in"]
    first_may_leave.set()
    await asyncio.wait_for(running, timeout=30)
    assert marks == ["first in", "first out", "second in", "second out"]
    assert len(told) == 1
    assert told[0].purpose == "daemon"
    assert await store.locks() == []


async def test_many_coroutines_on_one_app_are_never_inside_at_once() -> None:
    store, clock = MemoryStore(), FakeClock()
    inside = 0
    most = 0
    entries = 0

    async def worker() -> None:
        nonlocal inside, most, entries
        for _ in range(5):
            async with lease(store, clock, poll=timedelta(milliseconds=1)):
                inside += 1
                entries += 1
                most = max(most, inside)
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                inside -= 1

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(6))), timeout=60)
    assert (most, entries) == (1, 30)
    assert await store.locks() == []


async def test_holders_of_different_apps_hold_their_locks_at_once() -> None:
    store, clock = MemoryStore(), FakeClock()
    async with lease(store, clock), hold_app_lock(store, "billing", purpose="x", wait=timedelta(0)):
        assert [lock.app for lock in await store.locks()] == ["billing", "shop"]
    assert await store.locks() == []


async def test_a_wait_that_runs_out_is_a_temporary_error_naming_the_app_and_the_holder() -> None:
    store, clock = MemoryStore(), FakeClock()
    await take(store, "theirs")
    told: list[AppLock] = []
    with pytest.raises(TemporaryError) as refused:
        async with lease(store, clock, wait=timedelta(milliseconds=50), on_wait=told.append):
            pytest.fail("the block ran without the lock")
    message = str(refused.value)
    assert "App/shop is locked by daemon, pid 100 on host-a since 2025-03-01 12:00:00" in message
    assert "gave up after 0.05 s" in message
    assert "Retry once it is done" in message
    assert [lock.token for lock in told] == ["theirs"]
    assert [lock.token for lock in await store.locks()] == ["theirs"]


async def test_with_no_time_to_wait_a_busy_lock_fails_at_once_without_telling() -> None:
    store, clock = MemoryStore(), FakeClock()
    await take(store, "theirs")
    told: list[AppLock] = []
    with pytest.raises(TemporaryError, match=r"App/shop is locked by daemon.*after 0 s"):
        async with lease(store, clock, wait=timedelta(0), on_wait=told.append):
            pytest.fail("the block ran without the lock")
    assert told == []


async def test_the_lock_of_a_provably_gone_holder_is_broken_at_once() -> None:
    store, clock = MemoryStore(), FakeClock()
    await take(store, "theirs", owner=GONE)
    told: list[AppLock] = []
    judged: list[Owner] = []

    def gone(owner: Owner) -> bool:
        judged.append(owner)
        return owner == GONE

    async with lease(store, clock, wait=timedelta(0), on_wait=told.append, gone=gone) as held:
        assert [lock.token for lock in await store.locks()] == [held.token]
    assert judged == [GONE]
    assert told == []


async def test_an_expired_lock_of_a_live_holder_is_taken_over_without_waiting() -> None:
    store, clock = MemoryStore(), FakeClock(T0 + timedelta(seconds=30))
    await take(store, "theirs")
    async with lease(store, clock, wait=timedelta(0)) as held:
        assert held.lock is not None
        assert held.lock.acquired_at == clock.now


async def test_the_lock_is_renewed_while_the_block_runs() -> None:
    store, clock = MemoryStore(), FakeClock()
    async with lease(store, clock, ttl=SHORT_TTL) as held:
        clock.now = T0 + timedelta(minutes=10)  # long past the first expiry

        async def renewed() -> bool:
            [lock] = await store.locks()
            return lock.expires_at == clock.now + SHORT_TTL

        await eventually(renewed)
        refused = await store.try_lock(
            "shop", owner=str(CLI), token="theirs", purpose="x", now=clock.now, ttl=SHORT_TTL
        )
        assert refused.token == held.token
        assert not held.lost


async def test_a_lock_taken_after_it_expired_cancels_the_block_and_ends_it_in_an_error() -> None:
    store, clock = MemoryStore(), FakeClock()
    held = lease(store, clock, ttl=SHORT_TTL)
    reached_end = False

    async def body() -> None:
        nonlocal reached_end
        async with held:
            # Paused past the lease (the fake clock jumps), someone else takes the lock.
            clock.now = T0 + timedelta(minutes=1)
            await take(store, "theirs", owner=CLI, at=clock.now)
            await asyncio.wait_for(asyncio.Event().wait(), timeout=30)
            reached_end = True

    with pytest.raises(TemporaryError) as lost:
        await body()
    assert held.lost
    assert not reached_end
    message = str(lost.value)
    assert "lost the lock of App/shop (cli:alice)" in message
    assert "daemon, pid 200 on host-a holds it now" in message
    assert isinstance(lost.value.__cause__, asyncio.CancelledError)
    assert [lock.token for lock in await store.locks()] == ["theirs"], "theirs is left alone"
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0, "the cancellation it asked for was taken back"


async def test_a_broken_lock_is_lost_even_if_the_block_swallows_the_cancellation() -> None:
    store, clock = MemoryStore(), FakeClock()
    held = lease(store, clock, ttl=SHORT_TTL)
    swallowed: list[str] = []

    async def body() -> None:
        async with held:
            assert await store.break_lock("shop", token=held.token)
            try:
                await asyncio.wait_for(asyncio.Event().wait(), timeout=30)
            except asyncio.CancelledError:
                swallowed.append("cancel")

    with pytest.raises(TemporaryError, match=r"lost the lock of App/shop.*nobody holds it now"):
        await body()
    assert held.lost
    assert swallowed == ["cancel"]


async def test_a_cancel_from_outside_after_a_lost_lock_stays_a_cancel() -> None:
    store, clock = MemoryStore(), FakeClock()
    held = lease(store, clock, ttl=SHORT_TTL)
    cleaning_up = asyncio.Event()

    async def body() -> None:
        async with held:
            assert await store.break_lock("shop", token=held.token)
            try:
                await asyncio.Event().wait()
            finally:
                cleaning_up.set()
                await asyncio.Event().wait()  # a slow cleanup, cancelled from outside

    task = asyncio.create_task(body())
    await eventually(cleaning_up.is_set)
    assert held.lost
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=30)
    assert task.cancelled()


async def test_failing_renewals_keep_the_lease_until_it_expires_unrenewed() -> None:
    class FailingRenewals(MemoryStore):
        failed = 0

        async def renew_lock(self, app: str, *, token: str, now: datetime, ttl: timedelta) -> bool:
            self.failed += 1
            raise TemporaryError("the state database stayed locked by another process")

    store, clock = FailingRenewals(), FakeClock()
    held = lease(store, clock, ttl=SHORT_TTL)
    kept_through_failures = False

    async def body() -> None:
        nonlocal kept_through_failures
        async with held:
            await eventually(lambda: store.failed >= 3)
            kept_through_failures = not held.lost  # not renewed, but not expired either
            clock.now = T0 + SHORT_TTL
            await asyncio.wait_for(asyncio.Event().wait(), timeout=30)

    with pytest.raises(TemporaryError, match=r"lost the lock of App/shop.*nobody holds it"):
        await body()
    assert kept_through_failures
    assert held.lost
    assert await store.locks() == [], "released on the way out"


async def test_an_error_in_the_block_comes_out_as_it_is_and_the_lock_is_released() -> None:
    store, clock = MemoryStore(), FakeClock()
    held = lease(store, clock, ttl=SHORT_TTL)

    async def body() -> None:
        async with held:
            assert [lock.token for lock in await store.locks()] == [held.token]
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await body()
    assert await store.locks() == []
    assert not held.lost


async def test_a_cancelled_block_stays_cancelled_and_releases_the_lock() -> None:
    store, clock = MemoryStore(), FakeClock()
    inside = asyncio.Event()

    async def body() -> None:
        async with lease(store, clock, ttl=SHORT_TTL):
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(body())
    await eventually(inside.is_set)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=30)
    assert await store.locks() == []


async def test_a_waiter_cancelled_while_it_waits_leaves_the_holder_s_lock_alone() -> None:
    store, clock = MemoryStore(), FakeClock()
    await take(store, "theirs")
    told = asyncio.Event()

    async def waiter() -> None:
        async with lease(store, clock, on_wait=lambda _: told.set()):
            pytest.fail("the block ran without the lock")

    task = asyncio.create_task(waiter())
    await eventually(told.is_set)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=30)
    assert [lock.token for lock in await store.locks()] == ["theirs"]


async def test_a_cancel_while_the_lock_is_being_taken_releases_what_was_taken() -> None:
    class SlowTaking(MemoryStore):
        took = asyncio.Event()

        async def try_lock(
            self, app: str, *, owner: str, token: str, purpose: str, now: datetime, ttl: timedelta
        ) -> AppLock:
            lock = await super().try_lock(
                app, owner=owner, token=token, purpose=purpose, now=now, ttl=ttl
            )
            self.took.set()
            await asyncio.Event().wait()  # the answer never comes back in time
            return lock

    store, clock = SlowTaking(), FakeClock()

    async def body() -> None:
        async with lease(store, clock):
            pytest.fail("the block ran although it was cancelled")

    task = asyncio.create_task(body())
    await eventually(store.took.is_set)
    assert len(await store.locks()) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=30)
    assert await store.locks() == []


def test_a_time_to_live_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ValueError, match="App/shop's lock must be positive"):
        hold_app_lock(MemoryStore(), "shop", purpose="x", ttl=timedelta(0))

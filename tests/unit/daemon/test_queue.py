"""The keyed work queue on a controllable clock: merging, delays, one in flight per key."""

from __future__ import annotations

import asyncio

import pytest

from trueup.daemon.clock import ManualClock
from trueup.daemon.queue import QueueClosedError, WorkQueue

pytestmark = pytest.mark.anyio


async def test_requests_for_a_queued_key_are_merged_into_one_piece_of_work() -> None:
    queue: WorkQueue[str] = WorkQueue(ManualClock())
    queue.add("shop", "interval")
    queue.add("shop", "webhook:github")
    queue.add("shop", "interval")
    work = await queue.get()
    assert (work.key, work.reasons) == ("shop", ("interval", "webhook:github"))
    assert queue.depth == 0


async def test_a_delayed_key_is_handed_out_only_when_the_clock_reaches_it() -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add("late", "interval", delay=30)
    queue.add("soon", "interval", delay=10)
    getter = asyncio.ensure_future(queue.get())
    await clock.advance(9)
    assert not getter.done()
    await clock.advance(1)
    assert (await getter).key == "soon"
    getter = asyncio.ensure_future(queue.get())
    await clock.advance(19)
    assert not getter.done()
    await clock.advance(1)
    assert (await getter).key == "late"


async def test_an_earlier_request_moves_a_queued_key_forward() -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add("shop", "interval", delay=300)
    getter = asyncio.ensure_future(queue.get())
    await clock.advance(1)
    assert not getter.done()
    queue.add("shop", "revision")
    await asyncio.sleep(0)
    work = await getter
    assert work.reasons == ("revision", "interval")  # what made it due comes first
    assert queue.queued("shop") is None


async def test_a_key_in_flight_is_not_handed_out_again_until_it_is_done() -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add("shop", "interval")
    first = await queue.get()
    queue.add("shop", "webhook:github")
    queue.add("shop", "drift")
    second = asyncio.ensure_future(queue.get())
    await clock.advance(60)
    assert not second.done()
    assert queue.in_flight == 1
    queue.done(first.key)
    work = await asyncio.wait_for(second, 1)
    assert work.reasons == ("webhook:github", "drift")


async def test_other_keys_run_while_one_is_in_flight() -> None:
    queue: WorkQueue[str] = WorkQueue(ManualClock())
    queue.add("a", "interval")
    queue.add("b", "interval")
    assert {(await queue.get()).key, (await queue.get()).key} == {"a", "b"}
    assert queue.in_flight == 2


async def test_a_removed_key_is_never_handed_out() -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add("gone", "interval")
    queue.add("kept", "interval", delay=5)
    queue.remove("gone")
    getter = asyncio.ensure_future(queue.get())
    await clock.advance(5)
    assert (await getter).key == "kept"


async def test_closing_wakes_waiting_workers() -> None:
    queue: WorkQueue[str] = WorkQueue(ManualClock())
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.close()
    with pytest.raises(QueueClosedError):
        await getter
    queue.add("shop", "interval")
    assert queue.depth == 0


async def test_a_withdrawn_request_leaves_the_others_queued() -> None:
    clock = ManualClock()
    queue: WorkQueue[str] = WorkQueue(clock)
    queue.add("shop", "drift")
    queue.withdraw("shop", "drift")
    assert queue.queued("shop") is None
    queue.add("web", "interval", delay=5)
    queue.add("web", "drift")
    queue.withdraw("web", "drift")
    getter = asyncio.ensure_future(queue.get())
    await clock.advance(5)
    assert (await getter).reasons == ("interval",)

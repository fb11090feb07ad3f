"""The event recorder: batches into the store, feeds what was written, survives a failing
store (reported once, kept, then dropped beyond a bound), and prunes to the retention."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from trueup.daemon.events import Event, Kind, Level
from trueup.daemon.feed import EventFeed
from trueup.daemon.recording import EventRecorder, Retention
from trueup.errors import StoreError
from trueup.store import EventRecord, MemoryStore

pytestmark = pytest.mark.anyio


class FlakyStore(MemoryStore):
    """A memory store whose event writes fail while ``failing`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = False
        self.batches: list[int] = []

    async def record_events(self, events: Sequence[EventRecord]) -> list[int]:
        if self.failing:
            raise StoreError("state.db: the state database failed: disk I/O error")
        self.batches.append(len(events))
        return await super().record_events(events)


def recorder_for(
    store: MemoryStore, feed: EventFeed, reported: list[Event], **kwargs: int
) -> EventRecorder:
    return EventRecorder(store, feed, report=reported.append, retention=Retention(), **kwargs)


async def test_offered_events_are_written_in_one_batch_and_fed_with_their_ids() -> None:
    store, reported = FlakyStore(), list[Event]()
    feed = EventFeed(store)
    recorder = recorder_for(store, feed, reported)
    subscription = feed.subscribe()
    waiting = asyncio.ensure_future(anext(subscription))
    for _ in range(100):  # let the subscription start
        await asyncio.sleep(0)
    assert feed.subscribers == 1
    drift = Event(
        Kind.DRIFTED,
        "ConfigMap/shop/settings changed",
        app="shop",
        level=Level.WARNING,
        revision="main@sha1:" + "a" * 40,
        objects=("ConfigMap/shop/settings",),
        fields={"trigger": "daemon:drift"},
    )
    recorder.offer(drift)
    recorder.offer(Event(Kind.RECONCILED, "1 configured", app="shop"))
    await recorder.flush()
    assert store.batches == [2]
    [first, second] = await store.events(newest_first=False)
    assert (first.kind, first.app, first.revision, first.objects) == (
        Kind.DRIFTED,
        "shop",
        drift.revision,
        ("ConfigMap/shop/settings",),
    )
    assert first.fields == {"trigger": "daemon:drift"}
    assert (await asyncio.wait_for(waiting, 10)) == first
    assert (await asyncio.wait_for(anext(subscription), 10)) == second
    assert reported == []
    await subscription.aclose()


async def test_a_failing_store_is_reported_once_and_the_events_written_later() -> None:
    store, reported = FlakyStore(), list[Event]()
    recorder = recorder_for(store, EventFeed(store), reported)
    store.failing = True
    recorder.offer(Event(Kind.RECONCILED, "one", app="shop"))
    await recorder.flush()
    recorder.offer(Event(Kind.RECONCILED, "two", app="shop"))
    await recorder.flush()
    assert [(e.kind, e.level) for e in reported] == [(Kind.EVENTS_FAILED, Level.ERROR)]
    assert "disk I/O error" in reported[0].message
    store.failing = False
    await recorder.flush()
    assert [e.message for e in await store.events(newest_first=False)] == ["one", "two"]
    assert [e.kind for e in reported] == [Kind.EVENTS_FAILED, Kind.EVENTS_RECORDED]
    assert reported[1].fields == {"dropped": 0}


async def test_beyond_the_bound_the_oldest_events_are_dropped_and_counted() -> None:
    store, reported = FlakyStore(), list[Event]()
    recorder = recorder_for(store, EventFeed(store), reported, max_pending=3)
    store.failing = True
    for n in range(5):
        recorder.offer(Event(Kind.RECONCILED, f"event {n}", app="shop"))
        await recorder.flush()
    store.failing = False
    await recorder.flush()
    kept = [e.message for e in await store.events(newest_first=False)]
    assert kept == ["event 2", "event 3", "event 4"]
    assert recorder.dropped == 2
    assert reported[-1].fields == {"dropped": 2}


async def test_run_prunes_to_the_retention_records_and_writes_the_rest_when_stopped() -> None:
    store, reported = FlakyStore(), list[Event]()
    old = datetime.now(UTC) - timedelta(days=40)
    await store.record_events(
        [EventRecord(old, "shop", Kind.RECONCILED, Level.INFO, "old")]
        + [
            EventRecord(datetime.now(UTC), "shop", Kind.RECONCILED, Level.INFO, f"new {n}")
            for n in range(3)
        ]
    )
    retention = Retention(max_age=timedelta(days=30), per_app=2)
    recorder = EventRecorder(store, EventFeed(store), report=reported.append, retention=retention)
    recorder.offer(Event(Kind.STARTED, "started"))
    running = asyncio.create_task(recorder.run())
    for _ in range(1000):
        if any(e.message == "started" for e in await store.events()):
            break
        await asyncio.sleep(0.01)
    recorder.offer(Event(Kind.STOPPED, "stopped"))
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    left = [(e.app, e.message) for e in await store.events(newest_first=False)]
    assert left == [("shop", "new 1"), ("shop", "new 2"), (None, "started"), (None, "stopped")]
    assert reported == []


@pytest.mark.parametrize(("max_age", "per_app"), [(timedelta(0), 10), (timedelta(days=1), 0)])
def test_a_retention_that_keeps_nothing_is_refused(max_age: timedelta, per_app: int) -> None:
    with pytest.raises(ValueError, match="must be kept"):
        Retention(max_age, per_app)

"""The event feed: replay from the store, then live, without gap or repeat; per app; and a
slow subscriber that catches up from the store instead of holding anyone up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from trueup.daemon.feed import EventFeed
from trueup.store import EventKind, EventRecord, MemoryStore, Severity

pytestmark = pytest.mark.anyio


def event(n: int, app: str | None = "shop") -> EventRecord:
    return EventRecord(datetime.now(UTC), app, EventKind.RECONCILED, Severity.INFO, f"event {n}")


async def stored(store: MemoryStore, *events: EventRecord) -> list[EventRecord]:
    """``events`` recorded in ``store``, with their ids (not yet published)."""
    ids = await store.record_events(events)
    return [await one(store, new_id) for new_id in ids]


async def one(store: MemoryStore, event_id: int) -> EventRecord:
    [found] = await store.events(after_id=event_id - 1, limit=1, newest_first=False)
    return found


async def recorded(store: MemoryStore, feed: EventFeed, *events: EventRecord) -> None:
    """What the recorder does: write ``events``, then publish them with their ids."""
    feed.publish(await stored(store, *events))


async def until_subscribed(feed: EventFeed, count: int) -> None:
    for _ in range(1000):
        if feed.subscribers == count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{feed.subscribers} subscribers, expected {count}")


async def take(iterator: AsyncIterator[EventRecord], count: int) -> list[str]:
    return [(await asyncio.wait_for(anext(iterator), 10)).message for _ in range(count)]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


async def test_replay_from_after_id_then_live_without_gap_or_repeat(store: MemoryStore) -> None:
    feed = EventFeed(store, page=2)
    first, *_ = await stored(store, *(event(n) for n in range(5)))
    subscription = feed.subscribe(after_id=first.id)
    assert await take(subscription, 4) == ["event 1", "event 2", "event 3", "event 4"]
    # Recorded before the replay read, published after it: in both, yielded once.
    late = await stored(store, event(5))
    feed.publish(late)
    await recorded(store, feed, event(6))
    assert await take(subscription, 2) == ["event 5", "event 6"]
    ids = [r.id or 0 for r in await store.events(newest_first=False)]
    assert ids == sorted(set(ids))
    await subscription.aclose()
    assert feed.subscribers == 0


async def test_events_published_while_replaying_follow_the_replay_in_order(
    store: MemoryStore,
) -> None:
    feed = EventFeed(store, page=2)
    await stored(store, *(event(n) for n in range(3)))
    subscription = feed.subscribe(after_id=0)
    assert await take(subscription, 1) == ["event 0"]
    # The subscriber is mid-replay: these are both in the store and in its buffer.
    await recorded(store, feed, event(3), event(4))
    assert await take(subscription, 4) == ["event 1", "event 2", "event 3", "event 4"]
    await subscription.aclose()


async def test_without_after_id_only_what_is_recorded_from_now_on(store: MemoryStore) -> None:
    feed = EventFeed(store)
    await stored(store, event(0))
    subscription = feed.subscribe()
    waiting = asyncio.ensure_future(anext(subscription))
    await until_subscribed(feed, 1)
    await recorded(store, feed, event(1))
    assert (await asyncio.wait_for(waiting, 10)).message == "event 1"
    await subscription.aclose()


async def test_an_app_subscription_gets_only_that_apps_events(store: MemoryStore) -> None:
    feed = EventFeed(store)
    await stored(store, event(0, "blog"), event(1, "shop"), event(2, None))
    subscription = feed.subscribe(after_id=0, app="shop")
    assert await take(subscription, 1) == ["event 1"]
    await recorded(store, feed, event(3, "blog"), event(4, None), event(5, "shop"))
    assert await take(subscription, 1) == ["event 5"]
    await subscription.aclose()


async def test_a_slow_subscriber_catches_up_from_the_store_and_holds_no_one_up(
    store: MemoryStore,
) -> None:
    feed = EventFeed(store, buffer=3, page=4)
    slow, fast = feed.subscribe(), feed.subscribe()
    slow_first = asyncio.ensure_future(anext(slow))
    fast_first = asyncio.ensure_future(anext(fast))
    await until_subscribed(feed, 2)
    await recorded(store, feed, event(0))
    assert (await asyncio.wait_for(slow_first, 10)).message == "event 0"
    assert (await asyncio.wait_for(fast_first, 10)).message == "event 0"
    for n in range(1, 11):  # the slow one reads nothing meanwhile: its buffer overflows
        await recorded(store, feed, event(n))
        assert await take(fast, 1) == [f"event {n}"]
    assert await take(slow, 10) == [f"event {n}" for n in range(1, 11)]
    await recorded(store, feed, event(11))
    assert await take(slow, 1) == ["event 11"]
    assert await take(fast, 1) == ["event 11"]
    await slow.aclose()
    await fast.aclose()


async def test_a_slow_subscriber_that_got_nothing_yet_misses_nothing(store: MemoryStore) -> None:
    feed = EventFeed(store, buffer=2)
    await stored(store, event(0))
    subscription = feed.subscribe()
    waiting = asyncio.ensure_future(anext(subscription))
    await until_subscribed(feed, 1)
    # All published before the subscriber runs again: its buffer overflows at once.
    for n in range(1, 6):
        await recorded(store, feed, event(n))
    assert (await asyncio.wait_for(waiting, 10)).message == "event 1"
    assert await take(subscription, 4) == [f"event {n}" for n in range(2, 6)]
    await subscription.aclose()


async def test_closing_the_feed_ends_every_subscription(store: MemoryStore) -> None:
    feed = EventFeed(store)
    subscription = feed.subscribe()
    waiting = asyncio.ensure_future(anext(subscription))
    await until_subscribed(feed, 1)
    feed.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiting, 10)
    assert feed.subscribers == 0
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(feed.subscribe(after_id=0)), 10)

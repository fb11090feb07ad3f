"""The feed's subscriptions hand over what waits in one batch, and each event's JSON is
made once for every subscriber."""

from __future__ import annotations

import orjson
import pytest

from tests.unit.daemon.test_feed import event, recorded, stored
from trueup.daemon.feed import EventFeed
from trueup.store import EventRecord, MemoryStore

pytestmark = pytest.mark.anyio


async def test_everything_waiting_comes_in_one_batch_and_silence_is_an_empty_one() -> None:
    store = MemoryStore()
    feed = EventFeed(store, page=2)
    await stored(store, *(event(n) for n in range(3)))
    subscription = feed.open(after_id=0)
    replayed: list[EventRecord] = []
    while len(replayed) < 3:
        batch = await subscription.next(within=5)
        assert batch, "the replay"
        replayed += batch
    await recorded(store, feed, event(3), event(4))
    await recorded(store, feed, event(5))
    live = await subscription.next(within=5)
    assert [r.message for r in [*replayed, *(live or [])]] == [f"event {n}" for n in range(6)]
    assert await subscription.next(within=0.01) == []
    feed.close()
    assert await subscription.next(within=5) is None
    assert feed.subscribers == 0


async def test_each_events_json_is_made_once_for_every_subscriber() -> None:
    store = MemoryStore()
    feed = EventFeed(store)
    first, second = feed.open(), feed.open()
    await recorded(store, feed, event(0))
    [a] = await first.next(within=5) or []
    [b] = await second.next(within=5) or []
    assert a is b
    encoded = feed.encoded(a)
    assert feed.encoded(b) is encoded
    assert orjson.loads(encoded) == orjson.loads(orjson.dumps(a.as_data()))
    first.close()
    second.close()
    assert feed.subscribers == 0

"""The event bus: listeners hear every event at once; a subscription queues them, and a
slow subscriber loses the oldest rather than holding the daemon up."""

from __future__ import annotations

import pytest

from trueup.daemon import events
from trueup.daemon.events import Event, EventBus, Kind

pytestmark = pytest.mark.anyio


async def test_listeners_and_subscriptions_receive_every_event_in_order() -> None:
    bus = EventBus()
    heard: list[Event] = []
    bus.listen(heard.append)
    subscription = bus.subscribe()
    first, second = Event(Kind.STARTED, "one"), Event(Kind.STOPPED, "two")
    bus.publish(first)
    bus.publish(second)
    assert heard == [first, second]
    assert [await subscription.next(), await subscription.next()] == [first, second]
    subscription.close()
    bus.publish(Event(Kind.STARTED, "three"))
    assert subscription.queue.empty()


async def test_a_slow_subscriber_drops_the_oldest_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "SUBSCRIPTION_BUFFER", 2)
    bus = EventBus()
    subscription = bus.subscribe()
    for n in range(5):
        bus.publish(Event(Kind.HOOK, f"hook {n}"))
    assert subscription.dropped == 3
    assert [(await subscription.next()).message for _ in range(2)] == ["hook 3", "hook 4"]

"""What happens in the daemon, as typed events on one in-process bus.

Everything the daemon does that a person or a later consumer cares about (a reconcile
finished, a source moved, a hook arrived, the configuration changed) is published once as
an :class:`Event`. The log writes every event as one line; the HTTP API, notifications and
the dashboard subscribe to the same bus later, so none of them needs its own hooks into
the daemon.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType


class Kind(StrEnum):
    """What an event reports."""

    STARTED = "daemon.started"
    LISTENING = "daemon.listening"
    WAITING = "daemon.waiting"
    """Another process leads; this one waits to take over."""
    LEADING = "daemon.leading"
    LOST = "daemon.lost"
    """The leadership was lost: the daemon stops writing and exits."""
    STOPPING = "daemon.stopping"
    STOPPED = "daemon.stopped"
    SOURCE_MOVED = "source.moved"
    SOURCE_FAILED = "source.failed"
    RECONCILED = "reconcile.succeeded"
    RECONCILE_FAILED = "reconcile.failed"
    RENDER_WARNING = "render.warning"
    SKIPPED = "reconcile.skipped"
    OUT_OF_SYNC = "app.outofsync"
    DRIFTED = "app.drifted"
    FIGHT = "app.drift-fight"
    HEALTH = "app.health"
    WATCH_FAILED = "watch.failed"
    SUSPENDED = "app.suspended"
    RESUMED = "app.resumed"
    HOOK = "webhook.received"
    CONFIG_LOADED = "config.loaded"
    CONFIG_REFUSED = "config.refused"


class Level(StrEnum):
    """How much an event matters to whoever reads the log."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened: its kind, when, to which app, and its details."""

    kind: Kind
    message: str
    app: str | None = None
    level: Level = Level.INFO
    fields: Mapping[str, str | int | float | bool | None] = field(
        default_factory=lambda: MappingProxyType({})
    )
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


Listener = Callable[[Event], None]

SUBSCRIPTION_BUFFER = 1000
"""Events a slow subscriber may fall behind by before the oldest are dropped."""


class Subscription:
    """A consumer's own queue of events; :attr:`dropped` counts what it fell behind on."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[Event] = asyncio.Queue(SUBSCRIPTION_BUFFER)
        self.dropped = 0

    def offer(self, event: Event) -> None:
        """Queue ``event``, dropping the oldest one when the buffer is full."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def next(self) -> Event:
        """The next event, waiting for one."""
        return await self.queue.get()

    def close(self) -> None:
        """Stop receiving events."""
        self._bus.unsubscribe(self)


class EventBus:
    """Publishes each event to every listener (called at once) and subscription (queued)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._subscriptions: list[Subscription] = []

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with every event from now on; it must not block."""
        self._listeners.append(listener)

    def subscribe(self) -> Subscription:
        """A queue that receives every event from now on."""
        subscription = Subscription(self)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop delivering to ``subscription``."""
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every listener and subscription."""
        for listener in self._listeners:
            listener(event)
        for subscription in self._subscriptions:
            subscription.offer(event)

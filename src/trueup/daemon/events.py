"""What happens in the daemon, as typed events on one in-process bus.

Everything the daemon does that a person or a later consumer cares about (a reconcile
finished, a source moved, a hook arrived, the configuration changed) is published once as
an :class:`Event`. The log writes every event as one line, the leading daemon records them
in the store (:mod:`~trueup.daemon.feed`); the HTTP API, notifications and the dashboard
subscribe to the same bus, so none of them needs its own hooks into the daemon.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from trueup.eventkinds import EventKind, Severity
from trueup.store.model import EventRecord, FieldValue

Kind = EventKind
"""What an event reports (its reason); the store keeps the same values."""
Level = Severity
"""How much an event matters (its severity)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened: its kind, when, to which app at which revision, the objects
    involved (ids as text) and its other details."""

    kind: Kind
    message: str
    app: str | None = None
    level: Level = Level.INFO
    fields: Mapping[str, FieldValue] = field(default_factory=lambda: MappingProxyType({}))
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    revision: str | None = None
    objects: tuple[str, ...] = ()

    def record(self) -> EventRecord:
        """The event as the store keeps it (without an id until it is recorded)."""
        return EventRecord(
            at=self.at,
            app=self.app,
            kind=self.kind,
            level=self.level,
            message=self.message,
            revision=self.revision,
            objects=self.objects,
            fields=self.fields,
        )


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

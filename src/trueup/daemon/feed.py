"""The event feed: every recorded event, replayed from the store and then followed live.

The contract the HTTP API's server-sent events are built on::

    feed.subscribe(*, after_id: int | None = None, app: str | None = None)
        -> AsyncGenerator[EventRecord, None]

- ``after_id=None``: live only, from the moment of subscribing.
- ``after_id=N`` (a client's ``Last-Event-ID``): first every stored event with an id above
  ``N``, oldest first, read from the store a page at a time; then live. Nothing is missed
  and nothing repeated across that boundary: the ids one subscription yields always grow.
- ``app="x"``: only the events of that app (the daemon's own events are left out).
- Only recorded events are fed, each with the id the store gave it
  (:class:`~trueup.daemon.recording.EventRecorder` publishes them once written).
- Every subscriber has a bounded buffer (:data:`SUBSCRIBER_BUFFER`). One that falls
  further behind never holds up the daemon or other subscribers: its buffer is dropped and
  it catches up from the store, after the last id it got, before following live again;
  still without gap or repeat (but for events pruned meanwhile).
- The subscription starts with the first ``anext`` (an async generator). It ends when the
  feed is closed (the daemon stops) or when the consumer stops (``aclose``, ``break``, its
  task cancelled); reading the store may raise ``StoreError``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Sequence

from trueup.store import EventRecord, Store

SUBSCRIBER_BUFFER = 1000
"""Live events a subscriber may fall behind by before it catches up from the store."""
REPLAY_PAGE = 500
"""Events read from the store at a time while replaying."""


class _Subscriber:
    """One subscription's buffer of live events, and where it fell behind."""

    def __init__(self, app: str | None, size: int) -> None:
        self.app = app
        self._size = size
        self._buffer: deque[EventRecord] = deque()
        self._wake = asyncio.Event()
        self.closed = False
        self.behind_after: int | None = None
        """Set when the buffer overflowed: the id after which events were dropped."""

    def offer(self, records: Sequence[EventRecord]) -> None:
        for record in records:
            if self.app is not None and record.app != self.app:
                continue
            if self.behind_after is not None:
                continue  # catching up from the store reads these too
            if len(self._buffer) >= self._size:
                oldest = self._buffer[0].id if self._buffer else record.id
                self.behind_after = (oldest or 1) - 1
                self._buffer.clear()
                continue
            self._buffer.append(record)
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    def take(self) -> EventRecord | None:
        """The oldest buffered event, or None when there is none."""
        if self._buffer:
            return self._buffer.popleft()
        self._wake.clear()
        return None

    async def wait(self) -> None:
        await self._wake.wait()


class EventFeed:
    """Fans recorded events out to subscribers; see the module for the contract."""

    def __init__(
        self, store: Store, *, buffer: int = SUBSCRIBER_BUFFER, page: int = REPLAY_PAGE
    ) -> None:
        self._store = store
        self._buffer = buffer
        self._page = page
        self._subscribers: set[_Subscriber] = set()
        self._closed = False

    @property
    def subscribers(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscribers)

    def publish(self, records: Sequence[EventRecord]) -> None:
        """Hand ``records`` (just recorded, with their ids, in id order) to every subscriber."""
        for subscriber in list(self._subscribers):
            subscriber.offer(records)

    def close(self) -> None:
        """End every subscription, and refuse new ones (they end at once)."""
        self._closed = True
        for subscriber in list(self._subscribers):
            subscriber.close()

    async def subscribe(
        self, *, after_id: int | None = None, app: str | None = None
    ) -> AsyncGenerator[EventRecord, None]:
        """The events recorded after ``after_id`` (None: from now on), then every new one."""
        if self._closed:
            return
        subscriber = _Subscriber(app, self._buffer)
        # Subscribed before reading the store: whatever is recorded after that read is
        # buffered; what is in both is skipped by its id.
        self._subscribers.add(subscriber)
        last = after_id
        try:
            if after_id is not None:
                async for record in self._replay(after_id, app):
                    yield record
                    last = record.id
            while not subscriber.closed:
                if subscriber.behind_after is not None:
                    start = subscriber.behind_after if last is None else last
                    subscriber.behind_after = None
                    async for record in self._replay(start, app):
                        yield record
                        last = record.id
                    continue
                live = subscriber.take()
                if live is None:
                    await subscriber.wait()
                    continue
                if last is not None and (live.id or 0) <= last:
                    continue
                yield live
                last = live.id
        finally:
            self._subscribers.discard(subscriber)

    async def _replay(self, after_id: int, app: str | None) -> AsyncIterator[EventRecord]:
        """Every stored event of ``app`` after ``after_id``, oldest first, a page at a time."""
        while True:
            page = await self._store.events(
                app=app, after_id=after_id, limit=self._page, newest_first=False
            )
            for record in page:
                yield record
            if len(page) < self._page:
                return
            after_id = page[-1].id or after_id

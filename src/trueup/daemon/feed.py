"""The event feed: every recorded event, replayed from the store and then followed live.

The contract the HTTP API's server-sent events are built on::

    feed.open(*, after_id: int | None = None, app: str | None = None) -> Subscription
        await subscription.next(within=None) -> list[EventRecord] | None
    feed.subscribe(*, after_id=None, app=None) -> AsyncGenerator[EventRecord, None]

- ``after_id=None``: live only, from the moment of subscribing.
- ``after_id=N`` (a client's ``Last-Event-ID``): first every stored event with an id above
  ``N``, oldest first, read from the store a page at a time; then live. Nothing is missed
  and nothing repeated across that boundary: the ids one subscription yields always grow.
- ``app="x"``: only the events of that app (the daemon's own events are left out).
- Only recorded events are fed, each with the id the store gave it
  (:class:`~trueup.daemon.recording.EventRecorder` publishes them once written).
- :meth:`Subscription.next` hands over everything waiting at once (a batch, so that a
  consumer pays per wake-up, not per event); ``[]`` when ``within`` seconds passed without any,
  None once the subscription or the feed is closed. :meth:`EventFeed.subscribe` yields
  the same events one at a time.
- Every subscriber has a bounded buffer (:data:`SUBSCRIBER_BUFFER`). One that falls
  further behind never holds up the daemon or other subscribers: its buffer is dropped and
  it catches up from the store, after the last id it got, before following live again;
  still without gap or repeat (but for events pruned meanwhile).
- Publishing costs each subscriber one list extension; the JSON of an event is made once
  for all subscribers (:meth:`EventFeed.encoded`).
- The generator's subscription starts with the first ``anext``. It ends when the feed is
  closed (the daemon stops) or when the consumer stops (``aclose``, ``break``, its task
  cancelled); reading the store may raise ``StoreError``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator, Sequence

import orjson

from trueup.store import EventRecord, Store

SUBSCRIBER_BUFFER = 1000
"""Live events a subscriber may fall behind by before it catches up from the store."""
REPLAY_PAGE = 500
"""Events read from the store at a time while replaying."""
ENCODED_KEPT = 4 * SUBSCRIBER_BUFFER
"""Encoded events kept for subscribers still to send them (the newest)."""


class Subscription:
    """One subscriber: a bounded buffer of live events, and where it is in the store."""

    def __init__(self, feed: EventFeed, after_id: int | None, app: str | None) -> None:
        self._feed = feed
        self.app = app
        self._buffer: deque[EventRecord] = deque()
        self._wake = asyncio.Event()
        self._closed = False
        self._last = after_id
        """The id of the last event handed over (None: none yet, and live only)."""
        self._replaying = after_id is not None
        self._behind_after: int | None = None
        """Set when the buffer overflowed: the id after which events were dropped."""

    def offer(self, records: Sequence[EventRecord]) -> None:
        """Buffer ``records`` (in id order) unless catching up from the store anyway."""
        if self._behind_after is not None or self._closed:
            return  # catching up from the store reads these too
        mine = records if self.app is None else [r for r in records if r.app == self.app]
        if not mine:
            return
        if len(self._buffer) + len(mine) > self._feed.buffer:
            oldest = self._buffer[0].id if self._buffer else mine[0].id
            self._behind_after = (oldest or 1) - 1
            self._buffer.clear()
        else:
            self._buffer.extend(mine)
        self._wake.set()

    def close(self) -> None:
        """Stop receiving: :meth:`next` returns None from now on."""
        self._closed = True
        self._buffer.clear()
        self._feed.drop(self)
        self._wake.set()

    @property
    def closed(self) -> bool:
        """Whether :meth:`next` returns None (closed here, or the feed was)."""
        return self._closed

    async def next(self, within: float | None = None) -> list[EventRecord] | None:
        """The events after the last ones handed over, oldest first; ``[]`` when none came
        within ``within`` seconds (None: wait as long as it takes); None once closed."""
        while not self._closed:
            if self._behind_after is not None:
                self._last = self._behind_after if self._last is None else self._last
                self._behind_after = None
                self._replaying = True
            if self._replaying:
                found = await self._replay_page()
                if found:
                    return found
                continue
            live = self._take()
            if live:
                return live
            if not await self._wait(within):
                return []
        return None

    async def _replay_page(self) -> list[EventRecord]:
        """The next page of stored events after the last one handed over (the last page
        ends the replay)."""
        assert self._last is not None
        page = await self._feed.store.events(
            app=self.app, after_id=self._last, limit=self._feed.page, newest_first=False
        )
        if len(page) < self._feed.page:
            self._replaying = False
        if page:
            self._last = page[-1].id or self._last
        return page

    def _take(self) -> list[EventRecord]:
        """Everything buffered that was not handed over yet (a replay may have read some)."""
        taken = list(self._buffer)
        self._buffer.clear()
        self._wake.clear()
        if self._last is not None:
            last = self._last
            taken = [r for r in taken if (r.id or 0) > last]
        if taken:
            self._last = taken[-1].id
        return taken

    async def _wait(self, within: float | None) -> bool:
        """Wait for something to take; False when ``within`` seconds passed first."""
        try:
            async with asyncio.timeout(within):
                await self._wake.wait()
        except TimeoutError:
            return False
        return True


class EventFeed:
    """Fans recorded events out to subscribers; see the module for the contract."""

    def __init__(
        self, store: Store, *, buffer: int = SUBSCRIBER_BUFFER, page: int = REPLAY_PAGE
    ) -> None:
        self.store = store
        self.buffer = buffer
        """Live events a subscriber may fall behind by (see :data:`SUBSCRIBER_BUFFER`)."""
        self.page = page
        """Events a replay reads from the store at a time."""
        self._subscriptions: set[Subscription] = set()
        self._closed = False
        self._encoded: OrderedDict[int, tuple[EventRecord, bytes]] = OrderedDict()

    @property
    def subscribers(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscriptions)

    def publish(self, records: Sequence[EventRecord]) -> None:
        """Hand ``records`` (just recorded, with their ids, in id order) to every subscriber."""
        for subscription in list(self._subscriptions):
            subscription.offer(records)

    def close(self) -> None:
        """End every subscription, and refuse new ones (they end at once)."""
        self._closed = True
        for subscription in list(self._subscriptions):
            subscription.close()

    def open(self, *, after_id: int | None = None, app: str | None = None) -> Subscription:
        """A subscription to the events recorded after ``after_id`` (None: from now on),
        then every new one; closed at once when the feed is."""
        subscription = Subscription(self, after_id, app)
        # Subscribed before the store is read: whatever is recorded after that read is
        # buffered; what is in both is skipped by its id.
        if self._closed:
            subscription.close()
        else:
            self._subscriptions.add(subscription)
        return subscription

    def drop(self, subscription: Subscription) -> None:
        """Forget a closed subscription."""
        self._subscriptions.discard(subscription)

    async def subscribe(
        self, *, after_id: int | None = None, app: str | None = None
    ) -> AsyncGenerator[EventRecord, None]:
        """The events of :meth:`open`'s subscription, one at a time."""
        subscription = self.open(after_id=after_id, app=app)
        try:
            while (batch := await subscription.next()) is not None:
                for record in batch:
                    yield record
        finally:
            subscription.close()

    def encoded(self, record: EventRecord) -> bytes:
        """``record`` as JSON (its :meth:`~trueup.store.EventRecord.as_data`), made once
        however many subscribers send it: the newest :data:`ENCODED_KEPT` are kept."""
        key = record.id or 0
        kept = self._encoded.get(key)
        if kept is not None and (kept[0] is record or kept[0] == record):
            return kept[1]
        data = orjson.dumps(record.as_data())
        if record.id is not None:
            self._encoded[key] = (record, data)
            while len(self._encoded) > ENCODED_KEPT:
                self._encoded.popitem(last=False)
        return data

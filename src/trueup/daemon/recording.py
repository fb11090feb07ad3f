"""The leading daemon's record of events: batched into the store, then fed to subscribers.

The :class:`EventRecorder` listens on the bus (taking an event costs nothing: it is only
queued), writes what it queued at most every :data:`FLUSH_EVERY` seconds in one transaction,
and hands the stored events, now with their ids, to the
:class:`~trueup.daemon.feed.EventFeed`. A reconcile never waits for it. When the store
fails, the failure is reported once and the events are kept to be written later, up to
:data:`MAX_PENDING`; beyond that the oldest are dropped and counted.

It also keeps the events within their retention (:class:`Retention`): pruned when it starts
and every :data:`PRUNE_EVERY` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from trueup.daemon.events import Event, Kind, Level
from trueup.daemon.feed import EventFeed
from trueup.errors import TrueupError
from trueup.store import EventRecord, Store

FLUSH_EVERY = 0.2
"""Seconds between writes of the queued events."""
MAX_BATCH = 1000
"""Events written in one transaction at most."""
MAX_PENDING = 10_000
"""Events kept for a store that fails, before the oldest are dropped."""
PRUNE_EVERY = 3600.0
"""Seconds between prunes of events beyond their retention."""


@dataclass(frozen=True, slots=True)
class Retention:
    """How long events are kept: an event goes once it is older than ``max_age`` or once
    its app has ``per_app`` newer ones."""

    max_age: timedelta = timedelta(days=90)
    per_app: int = 10_000

    def __post_init__(self) -> None:
        if self.max_age <= timedelta(0):
            raise ValueError(f"events must be kept for some time, got {self.max_age}")
        if self.per_app < 1:
            raise ValueError(f"at least one event per app must be kept, got {self.per_app}")


class EventRecorder:
    """Writes the events of the bus to the store and feeds them on (see the module)."""

    def __init__(
        self,
        store: Store,
        feed: EventFeed,
        *,
        report: Callable[[Event], None],
        retention: Retention,
        flush_every: float = FLUSH_EVERY,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._store, self._feed, self._report = store, feed, report
        self._retention = retention
        self._flush_every = flush_every
        self._pending: deque[EventRecord] = deque()
        self._max_pending = max_pending
        self._queued = asyncio.Event()
        self._writing = asyncio.Lock()
        self._failing = False
        self._discarded = False
        self.dropped = 0
        """Events dropped because the store failed for too long."""

    def offer(self, event: Event) -> None:
        """Queue ``event`` to be recorded (a bus listener: returns at once)."""
        if self._discarded:
            return
        if len(self._pending) >= self._max_pending:
            self._pending.popleft()
            self.dropped += 1
        self._pending.append(event.record())
        self._queued.set()

    def discard(self) -> None:
        """Forget what is queued and record nothing more (the leadership was lost: another
        process records from now on)."""
        self._pending.clear()
        self._discarded = True

    async def run(self) -> None:
        """Prune, then record what is queued, batch by batch, until cancelled (then write
        what is still queued, once)."""
        await self.prune()
        pruned_at = time.monotonic()
        try:
            while True:
                await self._queued.wait()
                await asyncio.sleep(self._flush_every)
                # Shielded: a write under way finishes even when the task is cancelled,
                # so that the final flush never writes its batch a second time.
                await asyncio.shield(self.flush())
                if time.monotonic() - pruned_at >= PRUNE_EVERY:
                    await self.prune()
                    pruned_at = time.monotonic()
        finally:
            with contextlib.suppress(TrueupError):
                await self.flush()

    async def flush(self) -> None:
        """Write the queued events, a batch per transaction, and feed what was written; on
        a store error keep them queued for the next flush."""
        async with self._writing:
            await self._write_pending()

    async def _write_pending(self) -> None:
        while self._pending:
            batch = [self._pending.popleft() for _ in range(min(len(self._pending), MAX_BATCH))]
            try:
                ids = await self._store.record_events(batch)
            except TrueupError as e:
                # Back in front of what was queued meanwhile, within the bound.
                self._pending.extendleft(reversed(batch))
                while len(self._pending) > self._max_pending:
                    self._pending.popleft()
                    self.dropped += 1
                self._failed(e)
                return
            self._recovered()
            self._feed.publish(
                [replace(record, id=new_id) for record, new_id in zip(batch, ids, strict=True)]
            )
        self._queued.clear()

    async def prune(self) -> None:
        """Delete the events beyond the retention; a store error is reported, not raised."""
        older_than = datetime.now(UTC) - self._retention.max_age
        try:
            await self._store.prune_events(
                older_than=older_than, keep_per_app=self._retention.per_app
            )
        except TrueupError as e:
            self._report(
                Event(Kind.EVENTS_FAILED, f"pruning events failed: {e}", level=Level.ERROR)
            )

    def _failed(self, error: TrueupError) -> None:
        if self._failing:
            return
        self._failing = True
        self._report(
            Event(
                Kind.EVENTS_FAILED,
                f"recording events failed: {error}; they are kept and written again "
                f"(the oldest are dropped beyond {self._max_pending})",
                level=Level.ERROR,
            )
        )

    def _recovered(self) -> None:
        if not self._failing:
            return
        self._failing = False
        self._report(
            Event(
                Kind.EVENTS_RECORDED,
                f"recording events again; {self.dropped} were dropped meanwhile",
                fields={"dropped": self.dropped},
            )
        )

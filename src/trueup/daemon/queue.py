"""A keyed work queue: each key at most once queued and at most once in flight.

The daemon's reconcile requests (an interval, a new revision, a webhook, a suspension
lifted) all go through one :class:`WorkQueue` keyed by App name:

- A request for a key that is already queued is merged into it: one reconcile serves
  both, at the earlier of their due times, and remembers every reason.
- A request for a key that is in flight waits until that reconcile is done, then runs
  once (the in-flight one may have read the older revision).
- ``get`` hands out the key that is due first, never one already in flight.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from trueup.daemon.clock import Clock

K = TypeVar("K", bound=Hashable)


class QueueClosedError(Exception):
    """The queue was closed: no more work will be handed out."""


@dataclass(slots=True)
class _Pending:
    due: float
    reasons: list[str] = field(default_factory=list)

    def merge(self, due: float, reason: str) -> None:
        # The reason that makes it due soonest comes first: it is what triggers the work.
        if due < self.due:
            if reason in self.reasons:
                self.reasons.remove(reason)
            self.reasons.insert(0, reason)
            self.due = due
        elif reason not in self.reasons:
            self.reasons.append(reason)


@dataclass(frozen=True, slots=True)
class Work(Generic[K]):
    """One piece of work handed out by :meth:`WorkQueue.get`."""

    key: K
    reasons: tuple[str, ...]
    """Why it was asked for: first the request that made it due, then the merged ones."""


class WorkQueue(Generic[K]):
    """Keyed, delayed, de-duplicated work for a pool of workers (see the module)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._queued: dict[K, _Pending] = {}
        self._heap: list[tuple[float, int, K]] = []
        self._order = itertools.count()
        self._in_flight: set[K] = set()
        self._after_flight: dict[K, _Pending] = {}
        self._changed = asyncio.Event()
        self._closed = False

    @property
    def depth(self) -> int:
        """Keys waiting (due or not), not counting those in flight."""
        return len(self._queued) + len(self._after_flight)

    @property
    def in_flight(self) -> int:
        """Keys handed out and not yet done."""
        return len(self._in_flight)

    def queued(self, key: K) -> float | None:
        """When ``key`` is due (clock seconds), or None when it is not queued."""
        pending = self._queued.get(key) or self._after_flight.get(key)
        return pending.due if pending else None

    def add(self, key: K, reason: str, *, delay: float = 0.0) -> None:
        """Ask for ``key`` to be worked on after ``delay`` seconds (merged, see the module)."""
        if self._closed:
            return
        due = self._clock.now() + max(delay, 0.0)
        if key in self._in_flight:
            self._after_flight.setdefault(key, _Pending(due)).merge(due, reason)
            return
        pending = self._queued.get(key)
        if pending is None:
            self._queued[key] = _Pending(due, [reason])
        elif due < pending.due:
            pending.merge(due, reason)
        else:
            pending.merge(pending.due, reason)
            return
        heapq.heappush(self._heap, (due, next(self._order), key))
        self._changed.set()

    def remove(self, key: K) -> None:
        """Forget every request for ``key`` (one in flight still finishes)."""
        self._queued.pop(key, None)
        self._after_flight.pop(key, None)

    def withdraw(self, key: K, reason: str) -> None:
        """Take back the request for ``key`` made for ``reason``: the work is not needed for
        it any more; work asked for other reasons stays queued."""
        for pending, held in (
            (self._queued.get(key), self._queued),
            (self._after_flight.get(key), self._after_flight),
        ):
            if pending is None or reason not in pending.reasons:
                continue
            pending.reasons.remove(reason)
            if not pending.reasons:
                del held[key]

    def done(self, key: K) -> None:
        """Mark the work on ``key`` finished; a request that came meanwhile is queued now."""
        self._in_flight.discard(key)
        later = self._after_flight.pop(key, None)
        if later is not None and not self._closed:
            for reason in later.reasons:
                self.add(key, reason, delay=later.due - self._clock.now())
        self._changed.set()

    def close(self) -> None:
        """Hand out nothing more: waiting and later ``get`` calls raise ``QueueClosedError``."""
        self._closed = True
        self._changed.set()

    async def get(self) -> Work[K]:
        """The key due first, once it is due; it stays in flight until :meth:`done`."""
        while True:
            self._changed.clear()
            if self._closed:
                raise QueueClosedError
            work = self._pop_due()
            if work is not None:
                return work
            await self._wait_for_change()

    def _pop_due(self) -> Work[K] | None:
        now = self._clock.now()
        while self._heap:
            due, _, key = self._heap[0]
            pending = self._queued.get(key)
            if pending is None or pending.due != due:
                heapq.heappop(self._heap)  # merged into an earlier entry, or removed
                continue
            if due > now:
                return None
            heapq.heappop(self._heap)
            del self._queued[key]
            self._in_flight.add(key)
            return Work(key, tuple(pending.reasons))
        return None

    async def _wait_for_change(self) -> None:
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._changed.wait())}
        if self._heap:
            due = self._heap[0][0]
            waits.add(asyncio.ensure_future(self._clock.sleep(due - self._clock.now())))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

"""Time for the daemon: a real clock, and a controllable one for tests of scheduling.

Every delay the daemon waits (an interval, a backoff) goes through a :class:`Clock`, so
tests move time forward with :meth:`ManualClock.advance` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds and a sleep measured in them."""

    def now(self) -> float:
        """Seconds since an arbitrary start; never goes backwards."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return once ``seconds`` have passed (at once for zero or less)."""
        ...


class SystemClock:
    """The machine's monotonic clock."""

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(max(seconds, 0))


class ManualClock:
    """A clock that moves only when a test calls :meth:`advance`."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        """The time the test has advanced to."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Wait until the test advances the clock past now + ``seconds``."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), wake))
        await wake

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking every sleep that ends by then, and let them run."""
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, wake = heapq.heappop(self._sleepers)
            if not wake.done():
                wake.set_result(None)
        # Give the woken coroutines (and whatever they start) a chance to run.
        for _ in range(10):
            await asyncio.sleep(0)


async def sleep_or_until(clock: Clock, seconds: float, event: asyncio.Event) -> None:
    """Return once ``seconds`` have passed on ``clock`` or ``event`` is set, whichever first."""
    sleeping = asyncio.ensure_future(clock.sleep(seconds))
    woken = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({sleeping, woken}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeping.cancel()
        woken.cancel()

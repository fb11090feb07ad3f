"""One asyncio task per watched object: run its work, then wait for the seconds the work
named or for a wake-up, and again.

The image scanner and the image updater both keep such loops, keyed by object; the
bookkeeping (start, wake one or all, stop one or all and wait for them) is here once,
and each of them says only what one run does and what it reports.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Container, Iterator
from typing import Generic, Protocol, TypeVar

from trueup.daemon.clock import Clock, sleep_or_until


class Looped(Protocol):
    """The state one loop keeps: the event that wakes it and its task."""

    wake: asyncio.Event
    task: asyncio.Task[None] | None


K = TypeVar("K")
W = TypeVar("W", bound=Looped)


class Loops(Generic[K, W]):
    """Loops keyed by ``K``; ``once`` runs the work of one and answers the seconds until
    the next run."""

    def __init__(self, clock: Clock, once: Callable[[W], Awaitable[float]], name: str) -> None:
        self._clock, self._once, self._name = clock, once, name
        self._watched: dict[K, W] = {}

    def get(self, key: K) -> W | None:
        """The state of the loop for ``key``, if it runs."""
        return self._watched.get(key)

    def __iter__(self) -> Iterator[K]:
        """The keys of the running loops."""
        return iter(list(self._watched))

    def retain(self, keys: Container[K]) -> None:
        """Stop every loop whose key is not in ``keys``."""
        for key in [key for key in self._watched if key not in keys]:
            self.stop_one(key)

    def start(self, key: K, watched: W) -> None:
        """Start the loop for ``key``: its first run is at once."""
        watched.task = asyncio.create_task(self._loop(watched), name=f"{self._name} {key}")
        self._watched[key] = watched

    def wake(self, key: K) -> bool:
        """Run the loop for ``key`` soon; False when there is none."""
        watched = self._watched.get(key)
        if watched is None:
            return False
        watched.wake.set()
        return True

    def wake_all(self) -> None:
        """Run every loop soon."""
        for watched in self._watched.values():
            watched.wake.set()

    def stop_one(self, key: K) -> None:
        """Cancel the loop for ``key`` (without waiting for it)."""
        watched = self._watched.pop(key)
        if watched.task is not None:
            watched.task.cancel()

    async def stop(self) -> None:
        """Stop every loop and wait for them to end."""
        tasks = [w.task for w in self._watched.values() if w.task is not None]
        for key in list(self._watched):
            self.stop_one(key)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, watched: W) -> None:
        while True:
            watched.wake.clear()
            next_in = await self._once(watched)
            await sleep_or_until(self._clock, next_in, watched.wake)

"""Bounded, jittered exponential backoff for temporary target errors.

Only :class:`~trueup.errors.TemporaryError` is retried; a permanent error is raised at
once. The sleep function and the random source are injected so that tests run the
retry logic on a fake clock instead of sleeping.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from trueup.errors import TargetUnavailableError, TemporaryError

T = TypeVar("T")

_JITTER = random.Random()  # noqa: S311 - jitter needs no cryptographic randomness
"""One generator for every call's jitter: seeding one per request costs more than the call."""

Sleep = Callable[[float], Awaitable[None]]
"""An ``asyncio.sleep``-like coroutine function."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """How often and how patiently to retry.

    Attempt ``n`` (from 0) waits a random time between half and all of
    ``min(maximum, initial * factor**n)``: the jitter spreads out many clients that failed
    together. A ``Retry-After`` from the target is honoured up to ``max_retry_after``.
    """

    attempts: int = 5
    """Calls in total, the first one included; 1 means no retry."""
    initial: float = 0.2
    factor: float = 2.0
    maximum: float = 10.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0 for the first call)."""
        ceiling = min(self.maximum, self.initial * self.factor**attempt)
        wait = rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait


NO_RETRY = Backoff(attempts=1)
"""Call once; temporary errors are raised to the caller."""


async def with_retries(
    call: Callable[[], Awaitable[T]],
    backoff: Backoff,
    *,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> T:
    """Await ``call()`` until it succeeds, a permanent error is raised, or attempts run out.

    The last temporary error is raised when every attempt failed.
    """
    rng = rng or _JITTER
    attempt = 0
    while True:
        try:
            return await call()
        except TemporaryError as error:
            if attempt + 1 >= backoff.attempts:
                raise
            retry_after = error.retry_after if isinstance(error, TargetUnavailableError) else None
            await sleep(backoff.delay(attempt, rng, retry_after))
            attempt += 1

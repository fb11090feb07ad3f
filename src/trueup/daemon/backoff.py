"""When to try again: the next interval with jitter, and exponential backoff after failures.

Pure functions of their inputs and a random number, so tests pin every value.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

JITTER = 0.1
"""Intervals vary by up to ±10 %, so apps loaded together do not reconcile in lockstep."""


class Random(Protocol):
    """The part of :class:`random.Random` the daemon uses."""

    def random(self) -> float:
        """A float in [0, 1)."""
        ...


def jittered(interval: float, rand: Random, fraction: float = JITTER) -> float:
    """``interval`` moved by a random amount of up to ``fraction`` of it, either way."""
    return interval * (1 + fraction * (2 * rand.random() - 1))


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter, capped: ``base·2ⁿ⁻¹`` after n failures.

    The delay after a failure is random in [half, all] of that value, never above ``cap``
    (and never above the item's own interval, see :meth:`delay`): retries of many apps
    spread out instead of hitting a recovering server together.
    """

    base: float = 1.0
    cap: float = 300.0

    def delay(self, failures: int, rand: Random, *, interval: float | None = None) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1 or more)."""
        cap = self.cap if interval is None else min(self.cap, interval)
        ceiling = min(cap, self.base * 2.0 ** max(failures - 1, 0))
        return float(ceiling * (0.5 + 0.5 * rand.random()))


def default_random() -> Random:
    """A random source for jitter (not for secrets)."""
    return random.Random()  # noqa: S311 - jitter, not cryptography

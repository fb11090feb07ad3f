"""A token bucket: how long a Provider's next request must wait. Pure, on a given clock time.

Chat services limit each webhook (Slack about one message a second, Discord five every
two seconds): a Provider sends at most ``per_second`` requests a second on average, in
bursts of up to ``burst``.
"""

from __future__ import annotations


class RateLimit:
    """``burst`` requests at once, then ``per_second`` a second."""

    def __init__(self, per_second: float, burst: int) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("a rate limit needs per_second > 0 and burst >= 1")
        self.per_second, self.burst = per_second, burst
        self._tokens = float(burst)
        self._last: float | None = None

    def delay(self, now: float) -> float:
        """Seconds from ``now`` until a request may be sent (0 when it may be sent now)."""
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.per_second

    def take(self, now: float) -> None:
        """Count a request sent at ``now`` (after :meth:`delay` said 0)."""
        self._refill(now)
        self._tokens -= 1

    def _refill(self, now: float) -> None:
        if self._last is not None:
            elapsed = max(now - self._last, 0.0)
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.per_second)
        self._last = now

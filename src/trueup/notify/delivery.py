"""One Provider's queue: notifications sent one at a time, rate-limited, retried, or dropped.

Nothing here waits on the daemon, nor the daemon on it: :meth:`ProviderQueue.offer` never
blocks (a full queue drops its oldest notification), and each queue sends from its own
task. An attempt that may succeed later is retried after an exponential backoff with full
jitter (and at least the server's ``Retry-After``); after ``DeliveryPolicy.attempts``
attempts, or at once for an answer that would not change, the notification is dropped
and ``on_drop`` says why. Time goes through a :class:`~trueup.daemon.clock.Clock`, so
tests run retries and rate limits without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from trueup.daemon.backoff import Backoff, Random
from trueup.daemon.clock import Clock
from trueup.notify.message import Notification
from trueup.notify.payloads import request_for
from trueup.notify.ratelimit import RateLimit
from trueup.notify.routing import Destination
from trueup.notify.sender import Outcome, Result, Sender


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard one Provider's notifications are tried, and how many may wait."""

    attempts: int = 5
    """Attempts per notification before it is dropped."""
    backoff: Backoff = field(default_factory=lambda: Backoff(base=2.0, cap=60.0))
    """The wait after the n-th failed attempt: random in [½, 1] of 2·2ⁿ⁻¹ s, at most 60 s."""
    queue_size: int = 100
    """Notifications that may wait for one Provider; beyond that the oldest is dropped."""
    per_second: float = 1.0
    """Requests a second to one Provider, on average."""
    burst: int = 5
    """Requests to one Provider that may go out at once."""


Sent = Callable[[Notification, Destination], None]
"""Called with a notification the Provider accepted, and its Destination."""
Dropped = Callable[[Notification, Destination, str], None]
"""Called with a notification given up on, its Destination, and why (no secret in it)."""
Attempt = Callable[[Notification, float], Awaitable[Outcome]]
"""Sends a notification once within the given seconds and says how it went; the default
posts the Provider type's payload to its URL (a forge Provider posts a commit status)."""


class ProviderQueue:
    """The pending notifications of one Destination and the task that sends them."""

    def __init__(
        self,
        destination: Destination,
        sender: Sender,
        *,
        policy: DeliveryPolicy,
        clock: Clock,
        rand: Random,
        on_drop: Dropped,
        attempt: Attempt | None = None,
        on_sent: Sent | None = None,
    ) -> None:
        self.destination = destination
        self._on_sent = on_sent
        self._attempt = attempt or self._post
        self._sender, self._policy = sender, policy
        self._clock, self._rand, self._on_drop = clock, rand, on_drop
        self._pending: asyncio.Queue[Notification] = asyncio.Queue(policy.queue_size)
        self._limit = RateLimit(policy.per_second, policy.burst)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sending, in a task of its own."""
        self._task = asyncio.create_task(self._run(), name=f"notify {self.destination.label}")

    def offer(self, notification: Notification) -> None:
        """Queue ``notification`` without waiting, dropping the oldest one when full."""
        if self._pending.full():
            oldest = self._pending.get_nowait()
            self._pending.task_done()
            size = self._policy.queue_size
            self._on_drop(
                oldest, self.destination, f"{size} newer notifications were waiting already"
            )
        self._pending.put_nowait(notification)

    def take_pending(self) -> list[Notification]:
        """Remove and return what has not been sent yet (handed to a replacing queue)."""
        taken = []
        while not self._pending.empty():
            taken.append(self._pending.get_nowait())
            self._pending.task_done()
        return taken

    async def drained(self) -> None:
        """Return once every notification offered so far has been sent or dropped."""
        await self._pending.join()

    async def stop(self) -> None:
        """Stop sending; an attempt in flight is cancelled."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            notification = await self._pending.get()
            try:
                await self._deliver(notification)
            except Exception as e:
                # One notification that cannot even be sent must not stop the queue.
                why = f"it could not be sent ({type(e).__name__})"
                self._on_drop(notification, self.destination, why)
            finally:
                self._pending.task_done()

    async def _post(self, notification: Notification, within: float) -> Outcome:
        destination = self.destination
        key = destination.signing_key
        request = request_for(
            destination.type,
            notification,
            key.get_secret_value().encode() if key is not None else None,
        )
        return await self._sender.send(destination.url.get_secret_value(), request, within)

    async def _deliver(self, notification: Notification) -> None:
        destination, policy = self.destination, self._policy
        timeout = destination.timeout.total_seconds()
        for attempt in range(1, policy.attempts + 1):
            while (wait := self._limit.delay(self._clock.now())) > 0:
                await self._clock.sleep(wait)
            self._limit.take(self._clock.now())
            outcome = await self._attempt(notification, timeout)
            if outcome.result is Result.DELIVERED:
                if self._on_sent is not None:
                    self._on_sent(notification, destination)
                return
            if outcome.result is Result.PERMANENT:
                self._on_drop(notification, destination, outcome.message)
                return
            if attempt == policy.attempts:
                why = f"{outcome.message}; gave up after {attempt} attempts"
                self._on_drop(notification, destination, why)
                return
            delay = policy.backoff.delay(attempt, self._rand)
            await self._clock.sleep(max(delay, outcome.retry_after or 0.0))

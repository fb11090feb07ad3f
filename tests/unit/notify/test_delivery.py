"""Delivery on a fake clock: retries with jittered backoff, Retry-After, the rate limit, the
bound after which a notification is dropped with an event, and a full queue; a slow
Provider holds up only its own notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from trueup.config import ProviderType
from trueup.daemon.backoff import Backoff
from trueup.daemon.clock import ManualClock
from trueup.notify.delivery import DeliveryPolicy, ProviderQueue
from trueup.notify.message import Notification
from trueup.notify.payloads import Request
from trueup.notify.routing import Destination
from trueup.notify.sender import Outcome, Result, outcome_of
from trueup.objects import ObjectId

pytestmark = pytest.mark.anyio

URL = "https://hooks.example.com/services/url-is-a-secret"


class HalfRandom:
    def random(self) -> float:
        return 0.5


class FakeSender:
    """Answers from a script (the last answer repeats) and notes when each request came."""

    def __init__(self, clock: ManualClock, *answers: Outcome) -> None:
        self.clock, self.answers = clock, list(answers) or [Outcome(Result.DELIVERED)]
        self.sent: list[tuple[float, bytes]] = []
        self.hold: asyncio.Event | None = None

    async def send(self, url: str, request: Request, within: float) -> Outcome:
        assert url == URL
        self.sent.append((self.clock.now(), request.body))
        if self.hold is not None:
            await self.hold.wait()
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    async def aclose(self) -> None:
        pass


def destination(name: str = "chat") -> Destination:
    return Destination(
        id=ObjectId("trueup.dev", "Provider", "", name),
        type=ProviderType.WEBHOOK,
        url=SecretStr(URL),
        signing_key=None,
        dashboard_url=None,
        timeout=timedelta(seconds=10),
    )


def note(n: int) -> Notification:
    return Notification(
        reason="reconcile.failed",
        severity="error",
        message=f"failure {n}",
        at=datetime(2026, 12, 2, tzinfo=UTC),
        app="web",
    )


Drops = list[tuple[str, str]]


def queue_of(
    sender: FakeSender, clock: ManualClock, drops: Drops, **policy: object
) -> ProviderQueue:
    def dropped(n: Notification, d: Destination, why: str) -> None:
        drops.append((n.message, why))

    queue = ProviderQueue(
        destination(),
        sender,
        policy=DeliveryPolicy(**policy),  # type: ignore[arg-type]
        clock=clock,
        rand=HalfRandom(),
        on_drop=dropped,
    )
    queue.start()
    return queue


async def run_until(clock: ManualClock, done: Callable[[], bool], *, step: float = 0.25) -> None:
    for _ in range(10_000):
        for _ in range(10):  # let the queue's task run before time moves
            await asyncio.sleep(0)
        if done():
            return
        await clock.advance(step)
    raise AssertionError("never happened")


async def test_temporary_failures_are_retried_after_a_growing_jittered_backoff() -> None:
    clock, drops = ManualClock(), Drops()
    sender = FakeSender(clock, outcome_of(503), outcome_of(502), Outcome(Result.DELIVERED))
    queue = queue_of(sender, clock, drops, backoff=Backoff(base=2.0, cap=60.0))
    queue.offer(note(1))
    await run_until(clock, lambda: len(sender.sent) == 3)
    times = [at for at, _ in sender.sent]
    # Half-way jitter: 2 s · 0.75 after the first failure, 4 s · 0.75 after the second.
    assert times == [0.0, 1.5, 4.5]
    await queue.stop()
    assert drops == []


async def test_after_the_bound_a_notification_is_dropped_saying_why() -> None:
    clock, drops = ManualClock(), Drops()
    sender = FakeSender(clock, outcome_of(500))
    queue = queue_of(sender, clock, drops, attempts=3)
    queue.offer(note(1))
    await run_until(clock, lambda: bool(drops))
    assert len(sender.sent) == 3
    assert drops == [("failure 1", "the endpoint answered 500; gave up after 3 attempts")]
    assert URL not in drops[0][1]
    await queue.stop()


async def test_a_redirect_or_a_refusal_is_not_retried() -> None:
    clock, drops = ManualClock(), Drops()
    sender = FakeSender(clock, outcome_of(302), outcome_of(400))
    queue = queue_of(sender, clock, drops)
    queue.offer(note(1))
    queue.offer(note(2))
    await run_until(clock, lambda: len(drops) == 2)
    assert len(sender.sent) == 2
    assert "redirect, which is not followed" in drops[0][1]
    assert drops[1][1] == "the endpoint refused the notification with 400"
    await queue.stop()


async def test_retry_after_is_waited_out_when_longer_than_the_backoff() -> None:
    clock, drops = ManualClock(), Drops()
    sender = FakeSender(clock, outcome_of(429, "30"), Outcome(Result.DELIVERED))
    queue = queue_of(sender, clock, drops)
    queue.offer(note(1))
    await run_until(clock, lambda: len(sender.sent) == 2, step=1.0)
    assert [at for at, _ in sender.sent] == [0.0, 30.0]
    await queue.stop()


async def test_the_rate_limit_lets_a_burst_through_then_one_a_second() -> None:
    clock, drops = ManualClock(), Drops()
    sender = FakeSender(clock)
    queue = queue_of(sender, clock, drops, per_second=1.0, burst=2)
    for n in range(5):
        queue.offer(note(n))
    await run_until(clock, lambda: len(sender.sent) == 5)
    assert [at for at, _ in sender.sent] == [0.0, 0.0, 1.0, 2.0, 3.0]
    await queue.stop()


async def test_a_full_queue_drops_its_oldest_waiting_notification() -> None:
    clock, drops = ManualClock(), Drops()
    sender = FakeSender(clock)
    sender.hold = asyncio.Event()
    queue = queue_of(sender, clock, drops, queue_size=2)
    queue.offer(note(1))
    await run_until(clock, lambda: len(sender.sent) == 1)  # 1 is in flight, held
    for n in (2, 3, 4):
        queue.offer(note(n))
    assert drops == [("failure 2", "2 newer notifications were waiting already")]
    sender.hold.set()
    await run_until(clock, lambda: len(sender.sent) == 3)
    assert [b"failure 3" in sender.sent[1][1], b"failure 4" in sender.sent[2][1]] == [True, True]
    await queue.stop()


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (200, None, Outcome(Result.DELIVERED)),
        (204, None, Outcome(Result.DELIVERED)),
        (503, "12", Outcome(Result.TEMPORARY, "the endpoint answered 503", 12.0)),
        (429, "9999", Outcome(Result.TEMPORARY, "the endpoint answered 429", 300.0)),
        (
            429,
            "Wed, 21 Oct 2015 07:28:00 GMT",
            Outcome(Result.TEMPORARY, "the endpoint answered 429"),
        ),
        (408, None, Outcome(Result.TEMPORARY, "the endpoint answered 408")),
        (404, None, Outcome(Result.PERMANENT, "the endpoint refused the notification with 404")),
    ],
)
def test_each_answer_means_delivered_retry_or_give_up(
    status: int, retry_after: str | None, expected: Outcome
) -> None:
    assert outcome_of(status, retry_after) == expected

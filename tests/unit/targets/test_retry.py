"""Jittered exponential backoff, on a fake clock."""

from __future__ import annotations

import random

import pytest

from trueup.errors import SourceUnavailableError, TargetError, TargetUnavailableError
from trueup.targets.retry import Backoff, with_retries

from .fake_api import FakeSleep

pytestmark = pytest.mark.anyio


class Flaky:
    """Fails with ``errors`` in order, then answers "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_delays_grow_exponentially_within_jitter_and_stop_at_the_maximum() -> None:
    backoff = Backoff(initial=1.0, factor=2.0, maximum=5.0)
    rng = random.Random(7)
    for attempt, ceiling in enumerate([1.0, 2.0, 4.0, 5.0, 5.0]):
        for _ in range(50):
            assert ceiling / 2 <= backoff.delay(attempt, rng) <= ceiling


def test_retry_after_is_honoured_but_capped() -> None:
    backoff = Backoff(initial=0.1, max_retry_after=30.0)
    rng = random.Random(1)
    assert backoff.delay(0, rng, retry_after=12.0) == 12.0
    assert backoff.delay(0, rng, retry_after=3600.0) == 30.0


async def test_temporary_errors_are_retried_until_success() -> None:
    call = Flaky(TargetUnavailableError("busy"), SourceUnavailableError("down"))
    sleep = FakeSleep()
    assert await with_retries(call, Backoff(attempts=3), sleep=sleep) == "ok"
    assert call.calls == 3
    assert len(sleep.slept) == 2


async def test_the_last_temporary_error_is_raised_when_attempts_run_out() -> None:
    call = Flaky(*(TargetUnavailableError(f"busy {n}") for n in range(5)))
    sleep = FakeSleep()
    with pytest.raises(TargetUnavailableError, match="busy 2"):
        await with_retries(call, Backoff(attempts=3), sleep=sleep)
    assert call.calls == 3
    assert len(sleep.slept) == 2


async def test_permanent_errors_are_raised_at_once() -> None:
    call = Flaky(TargetError("invalid"))
    sleep = FakeSleep()
    with pytest.raises(TargetError, match="invalid"):
        await with_retries(call, Backoff(attempts=5), sleep=sleep)
    assert (call.calls, sleep.slept) == (1, [])

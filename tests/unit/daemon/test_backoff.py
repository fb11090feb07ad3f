"""Jitter and backoff: every value pinned by a controllable random source."""

from __future__ import annotations

import pytest

from trueup.daemon.backoff import Backoff, jittered


class Fixed:
    """A random source that always returns ``value``."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(("value", "expected"), [(0.0, 270.0), (0.5, 300.0), (1.0, 330.0)])
def test_an_interval_moves_by_at_most_ten_percent(value: float, expected: float) -> None:
    assert jittered(300, Fixed(value)) == pytest.approx(expected)


def test_backoff_doubles_after_each_failure_until_the_cap() -> None:
    backoff = Backoff(base=1, cap=60)
    ceilings = [backoff.delay(n, Fixed(1.0)) for n in range(1, 9)]
    assert ceilings == [1, 2, 4, 8, 16, 32, 60, 60]


def test_backoff_is_jittered_between_half_and_all_of_its_ceiling() -> None:
    backoff = Backoff(base=2, cap=600)
    assert backoff.delay(3, Fixed(0.0)) == 4
    assert backoff.delay(3, Fixed(0.5)) == 6


def test_backoff_never_waits_longer_than_the_items_own_interval() -> None:
    assert Backoff(base=1, cap=300).delay(20, Fixed(1.0), interval=30) == 30

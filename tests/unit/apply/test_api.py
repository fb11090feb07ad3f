"""The public names of the apply layer, and the bounded runner every verb uses."""

from __future__ import annotations

import asyncio

import pytest

import trueup.apply
from trueup.apply import ApplyOptions, content_hash
from trueup.apply.bounded import map_bounded
from trueup.errors import TargetUnavailableError


def test_the_public_api_is_pinned() -> None:
    assert trueup.apply.__all__ == [
        "FORCE_ANNOTATION",
        "IMMUTABLE_HINT",
        "ApplyOptions",
        "ApplyResult",
        "Known",
        "Live",
        "LiveCache",
        "Origins",
        "Presumed",
        "apply_stages",
        "content_hash",
        "finished",
        "prune",
        "read_holdings",
        "read_live",
        "read_live_cached",
        "take_over_patch",
        "wait_failure",
        "wait_healthy",
    ]


def test_the_options_default_to_a_real_careful_apply() -> None:
    assert ApplyOptions() == ApplyOptions(
        dry_run=False, force=False, concurrency=16, establish_timeout=60, recreate_timeout=60
    )


def test_the_content_hash_ignores_key_order_and_sees_every_value() -> None:
    one = {"kind": "ConfigMap", "data": {"a": "1", "b": "2"}}
    same = {"data": {"b": "2", "a": "1"}, "kind": "ConfigMap"}
    other = {"kind": "ConfigMap", "data": {"a": "1", "b": "3"}}
    assert content_hash(one) == content_hash(same)
    assert content_hash(one) != content_hash(other)


@pytest.mark.anyio
async def test_the_bounded_runner_keeps_order_and_its_limit() -> None:
    running = 0
    peak = 0

    async def work(item: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        return item * 2

    assert await map_bounded(work, range(10), 3) == [i * 2 for i in range(10)]
    assert peak == 3


@pytest.mark.anyio
async def test_the_bounded_runner_raises_the_failure_itself_not_a_group() -> None:
    async def work(item: int) -> int:
        if item == 2:
            raise TargetUnavailableError("127.0.0.1:6443: cannot reach")
        await asyncio.sleep(0.01)
        return item

    with pytest.raises(TargetUnavailableError, match="cannot reach"):
        await map_bounded(work, range(5), 5)

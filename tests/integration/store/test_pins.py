"""Pins (``trueup rollback`` in pin mode) and the inputs recorded per attempt, in both
stores: kept and read back, replaced by a newer pin, lifted, forgotten with the App."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.store.contract import REVISION_A, REVISION_B, T0, attempt
from trueup.errors import StoreError
from trueup.store import MemoryStore, Pin, RecordedInputs, SqliteStore, Store

pytestmark = pytest.mark.anyio

INPUTS = RecordedInputs("1.2.0", "sha256:" + "c" * 64, ("d" * 64, "e" * 64))


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    opened = await SqliteStore.open(tmp_path / "state.db")
    yield opened
    await opened.close()


def pin(revision: str = REVISION_A, by: str = "cli:alice", minute: int = 0) -> Pin:
    return Pin("shop", revision, revision[-40:], by, T0 + timedelta(minutes=minute), "bad", INPUTS)


async def test_an_attempts_inputs_come_back_as_recorded(store: Store) -> None:
    first = await store.record_attempt(attempt(minute=1))
    second = await store.record_attempt(attempt(minute=2))
    await store.record_inputs(first, INPUTS)

    assert await store.recorded_inputs(first) == INPUTS
    assert await store.recorded_inputs(second) is None


async def test_recording_inputs_again_replaces_them(store: Store) -> None:
    first = await store.record_attempt(attempt(minute=1))
    await store.record_inputs(first, INPUTS)
    await store.record_inputs(first, RecordedInputs(values_digests=("f" * 64,)))

    assert await store.recorded_inputs(first) == RecordedInputs("", "", ("f" * 64,))


async def test_inputs_of_an_attempt_that_does_not_exist_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no attempt 42"):
        await store.record_inputs(42, INPUTS)


async def test_a_pin_comes_back_with_who_when_why_and_its_inputs(store: Store) -> None:
    assert await store.pins() == {}

    assert await store.pin(pin()) == pin()

    assert await store.pins() == {"shop": pin()}


async def test_a_newer_pin_replaces_the_earlier_one(store: Store) -> None:
    await store.pin(pin(REVISION_A))
    await store.pin(pin(REVISION_B, by="api:ci", minute=5))

    assert await store.pins() == {"shop": pin(REVISION_B, by="api:ci", minute=5)}


async def test_unpin_lifts_the_pin_and_says_whether_there_was_one(store: Store) -> None:
    await store.pin(pin())

    assert await store.unpin("shop") is True
    assert await store.unpin("shop") is False
    assert await store.pins() == {}


async def test_forgetting_an_app_lifts_its_pin_and_keeps_its_history(store: Store) -> None:
    await store.record_attempt(attempt(minute=1))
    await store.pin(pin())

    await store.forget("shop")

    assert await store.pins() == {}
    assert len(await store.history("shop")) == 1


async def test_a_pin_is_not_a_suspension(store: Store) -> None:
    await store.pin(pin())

    assert await store.suspensions() == {}
    assert await store.resume("shop") is False
    assert "shop" in await store.pins()

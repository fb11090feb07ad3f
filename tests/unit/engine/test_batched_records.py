"""What a sync writes when it ends goes to the store in one transaction, not one per record.

The end of a sync touches the App's inventory, its comparison, the attempt, its read-set and
the reverts it applied: written as one ``Store.record_outcome``. A sync that waits for
health writes the inventory before the wait, so that a process killed while waiting has
recorded what it applied.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.harness import Harness, configmap
from trueup.engine import SyncOptions
from trueup.objects import ObjectId
from trueup.store import AttemptResult, MemoryStore, Outcome

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")


class CountingStore(MemoryStore):
    """A MemoryStore that lists the writes it was asked for, by method name."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.outcomes: list[Outcome] = []
        self._inside = False

    async def record_outcome(self, outcome: Outcome) -> int | None:
        self.writes.append("record_outcome")
        self.outcomes.append(outcome)
        self._inside = True  # the in-memory store writes an outcome with its own methods
        try:
            return await super().record_outcome(outcome)
        finally:
            self._inside = False

    async def replace_inventory(self, app: str, entries: Any, *, target: str = "") -> None:
        if not self._inside:
            self.writes.append("replace_inventory")
        await super().replace_inventory(app, entries, target=target)

    async def installation_id(self) -> str:
        self.writes.append("installation_id")
        return await super().installation_id()


def with_shop(harness: Harness, **spec: Any) -> CountingStore:
    harness.store = store = CountingStore()
    harness.app("web", namespace="shop", **spec)
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    harness.commit({"web/cm.yaml": configmap("settings")})
    return store


async def test_a_sync_records_its_end_in_one_outcome_with_inventory_and_comparison(
    harness: Harness,
) -> None:
    store = with_shop(harness)

    report = await harness.sync()

    assert report.ok, report.error
    # The intent before applying (crash safety), then everything else at once.
    assert store.writes.count("replace_inventory") == 1
    assert store.writes[-1] == "record_outcome"
    assert store.writes.count("record_outcome") == 1
    [outcome] = store.outcomes
    assert outcome.attempt is not None
    assert outcome.attempt.result is AttemptResult.SUCCEEDED
    assert outcome.inventory is not None
    assert [entry.id for entry in outcome.inventory] == [SETTINGS]
    assert outcome.confirmation is not None
    assert outcome.confirmation.in_sync
    assert outcome.reads == report.reads
    [entry] = await store.inventory("web")
    assert entry.id == SETTINGS
    assert entry.content_hash  # what the apply left, for the next sync to skip its dry-run
    [attempt] = await store.history("web")
    assert attempt.result is AttemptResult.SUCCEEDED
    assert await store.reads(attempt.id or 0) == report.reads


async def test_an_engine_reads_the_installation_id_once(harness: Harness) -> None:
    store = with_shop(harness)
    engine = harness.engine()

    for _ in range(3):
        report = await engine.sync("web", SyncOptions(), harness.progress.append)
        assert report.ok, report.error

    assert store.writes.count("installation_id") == 1


async def test_a_sync_that_waits_for_health_records_its_inventory_before_the_wait(
    harness: Harness,
) -> None:
    store = with_shop(harness, wait=True)

    report = await harness.sync()

    assert report.ok, report.error
    # Intent, then the inventory after the apply (before the wait), then the outcome
    # without an inventory.
    assert store.writes.count("replace_inventory") == 2
    [outcome] = store.outcomes
    assert outcome.inventory is None
    [entry] = await store.inventory("web")
    assert entry.content_hash

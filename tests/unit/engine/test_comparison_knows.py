"""A comparison (a dry run of the whole App) that finds an object unchanged notes its
content hash and live ``resourceVersion`` on the inventory, as an apply does: the next
comparison skips that object's dry-run while neither side changes (a daemon's interval
compares first)."""

from __future__ import annotations

import pytest

from tests.unit.engine.harness import Harness, actions, configmap
from trueup.changeset import Action
from trueup.objects import ObjectId

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")


def dry_runs(harness: Harness) -> int:
    """How many dry-run applies the default target was asked for."""
    return sum(1 for call in harness.target.calls if call.verb == "apply" and call.dry_run)


def label_live(harness: Harness, key: str, value: str) -> str:
    """Add a label as another client would (a field Git does not declare); the new
    ``resourceVersion``."""
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    live["metadata"].setdefault("labels", {})[key] = value
    return str(harness.target.put(live)["metadata"]["resourceVersion"])


async def known_version(harness: Harness) -> str:
    [entry] = [e for e in await harness.inventory() if e.id == SETTINGS]
    return entry.resource_version


@pytest.fixture
async def synced(harness: Harness) -> Harness:
    harness.app("web", namespace="shop")
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    harness.commit({"web/objects.yaml": [configmap("settings", color="blue")]})
    report = await harness.sync()
    assert report.ok, report.error
    return harness


async def test_a_comparison_that_finds_an_object_unchanged_notes_its_version(
    synced: Harness,
) -> None:
    harness = synced
    version = label_live(harness, "team", "payments")
    harness.target.calls.clear()

    first = await harness.sync(dry_run=True)

    assert first.ok, first.error
    assert actions(first) == {SETTINGS: Action.UNCHANGED}
    assert dry_runs(harness) == 1, "the version moved: the dry-run tells"
    assert await known_version(harness) == version
    assert len(await harness.history()) == 1, "a comparison records no attempt"

    harness.target.calls.clear()
    second = await harness.sync(dry_run=True)

    assert actions(second) == {SETTINGS: Action.UNCHANGED}
    assert dry_runs(harness) == 0, "known at this version: no dry-run"


async def test_a_comparison_that_finds_a_difference_notes_nothing_of_that_object(
    synced: Harness,
) -> None:
    harness = synced
    before = await known_version(harness)
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    harness.target.put({**live, "data": {"color": "edited-by-hand"}})

    report = await harness.sync(dry_run=True)

    assert actions(report) == {SETTINGS: Action.CONFIGURED}
    assert await known_version(harness) == before
    harness.target.calls.clear()
    again = await harness.sync(dry_run=True)
    assert actions(again) == {SETTINGS: Action.CONFIGURED}, "still found: never taken as known"
    assert dry_runs(harness) == 1

"""A burst of watch events for one App is judged once, from its final state.

A rollout sends a Deployment's status several times in a row; the daemon judges the App's
health once per batch of events at hand, not once per event, and reports the health the
last of them leaves.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from tests.unit.daemon.test_watches import Spy
from trueup.daemon import drift
from trueup.daemon.backoff import Backoff
from trueup.daemon.clock import ManualClock
from trueup.daemon.drift import DriftTracker
from trueup.health import HealthStatus, aggregate
from trueup.objects import object_id
from trueup.store import InventoryEntry
from trueup.targets.base import WatchEvent, WatchEventType

pytestmark = pytest.mark.anyio


class Half:
    def random(self) -> float:
        return 0.5


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "labels": {"trueup.dev/app": "web", "trueup.dev/app-namespace": "team"},
        },
        "spec": {"replicas": 3},
    }


def rolled(live: dict[str, Any], version: int, available: int) -> WatchEvent:
    """The Deployment at ``version`` with ``available`` of its 3 replicas available."""
    obj = copy.deepcopy(live)
    obj["metadata"]["resourceVersion"] = str(version)
    obj["status"] = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "replicas": 3,
        "updatedReplicas": 3,
        "availableReplicas": available,
    }
    return WatchEvent(WatchEventType.MODIFIED, obj)


async def test_a_burst_of_status_updates_is_judged_once_and_reports_the_final_health(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    judged: list[int] = []
    real_aggregate = aggregate

    def counting(statuses: Any) -> HealthStatus:
        judged.append(1)
        return real_aggregate(statuses)

    monkeypatch.setattr(drift, "aggregate", counting)
    target = Spy()
    live = target.put(deployment())
    version = int(live["metadata"]["resourceVersion"])
    # Ten status updates in a row, the last one leaving every replica available.
    target.inject = [rolled(live, version + n, min(n // 3, 3)) for n in range(1, 11)]
    reported: list[tuple[str, HealthStatus]] = []
    tracker = DriftTracker(
        lambda *_: None,
        lambda app, health: reported.append((app, health)),
        lambda *_: None,
        lambda _failure: None,
        clock=ManualClock(),
        rand=Half(),
        backoff=Backoff(base=1, cap=8),
    )
    entry = InventoryEntry(object_id(live), "apps/v1", "hash", str(version))
    try:
        await tracker.track("web", target, [entry])
        for _ in range(2000):
            if reported:
                break
            await asyncio.sleep(0.001)
        for _ in range(20):  # let anything still due run
            await asyncio.sleep(0)
    finally:
        await tracker.stop()
    assert reported == [("web", HealthStatus.HEALTHY)]
    assert len(judged) == 1


async def test_an_app_forgotten_before_its_judgement_is_not_judged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reported: list[tuple[str, HealthStatus]] = []
    tracker = DriftTracker(
        lambda *_: None,
        lambda app, health: reported.append((app, health)),
        lambda *_: None,
        lambda _failure: None,
        clock=ManualClock(),
        rand=Half(),
        backoff=Backoff(base=1, cap=8),
    )
    target = Spy()
    live = target.put(deployment())
    entry = InventoryEntry(object_id(live), "apps/v1", "hash", "1")
    await tracker.track("web", target, [entry])
    tracker._health_soon("web")  # a status update arrived ...
    tracker.forget("web")  # ... and the App left the configuration before it was judged
    for _ in range(20):
        await asyncio.sleep(0)
    await tracker.stop()
    assert reported == []

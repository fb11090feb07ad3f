"""Waiting for health on a fake clock: done when healthy, early when degraded, else on timeout."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.apply.manifests import by_kind, load
from trueup.apply import finished, wait_healthy
from trueup.apply import live as live_module
from trueup.health import HealthResult, HealthStatus
from trueup.objects import ObjectId
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

WEB = ObjectId("apps", "Deployment", "shop", "web")
SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
MIGRATE = ObjectId("batch", "Job", "shop", "migrate")
FINISHED_CASES = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "finished.yaml").read_text(encoding="utf-8")
)

READY = {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}
STARTING = {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 0}


class FakeClock:
    """A clock that moves only when the code under test sleeps; events fire at set times."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.at: dict[float, Callable[[], Any]] = {}

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        for when in sorted(self.at):
            if when <= self.now:
                self.at.pop(when)()


def shop_target() -> MemoryTarget:
    target = MemoryTarget()
    for obj in load("shop.yaml"):
        target.put(obj)
    target.set_status(WEB, STARTING)
    return target


def job() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "m", "image": "m:1"}]}}},
    }


@pytest.mark.parametrize("case", [pytest.param(case, id=case["name"]) for case in FINISHED_CASES])
def test_finished_decides_when_waiting_longer_is_pointless(case: dict[str, Any]) -> None:
    results = {
        ObjectId("", "ConfigMap", "x", str(i)): HealthResult(HealthStatus(status))
        for i, status in enumerate(case["statuses"])
    }
    assert finished(results, fail_fast=case["fail_fast"]) is case["finished"]


async def test_the_wait_ends_when_every_object_is_healthy_and_reports_each_change() -> None:
    target = shop_target()
    clock = FakeClock()
    clock.at[3.0] = lambda: target.set_status(WEB, READY)
    seen: list[Mapping[ObjectId, HealthResult]] = []

    results = await wait_healthy(
        target, [SETTINGS, WEB], 60, seen.append, sleep=clock.sleep, clock=clock
    )

    assert results[WEB].status is HealthStatus.HEALTHY
    assert results[SETTINGS].status is HealthStatus.HEALTHY
    assert clock.now == 3.0
    assert clock.slept == [1.0, 1.0, 1.0]
    assert [progress[WEB].status for progress in seen] == [
        HealthStatus.PROGRESSING,
        HealthStatus.HEALTHY,
    ]


async def test_a_degraded_object_ends_the_wait_early_unless_told_to_wait_for_all() -> None:
    target = shop_target()
    target.put(job())
    target.set_status(
        MIGRATE,
        {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]},
    )

    clock = FakeClock()
    results = await wait_healthy(target, [WEB, MIGRATE], 60, sleep=clock.sleep, clock=clock)
    assert results[MIGRATE].status is HealthStatus.DEGRADED
    assert results[WEB].status is HealthStatus.PROGRESSING
    assert clock.now == 0.0

    patient = FakeClock()
    patient.at[2.0] = lambda: target.set_status(WEB, READY)
    results = await wait_healthy(
        target, [WEB, MIGRATE], 60, sleep=patient.sleep, clock=patient, fail_fast=False
    )
    assert results[WEB].status is HealthStatus.HEALTHY
    assert patient.now == 2.0


async def test_on_timeout_the_last_results_are_returned_as_they_are() -> None:
    target = shop_target()
    clock = FakeClock()
    missing = ObjectId("", "ConfigMap", "shop", "never")

    results = await wait_healthy(target, [WEB, missing], 5.5, sleep=clock.sleep, clock=clock)

    assert results[WEB].status is HealthStatus.PROGRESSING
    assert results[missing].status is HealthStatus.MISSING
    assert clock.now == 5.5
    assert clock.slept[-1] == 0.5


async def test_nothing_to_wait_for_returns_at_once_without_reading() -> None:
    target = MemoryTarget()
    assert await wait_healthy(target, [], 60) == {}
    assert target.calls == []


async def test_a_deployment_is_judged_on_its_own_live_object() -> None:
    target = shop_target()
    paused = by_kind(load("shop.yaml"), "Deployment")
    paused["spec"]["paused"] = True
    target.put(paused)
    clock = FakeClock()

    results = await wait_healthy(target, [WEB], 60, sleep=clock.sleep, clock=clock)

    assert results[WEB].status is HealthStatus.SUSPENDED
    assert clock.now == 0.0


async def test_after_the_first_poll_objects_are_read_by_list_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(live_module, "GET_AT_MOST", 0)  # a kind of many objects
    target = shop_target()
    clock = FakeClock()
    clock.at[3.0] = lambda: target.set_status(WEB, READY)

    await wait_healthy(target, [WEB], 60, sleep=clock.sleep, clock=clock)

    reads = [c.verb for c in target.calls]
    assert reads == ["get", "list", "list", "list", "list"]

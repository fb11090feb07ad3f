"""Honest records: what ``Engine.sync`` writes to the store, and when, on fakes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.harness import Harness, configmap
from trueup.failure import Reason
from trueup.objects import ObjectId
from trueup.store import AttemptResult, Owner, mark_interrupted

pytestmark = pytest.mark.anyio

WEB = ObjectId("apps", "Deployment", "shop", "web")


def deployment(status: dict[str, Any] | None = None) -> dict[str, Any]:
    """Deployment shop/web with three replicas (and ``status``, for ``put``)."""
    labels = {"app": "web"}
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": []}},
        },
    }
    if status is not None:
        obj["status"] = status
    return obj


def with_shop(harness: Harness, **spec: Any) -> None:
    harness.app("web", namespace="shop", **spec)
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})


async def test_every_attempt_records_the_target_it_ran_against_and_its_owner(
    harness: Harness,
) -> None:
    with_shop(harness)
    harness.commit({"web/cm.yaml": configmap("settings")})

    report = await harness.sync()

    assert report.ok, report.error
    [attempt] = await harness.history()
    assert attempt.result is AttemptResult.SUCCEEDED
    assert attempt.target == harness.target.identity == "default@memory"
    assert attempt.owner == str(Owner.current())
    assert attempt.reason is None
    assert await harness.store.inventory_target("web") == "default@memory"


async def test_a_sync_that_dies_half_way_leaves_a_running_attempt_that_a_live_owner_keeps(
    harness: Harness,
) -> None:
    with_shop(harness)
    commit = harness.commit({"web/cm.yaml": configmap("settings")})
    harness.target.fail("apply", RuntimeError("the process dies here"))

    with pytest.raises(RuntimeError):
        await harness.sync()

    [running] = await harness.history()
    assert running.result is AttemptResult.RUNNING
    assert running.revision == f"main@sha1:{commit}", "what is known of it is recorded"
    # Its owner (this process) is alive: neither a sweep nor the next sync marks it.
    assert await mark_interrupted(harness.store) == []
    assert (await harness.sync()).ok
    assert [a.result for a in await harness.history()] == [
        AttemptResult.SUCCEEDED,
        AttemptResult.RUNNING,
    ]


async def test_a_wait_that_times_out_is_a_recorded_timeout_failure_naming_the_object(
    harness: Harness,
) -> None:
    with_shop(harness)
    harness.commit({"web/deploy.yaml": deployment()})

    report = await harness.sync(wait=True, timeout=0.01)

    assert report.failure is not None
    assert report.failure.reason is Reason.TIMEOUT
    assert report.error == (
        f"timed out after 0.01s waiting for {WEB} (Progressing: 0 of 3 replicas updated); "
        "raise --timeout or spec.timeout"
    )
    [attempt] = await harness.history()
    assert (attempt.result, attempt.reason, attempt.error) == (
        AttemptResult.FAILED,
        Reason.TIMEOUT,
        report.error,
    )


async def test_a_degraded_object_while_waiting_is_a_recorded_degraded_failure(
    harness: Harness,
) -> None:
    with_shop(harness)
    deadline = {
        "type": "Progressing",
        "status": "False",
        "reason": "ProgressDeadlineExceeded",
        "message": 'ReplicaSet "web-1" has timed out progressing.',
    }
    harness.target.put(deployment({"observedGeneration": 1, "conditions": [deadline]}))
    harness.commit({"web/deploy.yaml": deployment()})

    report = await harness.sync(wait=True, timeout=5)

    assert report.failure is not None
    assert report.failure.reason is Reason.DEGRADED
    assert report.error.startswith(f"{WEB} is Degraded: ")
    [attempt] = await harness.history()
    assert (attempt.result, attempt.reason) == (AttemptResult.FAILED, Reason.DEGRADED)


async def test_an_app_applied_to_one_target_is_refused_on_another_and_nothing_is_recorded(
    harness: Harness,
) -> None:
    with_shop(harness)
    harness.commit({"web/cm.yaml": configmap("settings")})
    assert (await harness.sync()).ok
    inventory = await harness.inventory()

    harness.app("web", namespace="shop", context="elsewhere")
    report = await harness.sync()

    assert report.failure is not None
    assert report.failure.reason is Reason.CONFIG
    assert "App/web is applied to default@memory" in report.error
    assert "this command targets elsewhere@memory" in report.error
    assert harness.targets.get(context="elsewhere").calls == []
    assert len(await harness.history()) == 1
    assert await harness.inventory() == inventory
    assert await harness.store.inventory_target("web") == "default@memory"


async def test_a_diff_records_when_it_compared_and_whether_the_target_agreed(
    harness: Harness,
) -> None:
    with_shop(harness)
    harness.commit({"web/cm.yaml": configmap("settings", color="blue")})
    assert (await harness.sync()).ok
    synced = await harness.store.confirmation("web")
    assert synced is not None
    assert synced.in_sync
    assert synced.target == "default@memory"

    harness.commit({"web/cm.yaml": configmap("settings", color="green")})
    assert (await harness.sync(dry_run=True)).ok

    compared = await harness.store.confirmation("web")
    assert compared is not None
    assert not compared.in_sync
    assert compared.confirmed_at >= synced.confirmed_at
    assert len(await harness.history()) == 1, "a diff is not an attempt"

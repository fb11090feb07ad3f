"""What only the in-memory target does: its test helpers, and behaviour the contract
(``contract.py``, also run on the dev-cluster) cannot check on a shared cluster."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from trueup.errors import (
    ObjectNotFoundError,
    TargetUnavailableError,
    WatchExpiredError,
)
from trueup.objects import ObjectId
from trueup.targets import ResourceInfo, Target, WatchEventType
from trueup.targets.memory import Call, MemoryTarget

pytestmark = pytest.mark.anyio

CONFIGMAPS = ResourceInfo("", "v1", "ConfigMap", "configmaps", namespaced=True)
WEB = ObjectId("apps", "Deployment", "shop", "web")


def shop() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}


def deployment(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec},
    }


def configmap(name: str, labels: dict[str, str] | None = None, **data: str) -> dict[str, Any]:
    metadata = {"name": name, "namespace": "shop", "labels": labels or {}}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


async def target_with_shop() -> MemoryTarget:
    target = MemoryTarget()
    await target.apply(shop(), dry_run=False)
    return target


def test_the_memory_target_implements_the_target_interface() -> None:
    target: Target = MemoryTarget()
    assert target is not None


async def test_fields_set_by_others_stay_and_fields_trueup_dropped_go() -> None:
    target = await target_with_shop()
    await target.apply(deployment(replicas=2, paused=True), dry_run=False)
    target.set_status(WEB, {"readyReplicas": 2})
    live = await target.get(WEB)
    assert live is not None
    live["metadata"]["annotations"] = {"by-hand": "yes"}
    target.put(live)
    result = await target.apply(deployment(replicas=2), dry_run=False)
    assert "paused" not in result["spec"]
    assert result["metadata"]["annotations"] == {"by-hand": "yes"}
    assert result["status"] == {"readyReplicas": 2}


async def test_deleting_a_namespace_deletes_its_objects() -> None:
    target = await target_with_shop()
    await target.apply(configmap("a"), dry_run=False)
    assert await target.delete(ObjectId("", "Namespace", "", "shop")) is True
    assert await target.list(CONFIGMAPS) == []


async def test_a_crd_makes_its_kind_servable_and_deleting_it_removes_the_kind() -> None:
    target = await target_with_shop()
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert await target.resolve("example.com/v1", "Widget") is None
    with pytest.raises(ObjectNotFoundError, match="apply its CustomResourceDefinition"):
        await target.apply(widget, dry_run=True)
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets"},
            "versions": [{"name": "v1", "served": True}],
        },
    }
    stored = await target.apply(crd, dry_run=False)
    assert {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"} in stored[
        "status"
    ]["conditions"]
    created = await target.apply(widget, dry_run=False)
    assert created["metadata"]["namespace"] == "default"
    await target.delete(crd)
    assert await target.resolve("example.com/v1", "Widget") is None


async def test_watch_reports_existing_objects_then_changes_and_resumes() -> None:
    target = await target_with_shop()
    await target.apply(configmap("a"), dry_run=False)
    seen: list[tuple[WatchEventType, str]] = []
    last_version = ""

    async def consume() -> None:
        nonlocal last_version
        async for event in target.watch(CONFIGMAPS, "shop", timeout_seconds=5):
            seen.append((event.type, event.object["metadata"]["name"]))
            last_version = event.resource_version
            if len(seen) == 3:
                return

    consumer = asyncio.create_task(consume())
    await asyncio.sleep(0)
    await target.apply(configmap("b"), dry_run=False)
    await target.delete(configmap("a"))
    await asyncio.wait_for(consumer, 5)
    assert seen == [
        (WatchEventType.ADDED, "a"),
        (WatchEventType.ADDED, "b"),
        (WatchEventType.DELETED, "a"),
    ]
    await target.apply(configmap("c"), dry_run=False)
    resumed = target.watch(CONFIGMAPS, "shop", resource_version=last_version, timeout_seconds=5)
    event = await anext(resumed)
    assert (event.type, event.object["metadata"]["name"]) == (WatchEventType.ADDED, "c")
    await resumed.aclose()


async def test_resuming_a_watch_from_a_forgotten_version_is_expired() -> None:
    target = await target_with_shop()
    old = (await target.apply(configmap("a"), dry_run=False))["metadata"]["resourceVersion"]
    await target.apply(configmap("a", k="v"), dry_run=False)
    target.compact()
    with pytest.raises(WatchExpiredError, match="list again"):
        async for _ in target.watch(CONFIGMAPS, resource_version=old):
            pass


async def test_closing_watches_ends_them_normally() -> None:
    target = await target_with_shop()
    events = target.watch(CONFIGMAPS, "shop")
    ending = asyncio.create_task(anext(events, None))
    await asyncio.sleep(0)
    await target.aclose()
    assert await asyncio.wait_for(ending, 5) is None


async def test_injected_faults_hit_the_chosen_object_and_verb_and_calls_are_logged() -> None:
    target = await target_with_shop()
    target.fail(
        "apply", TargetUnavailableError("flaky"), ref="ConfigMap/shop/b", dry_run=True, times=1
    )
    await target.apply(configmap("a"), dry_run=True)
    with pytest.raises(TargetUnavailableError, match="flaky"):
        await target.apply(configmap("b"), dry_run=True)
    await target.apply(configmap("b"), dry_run=True)
    assert target.calls[-3:] == [
        Call("apply", "ConfigMap/shop/a", dry_run=True),
        Call("apply", "ConfigMap/shop/b", dry_run=True),
        Call("apply", "ConfigMap/shop/b", dry_run=True),
    ]

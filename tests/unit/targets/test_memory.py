"""The in-memory target behaves like server-side apply where the engine can tell."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from trueup.errors import (
    ObjectConflictError,
    ObjectInvalidError,
    ObjectNotFoundError,
    TargetUnavailableError,
    WatchExpiredError,
)
from trueup.objects import ObjectId
from trueup.targets import ResourceInfo, Target, WatchEventType
from trueup.targets.kubernetes import is_immutable_field_error
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


async def test_apply_creates_then_updates_and_advances_versions() -> None:
    target = await target_with_shop()
    created = await target.apply(deployment(replicas=1), dry_run=False)
    assert created["metadata"]["generation"] == 1
    assert created["metadata"]["uid"]
    updated = await target.apply(deployment(replicas=3), dry_run=False)
    assert updated["spec"]["replicas"] == 3
    assert updated["metadata"]["generation"] == 2
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


async def test_an_unchanged_apply_keeps_the_resource_version() -> None:
    target = await target_with_shop()
    first = await target.apply(deployment(replicas=1), dry_run=False)
    again = await target.apply(deployment(replicas=1), dry_run=False)
    assert again == first


async def test_a_dry_run_returns_the_merged_object_and_stores_nothing() -> None:
    target = await target_with_shop()
    live = await target.apply(deployment(replicas=1), dry_run=False)
    preview = await target.apply(deployment(replicas=5), dry_run=True)
    assert preview["spec"]["replicas"] == 5
    assert preview["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]
    assert await target.get(WEB) == live
    assert await target.apply(configmap("new"), dry_run=True)
    assert await target.get(configmap("new")) is None


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


async def test_a_namespaced_object_needs_its_namespace_even_in_a_dry_run() -> None:
    target = MemoryTarget()
    with pytest.raises(ObjectNotFoundError, match='namespaces "shop" not found'):
        await target.apply(deployment(), dry_run=True)


async def test_changing_an_immutable_field_is_refused_as_immutable() -> None:
    target = await target_with_shop()
    await target.apply(deployment(), dry_run=False)
    changed = deployment()
    changed["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    with pytest.raises(ObjectInvalidError, match=r"spec\.selector") as caught:
        await target.apply(changed, dry_run=True)
    assert is_immutable_field_error(caught.value)


async def test_without_force_a_field_owned_by_another_manager_conflicts() -> None:
    target = await target_with_shop()
    target.put(configmap("settings", mode="by-hand"))
    with pytest.raises(ObjectConflictError, match=r"data\.mode"):
        await target.apply(configmap("settings", mode="git"), dry_run=False, force=False)
    forced = await target.apply(configmap("settings", mode="git"), dry_run=False)
    assert forced["data"] == {"mode": "git"}


async def test_list_filters_by_namespace_and_label_selector() -> None:
    target = await target_with_shop()
    await target.apply(configmap("a", {"trueup.dev/app": "shop"}), dry_run=False)
    await target.apply(configmap("b"), dry_run=False)
    found = await target.list(CONFIGMAPS, "shop", label_selector="trueup.dev/app=shop")
    assert [o["metadata"]["name"] for o in found] == ["a"]
    assert found.resource_version
    assert await target.list(CONFIGMAPS, "elsewhere") == []


async def test_delete_honours_the_uid_precondition_and_reports_absence() -> None:
    target = await target_with_shop()
    live = await target.apply(configmap("a"), dry_run=False)
    with pytest.raises(ObjectConflictError, match="Precondition failed"):
        await target.delete(live, uid="someone-else")
    assert await target.delete(live, uid=live["metadata"]["uid"], dry_run=True) is True
    assert await target.get(live) is not None
    assert await target.delete(live, uid=live["metadata"]["uid"]) is True
    assert await target.get(live) is None
    assert await target.delete(live) is False


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

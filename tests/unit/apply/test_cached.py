"""Live state from the daemon's cache of trueup's objects, and objects it presumed absent."""

from __future__ import annotations

from typing import Any

import pytest

from trueup.apply import ApplyOptions, Presumed, apply_stages, read_live_cached
from trueup.changeset import Action
from trueup.errors import OwnershipError
from trueup.objects import LABEL_APP_NAME, LABEL_APP_NAMESPACE, Object, ObjectId, object_id
from trueup.plan import AppRef, plan_stages, prepare
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

APP = AppRef("web", "default", "install-1")
OTHER = AppRef("shop", "default", "install-1")


class Cache:
    """A cache covering the kinds it is given, holding the objects it is given."""

    def __init__(self, kinds: set[str], objects: tuple[Object, ...] = ()) -> None:
        self.kinds = kinds
        self.objects = {object_id(obj): obj for obj in objects}

    def cached(self, target: str, oid: ObjectId) -> tuple[bool, Object | None]:
        if oid.kind not in self.kinds:
            return False, None
        return True, self.objects.get(oid)


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": data,
    }


def owned(objects: list[Object], app: AppRef = APP) -> list[Object]:
    prepared = prepare(
        objects, app=app, default_namespace="default", is_namespaced=lambda g, k: True, origins={}
    )
    return list(prepared)


async def target_with_namespace() -> MemoryTarget:
    target = MemoryTarget()
    await target.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}},
        dry_run=False,
    )
    return target


async def test_covered_kinds_are_read_from_the_cache_and_others_from_the_target() -> None:
    target = await target_with_namespace()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
    }
    await target.apply(secret, dry_run=False)
    seen = {**configmap("seen", a="cached"), "metadata": {"name": "seen", "namespace": "default"}}
    calls = len(target.calls)

    live, absent = await read_live_cached(
        target, [configmap("seen"), configmap("missing"), secret], Cache({"ConfigMap"}, (seen,))
    )

    assert live[object_id(seen)] == seen
    assert live[object_id(seen)] is not seen  # a copy: the cache's object stays as it is
    assert live[ObjectId("", "ConfigMap", "default", "missing")] is None
    assert absent == {ObjectId("", "ConfigMap", "default", "missing")}
    assert live[object_id(secret)] is not None  # not covered: read from the target
    assert [call.verb for call in target.calls[calls:]] == ["get"]


async def test_an_object_cached_in_another_version_is_read_from_the_target() -> None:
    target = await target_with_namespace()
    await target.apply(configmap("seen", a="live"), dry_run=False)
    other_version = {**configmap("seen", a="cached"), "apiVersion": "v2"}

    live, absent = await read_live_cached(
        target, [configmap("seen")], Cache({"ConfigMap"}, (other_version,))
    )

    seen = live[ObjectId("", "ConfigMap", "default", "seen")]
    assert seen is not None
    assert seen["data"] == {"a": "live"}
    assert not absent


async def test_an_unmanaged_object_presumed_absent_is_adopted_before_it_is_applied() -> None:
    target = await target_with_namespace()
    await target.apply(configmap("settings", a="by hand"), dry_run=False)  # no owner labels
    desired = owned([configmap("settings", a="from git")])
    live, absent = await read_live_cached(target, desired, Cache({"ConfigMap"}))
    assert live[object_id(desired[0])] is None  # the cache cannot know it exists

    result = await apply_stages(
        target,
        plan_stages(desired),
        live,
        ApplyOptions(),
        presumed=Presumed(absent, APP),
    )

    change = result.changes.changes[0]
    assert change.action is Action.ADOPTED
    assert "without trueup's identity" in change.reason
    stored = await target.get(desired[0])
    assert stored is not None
    assert stored["data"] == {"a": "from git"}
    assert stored["metadata"]["labels"][LABEL_APP_NAME] == "web"


async def test_another_apps_object_presumed_absent_is_refused_and_left_unchanged() -> None:
    target = await target_with_namespace()
    theirs = owned([configmap("settings", a="theirs")], OTHER)
    await target.apply(theirs[0], dry_run=False)
    desired = owned([configmap("settings", a="mine")])
    live, absent = await read_live_cached(target, desired, Cache({"ConfigMap"}))

    with pytest.raises(OwnershipError, match=r"ConfigMap/default/settings belongs to"):
        await apply_stages(
            target, plan_stages(desired), live, ApplyOptions(), presumed=Presumed(absent, APP)
        )

    stored = await target.get(desired[0])
    assert stored is not None
    assert stored["data"] == {"a": "theirs"}
    assert stored["metadata"]["labels"][LABEL_APP_NAMESPACE] == "default"
    assert stored["metadata"]["labels"][LABEL_APP_NAME] == "shop"


async def test_objects_truly_absent_are_created_with_no_read_at_all() -> None:
    target = await target_with_namespace()
    desired = owned([configmap("one", a="1"), configmap("two", b="2")])
    calls = len(target.calls)
    live, absent = await read_live_cached(target, desired, Cache({"ConfigMap"}))

    result = await apply_stages(
        target, plan_stages(desired), live, ApplyOptions(), presumed=Presumed(absent, APP)
    )

    assert {c.action for c in result.changes.changes} == {Action.CREATED}
    verbs = [call.verb for call in target.calls[calls:]]
    assert verbs == ["apply"] * 4  # a dry-run and an apply each: no get, no list

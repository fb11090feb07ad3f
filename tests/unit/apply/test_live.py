"""Reading live state: one LIST per kind and namespace (a GET per object for a few),
absent as None, unreadable left out."""

from __future__ import annotations

import pytest

from tests.unit.apply.manifests import by_kind, ids, load
from trueup.apply import live as live_module
from trueup.apply import read_live
from trueup.errors import TargetForbiddenError
from trueup.objects import Object, ObjectId, object_id
from trueup.targets import ResourceInfo
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
GEAR = ObjectId("example.com", "Widget", "default", "gear")


class GroupKindTarget(MemoryTarget):
    """A target that resolves a group and kind without a version, as discovery can."""

    async def resolve_group_kind(self, group: str, kind: str) -> ResourceInfo | None:
        return next(
            (i for i in self._resources.values() if (i.group, i.kind) == (group, kind)), None
        )


def configmap(namespace: str, name: str) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
    }


async def seeded(target: MemoryTarget) -> list[Object]:
    objects = load("shop.yaml")
    for obj in objects:
        target.put(obj)
    target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    target.put(configmap("other", "extra"))
    return objects


def lists(target: MemoryTarget) -> list[str]:
    return sorted(c.id for c in target.calls if c.verb == "list")


@pytest.fixture
def always_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read every kind with a LIST, however few objects of it are needed."""
    monkeypatch.setattr(live_module, "GET_AT_MOST", 0)


@pytest.mark.usefixtures("always_list")
async def test_objects_are_read_with_one_list_per_kind_and_namespace() -> None:
    target = MemoryTarget()
    objects = await seeded(target)
    wanted = [*objects, configmap("other", "extra"), configmap("other", "absent")]
    target.calls.clear()

    live = await read_live(target, wanted)

    assert lists(target) == ["ConfigMap", "ConfigMap", "Deployment", "Namespace", "Service"]
    assert [c for c in target.calls if c.verb == "get"] == []
    assert set(live) == {object_id(obj) for obj in wanted}
    assert live[ObjectId("", "ConfigMap", "other", "absent")] is None
    found = live[SETTINGS]
    assert found is not None
    assert found["data"] == {"color": "blue"}
    assert found["metadata"]["resourceVersion"]


async def test_a_kind_the_target_does_not_serve_is_absent_without_a_list() -> None:
    target = MemoryTarget()

    live = await read_live(target, [by_kind(load("widgets.yaml"), "Widget")])

    assert live == {GEAR: None}
    assert lists(target) == []


@pytest.mark.usefixtures("always_list")
async def test_ids_are_resolved_by_reading_one_object_of_their_kind() -> None:
    target = MemoryTarget()
    objects = await seeded(target)
    target.calls.clear()

    live = await read_live(target, [*ids(objects), GEAR, ObjectId("", "ConfigMap", "shop", "gone")])

    assert live[GEAR] is None
    assert live[ObjectId("", "ConfigMap", "shop", "gone")] is None
    assert all(live[oid] is not None for oid in ids(objects))
    gets = [c.id for c in target.calls if c.verb == "get"]
    assert len(gets) == 5  # one per kind, and the unserved kind's only id
    assert lists(target) == ["ConfigMap", "Deployment", "Namespace", "Service"]


@pytest.mark.usefixtures("always_list")
async def test_ids_on_a_target_that_resolves_group_kinds_need_no_get() -> None:
    target = GroupKindTarget()
    objects = await seeded(target)
    target.calls.clear()

    live = await read_live(target, ids(objects))

    assert all(live[oid] is not None for oid in ids(objects))
    assert [c for c in target.calls if c.verb == "get"] == []


@pytest.mark.usefixtures("always_list")
async def test_a_refused_list_leaves_its_objects_unknown_not_absent() -> None:
    target = MemoryTarget()
    objects = await seeded(target)
    target.fail("list", TargetForbiddenError("configmaps: Forbidden"), ref="ConfigMap")

    live = await read_live(target, objects)

    assert SETTINGS not in live
    assert live[ObjectId("", "Service", "shop", "web")] is not None


async def test_a_refused_read_of_an_id_leaves_it_unknown_not_absent() -> None:
    target = MemoryTarget()
    await seeded(target)
    target.fail("get", TargetForbiddenError("configmaps: Forbidden"), times=None)

    live = await read_live(target, [SETTINGS])

    assert live == {}


async def test_a_kind_needed_for_a_few_objects_is_read_with_a_get_each_not_a_list() -> None:
    target = MemoryTarget()
    await seeded(target)
    for n in range(live_module.GET_AT_MOST + 1):
        target.put(configmap("crowded", f"neighbour-{n}"))
    target.calls.clear()
    few = [configmap("other", "extra"), configmap("other", "absent")]
    many = [configmap("crowded", f"neighbour-{n}") for n in range(live_module.GET_AT_MOST + 1)]

    live = await read_live(target, [*few, *many])

    assert lists(target) == ["ConfigMap"]  # only the namespace with more than a few
    gets = sorted(c.id for c in target.calls if c.verb == "get")
    assert gets == ["ConfigMap/other/absent", "ConfigMap/other/extra"]
    assert live[ObjectId("", "ConfigMap", "other", "absent")] is None
    assert live[ObjectId("", "ConfigMap", "other", "extra")] is not None
    assert all(live[object_id(obj)] is not None for obj in many)


async def test_a_refused_get_leaves_its_object_unknown_not_absent() -> None:
    target = MemoryTarget()
    await seeded(target)
    target.fail("get", TargetForbiddenError("configmaps: Forbidden"), times=None)

    live = await read_live(target, [configmap("other", "extra")])

    assert live == {}

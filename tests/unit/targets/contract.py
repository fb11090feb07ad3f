"""Behaviour every ``Target`` must show; subclasses provide the fixtures.

The same tests run against ``MemoryTarget`` (unit, ``test_memory_contract.py``) and a
``KubernetesTarget`` on the dev-cluster (integration, ``test_kubernetes_contract.py``), so
the fake that the layers above test against cannot drift from the API server.

A subclass provides:

- ``target``: the Target under test;
- ``namespace``: the name of an existing namespace of the test's own (the cluster may
  put objects of its own in it, such as ConfigMap ``kube-root-ca.crt``: tests select
  their objects by label);
- ``seed``: a function that creates an object as another client would (a field manager
  other than trueup's), returning nothing.

The API server knows from its schemas which fields exist; the in-memory target is told
the one field the suite misspells (:data:`UNDECLARED`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Callable
from typing import Any

import pytest

from tests.servers.manifests import widget_crd
from trueup.errors import (
    ObjectConflictError,
    ObjectInvalidError,
    ObjectNotFoundError,
    TargetUnavailableError,
)
from trueup.objects import Object, ObjectId
from trueup.targets import FieldValidation, ResourceInfo, Target, WatchEvent, WatchEventType
from trueup.targets.kubernetes import is_immutable_field_error

CONFIGMAPS = ResourceInfo("", "v1", "ConfigMap", "configmaps", namespaced=True)
LABEL = "contract.trueup.dev/suite"
"""Every ConfigMap the suite makes carries this label, so lists and watches see only them."""

Seed = Callable[[Object], None]

UNDECLARED = {("apps", "Deployment"): (("spec", "replica"),)}
"""The misspelt field the suite applies, which no Deployment schema declares."""


def configmap(
    namespace: str, name: str, labels: dict[str, str] | None = None, **data: str
) -> Object:
    """A ConfigMap of the suite (labelled with :data:`LABEL`)."""
    metadata = {"name": name, "namespace": namespace, "labels": {LABEL: "yes", **(labels or {})}}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def deployment(namespace: str, app: str = "web", replicas: int = 0) -> Object:
    """A Deployment whose selector is ``app: <app>`` (an immutable field)."""
    labels = {"app": app}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "example.invalid/web:1"}]},
            },
        },
    }


def names(objects: list[Object]) -> list[str]:
    """The sorted names of ``objects``."""
    return sorted(str(obj["metadata"]["name"]) for obj in objects)


def version(obj: Object) -> int:
    """The object's resourceVersion as a number (both targets count up)."""
    return int(obj["metadata"]["resourceVersion"])


class TargetContract:
    """The tests; see the module docstring for the fixtures a subclass provides."""

    pytestmark = pytest.mark.anyio

    # resolve --------------------------------------------------------------------------

    async def test_built_in_kinds_resolve_with_their_scope_and_unknown_ones_do_not(
        self, target: Target
    ) -> None:
        configmaps = await target.resolve("v1", "ConfigMap")
        namespaces = await target.resolve("v1", "Namespace")
        deployments = await target.resolve("apps/v1", "Deployment")
        roles = await target.resolve("rbac.authorization.k8s.io/v1", "ClusterRole")
        assert configmaps == CONFIGMAPS
        assert namespaces is not None
        assert not namespaces.namespaced
        assert deployments == ResourceInfo("apps", "v1", "Deployment", "deployments", True)
        assert roles is not None
        assert not roles.namespaced
        assert await target.resolve("example.invalid/v1", "Gadget") is None
        assert await target.resolve("v1", "NoSuchKind") is None

    # apply ----------------------------------------------------------------------------

    async def test_apply_creates_then_updates_one_incarnation_and_advances_versions(
        self, target: Target, namespace: str
    ) -> None:
        created = await target.apply(deployment(namespace, replicas=1), dry_run=False)
        updated = await target.apply(deployment(namespace, replicas=3), dry_run=False)

        assert created["metadata"]["uid"]
        assert created["metadata"]["generation"] == 1
        assert updated["spec"]["replicas"] == 3
        assert updated["metadata"]["generation"] == 2
        assert updated["metadata"]["uid"] == created["metadata"]["uid"]
        assert version(updated) > version(created)
        managers = {entry["manager"] for entry in updated["metadata"]["managedFields"]}
        assert "trueup" in managers

    async def test_an_unchanged_apply_keeps_the_resource_version(
        self, target: Target, namespace: str
    ) -> None:
        first = await target.apply(configmap(namespace, "same", color="blue"), dry_run=False)
        again = await target.apply(configmap(namespace, "same", color="blue"), dry_run=False)

        assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        assert again["data"] == {"color": "blue"}

    async def test_a_dry_run_returns_the_result_and_stores_nothing(
        self, target: Target, namespace: str
    ) -> None:
        live = await target.apply(configmap(namespace, "kept", color="blue"), dry_run=False)

        preview = await target.apply(configmap(namespace, "kept", color="green"), dry_run=True)
        new = await target.apply(configmap(namespace, "new", color="red"), dry_run=True)

        assert preview["data"] == {"color": "green"}
        assert preview["metadata"]["uid"] == live["metadata"]["uid"]
        assert new["data"] == {"color": "red"}
        # What tells an existing object from a new one after a dry-run (apply.cached).
        assert preview["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]
        assert not new["metadata"].get("resourceVersion")
        stored = await target.get(live)
        assert stored is not None
        assert stored["data"] == {"color": "blue"}
        assert stored["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]
        assert await target.get(configmap(namespace, "new")) is None

    async def test_a_field_trueup_no_longer_applies_is_removed(
        self, target: Target, namespace: str
    ) -> None:
        await target.apply(configmap(namespace, "cm", color="blue", size="L"), dry_run=False)

        result = await target.apply(configmap(namespace, "cm", color="blue"), dry_run=False)

        assert result["data"] == {"color": "blue"}

    async def test_a_field_another_client_set_conflicts_unless_forced(
        self, target: Target, namespace: str, seed: Seed
    ) -> None:
        seed(configmap(namespace, "shared", mode="by-hand", other="theirs"))

        with pytest.raises(ObjectConflictError, match=r"data\.mode"):
            await target.apply(
                configmap(namespace, "shared", mode="git"), dry_run=False, force=False
            )
        forced = await target.apply(configmap(namespace, "shared", mode="git"), dry_run=False)

        assert forced["data"] == {"mode": "git", "other": "theirs"}

    async def test_a_namespaced_object_needs_its_namespace_even_in_a_dry_run(
        self, target: Target
    ) -> None:
        missing = f"absent-{uuid.uuid4().hex[:8]}"
        for dry_run in (True, False):
            with pytest.raises(ObjectNotFoundError, match=f'namespaces "{missing}" not found'):
                await target.apply(configmap(missing, "cm"), dry_run=dry_run)

    async def test_changing_an_immutable_field_is_refused_as_immutable(
        self, target: Target, namespace: str
    ) -> None:
        await target.apply(deployment(namespace, app="web"), dry_run=False)

        with pytest.raises(ObjectInvalidError, match=r"spec\.selector") as raised:
            await target.apply(deployment(namespace, app="other"), dry_run=True)

        assert is_immutable_field_error(raised.value)

    async def test_an_undeclared_field_is_refused_by_name_unless_validation_is_relaxed(
        self, target: Target, namespace: str
    ) -> None:
        typo = deployment(namespace, replicas=1)
        typo["spec"]["replica"] = 2

        for dry_run in (True, False):
            with pytest.raises(ObjectInvalidError, match=r"spec\.replica") as raised:
                await target.apply(typo, dry_run=dry_run)
            assert raised.value.undeclared_fields == (".spec.replica",)
        assert await target.get(typo) is None

        warned = await target.apply(typo, dry_run=True, field_validation=FieldValidation.WARN)
        ignored = await target.apply(typo, dry_run=False, field_validation=FieldValidation.IGNORE)

        assert warned.warnings == ('unknown field "spec.replica"',)
        assert ignored.warnings == ()
        for result in (warned, ignored):
            assert "replica" not in result["spec"]
            assert result["spec"]["replicas"] == 1

    # get and list -------------------------------------------------------------------

    async def test_get_finds_an_object_by_manifest_or_id_and_none_when_absent(
        self, target: Target, namespace: str
    ) -> None:
        applied = await target.apply(configmap(namespace, "found", k="v"), dry_run=False)

        by_manifest = await target.get(configmap(namespace, "found"))
        by_id = await target.get(ObjectId("", "ConfigMap", namespace, "found"))

        assert by_manifest is not None
        assert by_id is not None
        assert (
            by_manifest["metadata"]["uid"] == by_id["metadata"]["uid"] == applied["metadata"]["uid"]
        )
        assert by_id["data"] == {"k": "v"}
        assert by_id["kind"] == "ConfigMap"
        assert by_id["apiVersion"] == "v1"
        assert await target.get(ObjectId("", "ConfigMap", namespace, "absent")) is None
        assert await target.get(ObjectId("example.invalid", "Gadget", namespace, "g")) is None

    async def test_list_filters_by_namespace_and_label_selector(
        self, target: Target, namespace: str
    ) -> None:
        await target.apply(configmap(namespace, "a", {"tier": "web", "app": "shop"}), dry_run=False)
        await target.apply(configmap(namespace, "b", {"tier": "db", "app": "shop"}), dry_run=False)
        await target.apply(configmap(namespace, "c", {"tier": "web"}), dry_run=False)

        def listed(selector: str) -> Any:
            return target.list(CONFIGMAPS, namespace, label_selector=f"{LABEL},{selector}")

        everything = await target.list(CONFIGMAPS, namespace, label_selector=LABEL)
        assert names(everything) == ["a", "b", "c"]
        assert everything.resource_version
        assert all(obj["kind"] == "ConfigMap" for obj in everything)
        assert names(await listed("tier=web")) == ["a", "c"]
        assert names(await listed("tier!=web")) == ["b"]
        assert names(await listed("app")) == ["a", "b"]
        assert names(await listed("!app")) == ["c"]
        assert names(await listed("tier in (db,cache)")) == ["b"]
        assert names(await listed("tier notin (db),app=shop")) == ["a"]
        other = f"other-{uuid.uuid4().hex[:8]}"
        assert await target.list(CONFIGMAPS, other, label_selector=LABEL) == []
        across = await target.list(CONFIGMAPS, None, label_selector=f"{LABEL},app=shop")
        assert {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in across} >= {
            (namespace, "a"),
            (namespace, "b"),
        }

    # delete -------------------------------------------------------------------------

    async def test_delete_honours_the_uid_precondition_and_reports_absence(
        self, target: Target, namespace: str
    ) -> None:
        live = await target.apply(configmap(namespace, "doomed"), dry_run=False)
        uid = live["metadata"]["uid"]

        with pytest.raises(ObjectConflictError, match="the UID in the precondition"):
            await target.delete(live, uid=str(uuid.uuid4()))
        assert await target.delete(live, uid=uid, dry_run=True) is True
        assert await target.get(live) is not None
        assert await target.delete(live, uid=uid) is True
        assert await target.get(live) is None
        assert await target.delete(live) is False
        assert await target.delete(ObjectId("", "ConfigMap", namespace, "never")) is False

    # replace (compare-and-swap) -----------------------------------------------------

    async def test_replace_creates_only_an_object_that_does_not_exist_yet(
        self, target: Target, namespace: str
    ) -> None:
        created = await target.replace(configmap(namespace, "cas", v="1"))

        with pytest.raises(ObjectConflictError):
            await target.replace(configmap(namespace, "cas", v="2"))

        assert created["data"] == {"v": "1"}
        assert created["metadata"]["uid"]
        assert created["metadata"]["resourceVersion"]
        stored = await target.get(created)
        assert stored is not None
        assert stored["data"] == {"v": "1"}

    async def test_of_two_replaces_from_one_read_only_the_first_is_written(
        self, target: Target, namespace: str
    ) -> None:
        read = await target.replace(configmap(namespace, "cas", v="1", w="1"))
        first = {**read, "data": {"v": "2"}}
        second = {**read, "data": {"v": "3"}}

        replaced = await target.replace(first)
        with pytest.raises(ObjectConflictError):
            await target.replace(second)

        assert replaced["data"] == {"v": "2"}
        assert replaced["metadata"]["uid"] == read["metadata"]["uid"]
        assert version(replaced) > version(read)
        stored = await target.get(read)
        assert stored is not None
        assert stored["data"] == {"v": "2"}
        assert stored["metadata"]["labels"] == {LABEL: "yes"}

    async def test_replace_over_a_deleted_configmap_is_not_found(
        self, target: Target, namespace: str
    ) -> None:
        read = await target.replace(configmap(namespace, "cas"))
        await target.delete(read)

        with pytest.raises(ObjectNotFoundError):
            await target.replace({**read, "data": {"v": "2"}})

        assert await target.get(read) is None

    async def test_leases_are_served_for_leader_election(self, target: Target) -> None:
        leases = await target.resolve("coordination.k8s.io/v1", "Lease")

        assert leases == ResourceInfo("coordination.k8s.io", "v1", "Lease", "leases", True)

    # custom resources ---------------------------------------------------------------

    async def test_a_crd_once_established_serves_its_kind(
        self, target: Target, namespace: str
    ) -> None:
        group = f"c{uuid.uuid4().hex[:8]}.contract.trueup.dev"
        crd = widget_crd(group)
        assert await target.resolve(f"{group}/v1", "Widget") is None

        await target.apply(crd, dry_run=False)
        try:
            await target.wait_established(f"widgets.{group}", timeout=60)
            info = await target.resolve(f"{group}/v1", "Widget")
            widget = {
                "apiVersion": f"{group}/v1",
                "kind": "Widget",
                "metadata": {"name": "w", "namespace": namespace},
                "spec": {"size": 3},
            }
            applied = await target.apply(widget, dry_run=False)
        finally:
            await target.delete(crd)

        assert info == ResourceInfo(group, "v1", "Widget", "widgets", namespaced=True)
        assert applied["spec"] == {"size": 3}

    async def test_waiting_for_a_crd_that_does_not_exist_fails_as_unavailable(
        self, target: Target
    ) -> None:
        with pytest.raises(TargetUnavailableError, match="does not exist"):
            await target.wait_established("gadgets.absent.contract.trueup.dev", timeout=1)

    # watch --------------------------------------------------------------------------

    async def test_a_watch_reports_existing_objects_then_changes_in_order(
        self, target: Target, namespace: str
    ) -> None:
        await target.apply(configmap(namespace, "before"), dry_run=False)
        events = target.watch(CONFIGMAPS, namespace, label_selector=LABEL, timeout_seconds=30)
        seen: list[WatchEvent] = []

        async def next_event() -> WatchEvent:
            async with asyncio.timeout(30):
                while True:
                    event = await anext(events)
                    if event.type is not WatchEventType.BOOKMARK:
                        seen.append(event)
                        return event

        first = await next_event()
        await target.apply(configmap(namespace, "after"), dry_run=False)
        added = await next_event()
        await target.apply(configmap(namespace, "after", k="v"), dry_run=False)
        modified = await next_event()
        await target.delete(configmap(namespace, "after"))
        deleted = await next_event()
        assert isinstance(events, AsyncGenerator)  # as every target's watch is
        await events.aclose()

        assert [(e.type, e.object["metadata"]["name"]) for e in seen] == [
            (WatchEventType.ADDED, "before"),
            (WatchEventType.ADDED, "after"),
            (WatchEventType.MODIFIED, "after"),
            (WatchEventType.DELETED, "after"),
        ]
        assert modified.object["data"] == {"k": "v"}
        assert int(first.resource_version) < int(added.resource_version)
        assert int(modified.resource_version) < int(deleted.resource_version)

    async def test_a_watch_from_a_listed_version_reports_only_later_changes(
        self, target: Target, namespace: str
    ) -> None:
        await target.apply(configmap(namespace, "old"), dry_run=False)
        listed = await target.list(CONFIGMAPS, namespace, label_selector=LABEL)
        events = target.watch(
            CONFIGMAPS,
            namespace,
            resource_version=listed.resource_version,
            label_selector=LABEL,
            timeout_seconds=30,
        )
        await target.apply(configmap(namespace, "new"), dry_run=False)

        async with asyncio.timeout(30):
            event = await anext(events)
            while event.type is WatchEventType.BOOKMARK:
                event = await anext(events)
        assert isinstance(events, AsyncGenerator)
        await events.aclose()

        assert (event.type, event.object["metadata"]["name"]) == (WatchEventType.ADDED, "new")

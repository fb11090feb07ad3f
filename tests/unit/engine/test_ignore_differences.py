"""``spec.ignoreDifferences`` through ``Engine.sync`` on fakes: an ignored field changed on
the live object is neither overwritten nor reported, a field that is not ignored still is."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.harness import Harness, actions, configmap
from trueup.changeset import Action
from trueup.objects import ObjectId

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
WEB = ObjectId("apps", "Deployment", "shop", "web")
IGNORE_SIZE = [
    {"target": {"kind": "ConfigMap", "name": "settings"}, "jsonPointers": ["/data/size"]}
]


def deployment(replicas: int) -> dict[str, Any]:
    """Deployment ``web`` with ``replicas``."""
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": []}},
        },
    }


async def synced(harness: Harness, *manifests: dict[str, Any], **spec: Any) -> None:
    """App ``web`` in namespace shop, synced once with ``manifests``."""
    harness.app("web", namespace="shop", **spec)
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    harness.commit({"web/objects.yaml": list(manifests)})
    report = await harness.sync()
    assert report.ok, report.error


def edit_live(harness: Harness, oid: ObjectId, **changes: Any) -> None:
    """Change the live object as another client would: ``section={field: value}``."""
    live = harness.live(oid.kind, oid.namespace, oid.name, oid.group)
    assert live is not None
    for section, fields in changes.items():
        if isinstance(fields, dict):
            live[section] = {**live.get(section, {}), **fields}
        else:
            live[section] = fields
    harness.target.put(live)


def dry_runs(harness: Harness) -> int:
    """How many dry-run applies the default target was asked for."""
    return sum(1 for call in harness.target.calls if call.verb == "apply" and call.dry_run)


async def test_a_sync_leaves_an_ignored_field_changed_live_and_restores_the_others(
    harness: Harness,
) -> None:
    await synced(
        harness, configmap("settings", color="blue", size="small"), ignoreDifferences=IGNORE_SIZE
    )
    edit_live(harness, SETTINGS, data={"color": "green", "size": "large"})

    report = await harness.sync()

    assert report.ok, report.error
    assert actions(report) == {SETTINGS: Action.CONFIGURED}
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    assert live["data"] == {"color": "blue", "size": "large"}


async def test_a_dry_run_does_not_report_an_ignored_field_changed_live(harness: Harness) -> None:
    await synced(
        harness, configmap("settings", color="blue", size="small"), ignoreDifferences=IGNORE_SIZE
    )
    edit_live(harness, SETTINGS, data={"size": "large"})

    report = await harness.sync(dry_run=True)

    assert report.ok, report.error
    assert actions(report) == {SETTINGS: Action.UNCHANGED}
    assert report.diffs == {}


async def test_a_dry_run_reports_a_changed_field_that_is_not_ignored_and_only_that(
    harness: Harness,
) -> None:
    await synced(
        harness, configmap("settings", color="blue", size="small"), ignoreDifferences=IGNORE_SIZE
    )
    edit_live(harness, SETTINGS, data={"color": "green", "size": "large"})

    report = await harness.sync(dry_run=True)

    assert actions(report) == {SETTINGS: Action.CONFIGURED}
    before, after = report.diffs[SETTINGS]
    assert before is not None
    assert (before["data"], after["data"]) == (
        {"color": "green", "size": "large"},
        {"color": "blue", "size": "large"},
    )


async def test_without_a_rule_the_same_change_is_reported_and_overwritten(
    harness: Harness,
) -> None:
    await synced(harness, configmap("settings", color="blue", size="small"))
    edit_live(harness, SETTINGS, data={"size": "large"})

    assert actions(await harness.sync(dry_run=True)) == {SETTINGS: Action.CONFIGURED}
    assert actions(await harness.sync()) == {SETTINGS: Action.CONFIGURED}
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    assert live["data"]["size"] == "small"


async def test_gits_value_of_an_ignored_field_is_the_initial_value_then_live_wins(
    harness: Harness,
) -> None:
    rule = {"target": {"kind": "Deployment", "name": "web"}, "jsonPointers": ["/spec/replicas"]}
    await synced(harness, deployment(replicas=1), ignoreDifferences=[rule])
    created = harness.live("Deployment", "shop", "web", "apps")
    assert created is not None
    assert created["spec"]["replicas"] == 1
    edit_live(harness, WEB, spec={"replicas": 3})
    harness.commit({"web/objects.yaml": [deployment(replicas=2)]})

    report = await harness.sync()

    assert actions(report) == {WEB: Action.UNCHANGED}
    live = harness.live("Deployment", "shop", "web", "apps")
    assert live is not None
    assert live["spec"]["replicas"] == 3


async def test_fields_a_listed_manager_owns_are_neither_reported_nor_overwritten(
    harness: Harness,
) -> None:
    rule = {"target": {"kind": "Deployment"}, "managedFieldsManagers": ["autoscaler"]}
    await synced(harness, deployment(replicas=1), ignoreDifferences=[rule])
    live = harness.live("Deployment", "shop", "web", "apps")
    assert live is not None
    scaled = {
        "manager": "autoscaler",
        "operation": "Update",
        "subresource": "scale",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:replicas": {}}},
    }
    managed = [*live["metadata"]["managedFields"], scaled]
    edit_live(harness, WEB, spec={"replicas": 4}, metadata={"managedFields": managed})

    assert actions(await harness.sync(dry_run=True)) == {WEB: Action.UNCHANGED}
    assert actions(await harness.sync()) == {WEB: Action.UNCHANGED}
    after = harness.live("Deployment", "shop", "web", "apps")
    assert after is not None
    assert after["spec"]["replicas"] == 4


async def test_the_warm_path_skips_dry_runs_only_while_the_ignored_live_value_stays(
    harness: Harness,
) -> None:
    await synced(
        harness, configmap("settings", color="blue", size="small"), ignoreDifferences=IGNORE_SIZE
    )
    edit_live(harness, SETTINGS, data={"size": "large"})
    assert actions(await harness.sync()) == {SETTINGS: Action.UNCHANGED}

    runs = dry_runs(harness)
    assert actions(await harness.sync()) == {SETTINGS: Action.UNCHANGED}
    assert dry_runs(harness) == runs  # known: the object sent is the one hashed

    edit_live(harness, SETTINGS, data={"size": "huge"})
    assert actions(await harness.sync()) == {SETTINGS: Action.UNCHANGED}
    assert dry_runs(harness) == runs + 1


async def test_dropping_the_rule_makes_the_next_sync_restore_gits_value(harness: Harness) -> None:
    await synced(
        harness, configmap("settings", color="blue", size="small"), ignoreDifferences=IGNORE_SIZE
    )
    edit_live(harness, SETTINGS, data={"size": "large"})
    assert actions(await harness.sync()) == {SETTINGS: Action.UNCHANGED}
    harness.app("web", namespace="shop")

    report = await harness.sync()

    assert actions(report) == {SETTINGS: Action.CONFIGURED}
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    assert live["data"] == {"color": "blue", "size": "small"}

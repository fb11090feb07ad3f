"""The life of an app on the dev-cluster, driven through ``trueup`` as a user would: first
sync, a commit changing one field, a deleted file, a hand edit, a CRD with its resource,
and an emptied path. Git is served over HTTPS with basic auth from a Secret in the config.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.engine.helpers import (
    APP,
    PATH,
    World,
    configmap,
    manifest,
)
from tests.servers.manifests import widget_crd
from trueup.engine import SyncOptions
from trueup.objects import (
    FIELD_MANAGER,
    LABEL_APP_NAME,
    LABEL_APP_NAMESPACE,
    TRACKING_ANNOTATION,
    ObjectId,
)

pytestmark = pytest.mark.cluster

KINDS = (("deployment", "web"), ("service", "web"), ("configmap", "settings"))


def actions(report: dict[str, Any]) -> dict[str, str]:
    """``{"Kind/ns/name": action}`` of a ``sync -o json`` report."""
    return {change["object"]: change["action"] for change in report["changes"]}


def ids(world: World) -> dict[str, str]:
    """The ids of the web app's three objects, by kubectl kind."""
    ns = world.namespace
    return {
        "deployment": f"Deployment/{ns}/web",
        "service": f"Service/{ns}/web",
        "configmap": f"ConfigMap/{ns}/settings",
    }


def resource_versions(world: World) -> dict[str, str]:
    """The live resourceVersion of each of the web app's objects, by kubectl kind."""
    versions = {}
    for kind, name in KINDS:
        live = world.live(kind, name)
        assert live is not None, f"{kind}/{name} is missing"
        versions[kind] = live["metadata"]["resourceVersion"]
    return versions


def test_the_first_sync_creates_every_object_owned_by_the_app_and_records_one_success(
    world: World,
) -> None:
    revision = world.revision(world.repo.work.head())

    report = world.sync("--wait", "-o", "json").json()
    tracking_kind = {
        "deployment": "apps/Deployment",
        "service": "/Service",
        "configmap": "/ConfigMap",
    }

    assert report["revision"] == revision
    assert report["error"] == ""
    assert actions(report) == {oid: "created" for oid in ids(world).values()}
    for kind, name in KINDS:
        live = world.live(kind, name)
        assert live is not None, f"{kind}/{name} was not created"
        labels = live["metadata"]["labels"]
        assert labels[LABEL_APP_NAME] == APP
        assert LABEL_APP_NAMESPACE not in labels, "an App from a file has no namespace"
        tracking = live["metadata"]["annotations"][TRACKING_ANNOTATION]
        assert tracking.endswith(f":{APP}:{tracking_kind[kind]}:{world.namespace}/{name}")
        managers = {entry["manager"] for entry in live["metadata"]["managedFields"]}
        assert FIELD_MANAGER in managers
    history = world.cli("history", APP, "-o", "json").json()
    assert [(a["result"], a["revision"]) for a in history] == [("succeeded", revision)]
    assert history[0]["summary"] == "3 created"
    status = world.cli("status", "-o", "json").json()
    assert [(s["app"], s["revision"], s["sync"], s["health"]) for s in status] == [
        (APP, revision, "Synced", "Healthy")
    ]


def test_a_commit_changing_one_field_configures_that_object_and_leaves_the_rest_alone(
    world: World,
) -> None:
    world.sync("--wait")
    before = resource_versions(world)
    world.commit(
        "Paint it red", {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "red"}))}
    )

    report = world.sync("-o", "json").json()

    expected = {oid: "unchanged" for oid in ids(world).values()}
    expected[ids(world)["configmap"]] = "configured"
    assert actions(report) == expected
    assert report["summary"] == "1 configured, 2 unchanged"
    after = resource_versions(world)
    assert after["configmap"] != before["configmap"]
    assert (after["deployment"], after["service"]) == (before["deployment"], before["service"])
    settings = world.live("configmap", "settings")
    assert settings is not None
    assert settings["data"] == {"color": "red"}


def test_deleting_a_file_prunes_its_objects_but_never_an_object_labelled_by_hand(
    world: World,
) -> None:
    world.kubectl("create", "configmap", "handmade", "--from-literal=owner=a person")
    world.kubectl(
        "label",
        "configmap",
        "handmade",
        f"{LABEL_APP_NAME}={APP}",
        f"{LABEL_APP_NAMESPACE}=default",
    )
    world.sync()
    world.commit("Drop the service", {f"{PATH}/service.yaml": None})

    preview = asyncio.run(world.engine_sync(SyncOptions(dry_run=True)))
    assert preview.error == ""
    assert list(preview.deletions) == [ObjectId("", "Service", world.namespace, "web")]
    assert world.live("service", "web") is not None, "a dry run must not delete"

    report = world.sync("-o", "json").json()

    assert actions(report) == {
        ids(world)["deployment"]: "unchanged",
        ids(world)["configmap"]: "unchanged",
        ids(world)["service"]: "pruned",
    }
    assert world.live("service", "web") is None
    assert world.live("deployment", "web") is not None
    assert world.names("configmap") >= {"settings", "handmade"}


def test_a_hand_edit_of_a_declared_field_shows_in_diff_and_sync_reverts_it(world: World) -> None:
    world.sync()
    world.kubectl("scale", "deployment/web", "--replicas=3")

    drift = world.cli("diff", APP)

    assert drift.code == 1, str(drift)
    assert f"live/Deployment/{world.namespace}/web" in drift.stdout
    assert "-  replicas: 3" in drift.stdout
    assert "+  replicas: 1" in drift.stdout
    assert "ConfigMap" not in drift.stdout
    assert "Service" not in drift.stdout

    report = world.sync("-o", "json").json()

    assert actions(report)[ids(world)["deployment"]] == "configured"
    deployment = world.live("deployment", "web")
    assert deployment is not None
    assert deployment["spec"]["replicas"] == 1
    after = world.cli("diff", APP)
    assert (after.code, after.stdout.strip()) == (0, ""), str(after)


@pytest.fixture
def crd_group(world: World) -> Iterator[str]:
    """An API group of the test's own; its CRD is deleted after the test."""
    group = f"{world.namespace}.trueup.test"
    yield group
    world.kube.kubectl("delete", "crd", f"widgets.{group}", "--ignore-not-found", "--wait=false")


def test_a_crd_and_its_custom_resource_in_one_commit_are_applied_in_one_sync(
    world: World, crd_group: str
) -> None:
    crd = widget_crd(crd_group)
    widget = {
        "apiVersion": f"{crd_group}/v1",
        "kind": "Widget",
        "metadata": {"name": "first"},
        "spec": {"size": 3},
    }
    world.commit(
        "Add widgets", {f"{PATH}/crd.yaml": manifest(crd), f"{PATH}/widget.yaml": manifest(widget)}
    )

    report = world.sync("-o", "json").json()

    changes = actions(report)
    assert changes[f"CustomResourceDefinition/widgets.{crd_group}"] == "created"
    assert changes[f"Widget/{world.namespace}/first"] == "created"
    live = world.live(f"widgets.{crd_group}", "first")
    assert live is not None
    assert live["spec"] == {"size": 3}
    assert live["metadata"]["labels"][LABEL_APP_NAME] == APP


def test_an_emptied_path_prunes_nothing_unless_the_app_allows_an_empty_render(
    world: World,
) -> None:
    world.sync()
    removed: dict[str, str | None] = {
        f"{PATH}/{file.name}": None for file in (world.repo.work.path / PATH).iterdir()
    }
    world.commit("Remove every manifest", {**removed, f"{PATH}/.gitkeep": ""})

    guarded = world.sync("-o", "json").json()

    assert set(actions(guarded).values()) == {"skipped"}
    assert set(actions(guarded)) == set(ids(world).values())
    assert all("empty render" in c["reason"] for c in guarded["changes"])
    assert world.live("deployment", "web") is not None
    assert world.live("service", "web") is not None
    assert "settings" in world.names("configmap")

    world.write_config(app={"allowEmpty": True})
    allowed = world.sync("-o", "json").json()

    assert actions(allowed) == {oid: "pruned" for oid in ids(world).values()}
    assert world.live("deployment", "web") is None
    assert world.live("service", "web") is None
    assert "settings" not in world.names("configmap")

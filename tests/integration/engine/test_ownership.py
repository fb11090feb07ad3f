"""Ownership on the dev-cluster: two Apps claiming one object, adoption of objects made by
hand (and of their fields), copied tracking annotations, Namespaces that hold other objects,
per-object opt-outs, and prunes that must survive a failed apply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.integration.engine.helpers import (
    APP,
    PATH,
    Run,
    World,
    configmap,
    deployment,
    manifest,
    run_trueup,
    trueup_argv,
)
from tests.servers.manifests import widget_crd
from trueup.engine import SyncOptions
from trueup.objects import LAST_APPLIED_ANNOTATION, TRACKING_ANNOTATION

pytestmark = pytest.mark.cluster

OTHER = "billing"
OTHER_PATH = "billing"


def actions(run: Run) -> dict[str, tuple[str, str]]:
    """``{"Kind/ns/name": (action, reason)}`` of a ``sync -o json`` run."""
    return {c["object"]: (c["action"], c["reason"]) for c in run.json()["changes"]}


def with_annotations(obj: dict[str, Any], **annotations: str) -> dict[str, Any]:
    """``obj`` with ``annotations`` as its only annotations."""
    obj["metadata"]["annotations"] = dict(annotations)
    return obj


def two_apps(world: World, other_spec: dict[str, Any] | None = None) -> None:
    """Configure a second App, ``billing``, on path ``billing/`` in the same namespace."""
    docs = world.documents()
    spec = {"source": "deploy", "path": OTHER_PATH, "namespace": world.namespace}
    spec.update(other_spec or {})
    docs.append(
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "App",
            "metadata": {"name": OTHER},
            "spec": spec,
        }
    )
    world.config.write_text(yaml.safe_dump_all(docs))


def test_a_second_app_claiming_an_object_fails_naming_the_owner_and_applies_nothing(
    world: World,
) -> None:
    world.sync()
    two_apps(world)
    world.commit(
        "billing declares web's settings too",
        {
            f"{OTHER_PATH}/settings.yaml": manifest(configmap("settings", {"color": "green"})),
            f"{OTHER_PATH}/invoices.yaml": manifest(configmap("invoices", {"n": "1"})),
        },
    )

    run = world.cli("sync", OTHER)

    assert run.code == 1, str(run)
    settings = f"ConfigMap/{world.namespace}/settings"
    assert f"{settings} belongs to App/{APP}" in run.stderr
    assert "trueup.dev/takeover" in run.stderr
    assert "invoices" not in world.names("configmap"), "nothing may be applied"
    live = world.live("configmap", "settings")
    assert live is not None
    assert live["data"] == {"color": "blue"}
    history = world.cli("history", OTHER, "-o", "json").json()
    assert [a["result"] for a in history] == ["failed"]
    assert f"{settings} belongs to App/{APP}" in history[0]["error"]


def test_the_takeover_annotation_moves_an_object_to_the_second_app_and_history_says_so(
    world: World,
) -> None:
    world.sync()
    two_apps(world)
    taken = with_annotations(
        configmap("settings", {"color": "green"}), **{"trueup.dev/takeover": "true"}
    )
    world.commit("billing takes web's settings", {f"{OTHER_PATH}/settings.yaml": manifest(taken)})

    run = world.cli("sync", OTHER, "-o", "json")

    assert run.code == 0, str(run)
    settings = f"ConfigMap/{world.namespace}/settings"
    assert actions(run)[settings] == ("adopted", f"taken over from App/{APP}")
    live = world.live("configmap", "settings")
    assert live is not None
    assert live["data"] == {"color": "green"}
    assert live["metadata"]["labels"]["trueup.dev/app"] == OTHER
    assert f":{OTHER}:/ConfigMap:" in live["metadata"]["annotations"][TRACKING_ANNOTATION]
    history = world.cli("history", OTHER, "-o", "json").json()
    assert {(c["object"], c["action"], c["reason"]) for c in history[0]["changes"]} == {
        (settings, "adopted", f"taken over from App/{APP}")
    }
    # The first App no longer owns it: its next sync refuses instead of taking it back.
    again = world.cli("sync", APP)
    assert again.code == 1
    assert f"{settings} belongs to App/{OTHER}" in again.stderr


def test_an_object_made_with_kubectl_apply_is_adopted_and_a_field_deleted_in_git_goes(
    world: World,
) -> None:
    made_by_hand = configmap("legacy", {"keep": "1", "drop": "2"})
    made_by_hand["metadata"]["namespace"] = world.namespace
    world.kube.kubectl("apply", "-f", "-", input=manifest(made_by_hand))
    world.commit(
        "Declare legacy",
        {f"{PATH}/legacy.yaml": manifest(configmap("legacy", {"keep": "1", "drop": "2"}))},
    )

    run = world.sync("-o", "json")

    legacy = f"ConfigMap/{world.namespace}/legacy"
    assert actions(run)[legacy] == ("adopted", "adopted: it existed without trueup's identity")
    live = world.live("configmap", "legacy")
    assert live is not None
    assert LAST_APPLIED_ANNOTATION not in live["metadata"].get("annotations", {})
    managers = {entry["manager"] for entry in live["metadata"]["managedFields"]}
    assert "kubectl-client-side-apply" not in managers
    history = world.cli("history", APP, "-o", "json").json()
    assert (legacy, "adopted") in {(c["object"], c["action"]) for c in history[0]["changes"]}

    world.commit(
        "Drop one field", {f"{PATH}/legacy.yaml": manifest(configmap("legacy", {"keep": "1"}))}
    )
    world.sync()

    live = world.live("configmap", "legacy")
    assert live is not None
    assert live["data"] == {"keep": "1"}


def test_an_app_that_refuses_adoption_fails_naming_the_object_and_applies_nothing(
    world: World,
) -> None:
    world.kubectl("create", "configmap", "settings", "--from-literal=color=by-hand")
    world.write_config(app={"adopt": False})

    run = world.cli("sync", APP)

    assert run.code == 1, str(run)
    assert f"ConfigMap/{world.namespace}/settings exists without trueup's identity" in run.stderr
    assert "spec.adopt: false" in run.stderr
    assert world.names("deployment") == set()
    live = world.live("configmap", "settings")
    assert live is not None
    assert live["data"] == {"color": "by-hand"}


def test_an_object_with_a_copied_tracking_annotation_is_adopted_not_taken_for_ours(
    world: World,
) -> None:
    world.sync()
    original = world.live("configmap", "settings")
    assert original is not None
    copy = configmap("copy", {"color": "blue"})
    copy["metadata"].update(
        namespace=world.namespace,
        labels=original["metadata"]["labels"],
        annotations={TRACKING_ANNOTATION: original["metadata"]["annotations"][TRACKING_ANNOTATION]},
    )
    world.kube.kubectl("create", "-f", "-", input=manifest(copy))
    world.commit(
        "Declare the copy", {f"{PATH}/copy.yaml": manifest(configmap("copy", {"color": "blue"}))}
    )

    run = world.sync("-o", "json")

    action, reason = actions(run)[f"ConfigMap/{world.namespace}/copy"]
    assert action == "adopted"
    assert "tracking annotation of another object" in reason
    assert reason.endswith(f"/ConfigMap:{world.namespace}/settings)")


@pytest.fixture
def team_namespace(world: World) -> Iterator[str]:
    """The name of a Namespace the web app will declare; deleted when the test ends."""
    name = f"{world.namespace}-team"
    yield name
    world.kube.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found")


def test_a_namespace_holding_objects_the_app_did_not_apply_is_not_pruned(
    world: World, team_namespace: str
) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": team_namespace}}
    world.commit("Add a team namespace", {f"{PATH}/team.yaml": manifest(namespace)})
    world.sync()
    world.kube.kubectl(
        "-n", team_namespace, "create", "secret", "generic", "theirs", "--from-literal=a=b"
    )
    world.commit("Drop the team namespace", {f"{PATH}/team.yaml": None})

    run = world.sync("-o", "json")

    action, reason = actions(run)[f"Namespace/{team_namespace}"]
    assert action == "skipped"
    assert f"holds objects this app did not apply (Secret/{team_namespace}/theirs)" in reason
    assert "spec.allowCascade" in reason
    phase = world.kube.kubectl("get", "namespace", team_namespace, "-o", "jsonpath={.status.phase}")
    assert phase == "Active"

    # Once it holds nothing foreign, the kept Namespace is pruned: it stayed in the inventory.
    world.kube.kubectl("-n", team_namespace, "delete", "secret", "theirs")
    again = world.sync("-o", "json")
    assert actions(again)[f"Namespace/{team_namespace}"][0] == "pruned"


@pytest.fixture
def widget_group(world: World) -> Iterator[str]:
    """An API group of the test's own for a Widget CRD; the CRD is deleted when it ends."""
    group = f"{world.namespace}.example.com"
    yield group
    world.kube.kubectl("delete", "crd", f"widgets.{group}", "--ignore-not-found", "--wait=false")


def test_a_crd_whose_custom_resources_the_app_did_not_apply_is_not_pruned(
    world: World, widget_group: str
) -> None:
    world.commit("Add widgets", {f"{PATH}/crd.yaml": manifest(widget_crd(widget_group))})
    world.sync()
    widget = {
        "apiVersion": f"{widget_group}/v1",
        "kind": "Widget",
        "metadata": {"name": "theirs", "namespace": world.namespace},
    }
    world.kube.kubectl("apply", "-f", "-", input=manifest(widget))
    world.commit("Drop widgets", {f"{PATH}/crd.yaml": None})

    run = world.sync("-o", "json")

    action, reason = actions(run)[f"CustomResourceDefinition/widgets.{widget_group}"]
    assert action == "skipped"
    assert f"(Widget/{world.namespace}/theirs)" in reason
    assert world.names(f"widgets.{widget_group}") == {"theirs"}


def test_opt_out_annotations_create_once_leave_alone_and_keep_what_git_dropped(
    world: World,
) -> None:
    once = with_annotations(
        configmap("once", {"color": "blue"}), **{"trueup.dev/ssa": "IfNotPresent"}
    )
    ignored = with_annotations(configmap("ignored", {"a": "b"}), **{"trueup.dev/ssa": "Ignore"})
    kept = with_annotations(configmap("kept", {"a": "b"}), **{"helm.sh/resource-policy": "keep"})
    world.commit(
        "Add opted-out objects",
        {
            f"{PATH}/once.yaml": manifest(once),
            f"{PATH}/ignored.yaml": manifest(ignored),
            f"{PATH}/kept.yaml": manifest(kept),
        },
    )
    first = actions(world.sync("-o", "json"))
    ns = world.namespace
    assert first[f"ConfigMap/{ns}/once"][0] == "created"
    assert first[f"ConfigMap/{ns}/ignored"][0] == "skipped"
    assert "ignored" not in world.names("configmap")

    once["data"] = {"color": "red"}
    world.commit(
        "Change once, drop kept", {f"{PATH}/once.yaml": manifest(once), f"{PATH}/kept.yaml": None}
    )
    second = actions(world.sync("-o", "json"))

    assert second[f"ConfigMap/{ns}/once"][0] == "skipped"
    live = world.live("configmap", "once")
    assert live is not None
    assert live["data"] == {"color": "blue"}
    assert second[f"ConfigMap/{ns}/kept"] == ("skipped", "annotated helm.sh/resource-policy: keep")
    assert "kept" in world.names("configmap")


def test_a_prune_that_never_ran_because_the_apply_failed_is_done_by_the_next_sync(
    world: World,
) -> None:
    world.sync()
    broken = deployment(replicas=-1)
    world.commit(
        "Drop the settings and break the deployment",
        {f"{PATH}/settings.yaml": None, f"{PATH}/deployment.yaml": manifest(broken)},
    )

    failed = world.cli("sync", APP)

    assert failed.code == 1, str(failed)
    assert "settings" in world.names("configmap"), "nothing is pruned after a failed apply"

    world.commit("Fix the deployment", {f"{PATH}/deployment.yaml": manifest(deployment())})
    report = asyncio.run(world.engine_sync(SyncOptions()))

    assert report.error == ""
    pruned = {str(c.id) for c in report.changes.changes if c.action.value == "pruned"}
    assert pruned == {f"ConfigMap/{world.namespace}/settings"}
    assert "settings" not in world.names("configmap")


def test_objects_applied_by_an_earlier_version_are_re_marked_not_adopted(world: World) -> None:
    world.sync()
    for kind, name in (("deployment", "web"), ("service", "web"), ("configmap", "settings")):
        # What an earlier version left: both labels (namespace "default"), no annotation.
        world.kubectl("annotate", kind, name, f"{TRACKING_ANNOTATION}-")
        world.kubectl("label", kind, name, "trueup.dev/app-namespace=default")

    run = world.sync("-o", "json")

    assert {action for action, _reason in actions(run).values()} == {"configured"}
    live = world.live("configmap", "settings")
    assert live is not None
    assert TRACKING_ANNOTATION in live["metadata"]["annotations"]


def test_a_fresh_store_is_another_installation_unless_the_id_is_pinned(world: World) -> None:
    def sync_with_store(name: str, **env: str) -> Run:
        argv = trueup_argv(
            "--config",
            str(world.config),
            "--store",
            str(world.home / name),
            "--kubeconfig",
            str(world.kube.kubeconfig),
            "sync",
            APP,
        )
        return run_trueup(argv, {**world.env(), **env})

    first = sync_with_store("ci-1.db", TRUEUP_INSTALLATION_ID="ci")
    assert first.code == 0, str(first)

    pinned = sync_with_store("ci-2.db", TRUEUP_INSTALLATION_ID="ci")
    assert pinned.code == 0, str(pinned)

    unpinned = sync_with_store("laptop.db")
    assert unpinned.code == 1, str(unpinned)
    assert f"belongs to App/{APP} of trueup installation 'ci'" in unpinned.stderr

    refused = sync_with_store("bad.db", TRUEUP_INSTALLATION_ID="c:i")
    assert refused.code == 2, str(refused)
    assert "$TRUEUP_INSTALLATION_ID: 'c:i' is not a valid installation id" in refused.stderr

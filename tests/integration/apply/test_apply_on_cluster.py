"""The apply layer against a real API server (the local dev-cluster), in a namespace per test."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest

from tests.servers.cluster import Kube
from tests.servers.manifests import widget_crd
from trueup.apply import (
    IMMUTABLE_HINT,
    ApplyOptions,
    ApplyResult,
    apply_stages,
    prune,
    read_live,
    wait_healthy,
)
from trueup.changeset import Action
from trueup.health import HealthStatus
from trueup.objects import Object, ObjectId, object_id
from trueup.plan import AppRef, plan_prune, plan_stages
from trueup.targets.kubernetes import KubernetesTarget

pytestmark = [pytest.mark.anyio, pytest.mark.cluster]

APP = AppRef("shop", "default")
VERSIONS = "{.items[*].metadata.resourceVersion}"
APPLIED = (
    "{range .items[*]}{.metadata.generation} "
    '{.metadata.managedFields[?(@.manager!="kube-controller-manager")]}{"\\n"}{end}'
)


@pytest.fixture
async def target(kube: Kube) -> AsyncIterator[KubernetesTarget]:
    """A target on the dev-cluster."""
    async with KubernetesTarget.from_kubeconfig(str(kube.kubeconfig)) as kubernetes:
        yield kubernetes


def owned(obj: Object) -> Object:
    obj["metadata"]["labels"] = {**obj["metadata"].get("labels", {}), **APP.labels}
    return obj


def configmap(namespace: str, color: str = "blue", name: str = "settings") -> Object:
    return owned(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace},
            "data": {"color": color},
        }
    )


def service(namespace: str) -> Object:
    return owned(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP"}]},
        }
    )


def deployment(namespace: str, replicas: int = 1) -> Object:
    return owned(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "example.invalid/web:1"}]},
                },
            },
        }
    )


def job(namespace: str, image: str) -> Object:
    return owned(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "migrate", "namespace": namespace},
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "migrate", "image": image}],
                    }
                }
            },
        }
    )


def read(kube: Kube, namespace: str, what: str, path: str) -> str:
    """``kubectl get WHAT -n NAMESPACE -o jsonpath=PATH``."""
    return kube.kubectl("get", what, "-n", namespace, "-o", f"jsonpath={path}")


def shop(namespace: str) -> list[Object]:
    return [configmap(namespace), service(namespace), deployment(namespace)]


async def sync(
    target: KubernetesTarget, objects: list[Object], options: ApplyOptions | None = None
) -> ApplyResult:
    live = await read_live(target, objects)
    return await apply_stages(target, plan_stages(objects), live, options or ApplyOptions())


def actions(result: ApplyResult) -> dict[ObjectId, Action]:
    return {change.id: change.action for change in result.changes.changes}


async def test_a_first_apply_creates_and_a_second_one_changes_nothing(
    target: KubernetesTarget, kube: Kube, namespace: str
) -> None:
    first = await sync(target, shop(namespace))
    assert first.error == ""
    assert set(actions(first).values()) == {Action.CREATED}
    assert len(actions(first)) == 3
    versions = read(kube, namespace, "configmap,service", VERSIONS)
    writes = read(kube, namespace, "deployment", APPLIED)

    second = await sync(target, shop(namespace))

    assert second.error == ""
    assert set(actions(second).values()) == {Action.UNCHANGED}
    assert read(kube, namespace, "configmap,service", VERSIONS) == versions
    # The deployment controller keeps writing the Deployment's status (so its resourceVersion
    # moves on its own); what trueup wrote shows in its generation and the other managers' entries.
    assert read(kube, namespace, "deployment", APPLIED) == writes


async def test_a_changed_field_configures_exactly_that_object(
    target: KubernetesTarget, kube: Kube, namespace: str
) -> None:
    await sync(target, shop(namespace))
    changed = [configmap(namespace, color="green"), service(namespace), deployment(namespace)]

    result = await sync(target, changed)

    settings = ObjectId("", "ConfigMap", namespace, "settings")
    assert actions(result)[settings] is Action.CONFIGURED
    assert [a for oid, a in actions(result).items() if oid != settings] == [Action.UNCHANGED] * 2
    assert read(kube, namespace, "configmap/settings", "{.data.color}") == "green"


async def test_a_crd_is_established_before_its_custom_resource_is_applied(
    target: KubernetesTarget, kube: Kube, namespace: str
) -> None:
    group = f"t{uuid.uuid4().hex[:8]}.example.com"
    crd = widget_crd(group)
    widget = {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": "gear", "namespace": namespace},
        "spec": {"teeth": 12},
    }
    try:
        result = await sync(target, [widget, crd])

        assert result.error == ""
        assert actions(result) == {
            object_id(crd): Action.CREATED,
            object_id(widget): Action.CREATED,
        }
        assert read(kube, namespace, f"widgets.{group}/gear", "{.spec.teeth}") == "12"
    finally:
        kube.kubectl("delete", "crd", f"widgets.{group}", "--wait=false", check=False)


async def test_one_invalid_object_stops_its_whole_stage_with_the_servers_reason(
    target: KubernetesTarget, kube: Kube, namespace: str
) -> None:
    objects = [
        *[configmap(namespace, name=f"settings-{i}") for i in range(10)],
        service(namespace),
        deployment(namespace, replicas=-1),
    ]

    result = await sync(target, objects)

    web = ObjectId("apps", "Deployment", namespace, "web")
    assert actions(result)[web] is Action.FAILED
    assert {a for oid, a in actions(result).items() if oid != web} == {Action.SKIPPED}
    assert result.error.startswith(f"Deployment/{namespace}/web failed dry-run: Invalid:")
    assert "spec.replicas" in result.error
    assert "\n" not in result.error
    left = kube.kubectl("get", "configmap,service,deployment", "-n", namespace, "-o", "name")
    assert "settings-" not in left
    assert "service/web" not in left


async def test_an_immutable_job_template_change_fails_clearly_and_is_recreated_with_force(
    target: KubernetesTarget, kube: Kube, namespace: str
) -> None:
    await sync(target, [job(namespace, "example.invalid/migrate:1")])
    migrate = ObjectId("batch", "Job", namespace, "migrate")
    old_uid = read(kube, namespace, "job/migrate", "{.metadata.uid}")

    refused = await sync(target, [job(namespace, "example.invalid/migrate:2")])

    assert actions(refused) == {migrate: Action.FAILED}
    assert refused.changes.changes[0].reason.startswith(IMMUTABLE_HINT)
    assert "field is immutable" in refused.error

    forced = await sync(
        target, [job(namespace, "example.invalid/migrate:2")], ApplyOptions(force=True)
    )

    assert actions(forced) == {migrate: Action.CONFIGURED}
    assert forced.changes.changes[0].reason == "recreated: immutable field changed"
    new_uid, image = read(
        kube, namespace, "job/migrate", "{.metadata.uid} {.spec.template.spec.containers[0].image}"
    ).split()
    assert new_uid != old_uid
    assert image == "example.invalid/migrate:2"


async def test_prune_deletes_exactly_the_planned_objects(
    target: KubernetesTarget, kube: Kube, namespace: str
) -> None:
    everything = shop(namespace)
    await sync(target, everything)
    keep = [configmap(namespace)]
    inventory = [object_id(obj) for obj in everything]
    live = await read_live(target, inventory)
    assert all(live[oid] is not None for oid in inventory)
    plan = plan_prune(
        inventory,
        [object_id(obj) for obj in keep],
        live,
        APP,
        prune_enabled=True,
        render_empty=False,
        source_ok=True,
        allow_empty=False,
    )

    result = await prune(target, plan, live, ApplyOptions())

    assert result.ok
    assert [(c.id.kind, c.action) for c in result.changes.changes] == [
        ("Deployment", Action.PRUNED),
        ("Service", Action.PRUNED),
    ]
    left = kube.kubectl("get", "configmap,service,deployment", "-n", namespace, "-o", "name")
    assert "configmap/settings" in left
    assert "service/web" not in left
    assert "deployment.apps/web" not in left


async def test_a_deployment_becomes_healthy_while_waited_for(
    target: KubernetesTarget, namespace: str
) -> None:
    applied = await sync(target, [deployment(namespace, replicas=2)])
    assert applied.ok
    web = ObjectId("apps", "Deployment", namespace, "web")
    seen: list[HealthStatus] = []
    started = time.monotonic()

    results = await wait_healthy(
        target, [web], 90, lambda progress: seen.append(progress[web].status)
    )

    assert results[web].status is HealthStatus.HEALTHY, results[web]
    assert seen[-1] is HealthStatus.HEALTHY
    assert time.monotonic() - started < 90

"""The Kubernetes target against a real API server (the local dev-cluster).

The session's ``kube`` fixture provides the cluster. Each test works in a namespace of
its own and deletes it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers.cluster import Kube
from tests.servers.manifests import widget_crd
from trueup.devcluster.pki import create_pki
from trueup.errors import (
    ObjectConflictError,
    ObjectInvalidError,
    ObjectNotFoundError,
    TargetError,
    TargetUnavailableError,
)
from trueup.objects import ObjectId
from trueup.targets import ResourceInfo, WatchEventType
from trueup.targets.kubernetes import KubernetesTarget, is_immutable_field_error, load_kubeconfig
from trueup.targets.kubernetes.http1 import Http1Transport
from trueup.targets.retry import Backoff

pytestmark = [pytest.mark.anyio, pytest.mark.cluster]

CONFIGMAPS = ResourceInfo("", "v1", "ConfigMap", "configmaps", namespaced=True)


@pytest.fixture
async def target(kube: Kube) -> AsyncIterator[KubernetesTarget]:
    """A target on the dev-cluster."""
    async with KubernetesTarget.from_kubeconfig(str(kube.kubeconfig)) as kubernetes:
        yield kubernetes


@pytest.fixture
async def namespace(target: KubernetesTarget) -> AsyncIterator[str]:
    """A fresh namespace, deleted afterwards."""
    name = f"trueup-it-{uuid.uuid4().hex[:8]}"
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    await target.apply(ns, dry_run=False)
    yield name
    await target.delete(ns)


def configmap(namespace: str, name: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"trueup.dev/app": "it"}},
        "data": data,
    }


def deployment(namespace: str, app: str) -> dict[str, Any]:
    labels = {"app": app}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "example.invalid/web:1"}]},
            },
        },
    }


async def test_discovery_maps_built_in_kinds_over_keep_alive_http1(
    target: KubernetesTarget,
) -> None:
    assert await target.resolve("apps/v1", "Deployment") == ResourceInfo(
        "apps", "v1", "Deployment", "deployments", namespaced=True
    )
    assert await target.resolve("v1", "Namespace") == ResourceInfo(
        "", "v1", "Namespace", "namespaces", namespaced=False
    )
    # Discovery's connections are kept, and the next request goes over one of them.
    assert isinstance(target._wire, Http1Transport)
    pool = target._wire._idle
    kept = sum(len(idle) for idle in pool.values())
    assert kept >= 1
    await target.capabilities()
    assert sum(len(idle) for idle in pool.values()) == kept


async def test_server_side_apply_creates_previews_and_leaves_no_ops_alone(
    target: KubernetesTarget, namespace: str
) -> None:
    created = await target.apply(configmap(namespace, "settings", mode="a"), dry_run=False)
    assert any(m["manager"] == "trueup" for m in created["metadata"]["managedFields"])
    preview = await target.apply(configmap(namespace, "settings", mode="b"), dry_run=True)
    assert preview["data"] == {"mode": "b"}
    live = await target.get(configmap(namespace, "settings"))
    assert live is not None
    assert live["data"] == {"mode": "a"}
    again = await target.apply(configmap(namespace, "settings", mode="a"), dry_run=False)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


async def test_a_dry_run_into_a_missing_namespace_is_not_found(target: KubernetesTarget) -> None:
    with pytest.raises(ObjectNotFoundError) as caught:
        await target.apply(configmap("trueup-it-absent", "x"), dry_run=True)
    assert caught.value.object_id == "ConfigMap/trueup-it-absent/x"


async def test_changing_a_deployment_selector_is_an_immutable_field_error(
    target: KubernetesTarget, namespace: str
) -> None:
    await target.apply(deployment(namespace, "one"), dry_run=False)
    with pytest.raises(ObjectInvalidError) as caught:
        await target.apply(deployment(namespace, "two"), dry_run=True)
    assert is_immutable_field_error(caught.value)
    assert f"Deployment/{namespace}/web" in str(caught.value)


async def test_concurrent_applies_and_a_paged_list_with_a_selector(
    target: KubernetesTarget, namespace: str
) -> None:
    await asyncio.gather(
        *(target.apply(configmap(namespace, f"cm-{n}"), dry_run=False) for n in range(40))
    )
    target._page_size = 7
    found = await target.list(CONFIGMAPS, namespace, label_selector="trueup.dev/app=it")
    assert sorted(o["metadata"]["name"] for o in found) == sorted(f"cm-{n}" for n in range(40))
    assert all(o["kind"] == "ConfigMap" and o["apiVersion"] == "v1" for o in found)
    assert found.resource_version


async def test_delete_honours_a_uid_precondition_and_reports_absence(
    target: KubernetesTarget, namespace: str
) -> None:
    live = await target.apply(configmap(namespace, "doomed"), dry_run=False)
    with pytest.raises(ObjectConflictError):
        await target.delete(live, uid=str(uuid.uuid4()))
    assert await target.delete(live, uid=live["metadata"]["uid"]) is True
    assert await target.get(ObjectId("", "ConfigMap", namespace, "doomed")) is None
    assert await target.delete(live) is False


async def test_a_crd_is_waited_for_until_its_kind_can_be_applied(
    target: KubernetesTarget, namespace: str
) -> None:
    group = f"it{uuid.uuid4().hex[:6]}.trueup.dev"
    crd = widget_crd(group)
    await target.apply(crd, dry_run=False)
    try:
        await target.wait_established(f"widgets.{group}", timeout=60)
        widget = {
            "apiVersion": f"{group}/v1",
            "kind": "Widget",
            "metadata": {"name": "w", "namespace": namespace},
            "spec": {"size": 3},
        }
        applied = await target.apply(widget, dry_run=False)
        assert applied["spec"] == {"size": 3}
    finally:
        await target.delete(crd)


async def test_a_watch_reports_changes_after_a_listed_version(
    target: KubernetesTarget, namespace: str
) -> None:
    listed = await target.list(CONFIGMAPS, namespace)
    # The selector keeps out kube-root-ca.crt, which the cluster adds to new namespaces.
    events = target.watch(
        CONFIGMAPS,
        namespace,
        resource_version=listed.resource_version,
        label_selector="trueup.dev/app=it",
        timeout_seconds=30,
    )
    await target.apply(configmap(namespace, "watched"), dry_run=False)
    async with asyncio.timeout(30):
        async for event in events:
            if event.type is WatchEventType.ADDED:
                assert event.object["metadata"]["name"] == "watched"
                break
    await events.aclose()


async def test_a_server_certificate_from_another_ca_is_refused_before_any_request(
    kube: Kube, tmp_path: Path
) -> None:
    other = create_pki(tmp_path / "other-pki")
    connection = dataclasses.replace(
        load_kubeconfig(str(kube.kubeconfig)), ca_data=other.ca_cert.read_bytes()
    )
    async with KubernetesTarget(connection, backoff=Backoff(attempts=1)) as untrusting:
        with pytest.raises(TargetError, match="certificate-authority") as caught:
            await untrusting.kinds()
    assert not isinstance(caught.value, TargetUnavailableError)  # permanent: not retried


async def test_tls_server_name_is_what_the_certificate_is_checked_against(kube: Kube) -> None:
    trusted = load_kubeconfig(str(kube.kubeconfig))
    wrong = dataclasses.replace(trusted, tls_server_name="not-the-api-server.invalid")
    async with KubernetesTarget(wrong, backoff=Backoff(attempts=1)) as mismatched:
        with pytest.raises(TargetError):
            await mismatched.kinds()
    right = dataclasses.replace(trusted, tls_server_name="localhost")
    async with KubernetesTarget(right) as named:
        assert await named.resolve("v1", "ConfigMap") == CONFIGMAPS

"""Helm's ``lookup`` on the dev-cluster: off unless the App allows it, and then acting as the
App's service account, never with trueup's own rights.

The ``lookup`` fixture chart copies ``data.color`` of a live ConfigMap (``lookup-source``
in the release's namespace, or ``source.namespace``) into its own ConfigMap
``web-looked-up``, with ``found: "yes"`` or ``"no"``. trueup itself runs with the
dev-cluster's admin kubeconfig, which can read every ConfigMap: whatever the App's service
account may not read, the chart must not see.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.engine.helpers import PATH, World
from tests.servers.chart_repo import CHARTS
from tests.servers.cluster import Kube
from trueup.engine import SyncOptions, SyncReport

pytestmark = [pytest.mark.anyio, pytest.mark.cluster]

CHART = f"{PATH}/lookup"
OUTPUT = "web-looked-up"


def chart_files() -> dict[str, str]:
    folder = CHARTS / "lookup"
    return {
        f"{CHART}/{path.relative_to(folder)}": path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def service_account(kube: Kube, namespace: str, name: str, role: str) -> None:
    """ServiceAccount ``name`` of ``namespace``, bound to ClusterRole ``role`` there only."""
    kube.kubectl("-n", namespace, "create", "serviceaccount", name)
    kube.kubectl(
        "-n",
        namespace,
        "create",
        "rolebinding",
        name,
        f"--clusterrole={role}",
        f"--serviceaccount={namespace}:{name}",
    )


def source(kube: Kube, namespace: str, color: str) -> None:
    """The ConfigMap the chart looks up, in ``namespace``, written by the admin."""
    kube.kubectl(
        "-n", namespace, "create", "configmap", "lookup-source", f"--from-literal=color={color}"
    )


def configure(world: World, *, lookup: bool, **values: Any) -> None:
    helm: dict[str, Any] = {"chart": CHART, "values": values}
    if lookup:
        helm["lookup"] = True
    world.write_config(app={"helm": helm, "serviceAccountName": "deployer"})


def looked_up(world: World) -> dict[str, str]:
    live = world.live("configmap", OUTPUT)
    assert live is not None
    data: dict[str, str] = live["data"]
    return data


@pytest.fixture
def app(world: World) -> World:
    """The chart committed, ``lookup-source`` (teal) in the App's namespace, and a service
    account ``deployer`` that administers that namespace (reading its ConfigMaps too)."""
    world.commit("Add the lookup chart", chart_files())
    source(world.kube, world.namespace, "teal")
    service_account(world.kube, world.namespace, "deployer", "admin")
    return world


async def test_without_the_field_lookup_returns_nothing(app: World) -> None:
    configure(app, lookup=False)
    report = await app.engine_sync()
    assert report.ok, report.error
    assert looked_up(app) == {"found": "no", "color": ""}


async def test_allowed_lookup_reads_the_cluster_at_every_render(app: World) -> None:
    configure(app, lookup=True)
    async with app.engine() as engine:
        report = await engine.sync("web", SyncOptions(), lambda _line: None)
        assert report.ok, report.error
        assert looked_up(app) == {"found": "yes", "color": "teal"}

        # Same commit, same spec: only the cluster changed, and the render sees it.
        app.kubectl("patch", "configmap", "lookup-source", "-p", '{"data":{"color":"navy"}}')
        report = await engine.sync("web", SyncOptions(), lambda _line: None)
        assert report.ok, report.error
        assert looked_up(app) == {"found": "yes", "color": "navy"}

        # An object that does not exist comes back empty, as in Helm.
        app.kubectl("delete", "configmap", "lookup-source")
        report = await engine.sync("web", SyncOptions(), lambda _line: None)
        assert report.ok, report.error
        assert looked_up(app) == {"found": "no", "color": ""}
        assert engine.render_cache.hits == 0


async def test_lookup_beyond_the_service_accounts_rights_fails_the_render(app: World) -> None:
    kube = app.kube
    other = f"{app.namespace}-other"
    kube.kubectl("create", "namespace", other)
    try:
        source(kube, other, "crimson")  # trueup's own (admin) rights could read it
        configure(app, lookup=True, source={"namespace": other})
        report: SyncReport = await app.engine_sync()

        assert report.failure is not None
        message = report.failure.message
        assert "forbidden" in message
        assert f'User "system:serviceaccount:{app.namespace}:deployer"' in message
        assert f'cannot get resource "configmaps" in API group "" in the namespace "{other}"' in (
            message
        )
        assert "crimson" not in message
        assert app.live("configmap", OUTPUT) is None  # nothing rendered, nothing applied
    finally:
        kube.kubectl("delete", "namespace", other, "--wait=false")

"""A kustomization with ``helmCharts`` synced to the dev-cluster by the engine.

The App's configuration decides: without ``spec.kustomize.enableHelm`` the sync fails
naming the field and applies nothing; with it, the chart vendored next to the
kustomization is inflated by trueup's Helm, kustomize's patches apply to its output, and
the objects reach the cluster.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.integration.engine.helpers import PATH, World

pytestmark = pytest.mark.cluster

FIXTURE = Path(__file__).parents[1] / "render" / "fixtures" / "kustomize_helm"


def fixture_files(namespace: str) -> dict[str, str]:
    """The fixture's files, keyed by their path in the world's repository, in ``namespace``."""
    return {
        f"{PATH}/{path.relative_to(FIXTURE)}": path.read_text().replace(
            "namespace: shop", f"namespace: {namespace}"
        )
        for path in sorted(FIXTURE.rglob("*"))
        if path.is_file()
    }


def test_helm_charts_in_a_kustomization_sync_only_when_the_app_enables_helm(
    world: World,
) -> None:
    world.commit("Add a kustomization inflating a chart", fixture_files(world.namespace))
    world.write_config(app={"path": f"{PATH}/overlay"})
    report = asyncio.run(world.engine_sync())
    assert not report.ok
    assert f"{PATH}/overlay/kustomization.yaml: helmCharts ('web')" in report.error
    assert "spec.kustomize.enableHelm: true" in report.error
    assert world.live("deployment", "storefront-web") is None

    world.write_config(app={"path": f"{PATH}/overlay", "kustomize": {"enableHelm": True}})
    report = asyncio.run(world.engine_sync())
    assert report.ok, report.error
    deployment = world.live("deployment", "storefront-web")
    assert deployment is not None
    assert deployment["metadata"]["labels"]["helm.sh/chart"] == "web-1.4.0"
    assert deployment["spec"]["replicas"] == 3
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["env"] == [{"name": "MODE", "value": "production"}]
    service = world.live("service", "storefront-web")
    assert service is not None
    assert service["spec"]["type"] == "NodePort"
    assert world.live("configmap", "shop-settings") is not None

"""Helm Apps synced to the dev-cluster by the engine, rendered by the pinned Helm.

The Helm example (``examples/helm``) and the vendored fixture charts reach Healthy; a chart
version bump in Git upgrades the objects and prunes what the new version dropped; charts
from a loopback HTTP chart repository and a real OCI registry sync; ``valuesFrom`` reads
a Secret of the target and its values are masked.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.engine.helpers import PATH, World
from tests.servers.chart_repo import CHARTS, ChartRepo
from tests.servers.registry import OciRegistry
from trueup.changeset import Action
from trueup.engine import SyncOptions, SyncReport
from trueup.health import HealthStatus

pytestmark = pytest.mark.cluster

EXAMPLE = Path(__file__).parents[3] / "examples" / "helm"


def folder_files(folder: Path, prefix: str) -> dict[str, str]:
    """Every file of ``folder``, keyed by its path under ``prefix`` in the repository."""
    return {
        f"{prefix}/{path.relative_to(folder)}": path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def sync(world: World) -> SyncReport:
    report = asyncio.run(world.engine_sync(SyncOptions(wait=True, timeout=120)))
    assert report.ok, report.error
    assert report.health == HealthStatus.HEALTHY, report.object_health
    return report


def test_the_helm_example_syncs_healthy_and_a_chart_bump_upgrades_and_prunes(
    world: World,
) -> None:
    world.commit("Add the Helm example", folder_files(EXAMPLE, PATH))
    documents = yaml.safe_load_all((EXAMPLE / "trueup.yaml").read_text())
    example_helm = next(d for d in documents if d["kind"] == "App")["spec"]["helm"]
    helm = {
        **example_helm,
        "chart": f"{PATH}/webapp",
        "valuesFiles": [f"{PATH}/envs/prod.yaml"],
    }
    world.write_config(app={"helm": helm})
    sync(world)

    deployment = world.live("deployment", "web-webapp")
    assert deployment is not None
    labels = deployment["metadata"]["labels"]
    assert labels["helm.sh/chart"] == "webapp-1.2.0"
    assert labels["environment"] == "prod"  # envs/prod.yaml
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "example.invalid/webapp:6.5.2"  # inline values
    assert container["env"] == [{"name": "WEBAPP_MESSAGE", "value": "hello from production"}]
    hpa = world.live("horizontalpodautoscaler", "web-webapp")
    assert hpa is not None
    assert hpa["spec"]["maxReplicas"] == 6
    assert world.names("serviceaccount") >= {"web-webapp"}

    # Version 1.3.0 drops the autoscaler and sets replicas itself.
    chart = f"{PATH}/webapp"
    chart_yaml = (EXAMPLE / "webapp" / "Chart.yaml").read_text()
    world.commit(
        "webapp 1.3.0: no autoscaler",
        {
            f"{chart}/Chart.yaml": chart_yaml.replace("version: 1.2.0", "version: 1.3.0"),
            f"{chart}/templates/hpa.yaml": None,
        },
    )
    sync(world)
    assert world.live("horizontalpodautoscaler", "web-webapp") is None  # pruned
    deployment = world.live("deployment", "web-webapp")
    assert deployment is not None
    assert deployment["metadata"]["labels"]["helm.sh/chart"] == "webapp-1.3.0"


def test_an_umbrella_chart_with_crds_a_statefulset_and_values_from_a_secret(
    world: World,
) -> None:
    files = folder_files(CHARTS / "stack", f"{PATH}/stack")
    files |= folder_files(CHARTS / "webapp", f"{PATH}/webapp")
    files |= folder_files(CHARTS / "kvstore", f"{PATH}/kvstore")
    world.commit("Add the stack chart", files)
    secret_values = {"kvstore": {"auth": {"password": "canary-pw-5c1e0b"}}}
    world.kubectl(
        "create",
        "secret",
        "generic",
        "stack-values",
        f"--from-literal=values.yaml={yaml.safe_dump(secret_values)}",
    )
    helm: dict[str, Any] = {
        "chart": f"{PATH}/stack",
        "releaseName": "shop",
        "valuesFiles": [f"{PATH}/stack/overlay.yaml"],
        "valuesFrom": [{"kind": "Secret", "name": "stack-values"}],
    }
    world.write_config(app={"helm": helm})
    report = sync(world)

    # .Capabilities: the dev-cluster's own version, not Helm's default.
    server = yaml.safe_load(world.kubectl("version", "-o", "yaml"))["serverVersion"]
    settings = world.live("configmap", "shop-settings")
    assert settings is not None
    assert settings["data"]["kubeVersion"] == server["gitVersion"]
    widget = world.kubectl("get", "widgets.example.com", "shop-widget", "-o", "yaml")
    assert yaml.safe_load(widget)["spec"]["size"] == 5  # the overlay
    statefulset = world.live("statefulset", "shop-kvstore")
    assert statefulset is not None
    secret = world.live("secret", "shop-kvstore")
    assert secret is not None
    assert base64.b64decode(secret["data"]["password"]).decode() == "canary-pw-5c1e0b"
    assert "canary-pw-5c1e0b" not in str(report.diffs) + report.error


def _app_from(repository: str, **more: Any) -> dict[str, Any]:
    return {"helm": {"chart": "webapp", "repository": repository, **more}}


def test_a_chart_from_an_http_chart_repository_syncs(
    world: World, chart_repo: ChartRepo, tmp_path: Path
) -> None:
    chart = tmp_path / "webapp"
    shutil.copytree(CHARTS / "webapp", chart)
    chart_repo.publish(chart, version="1.2.0")
    chart_repo.publish(chart, version="1.4.1")
    chart_repo.publish(chart, version="2.0.0")
    world.write_config(app=_app_from(chart_repo.url, version=">=1.2.0 <2.0.0"))
    sync(world)
    deployment = world.live("deployment", "web-webapp")
    assert deployment is not None
    assert deployment["metadata"]["labels"]["helm.sh/chart"] == "webapp-1.4.1"  # the range


def test_a_chart_pushed_to_an_oci_registry_syncs(
    world: World, oci_registry: OciRegistry, tmp_path: Path
) -> None:
    chart = tmp_path / "webapp"
    shutil.copytree(CHARTS / "webapp", chart)
    work = tmp_path / "packages"
    work.mkdir()
    oci_registry.push(chart, work, version="3.1.0")
    world.write_config(app=_app_from(oci_registry.url, version="3.1.0", plainHTTP=True))
    sync(world)
    deployment = world.live("deployment", "web-webapp")
    assert deployment is not None
    assert deployment["metadata"]["labels"]["helm.sh/chart"] == "webapp-3.1.0"


def test_a_random_password_is_generated_once_and_then_kept(world: World) -> None:
    world.commit("Add the kvstore chart", folder_files(CHARTS / "kvstore", f"{PATH}/kvstore"))
    world.write_config(app={"helm": {"chart": f"{PATH}/kvstore"}})
    sync(world)
    secret = world.live("secret", "web-kvstore")
    assert secret is not None
    password = secret["data"]["password"]
    assert len(base64.b64decode(password)) == 24
    assert "trueup.dev/helm-unstable-fields" not in (secret["metadata"].get("annotations") or {})

    report = sync(world)  # a new render makes another password: the live one stays
    again = world.live("secret", "web-kvstore")
    assert again is not None
    assert again["data"]["password"] == password
    actions = {c.id.kind: c.action for c in report.changes.changes}
    assert actions["Secret"] is Action.UNCHANGED

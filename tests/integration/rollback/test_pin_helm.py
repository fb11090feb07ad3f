"""A pinned Helm App renders the chart version recorded for its revision, even when a newer
version matching the App's range was published since; a version published again with other
content is refused, since it is not what that revision applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.integration.engine.helpers import APP, World
from tests.servers.chart_repo import CHARTS, ChartRepo

pytestmark = pytest.mark.cluster

CHART = "pinapp"
"""A chart name of this test's own: the chart repository is shared by the session."""


def chart_label(world: World) -> str:
    live = world.live("deployment", f"{APP}-{CHART}")
    assert live is not None
    return str(live["metadata"]["labels"]["helm.sh/chart"])


def test_a_pinned_helm_app_keeps_its_recorded_chart_version(
    world: World, chart_repo: ChartRepo, tmp_path: Path
) -> None:
    chart = tmp_path / CHART
    shutil.copytree(CHARTS / "webapp", chart)
    meta = chart / "Chart.yaml"
    meta.write_text(meta.read_text().replace("name: webapp", f"name: {CHART}"))
    chart_repo.publish(chart, version="1.0.0")
    helm = {"chart": CHART, "repository": chart_repo.url, "version": ">=1.0.0 <2.0.0"}
    world.write_config(app={"helm": helm})
    old = world.commit("A note", {"NOTES.md": "first\n"})
    world.sync()
    assert chart_label(world) == f"{CHART}-1.0.0"
    chart_repo.publish(chart, version="1.1.0")
    world.commit("Another note", {"NOTES.md": "second\n"})
    world.sync()
    assert chart_label(world) == f"{CHART}-1.1.0"

    run = world.cli("rollback", APP, "--to", old, "-o", "json")

    assert run.code == 0, str(run)
    assert run.json()["chartVersion"] == "1.0.0"
    assert run.json()["chartDigest"].startswith("sha256:")
    assert chart_label(world) == f"{CHART}-1.0.0"  # 1.1.0 matches the range, and is not used
    world.sync()
    assert chart_label(world) == f"{CHART}-1.0.0"

    values = chart / "values.yaml"
    values.write_text(values.read_text().replace("hello from webapp", "republished"))
    chart_repo.publish(chart, version="1.0.0")  # the same version, other content

    refused = world.cli("sync", APP)

    assert refused.code == 1, str(refused)
    assert "published again with other content" in refused.stderr
    assert chart_label(world) == f"{CHART}-1.0.0"

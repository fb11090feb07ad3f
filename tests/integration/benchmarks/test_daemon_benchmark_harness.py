"""The daemon benchmark's harness, run small on the session's dev-cluster: no timing is
asserted, only that every phase measured what it says and the report has its rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.daemon import Bench, Fleet, report

from tests.servers.cluster import Kube

pytestmark = pytest.mark.cluster


def test_every_phase_runs_and_reports(kube: Kube, tmp_path: Path) -> None:
    fleet = Fleet(tmp_path / "repos", apps=4, repos=2)
    fleet.root.mkdir()
    bench = Bench(kube.kubeconfig, tmp_path, lambda _message: None, fleet, concurrency=2)
    # The fleet's namespaces are its own; each test session's cluster is fresh.
    results = bench.run(steady=1, pushes=2, floor=False, drifts=2)
    assert results.synced_s > 0
    assert results.healthy_s >= results.synced_s
    assert results.peak_mib > 0
    assert results.startup_requests > 0
    assert len(results.push_latencies) == 2
    assert len(results.drift_latencies) == 2
    text = report(results, {"date": "today"}, "python -m benchmarks.daemon --apps 4")
    assert "| every app reconciled and every Deployment Available |" in text
    assert "**Push to applied** (2 pushes" in text
    assert "**Drift to reverted** (2 changes" in text

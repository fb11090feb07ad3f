"""The browser benchmark's harness, run small on the session's dev-cluster with Debian's
Chromium: no timing is asserted, only that every measurement was taken and reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.dashboard import report, run

from tests.servers.cluster import Kube

pytestmark = pytest.mark.cluster


def test_loads_and_a_burst_are_measured_and_reported(kube: Kube, tmp_path: Path) -> None:
    results = run(
        tmp_path, kube.kubeconfig, apps=3, repos=1, loads=2,
        progress=lambda _message: None, prefix="dash-bench",
    )  # fmt: skip
    assert len(results.loads) == 2
    for load in results.loads:
        assert load.usable_ms > 0
        assert load.fcp_ms > 0
        assert load.list_server_ms > 0
        assert load.heap_mib > 0
        assert load.peer_ms > 0
    assert results.burst is not None
    assert results.burst.updates == 3
    assert results.burst.applied_ms > 0
    assert results.burst.api_ms > 0
    assert results.burst.heap_mib > 0
    text = report(results, {"date": "today"}, "python -m benchmarks.dashboard --apps 3")
    assert "**The overview with 3 Apps" in text
    assert "**A burst of 3 status updates**" in text

"""The image benchmark's harness, run small against a real registry and the session's
dev-cluster: no timing is asserted, only that each part measured what it says and the
report has its rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.images import (
    CASES,
    Results,
    deploy_bench,
    fill,
    free_port,
    report,
    running_registry,
    scan_bench,
)

from tests.servers.cluster import Kube

pytestmark = pytest.mark.cluster


def test_the_scan_and_a_tag_to_running_measure_and_report(kube: Kube, tmp_path: Path) -> None:
    port = free_port()
    with running_registry(tmp_path / "registry", notify_port=port) as registry:
        fill(registry, repos=2, tags=20, progress=lambda _message: None)
        scans = scan_bench(registry, 2, 1, tmp_path / "scans", lambda _message: None)
        deploy_dir = tmp_path / "deploy"
        deploy_dir.mkdir()
        deploy = deploy_bench(
            registry, kube.kubeconfig, deploy_dir, port, 5, 1, lambda _message: None
        )

    for tool, sample in scans.items():
        assert sample.tags == 2 * 20, tool
        # The registry sends a repository's 20 tags in one page: one request each.
        assert sample.requests == 2, tool
        assert sample.seconds > 0, tool
        assert sample.peak_mib >= sample.rss_before_mib > 0, tool
    # The Receiver's image is scanned hourly: only the registry's notification brought
    # its new tag in time for it to run.
    assert {case: len(values) for case, values in deploy.latencies.items()} == {
        case: 1 for case in CASES
    }
    text = report(Results(2, 20, 1, scans, deploy), {}, "python -m benchmarks.images")
    assert "| HTTP requests the registry received | 2 | 2 | 1.00x |" in text
    assert "| tags read | 40 | 40 | 1.00x |" in text
    assert "| scanned on its interval | 1 |" in text
    assert "| woken by the registry's Receiver | 1 |" in text

"""The render benchmark's harness, run on tiny inputs: no timing is asserted, only that
every part measured what it says and the report's tables land between the markers.

It needs the Helm helper (built on first use) and kubectl, but no cluster and no Git.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from benchmarks.render import (
    BEGIN,
    CHART,
    END,
    OVERLAY,
    peer_command,
    report,
    run,
    write_chart,
    write_overlay,
)
from benchmarks.report import write_section


def test_the_generated_chart_and_overlay_hold_the_asked_number_of_objects(
    tmp_path: Path,
) -> None:
    write_chart(tmp_path, 12)
    write_overlay(tmp_path, 30)

    for case, size in ((CHART, 12), (OVERLAY, 30)):
        done = subprocess.run(
            peer_command(case, tmp_path), capture_output=True, text=True, check=True
        )
        rendered = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
        assert len(rendered) == size
    assert all(doc["metadata"]["name"].startswith("prod-") for doc in rendered)
    assert {doc["metadata"]["namespace"] for doc in rendered} == {"bench"}


def test_a_tiny_run_measures_both_renders_and_the_cached_warm_sync(tmp_path: Path) -> None:
    renders, syncs = run(tmp_path, 8, 12, repeat=2, progress=lambda _message: None)

    assert [(r.case, r.objects, r.peer) for r in renders] == [
        (CHART, 8, "helm template"),
        (OVERLAY, 12, "kubectl kustomize"),
    ]
    for r in renders:
        assert r.trueup_s.median > 0
        assert r.peer_s.median > 0
        assert r.trueup_child_mib.max > 0
        assert r.peer_mib.max > 0
    assert [(s.case, s.objects, s.renders_skipped) for s in syncs] == [
        (CHART, 8, 2),
        (OVERLAY, 12, 2),
    ]

    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nintro\n\n{BEGIN}\nthe previous run\n{END}\n\nafter\n")
    text = report(renders, syncs, {"date": "today"}, "python -m benchmarks.render", 2)
    write_section(docs, text, begin=BEGIN, end=END)

    written = docs.read_text()
    assert written.startswith("# Benchmarks\n\nintro\n\n")
    assert written.endswith(f"{END}\n\nafter\n")
    assert "the previous run" not in written
    assert "| chart | 8 |" in written
    assert "| overlay | 12 |" in written
    assert "`helm template`" in written
    assert "`kubectl kustomize`" in written
    assert "Command: `python -m benchmarks.render`" in written

"""A Helm chart repository on loopback (stdlib ``http.server``), and the Helm helper binary.

The repository serves a folder of packaged charts and its ``index.yaml``, both made by the
real ``helm`` (the helper binary run as ``<binary> helm package`` / ``helm repo index``),
so trueup is tested against the files Helm itself writes.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from trueup.render.helm import helm_binary

CHARTS = Path(__file__).parents[1] / "fixtures" / "charts"
"""The chart sources vendored as test fixtures."""


def run_helm(binary: Path, *args: str, cwd: Path | None = None) -> str:
    """Helm's own command line (``helm ARGS``) of the pinned helper; must succeed."""
    done = subprocess.run(
        [str(binary), "helm", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd or Path("/nonexistent"))},
        check=False,
    )
    assert done.returncode == 0, f"helm {' '.join(args)}: {done.stderr}"
    return done.stdout


@dataclass
class ChartRepo:
    """A served folder of chart archives with an ``index.yaml``."""

    url: str
    folder: Path
    binary: Path

    def publish(self, chart: Path, *, version: str | None = None) -> Path:
        """Package the chart folder ``chart`` (at ``version``), add it, rebuild the index."""
        args = ["package", str(chart), "--destination", str(self.folder)]
        if version is not None:
            args += ["--version", version]
        run_helm(self.binary, *args, cwd=self.folder)
        run_helm(self.binary, "repo", "index", str(self.folder), "--url", self.url)
        return self.folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def helm_helper() -> Path:
    """trueup's Helm helper, built on first use (several minutes) and cached."""
    return helm_binary(lambda _message: None)


@pytest.fixture(scope="session")
def chart_repo(tmp_path_factory: pytest.TempPathFactory, helm_helper: Path) -> Iterator[ChartRepo]:
    """An HTTP chart repository on 127.0.0.1, empty until a test publishes a chart."""
    folder = tmp_path_factory.mktemp("chart-repo")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ChartRepo(f"http://127.0.0.1:{server.server_address[1]}", folder, helm_helper)
    finally:
        server.shutdown()
        server.server_close()

"""A real OCI registry on loopback: Debian's ``docker-registry`` (the CNCF distribution).

Started once per test session with a configuration file and storage folder of its own,
listening on 127.0.0.1 over plain HTTP without authentication. Charts are pushed to it
with the real ``helm push`` of the pinned helper binary.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers.chart_repo import run_helm

REGISTRY = "docker-registry"
"""Debian's package ``docker-registry`` (``apt-get install docker-registry``)."""

_START_SECONDS = 30.0


@dataclass
class OciRegistry:
    """A running registry: ``host`` is ``127.0.0.1:PORT``."""

    host: str
    binary: Path

    @property
    def url(self) -> str:
        """The ``oci://`` prefix under which charts are pushed (``oci://HOST/charts``)."""
        return f"oci://{self.host}/charts"

    def push(self, chart: Path, work: Path, *, version: str | None = None) -> None:
        """Package the chart folder ``chart`` (at ``version``) and ``helm push`` it."""
        args = ["package", str(chart), "--destination", str(work)]
        if version is not None:
            args += ["--version", version]
        run_helm(self.binary, *args, cwd=work)
        (archive,) = sorted(work.glob("*.tgz"), key=lambda p: p.stat().st_mtime)[-1:]
        run_helm(self.binary, "push", str(archive), self.url, "--plain-http", cwd=work)
        archive.unlink()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return _free_port()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(storage: Path, port: int, auth: str = "", tls: str = "") -> str:
    return f"""version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
{tls}{auth}"""


def _wait_ready(
    host: str, process: subprocess.Popen[bytes], log: Path, *, https: bool = False
) -> None:
    deadline = time.monotonic() + _START_SECONDS
    scheme = "https" if https else "http"
    # Readiness only: the certificate is checked by the tests that use it.
    context = ssl._create_unverified_context() if https else None  # noqa: S323
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{REGISTRY} exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(  # noqa: S310 - http or https, chosen above
                f"{scheme}://{host}/v2/", timeout=2, context=context
            ) as answer:
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as e:
            if e.code == 401:  # up, and asking for credentials
                return
            time.sleep(0.1)
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise AssertionError(f"{REGISTRY} did not answer on {host}: {log.read_text()[-2000:]}")


@contextmanager
def running_registry(
    home: Path,
    *,
    port: int | None = None,
    auth: str = "",
    tls: tuple[Path, Path] | None = None,
    notifications: str = "",
) -> Iterator[str]:
    """Run ``docker-registry`` with storage under ``home`` (``auth``: a YAML ``auth:``
    block; ``tls``: certificate and key files to serve https; ``notifications``: a YAML
    ``notifications:`` block); yield its ``127.0.0.1:PORT`` once it answers, stop it
    afterwards."""
    binary = shutil.which(REGISTRY)
    assert binary is not None, f"{REGISTRY} is not installed: apt-get install {REGISTRY}"
    port = port or _free_port()
    config = home / "config.yml"
    served_tls = f"  tls:\n    certificate: {tls[0]}\n    key: {tls[1]}\n" if tls else ""
    config.write_text(_config(home / "storage", port, auth + notifications, served_tls))
    log = home / "registry.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [binary, "serve", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        )
    host = f"127.0.0.1:{port}"
    try:
        _wait_ready(host, process, log, https=tls is not None)
        yield host
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def oci_registry(
    tmp_path_factory: pytest.TempPathFactory, helm_helper: Path
) -> Iterator[OciRegistry]:
    """A ``docker-registry`` on 127.0.0.1 for the session; fails if the package is missing."""
    with running_registry(tmp_path_factory.mktemp("oci-registry")) as host:
        yield OciRegistry(host, helm_helper)

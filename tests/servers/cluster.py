"""The dev-cluster as test fixtures: one control plane per test session, a namespace per test.

The cluster gets a state directory of its own under pytest's temporary folder, so the suite
never touches a dev-cluster the developer started by hand, and it is taken down at the end.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from trueup.devcluster import DevCluster


@dataclass(frozen=True)
class Kube:
    """A running dev-cluster: its kubeconfig and a ``kubectl`` bound to it."""

    kubeconfig: Path
    server: str

    def kubectl(self, *args: str, input: str | None = None, check: bool = True) -> str:
        """Run the machine's kubectl against this cluster and return its stdout."""
        result = subprocess.run(
            ["kubectl", f"--kubeconfig={self.kubeconfig}", *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout if check else result.stdout + result.stderr


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kube]:
    """Start a dev-cluster for the whole test session and stop it afterwards."""
    cluster = DevCluster(tmp_path_factory.mktemp("dev-cluster") / "state")
    state = cluster.up(progress=lambda _message: None)
    try:
        yield Kube(kubeconfig=Path(state.kubeconfig), server=state.server)
    finally:
        cluster.down(progress=lambda _message: None)


@pytest.fixture
def namespace(kube: Kube) -> Iterator[str]:
    """A namespace of the test's own, deleted (without waiting) when the test ends."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    kube.kubectl("create", "namespace", name)
    yield name
    kube.kubectl("delete", "namespace", name, "--wait=false")

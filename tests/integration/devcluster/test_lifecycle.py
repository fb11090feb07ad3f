"""``trueup dev-cluster up | status | kubeconfig | down`` as a user runs them.

Each test drives its own cluster through the real command line, in a state directory of
its own, and checks what a user would see: clear messages, no traceback, nothing left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from trueup.devcluster import DevCluster, State
from trueup.devcluster.processes import is_alive

pytestmark = pytest.mark.cluster


class Cli:
    """Runs ``python -m trueup`` with the dev-cluster state in a directory of the test's."""

    def __init__(self, state: Path) -> None:
        self.state = state

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "TRUEUP_DEV_CLUSTER_DIR": str(self.state)}
        result = subprocess.run(
            [sys.executable, "-m", "trueup", "dev-cluster", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path / "state")
    yield runner
    DevCluster(runner.state).down(progress=lambda _message: None)


def test_up_twice_says_it_is_running_and_down_leaves_no_process_and_no_data(cli: Cli) -> None:
    first = cli("up", "--nodes", "2")
    assert first.returncode == 0, first.stderr
    state = State.read(cli.state)
    assert state is not None
    assert state.ready
    assert all(is_alive(p) for p in state.processes)
    nodes = subprocess.run(
        ["kubectl", f"--kubeconfig={state.kubeconfig}", "get", "nodes", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(json.loads(nodes.stdout)["items"]) == 2

    second = cli("up")
    assert second.returncode == 0
    assert "already running" in second.stderr
    assert State.read(cli.state) == state

    path = cli("kubeconfig")
    assert path.stdout.strip() == state.kubeconfig

    down = cli("down")
    assert down.returncode == 0
    assert not cli.state.exists()
    assert not any(is_alive(p) for p in state.processes)


def test_down_with_nothing_running_says_so(cli: Cli) -> None:
    result = cli("down")
    assert result.returncode == 0
    assert "no dev-cluster is running" in result.stderr
    status = cli("status")
    assert status.returncode == 1
    assert "no dev-cluster is running" in status.stdout


def test_a_crashed_run_is_reported_by_status_and_cleaned_by_the_next_up(cli: Cli) -> None:
    assert cli("up", "--nodes", "1").returncode == 0
    crashed = State.read(cli.state)
    assert crashed is not None
    apiserver = next(p for p in crashed.processes if p.name == "kube-apiserver")
    os.kill(apiserver.pid, signal.SIGKILL)

    status = cli("status")
    assert status.returncode == 1
    assert "DEAD" in status.stdout

    again = cli("up", "--nodes", "1")
    assert again.returncode == 0, again.stderr
    assert "leftovers" in again.stderr
    assert not any(is_alive(p) for p in crashed.processes)
    fresh = State.read(cli.state)
    assert fresh is not None
    assert fresh.server != crashed.server or fresh.processes != crashed.processes
    assert all(is_alive(p) for p in fresh.processes)


def test_a_directory_that_is_not_a_dev_cluster_is_never_removed(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = Cli(precious)("down")
    assert result.returncode == 2
    assert "not a dev-cluster's state directory" in result.stderr
    assert (precious / "notes.txt").read_text() == "keep me"

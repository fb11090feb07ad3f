"""``up`` survives a port that another process takes between choosing it and binding it.

The race is made certain rather than waited for: the test listens on a port itself and makes
``free_port`` hand that port out as one of the cluster's, just as if another process had
bound it right after ``up`` chose it. The components are the real etcd and API server.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from trueup.devcluster import DevCluster, State, components, processes
from trueup.devcluster.build import ensure_binaries
from trueup.devcluster.cluster import START_ATTEMPTS
from trueup.devcluster.components import Component
from trueup.devcluster.layout import LOOPBACK, Layout, Ports
from trueup.errors import DevClusterError

pytestmark = pytest.mark.cluster

PORT_NAMES = [field.name for field in fields(Ports)]
ETCD_CLIENT = PORT_NAMES.index("etcd_client")
APISERVER = PORT_NAMES.index("apiserver")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[DevCluster]:
    dev = DevCluster(tmp_path / "state")
    yield dev
    dev.down(progress=lambda _message: None)


@pytest.fixture
def taken() -> Iterator[int]:
    """A port on 127.0.0.1 that this test listens on for as long as it runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        sock.listen()
        port: int = sock.getsockname()[1]
        yield port


class Chooser:
    """Stands in for ``free_port``: hands out ``taken`` at the given calls, real ports otherwise."""

    def __init__(self, taken: int, at: Callable[[int], bool]) -> None:
        self.taken = taken
        self.at = at
        self.calls = 0
        self.real = processes.free_port

    def __call__(self) -> int:
        call = self.calls
        self.calls += 1
        return self.taken if self.at(call) else self.real()


def _processes_of(cluster: DevCluster) -> set[int]:
    """Pids of every process still running for ``cluster``'s state directory."""
    binaries = ensure_binaries(lambda _m: None)
    executables = {str(Path(b).resolve()) for b in (binaries.etcd, binaries.kube, binaries.kwok)}
    return {p.pid for p in processes.strays(cluster.directory, executables)}


@pytest.mark.parametrize(
    ("index", "component"), [(ETCD_CLIENT, "etcd"), (APISERVER, "kube-apiserver")]
)
def test_a_port_taken_before_the_component_binds_it_is_replaced_and_up_succeeds(
    cluster: DevCluster,
    taken: int,
    monkeypatch: pytest.MonkeyPatch,
    index: int,
    component: str,
) -> None:
    chooser = Chooser(taken, at=lambda call: call == index)
    monkeypatch.setattr(processes, "free_port", chooser)
    said: list[str] = []

    state = cluster.up(said.append, nodes=1, timeout=120)

    retries = [m for m in said if f"port {taken} was taken" in m]
    assert len(retries) == 1, said
    assert component in retries[0]
    assert f"starting again on other ports (attempt 2 of {START_ATTEMPTS})" in retries[0]
    assert chooser.calls == 12, "the second start chose all six ports afresh"
    assert state.ready
    assert state == State.read(cluster.directory)
    assert all(processes.is_alive(p) for p in state.processes)
    assert state.server != f"https://{LOOPBACK}:{taken}"
    # Nothing of the first start is left running: only the processes the state records.
    assert _processes_of(cluster) == {p.pid for p in state.processes}


def test_a_port_that_stays_taken_fails_after_a_bounded_number_of_starts(
    cluster: DevCluster, taken: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    chooser = Chooser(taken, at=lambda call: call % 6 == ETCD_CLIENT)
    monkeypatch.setattr(processes, "free_port", chooser)
    said: list[str] = []

    with pytest.raises(DevClusterError) as failure:
        cluster.up(said.append, nodes=1, timeout=120)

    assert chooser.calls == 6 * START_ATTEMPTS
    assert len([m for m in said if f"port {taken} was taken" in m]) == START_ATTEMPTS - 1
    message = str(failure.value)
    assert f"etcd exited (code 1) during start-up; see {cluster.directory / 'logs'}" in message
    assert f"listen tcp {LOOPBACK}:{taken}: bind: address already in use" in message
    assert _processes_of(cluster) == set()


def test_a_failure_that_is_not_a_taken_port_is_raised_without_starting_again(
    cluster: DevCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_etcd = components.etcd

    def broken_etcd(layout: Layout) -> Component:
        good = real_etcd(layout)
        return Component(good.name, (*good.argv, "--no-such-flag"))

    monkeypatch.setattr(components, "etcd", broken_etcd)
    chooser = Chooser(0, at=lambda _call: False)
    monkeypatch.setattr(processes, "free_port", chooser)
    said: list[str] = []

    with pytest.raises(DevClusterError) as failure:
        cluster.up(said.append, nodes=1, timeout=120)

    assert chooser.calls == 6, "ports were chosen once: no second start"
    assert not [m for m in said if "starting again" in m], said
    message = str(failure.value)
    assert message.startswith("etcd exited (code")
    log = cluster.directory / "logs" / "etcd.log"
    assert f"see {log}" in message
    assert "no-such-flag" in log.read_text()
    assert _processes_of(cluster) == set()

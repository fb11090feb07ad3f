"""Two candidate processes on the dev-cluster: one leads and writes; the other takes over.

Each candidate is ``tests/integration/daemon/leader_driver.py`` (lease 3 s, renew deadline
2 s, retry 0.5 s), electing on a Lease in the test's namespace or on a lock in one SQLite
file, and writing ConfigMap ``leader-writes`` every 100 ms while it leads, through a target
guarded by its elector. Which write landed when is told by the resourceVersion the server
gave it: the cluster's own order, whatever the processes print when.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.servers.cluster import Kube
from trueup.store import SqliteStore

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[3]
WAIT = 60.0
"""How long a test waits for what should happen within a few seconds."""


class Candidate:
    """A running driver: its stdout read line by line into :attr:`lines`."""

    def __init__(self, kube: Kube, namespace: str, identity: str, store: Path | None) -> None:
        self.identity = identity
        command = [
            sys.executable,
            "-m",
            "tests.integration.daemon.leader_driver",
            str(kube.kubeconfig),
            namespace,
            identity,
            *(["--store", str(store)] if store else []),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, args=(self.lines,), daemon=True)
        self._reader.start()
        threading.Thread(target=self._read, args=(self.errors,), daemon=True).start()

    def _read(self, into: list[str]) -> None:
        stream = self.process.stdout if into is self.lines else self.process.stderr
        assert stream is not None
        for line in stream:
            with self._lock:
                into.append(line.rstrip("\n"))

    def mark(self) -> int:
        """How many lines so far: wait for later ones with ``after``."""
        with self._lock:
            return len(self.lines)

    def said(self, after: int = 0) -> list[str]:
        with self._lock:
            return self.lines[after:]

    def wait_for(self, word: str, *, after: int = 0) -> list[str]:
        """The words of the first line from ``after`` on that starts with ``word``."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for line in self.said(after):
                if line.split()[0] == word:
                    return line.split()
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.identity} never said {word!r}:\n{self.transcript()}")

    def writes(self) -> list[int]:
        """The resourceVersion of every write this candidate made, in order."""
        return [int(line.split()[2]) for line in self.said() if line.startswith("wrote ")]

    def transcript(self) -> str:
        with self._lock:
            errors = list(self.errors)
        return "\n".join([*self.said(), "--- stderr ---", *errors])

    def signal(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture(params=["lease", "store"])
def start(
    request: pytest.FixtureRequest, kube: Kube, namespace: str, tmp_path: Path
) -> Iterator[Callable[[str], Candidate]]:
    """Starts candidates electing on a Lease or on a lock in one SQLite file."""
    store = None
    if request.param == "store":
        store = tmp_path / "state.db"
        asyncio.run(_create_schema(store))  # first, so that the candidates race on the lock only
    started: list[Candidate] = []

    def candidate(identity: str) -> Candidate:
        started.append(Candidate(kube, namespace, identity, store))
        return started[-1]

    yield candidate
    for running in started:
        running.end()


async def _create_schema(path: Path) -> None:
    async with await SqliteStore.open(path):
        pass


def holder_of_the_configmap(kube: Kube, namespace: str) -> str:
    found = json.loads(
        kube.kubectl("get", "configmap", "leader-writes", "-n", namespace, "-o", "json")
    )
    return str(found["data"]["holder"])


def test_when_the_leader_is_killed_the_other_takes_over_and_writes(
    start: Callable[[str], Candidate], kube: Kube, namespace: str
) -> None:
    a = start("a")
    a.wait_for("leader")
    a.wait_for("wrote")
    b = start("b")
    assert b.wait_for("follower") == ["follower", "a"]

    a.signal(signal.SIGKILL)
    a.process.wait(timeout=30)
    b.wait_for("leader")
    b.wait_for("wrote")

    assert max(a.writes()) < min(b.writes())
    assert holder_of_the_configmap(kube, namespace) == "b"


def test_a_leader_paused_past_its_lease_writes_nothing_after_it_resumes(
    start: Callable[[str], Candidate], kube: Kube, namespace: str
) -> None:
    a = start("a")
    a.wait_for("leader")
    a.wait_for("wrote")
    b = start("b")
    assert b.wait_for("follower") == ["follower", "a"]

    a.signal(signal.SIGSTOP)
    b.wait_for("leader")
    taken_over = min(int(b.wait_for("wrote")[2]), *b.writes())
    for _ in range(3):
        b.wait_for("wrote", after=b.mark())
    resumed = a.mark()
    a.signal(signal.SIGCONT)

    # Once resumed, a says it lost, campaigns again and waits for b; meanwhile b writes on.
    a.wait_for("lost", after=resumed)
    assert a.wait_for("follower", after=resumed) == ["follower", "b"]
    for _ in range(3):
        b.wait_for("wrote", after=b.mark())

    late = [rv for rv in a.writes() if rv > taken_over]
    assert late == [], f"a wrote after b took over:\n{a.transcript()}"
    # A write already sent when a was paused may be answered after it resumes; otherwise
    # the first thing a does is to say it lost.
    after = [
        line.split()[0]
        for line in a.said(resumed)
        if not (line.startswith("wrote ") and int(line.split()[2]) < taken_over)
    ]
    assert after[:1] == ["lost"], a.transcript()
    assert "leader" not in after
    assert holder_of_the_configmap(kube, namespace) == "b"

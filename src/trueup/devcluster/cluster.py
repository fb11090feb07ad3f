"""``trueup dev-cluster up | down | status``: a throwaway Kubernetes control plane on loopback.

``up`` builds (or reuses) the binaries, writes certificates and a kubeconfig, starts etcd,
the API server, the controller manager, the scheduler and kwok, registers fake nodes and
returns once they are Ready. ``down`` stops every process it started and removes the state
directory. A crashed run's leftovers (processes, files) are found and cleaned by both.

Ports are chosen free but not held, so another process can take one before the component
binds it; when a component dies of that, ``up`` starts everything again on other ports, a
few times at most.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trueup.devcluster import api, components, processes
from trueup.devcluster.build import Binaries, ensure_binaries
from trueup.devcluster.kubeconfig import write_kubeconfig
from trueup.devcluster.layout import DEFAULT_NODES, Layout, Pki, Ports
from trueup.devcluster.paths import cache_dir, state_dir
from trueup.devcluster.state import Process, State
from trueup.errors import DevClusterError
from trueup.words import counted

Progress = Callable[[str], None]

MARKER = ".trueup-dev-cluster"

START_ATTEMPTS = 3
"""How many times ``up`` starts the control plane when a component loses its port to a race."""


class PortTakenError(DevClusterError):
    """A component died at start-up because another process listened on its port first."""

    def __init__(self, message: str, *, component: str, port: int) -> None:
        super().__init__(message)
        self.component = component
        self.port = port


@dataclass(frozen=True, slots=True)
class Status:
    """What ``status`` reports."""

    running: bool
    server: str = ""
    kubeconfig: str = ""
    processes: tuple[tuple[Process, bool], ...] = ()
    ready_nodes: tuple[str, ...] = ()
    resident_bytes: int = 0
    message: str = ""


class DevCluster:
    """One dev-cluster, identified by its state directory."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = (directory or state_dir()).absolute()

    @property
    def kubeconfig(self) -> Path:
        """Where ``up`` writes the admin kubeconfig."""
        return self.directory / "kubeconfig"

    def up(self, progress: Progress, nodes: int = DEFAULT_NODES, timeout: float = 180.0) -> State:
        """Start the control plane; return the running state (the same one if already up)."""
        current = State.read(self.directory)
        running = current is not None and all(map(processes.is_alive, current.processes))
        if current is not None and current.ready and running:
            progress(f"the dev-cluster is already running at {current.server}")
            return current
        if current is not None or self.directory.exists():
            progress("cleaning up the leftovers of an earlier run")
            self._clean(current)
        binaries = ensure_binaries(progress)
        try:
            for next_attempt in range(2, START_ATTEMPTS + 1):
                try:
                    return self._start(binaries, nodes, timeout, progress)
                except PortTakenError as taken:
                    progress(
                        f"port {taken.port} was taken by another process before {taken.component} "
                        f"could listen on it; starting again on other ports "
                        f"(attempt {next_attempt} of {START_ATTEMPTS})"
                    )
                    self._clean(State.read(self.directory))
            return self._start(binaries, nodes, timeout, progress)
        except BaseException:
            # Stop what was started but keep the logs for the error message to point at;
            # the next ``up`` or ``down`` removes them.
            failed = State.read(self.directory)
            processes.stop(failed.processes if failed else ())
            raise

    def down(self, progress: Progress) -> bool:
        """Stop everything and remove the state directory; False when nothing was there."""
        current = State.read(self.directory) if self.directory.exists() else None
        if current is None and not self.directory.exists():
            progress("no dev-cluster is running")
            return False
        self._clean(current)
        progress("the dev-cluster is stopped and its data removed")
        return True

    def status(self) -> Status:
        """Whether it runs, its processes, Ready nodes and resident memory."""
        current = State.read(self.directory) if self.directory.exists() else None
        if current is None:
            return Status(running=False, message="no dev-cluster is running")
        liveness = tuple((p, processes.is_alive(p)) for p in current.processes)
        running = all(alive for _p, alive in liveness)
        nodes: list[str] = []
        if running:
            try:
                with api.client(current.server, self._pki(), timeout=5) as http:
                    nodes = api.ready_nodes(http)
            except Exception as e:  # reported, not raised: status must always answer
                return Status(True, current.server, current.kubeconfig, liveness, message=str(e))
        message = "" if running else "some processes have died: run 'trueup dev-cluster down'"
        return Status(
            running=running,
            server=current.server,
            kubeconfig=current.kubeconfig,
            processes=liveness,
            ready_nodes=tuple(nodes),
            resident_bytes=processes.resident_memory(current.processes),
            message=message,
        )

    def _pki(self) -> Pki:
        return Pki.at(self.directory / "pki")

    def _start(self, binaries: Binaries, nodes: int, timeout: float, progress: Progress) -> State:
        from trueup.devcluster.pki import create_pki  # certificate machinery: only here

        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.directory / MARKER).touch()
        ports = Ports(*(processes.free_port() for _ in range(6)))
        layout = Layout(binaries, create_pki(self.directory / "pki"), ports, self.directory)
        write_kubeconfig(layout.kubeconfig, layout.server, layout.pki)
        stages = subprocess.run([str(binaries.kwok), "stages"], check=True, capture_output=True)
        (self.directory / "kwok.yaml").write_bytes(stages.stdout)
        logs = self.directory / "logs"
        started: list[Process] = []

        def record(ready: bool = False) -> State:
            state = State(layout.server, str(layout.kubeconfig), tuple(started), nodes, ready)
            state.write(self.directory)
            return state

        def alive() -> None:
            for process in started:
                if not processes.is_alive(process):
                    code = processes.exit_code(process)
                    log = logs / f"{process.name}.log"
                    message = (
                        f"{process.name} exited (code {code}) during start-up; see {log}:\n"
                        + _tail(log)
                    )
                    port = processes.port_taken(log)
                    if port is not None:
                        raise PortTakenError(message, component=process.name, port=port)
                    raise DevClusterError(message)

        progress("starting etcd")
        started.append(processes.start(components.etcd(layout), logs))
        record()
        progress(f"starting kube-apiserver on {layout.server}")
        started.append(processes.start(components.apiserver(layout), logs))
        record()
        with api.client(layout.server, layout.pki) as http:
            api.wait_until("the API server to be ready", lambda: api.ready(http), timeout, alive)
            progress("starting kube-controller-manager, kube-scheduler and kwok")
            env = {"KWOK_WORKDIR": str(self.directory / "kwok")}
            started.extend(processes.start(c, logs, env) for c in components.control_plane(layout))
            record()
            api.wait_until(
                "the default service account",
                lambda: api.exists(http, "/api/v1/namespaces/default/serviceaccounts/default"),
                timeout,
                alive,
            )
            names = [f"trueup-worker-{i}" for i in range(1, nodes + 1)]
            for name in names:
                api.create(http, "/api/v1/nodes", api.fake_node(name))
            progress(f"waiting for {counted(nodes, 'node')} to be Ready")
            api.wait_until(
                f"{counted(nodes, 'Ready node')}",
                lambda: set(names) <= set(api.ready_nodes(http)),
                timeout,
                alive,
            )
        progress(f"the dev-cluster is ready: kubectl --kubeconfig {layout.kubeconfig} get nodes")
        return record(ready=True)

    def _clean(self, current: State | None) -> None:
        known = list(current.processes) if current else []
        executables = {p.executable for p in known}
        bin_dir = cache_dir() / "bin"
        if bin_dir.is_dir():
            executables |= {str(p.resolve()) for p in bin_dir.iterdir() if p.is_file()}
        processes.stop(known + processes.strays(self.directory, executables))
        unmarked = self.directory.exists() and not (self.directory / MARKER).exists()
        if unmarked and any(self.directory.iterdir()):
            raise DevClusterError(
                f"{self.directory} exists but is not a dev-cluster's state directory; "
                "choose another TRUEUP_DEV_CLUSTER_DIR or remove it yourself"
            )
        shutil.rmtree(self.directory, ignore_errors=True)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"

"""Start, find and stop the dev-cluster's processes.

Each process runs in its own session (process group), detached from the terminal, with
its output in ``logs/<name>.log``. A pid is trusted only while ``/proc/<pid>/exe`` is still
the executable it was started from, so a recycled pid is never signalled.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from trueup.devcluster.components import Component
from trueup.devcluster.layout import LOOPBACK
from trueup.devcluster.state import Process


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


_PORT_TAKEN = re.compile(r"listen tcp \S*:(\d+): bind: address already in use")


def port_taken(log: Path) -> int | None:
    """The port a component's log says it could not listen on because it was in use, or None.

    ``free_port`` closes its socket before the component binds, so another process can take
    the port in between. Every component is a Go program and reports that the same way
    (``listen tcp 127.0.0.1:40701: bind: address already in use``); this is the one rule that
    tells such a lost race, which ``up`` retries on other ports, from a real failure.
    """
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return None
    found = _PORT_TAKEN.findall(text)
    return int(found[-1]) if found else None


def start(component: Component, logs: Path, env: dict[str, str] | None = None) -> Process:
    """Start ``component`` detached, logging to ``logs/<name>.log``."""
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{component.name}.log", "ab") as log:
        child = subprocess.Popen(
            component.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    return Process(
        name=component.name, pid=child.pid, executable=os.path.realpath(component.argv[0])
    )


def is_alive(process: Process) -> bool:
    """True while the pid runs the executable it was started from (and is not a zombie)."""
    try:
        exe = os.readlink(f"/proc/{process.pid}/exe")
        stat = Path(f"/proc/{process.pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return exe.removesuffix(" (deleted)") == process.executable and state != "Z"


def exit_code(process: Process) -> int | None:
    """Reap ``process`` if it is our child and has exited; None when still running or not ours."""
    try:
        pid, status = os.waitpid(process.pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status) if pid else None


def stop(processes: Iterable[Process], grace: float = 10.0) -> None:
    """SIGTERM each live process group, wait up to ``grace`` seconds, then SIGKILL what is left.

    Returns once every process has gone (a killed one takes a moment to exit), so that a new
    start right after never finds the old one still holding its ports or files.
    """
    live = [p for p in processes if is_alive(p)]
    for process in live:
        _signal_group(process, signal.SIGTERM)
    _wait_gone(live, grace)
    for process in live:
        if is_alive(process):
            _signal_group(process, signal.SIGKILL)
    _wait_gone(live, grace)


def _wait_gone(live: list[Process], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(is_alive(p) for p in live):
        for process in live:
            exit_code(process)
        time.sleep(0.1)
    for process in live:
        exit_code(process)


def _signal_group(process: Process, sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(process.pid, sig)


def strays(state: Path, executables: Iterable[str]) -> list[Process]:
    """Processes of ours that still name ``state`` on their command line (a crashed run's)."""
    wanted = set(executables)
    found: list[Process] = []
    marker = str(state)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            exe = os.readlink(entry / "exe").removesuffix(" (deleted)")
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if exe in wanted and any(marker in arg.decode(errors="replace") for arg in argv):
            found.append(Process(name=Path(exe).name, pid=int(entry.name), executable=exe))
    return found


def resident_memory(processes: Iterable[Process]) -> int:
    """Sum of the resident set sizes of the live ``processes``, in bytes."""
    total = 0
    for process in processes:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total

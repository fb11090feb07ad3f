"""Start, find and stop the dev-cluster's processes.

Each process runs in its own session (process group), detached from the terminal, with
its output in ``logs/<name>.log``. A pid is trusted only while ``/proc/<pid>/exe`` is still
the executable it was started from, so a recycled pid is never signalled.
"""

from __future__ import annotations

import os
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
    """SIGTERM each live process group, wait up to ``grace`` seconds, then SIGKILL what is left."""
    live = [p for p in processes if is_alive(p)]
    for process in live:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(is_alive(p) for p in live):
        for process in live:
            exit_code(process)
        time.sleep(0.1)
    for process in live:
        if is_alive(process):
            _signal_group(process, signal.SIGKILL)
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

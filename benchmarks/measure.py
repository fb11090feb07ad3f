"""Wall time and peak memory of one child process, and the median of several.

``getrusage(RUSAGE_CHILDREN)`` reports the largest child ever waited for, so it cannot tell
two children apart; ``os.wait4`` returns the resource usage of exactly the child it reaps
(including any children that child reaped itself).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class ChildFailedError(RuntimeError):
    """A measured command exited with a non-zero code."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One run of a command: seconds from start to exit, peak resident memory, CPU seconds."""

    seconds: float
    peak_mib: float
    cpu_seconds: float = 0.0
    """User plus system CPU time of the process: what it cost the machine's cores."""


def run_measured(
    argv: Sequence[str],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 900.0,
) -> Sample:
    """Run ``argv``, its output going to ``log``; :class:`ChildFailedError` if it fails.

    Output goes to a file rather than a pipe so that a chatty child never blocks on a full
    pipe while we sit in ``wait4``. ``timeout`` is a guard against a hung child, not a limit
    on what is measured.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, env=env)
        _pid, status, usage = _wait4(child, timeout)
        seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code  # reaped by wait4: tell Popen, so it never waits again
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise ChildFailedError(f"{' '.join(argv)} exited with {code}; {log} ends with:\n{tail}")
    # Linux reports ru_maxrss in KiB.
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(seconds=seconds, peak_mib=usage.ru_maxrss / 1024, cpu_seconds=cpu)


def _wait4(
    child: subprocess.Popen[bytes], timeout: float
) -> tuple[int, int, resource.struct_rusage]:
    """A blocking ``os.wait4`` (exact wall time), with a timer that kills a hung child."""
    guard = threading.Timer(timeout, child.kill)
    guard.start()
    try:
        return os.wait4(child.pid, 0)
    finally:
        guard.cancel()


def median(samples: Sequence[Sample]) -> Sample:
    """The median of each measure of ``samples``, each taken separately."""
    return Sample(
        seconds=statistics.median(s.seconds for s in samples),
        peak_mib=statistics.median(s.peak_mib for s in samples),
        cpu_seconds=statistics.median(s.cpu_seconds for s in samples),
    )

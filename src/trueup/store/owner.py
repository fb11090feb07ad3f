"""Which process runs an attempt, and whether that process is provably gone.

An attempt is recorded when it starts, with its owner: host name, boot id
(``/proc/sys/kernel/random/boot_id``), process id and the process's start time (in clock
ticks since boot, from ``/proc/PID/stat``). An attempt left ``running`` is marked
``interrupted`` only when its owner is provably gone:

- same host, another boot id: the machine rebooted since;
- same host and boot: no live process has that id (a zombie is not live), or the one
  that has it started at another time (the id was reused).

An owner on another host, or one whose boot id or start time cannot be read, is never
declared gone: a CLI run must never mark a live daemon's attempt as interrupted.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from trueup.pids import pid_exists

_PROC = Path("/proc")
_CURRENT: dict[int, Owner] = {}
"""This process's owner, by pid (what a process reads of itself does not change)."""


@dataclass(frozen=True, slots=True)
class Owner:
    """One process on one boot of one host, written ``pid PID on HOST (boot BOOT, start N)``."""

    host: str
    boot_id: str
    pid: int
    start: int
    """Start time of the process in clock ticks since boot (0 when not known)."""

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host} (boot {self.boot_id}, start {self.start})"

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        """The owner ``str(owner)`` wrote as ``text``, or None when it is not one."""
        words = text.replace("(", " ").replace(")", " ").replace(",", " ").split()
        if len(words) != 8 or words[0] != "pid" or words[2] != "on" or words[6] != "start":
            return None
        try:
            return cls(words[3], words[5], int(words[1]), int(words[7]))
        except ValueError:
            return None

    @classmethod
    def current(cls, proc: Path = _PROC) -> Owner:
        """This process (read from ``/proc`` once per process: it names every attempt)."""
        pid = os.getpid()
        if proc == _PROC and (known := _CURRENT.get(pid)) is not None:
            return known
        owner = cls(socket.gethostname(), boot_id(proc), pid, start_ticks(pid, proc) or 0)
        if proc == _PROC and owner.boot_id and owner.start:
            _CURRENT.clear()  # a forked child has a pid of its own
            _CURRENT[pid] = owner
        return owner

    def gone(self, proc: Path = _PROC) -> bool:
        """Whether this owner has provably ended, judged from this host (see the module)."""
        if self.host != socket.gethostname() or not self.boot_id:
            return False
        here = boot_id(proc)
        if not here:
            return False
        if here != self.boot_id:
            return True
        stat = process_stat(self.pid, proc)
        if stat is None:
            # Unreadable (another user's process under hidepid) is not the same as absent.
            return not pid_exists(self.pid)
        state, start = stat
        return state in ("Z", "X", "x") or (self.start != 0 and start != self.start)


def boot_id(proc: Path = _PROC) -> str:
    """This boot's id, or '' where the system does not say."""
    try:
        return (proc / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return ""


def start_ticks(pid: int, proc: Path = _PROC) -> int | None:
    """When process ``pid`` started (clock ticks since boot), or None when not readable."""
    stat = process_stat(pid, proc)
    return stat[1] if stat else None


def process_stat(pid: int, proc: Path = _PROC) -> tuple[str, int] | None:
    """State letter (``Z`` for a zombie) and start time of process ``pid``, if readable."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return fields[0], int(fields[19])  # fields 3 and 22 of stat
    except (IndexError, ValueError):
        return None

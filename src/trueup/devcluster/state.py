"""The record of a running dev-cluster, kept in ``state.json`` in the state directory."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from trueup.errors import DevClusterError

STATE_FILE = "state.json"


@dataclass(frozen=True, slots=True)
class Process:
    """A started process: its component name, pid and the executable it runs."""

    name: str
    pid: int
    executable: str


@dataclass(frozen=True, slots=True)
class State:
    """What ``up`` started and where to reach it."""

    server: str
    kubeconfig: str
    processes: tuple[Process, ...]
    nodes: int
    ready: bool = False

    def write(self, directory: Path) -> None:
        """Write atomically, so that a crash never leaves half a file."""
        partial = directory / (STATE_FILE + ".partial")
        partial.write_text(json.dumps(asdict(self), indent=2) + "\n")
        partial.replace(directory / STATE_FILE)

    @classmethod
    def read(cls, directory: Path) -> State | None:
        """The recorded state, or None when nothing was recorded."""
        path = directory / STATE_FILE
        if not path.exists():
            return None
        try:
            raw = json.loads(path.read_text())
            processes = tuple(Process(**p) for p in raw.pop("processes"))
            return cls(processes=processes, **raw)
        except (ValueError, TypeError, KeyError) as e:
            raise DevClusterError(
                f"{path}: unreadable dev-cluster state ({e}); "
                "run 'trueup dev-cluster down' to clean up"
            ) from e

"""Whether a process id names a process on this machine (the one rule for it)."""

from __future__ import annotations

import os


def pid_exists(pid: int) -> bool:
    """True when a process ``pid`` exists, ours or another user's (signal 0 is only a check)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists; it is just not ours to signal
    return True

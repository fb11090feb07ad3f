"""A private directory on a memory file system, for plaintext a tool must read from disk.

kustomize reads its secret generators' inputs from files, so decrypted values must exist
as files while it runs. They live only in a directory under ``/dev/shm`` (a ``tmpfs``:
never written to a disk, gone at reboot), created per render with mode 0700 and removed
when the render ends, whether it succeeded, failed or was stopped (the render's child
process turns SIGTERM into an exception, so this ``finally`` runs). Only a SIGKILL can
leave one behind: its name carries the process id, and the next render removes the
directories of processes that no longer exist.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from trueup.errors import RenderError
from trueup.pids import pid_exists

MEMORY_FS: Final = Path("/dev/shm")
"""Where private directories are made; it must be a ``tmpfs`` mount."""
PREFIX: Final = "trueup-render-"
"""Every private directory is named ``trueup-render-<pid>-<random>``."""


@contextlib.contextmanager
def private_dir(base: Path = MEMORY_FS) -> Iterator[Path]:
    """A new directory with mode 0700 under ``base``, removed with all it holds on exit."""
    if not _is_memory_fs(base):
        raise RenderError(
            "a render's private files (decrypted SOPS files, the copy of a kustomization "
            f"with Helm charts) are only written to a memory file system, and {base} is not "
            "a writable tmpfs mount; mount one there"
        )
    remove_abandoned(base)
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
    try:
        os.chmod(path, 0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def remove_abandoned(base: Path = MEMORY_FS) -> None:
    """Remove the private directories of processes that ended without removing them."""
    try:
        entries = list(os.scandir(base))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(PREFIX):
            continue
        pid_text = entry.name.removeprefix(PREFIX).partition("-")[0]
        try:
            owned = entry.is_dir(follow_symlinks=False) and entry.stat().st_uid == os.getuid()
        except OSError:
            continue
        if owned and pid_text.isdigit() and not pid_exists(int(pid_text)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _is_memory_fs(path: Path) -> bool:
    if not os.access(path, os.W_OK | os.X_OK):
        return False
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) >= 3 and fields[1] == str(path) and fields[2] == "tmpfs":
                    return True
    except OSError:
        return False
    return False

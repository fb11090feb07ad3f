"""Reading one file of the repository: regular files only, size-checked before reading."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from trueup.errors import RenderError


def read_bounded(real: Path, shown: str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``real``; refused unread if larger than ``max_bytes``.

    ``real`` must already be resolved inside the repository (see ``paths.resolve_inside``);
    ``O_NOFOLLOW`` refuses a last-moment symlink and ``O_NONBLOCK`` keeps a FIFO from
    blocking the open.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(real, flags)
    except OSError as e:
        raise RenderError(f"{shown}: cannot be opened ({e.strerror}); check the file") from e
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RenderError(f"{shown} is not a regular file; remove it or ignore it")
        check_size(shown, info.st_size, max_bytes)
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:  # the file grew after fstat
        raise RenderError(f"{shown} is over the limit of {max_bytes} bytes; split it")
    return data


def check_size(shown: str, size: int, max_bytes: int) -> None:
    """Refuse the file ``shown`` of ``size`` bytes if it is over ``max_bytes``."""
    if size > max_bytes:
        raise RenderError(
            f"{shown} is {size} bytes, over the limit of {max_bytes}; split it or ignore it"
        )

"""Talking to a tool the render runs (kubectl, sops) over its pipes, bounded in time and size.

``exchange`` writes the input to the tool's stdin (if it has one) while reading its stdout
and stderr, so that neither side blocks on a full pipe; it stops with a ``RenderError``
when the time runs out or stdout grows past its budget. stderr is kept up to
:data:`MAX_STDERR` bytes, enough for any message.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from dataclasses import dataclass
from typing import Final

from trueup.errors import RenderError

MAX_STDERR: Final = 64 * 1024
_CHUNK: Final = 65536


@dataclass(frozen=True, slots=True)
class Bounds:
    """How long the tool may take and how much it may print, and what to say when it
    crosses either bound."""

    seconds: float
    max_output: int
    too_slow: str
    too_big: str


def exchange(proc: subprocess.Popen[bytes], data: bytes, bounds: Bounds) -> tuple[bytes, bytes]:
    """Feed ``data`` to ``proc`` and read its stdout and stderr until both close and it
    exits, within ``bounds``; the caller kills the process however this ends."""
    assert proc.stdout is not None
    assert proc.stderr is not None
    out, err = bytearray(), bytearray()
    view = memoryview(data)
    deadline = time.monotonic() + bounds.seconds
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, out)
        selector.register(proc.stderr, selectors.EVENT_READ, err)
        if proc.stdin is not None:
            if view:
                selector.register(proc.stdin, selectors.EVENT_WRITE)
            else:
                proc.stdin.close()
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RenderError(bounds.too_slow)
            for key, _events in selector.select(remaining):
                if key.fileobj is proc.stdin:
                    view = _write_some(proc, view, selector)
                    continue
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data is out:
                    out += chunk
                    if len(out) > bounds.max_output:
                        raise RenderError(bounds.too_big)
                elif len(err) < MAX_STDERR:
                    err += chunk
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired as e:
        raise RenderError(bounds.too_slow) from e
    return bytes(out), bytes(err)


def _write_some(
    proc: subprocess.Popen[bytes], view: memoryview, selector: selectors.BaseSelector
) -> memoryview:
    assert proc.stdin is not None
    try:
        written = os.write(proc.stdin.fileno(), view[:_CHUNK])
    except BrokenPipeError:
        written = len(view)  # the tool stopped reading: its exit status and message say why
    view = view[written:]
    if not view:
        selector.unregister(proc.stdin)
        proc.stdin.close()
    return view

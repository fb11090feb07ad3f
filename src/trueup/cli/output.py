"""How the CLI talks to people: progress and errors on stderr, data on stdout.

Lines are written as they are, never wrapped or cut, so that a pipe, a log or ``grep`` gets
them whole. Messages for people (progress, warnings, errors, table cells) often quote what
others wrote (git, the API server, a manifest), so their control characters (tab and
newline aside) are shown as ``\\xNN`` instead of reaching the terminal, where an escape
sequence or a carriage return could hide or fake text. Labels and table headers are bold
or coloured only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org).
The streams are looked up at every write, so whatever stands in ``sys.stdout`` or
``sys.stderr`` at that moment (a test's capture, click's runner) receives the text.
"""

from __future__ import annotations

import os
import sys
from typing import Literal, TextIO

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), 127) if c not in (9, 10)}
_STYLES = {"bold": "1", "dim": "2", "bold red": "1;31", "bold yellow": "1;33"}
Style = Literal["bold", "dim", "bold red", "bold yellow"]


def printable(text: str) -> str:
    """``text`` with every control character but tab and newline written as ``\\xNN``."""
    return text.translate(_CONTROL)


def styled(text: str, style: Style, file: TextIO) -> str:
    """``text`` in ``style`` if ``file`` is a terminal and colour is wanted, else as it is."""
    if os.environ.get("NO_COLOR") or not file.isatty():
        return text
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


class Stream:
    """One of the two standard streams, written a line at a time."""

    def __init__(self, name: Literal["stdout", "stderr"]) -> None:
        self._name = name

    @property
    def file(self) -> TextIO:
        """The stream as it is now."""
        file: TextIO = getattr(sys, self._name)
        return file

    def print(self, text: str = "", *, style: Style | None = None) -> None:
        """Write ``text`` and a newline, in ``style`` where :func:`styled` allows."""
        file = self.file
        file.write((styled(text, style, file) if style else text) + "\n")
        file.flush()

    def labelled(self, label: str, style: Style, message: str) -> None:
        """Write ``label`` in ``style``, a space and ``message`` (see :func:`printable`)."""
        self.print(f"{styled(label, style, self.file)} {printable(message)}")


err = Stream("stderr")
out = Stream("stdout")  # data, printed as it is


def progress(message: str) -> None:
    """One progress line on stderr, so that stdout stays clean for data."""
    err.labelled("•", "dim", message)


def warn(message: str) -> None:
    """A warning on stderr: something was left out, the command goes on."""
    err.labelled("warning:", "bold yellow", message)


def error(message: str) -> None:
    """An error on stderr, without a traceback."""
    err.labelled("error:", "bold red", message)


def notice(message: str) -> None:
    """A note on stderr: something the user may not expect, nothing went wrong."""
    err.labelled("note:", "bold", message)

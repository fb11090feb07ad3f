"""How the CLI talks to people: progress and errors on stderr, data on stdout."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

# Not a terminal (a pipe, a CI log): wide lines rather than tables folded at 80 columns.
_WIDTH = None if sys.stdout.isatty() else 250

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, markup=False, width=_WIDTH)  # data, printed as it is


def progress(message: str) -> None:
    """One progress line on stderr, so that stdout stays clean for data."""
    err.print(f"[dim]•[/dim] {escape(message)}", soft_wrap=True)


def warn(message: str) -> None:
    """A warning on stderr: something was left out, the command goes on."""
    err.print(f"[bold yellow]warning:[/bold yellow] {escape(message)}", soft_wrap=True)


def error(message: str) -> None:
    """An error on stderr, without a traceback."""
    err.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)


def notice(message: str) -> None:
    """A note on stderr: something the user may not expect, nothing went wrong."""
    err.print(f"[bold]note:[/bold] {escape(message)}", soft_wrap=True)

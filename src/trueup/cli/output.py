"""How the CLI talks to people: progress and errors on stderr, data on stdout."""

from __future__ import annotations

import sys

from rich.console import Console

# Not a terminal (a pipe, a CI log): wide lines rather than tables folded at 80 columns.
_WIDTH = None if sys.stdout.isatty() else 250

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, width=_WIDTH)


def progress(message: str) -> None:
    """One progress line on stderr, so that stdout stays clean for data."""
    err.print(f"[dim]•[/dim] {message}", soft_wrap=True)


def error(message: str) -> None:
    """An error on stderr, without a traceback."""
    err.print(f"[bold red]error:[/bold red] {message}", markup=True, soft_wrap=True)

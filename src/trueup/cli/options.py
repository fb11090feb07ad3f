"""Options and arguments several commands share, each written once.

Imported to declare the commands, so by every run of ``trueup``, ``--help`` included: it
loads nothing but typer (the duration rule loads with the first duration it reads).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer


class Format(StrEnum):
    """How a command prints its data."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


AppArgument = Annotated[str, typer.Argument(metavar="APP", help="The App's metadata.name.")]

OutputOption = Annotated[
    Format,
    typer.Option("--output", "-o", metavar="FORMAT", help="table, json or yaml."),
]


def duration(text: str) -> timedelta:
    """A command-line duration, read exactly as ``spec.timeout`` is: ``90s``, ``2m``, ``1m30s``."""
    from trueup.config import format_duration, parse_duration

    try:
        value = parse_duration(text)
    except ValueError as e:
        raise typer.BadParameter(f"{e}; write a duration such as 90s, 2m or 1m30s") from None
    if value <= timedelta(0):
        shown = format_duration(value)
        raise typer.BadParameter(f"{shown} is not allowed: the duration must be more than zero")
    return value

"""Data output: tables for people, ``-o json`` and ``-o yaml`` for scripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from trueup.cli.options import Format
from trueup.cli.output import out

__all__ = ["Format", "dump", "table"]


def dump(data: Any, fmt: Format) -> None:
    """Print ``data`` as JSON or YAML on stdout."""
    if fmt is Format.JSON:
        out.print(
            orjson.dumps(data, option=orjson.OPT_INDENT_2).decode(), soft_wrap=True, markup=False
        )
    else:
        import yaml  # only for -o yaml

        text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
        out.print(text.rstrip(), soft_wrap=True, markup=False)


def table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    max_widths: Mapping[str, int] | None = None,
) -> None:
    """Print a plain table with a header row.

    A column named in ``max_widths`` wraps its cells at that width (at spaces where it can)
    instead of widening the table: long error messages stay readable in a terminal and in
    a log.
    """
    from rich.table import Table  # only when a table is printed

    widths = max_widths or {}
    grid = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for column in columns:
        grid.add_column(column, overflow="fold", max_width=widths.get(column))
    for row in rows:
        grid.add_row(*row)
    out.print(grid)

"""One document of a manifest file, as the reader yields it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yaml.nodes import Node


@dataclass(frozen=True, slots=True)
class Document:
    """One non-null document: 1-based first line, JSON-ready value, node tree, ``items`` lines.

    ``node`` is None for JSON files; ``item_lines`` are the lines of the entries of a
    top-level ``items`` list (empty when unknown).
    """

    line: int
    data: Any
    node: Node | None
    item_lines: tuple[int, ...]

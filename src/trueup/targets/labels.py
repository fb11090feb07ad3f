"""Kubernetes label selectors (``a=b,c!=d,e,!f,g in (x,y),h notin (z)``) matched in memory.

The in-memory target filters with this the way the API server filters a list or watch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from trueup.errors import TargetError

_SET = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")

Requirement = Callable[[Mapping[str, str]], bool]


def _split(selector: str) -> list[str]:
    # Commas separate requirements except inside the parentheses of a set.
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]


def _requirement(text: str, selector: str) -> Requirement:
    if match := _SET.match(text):
        key, op, values = match[1], match[2], {v.strip() for v in match[3].split(",")}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    for op in ("!=", "==", "="):
        if op in text:
            key, _, value = (part.strip() for part in text.partition(op))
            if op == "!=":
                return lambda labels: labels.get(key) != value
            return lambda labels: labels.get(key) == value
    if text.startswith("!"):
        key = text[1:].strip()
        return lambda labels: key not in labels
    if re.fullmatch(r"[^\s()!=,]+", text):
        return lambda labels: text in labels
    raise TargetError(f"label selector {selector!r}: cannot parse {text!r}", reason="BadRequest")


def parse_selector(selector: str | None) -> Requirement:
    """A predicate over an object's labels; None or '' selects everything."""
    requirements = [_requirement(part, selector or "") for part in _split(selector or "")]
    return lambda labels: all(requirement(labels) for requirement in requirements)

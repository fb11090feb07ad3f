"""Field paths as the API server prints them in server-side apply errors, and removing them.

A path is a chain of ``.field``, ``[key="value",other=1]`` (an item of a list keyed by
its fields, values in JSON), ``[=value]`` (an item of a set) and ``[3]`` (an index), for
example ``.spec.template.spec.containers[name="web"].imagePullPolicyy``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import orjson

from trueup.objects import Object


@dataclass(frozen=True, slots=True)
class _Field:
    name: str


@dataclass(frozen=True, slots=True)
class _Item:
    """A list item: by index, by its key fields, or by its whole value."""

    index: int | None = None
    keys: tuple[tuple[str, Any], ...] = ()
    value: Any = None
    by_value: bool = False

    def matches(self, position: int, item: Any) -> bool:
        if self.index is not None:
            return position == self.index
        if self.by_value:
            return bool(item == self.value)
        return isinstance(item, dict) and all(item.get(k) == v for k, v in self.keys)


_Element = _Field | _Item


def parse_path(text: str) -> list[_Element] | None:
    """The elements of ``text``, or None if it is not a path of that form."""
    elements: list[_Element] = []
    i = 0
    while i < len(text):
        if text[i] == ".":
            end = i + 1
            while end < len(text) and text[end] not in ".[":
                end += 1
            if end == i + 1:
                return None
            elements.append(_Field(text[i + 1 : end]))
            i = end
        elif text[i] == "[":
            end = _closing_bracket(text, i)
            item = _parse_item(text[i + 1 : end]) if end > 0 else None
            if item is None:
                return None
            elements.append(item)
            i = end + 1
        else:
            return None
    return elements or None


def without_fields(obj: Object, paths: tuple[str, ...]) -> Object | None:
    """A copy of ``obj`` without the fields at ``paths``; None if one cannot be found."""
    result = copy.deepcopy(obj)
    for text in paths:
        elements = parse_path(text)
        if not elements or not isinstance(elements[-1], _Field):
            return None
        parent = _walk(result, elements[:-1])
        if not isinstance(parent, dict) or elements[-1].name not in parent:
            return None
        del parent[elements[-1].name]
    return result


def _walk(value: Any, elements: list[_Element]) -> Any:
    for element in elements:
        if isinstance(element, _Field):
            if not isinstance(value, dict):
                return None
            value = value.get(element.name)
        else:
            if not isinstance(value, list):
                return None
            found = [item for n, item in enumerate(value) if element.matches(n, item)]
            if len(found) != 1:
                return None
            value = found[0]
    return value


def _closing_bracket(text: str, start: int) -> int:
    """The index of the ``]`` closing the ``[`` at ``start`` (quotes respected), or -1."""
    quoted = False
    i = start + 1
    while i < len(text):
        char = text[i]
        if quoted and char == "\\":
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "]" and not quoted:
            return i
        i += 1
    return -1


def _split_pairs(text: str) -> list[str]:
    """``a="x,y",b=1`` → ``['a="x,y"', 'b=1']``."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _json(text: str) -> tuple[bool, Any]:
    try:
        return True, orjson.loads(text)
    except orjson.JSONDecodeError:
        return False, None


def _parse_item(text: str) -> _Item | None:
    if text.isdigit():
        return _Item(index=int(text))
    if text.startswith("="):
        ok, value = _json(text[1:])
        return _Item(value=value, by_value=True) if ok else None
    keys = []
    for pair in _split_pairs(text):
        name, sep, raw = pair.partition("=")
        ok, value = _json(raw)
        if not sep or not name or not ok:
            return None
        keys.append((name, value))
    return _Item(keys=tuple(keys)) if keys else None

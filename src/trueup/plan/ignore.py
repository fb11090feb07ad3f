"""Ignore rules (an App's ``spec.ignoreDifferences``): fields whose live value wins over Git.

A rule selects objects by kind (and optionally group, name and namespace) and names fields
by JSON pointer (RFC 6901) or by field manager: every field the live object's
``managedFields`` attribute to a listed manager. :func:`ignore_differences` rewrites each
desired object a rule selects, before the dry-run, so that the object sent carries the
live value of every ignored field Git declares:

- the live object has a value there: Git's value is replaced by the live one, whole (an
  ignored map or list is sent as it is live). Server-side apply then changes nothing
  there, and the dry-run compares equal with the live object, so the field is neither
  overwritten nor reported. Leaving the field out instead would not do: a field trueup
  owned and stops sending is *deleted* by server-side apply.
- the live object has no value there: the field is dropped from the desired object.
- the object does not exist yet (or its live state could not be read): nothing is
  ignored. Git's value is the initial value, which is how a team keeps ``replicas`` in
  Git for the first rollout and lets an autoscaler own it afterwards.

Fields Git does not declare are never added: they are not trueup's, and sending the live
value would make trueup one of their owners. An object's identity (``apiVersion``,
``kind``, name, namespace) and trueup's owner marks are kept as Git and the App say,
whatever a rule names, so ignoring ``/metadata/labels`` cannot make an object anyone
else's. The result is the object actually dry-run, applied and hashed (see
:mod:`trueup.apply.known`), so the warm path stays exact: its hash includes the live
values it carries, and a change of those changes the live ``resourceVersion`` too.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from trueup.errors import PlanError
from trueup.objects import (
    LABEL_APP_NAME,
    LABEL_APP_NAMESPACE,
    TRACKING_ANNOTATION,
    Object,
    ObjectId,
    object_id,
)

Path = tuple[str | int, ...]
"""Where a value sits in one object: mapping keys and list indices."""

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")
_OWNER_MARKS = (
    ("labels", LABEL_APP_NAME),
    ("labels", LABEL_APP_NAMESPACE),
    ("annotations", TRACKING_ANNOTATION),
)


@dataclass(frozen=True, slots=True)
class IgnoreTarget:
    """Which objects a rule applies to: ``kind`` exactly, and each other field when set.

    ``group`` None matches every group ('' is the core group); ``name`` and ``namespace``
    None match every name and namespace.
    """

    kind: str
    group: str | None = None
    name: str | None = None
    namespace: str | None = None

    def matches(self, oid: ObjectId) -> bool:
        """Whether the object ``oid`` is one of this target's."""
        return (
            oid.kind == self.kind
            and self.group in (None, oid.group)
            and self.name in (None, oid.name)
            and self.namespace in (None, oid.namespace)
        )


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """Fields of the objects ``target`` selects whose live value wins over Git's."""

    target: IgnoreTarget
    json_pointers: tuple[str, ...] = ()
    """RFC 6901 pointers (``/spec/replicas``, ``/metadata/annotations/a~1b``)."""
    managers: tuple[str, ...] = ()
    """Field manager names: every field the live object attributes to one is ignored."""


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """The reference tokens of an RFC 6901 JSON pointer, unescaped (``~1`` is ``/``, ``~0``
    is ``~``); a PlanError for text that is not a pointer."""
    if pointer == "":
        return ()
    if not pointer.startswith("/") or _BAD_ESCAPE.search(pointer):
        raise PlanError(
            f"{pointer!r} is not a JSON pointer: it starts with '/', and '~' is written "
            "only as '~0' (for '~') or '~1' (for '/')"
        )
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def ignore_differences(
    objects: Sequence[Object],
    live: Mapping[ObjectId, Object | None],
    rules: Sequence[IgnoreRule],
) -> tuple[Object, ...]:
    """``objects`` with the fields ``rules`` ignore set to their ``live`` values.

    See the module docstring. ``objects`` are never modified: an object a rule changes is
    a new copy, the others are returned as they are (the same dicts).
    """
    if not rules:
        return tuple(objects)
    result = []
    for obj in objects:
        oid = object_id(obj)
        current = live.get(oid)
        selected = [rule for rule in rules if rule.target.matches(oid)]
        result.append(ignore_fields(obj, current, selected) if selected and current else obj)
    return tuple(result)


def ignore_fields(desired: Object, live: Object, rules: Sequence[IgnoreRule]) -> Object:
    """``desired`` (which exists as ``live``) with the fields ``rules`` name set to their
    live values, or dropped where ``live`` has none: a copy when anything changes, and
    ``desired`` itself otherwise. The rules' targets are not checked here."""
    moves: dict[Path, Path | None] = {}
    for rule in rules:
        for pointer in rule.json_pointers:
            tokens = parse_pointer(pointer)
            _note(moves, _locate(desired, tokens), _locate(live, tokens))
        for keys in _managed_leaves(live, frozenset(rule.managers)):
            _note(moves, _follow(desired, keys), _follow(live, keys))
    if not moves:
        return desired
    result = copy.deepcopy(desired)
    replaced = [path for path, source in moves.items() if source is not None]
    # A value replaced whole already carries everything below it from live.
    moves = {
        path: source
        for path, source in moves.items()
        if not any(path[: len(above)] == above and path != above for above in replaced)
    }
    for path, source in moves.items():
        if source is not None:
            _put(result, path, copy.deepcopy(_get(live, source)))
    # Deepest first and the last list index first, so that no removal shifts another.
    for path in sorted((p for p, s in moves.items() if s is None), key=_order, reverse=True):
        _remove(result, path)
    _keep_identity(result, desired)
    return result


def _note(moves: dict[Path, Path | None], desired: Path | None, live: Path | None) -> None:
    """Record that the value at ``desired`` comes from ``live`` (None: is dropped).

    The whole object (the empty path) is never replaced: the live one carries the server's
    bookkeeping, and configuration refuses the empty pointer anyway.
    """
    if desired and moves.get(desired) is None:
        moves[desired] = live


def _locate(doc: Any, tokens: tuple[str, ...]) -> Path | None:
    """The path the pointer ``tokens`` names in ``doc``, or None when nothing is there."""
    path: list[str | int] = []
    for token in tokens:
        step: str | int
        if isinstance(doc, dict) and token in doc:
            step = token
        elif isinstance(doc, list) and _ARRAY_INDEX.fullmatch(token) and int(token) < len(doc):
            step = int(token)
        else:
            return None
        doc = doc[step]
        path.append(step)
    return tuple(path)


def _managed_leaves(live: Object, managers: frozenset[str]) -> Iterator[tuple[str, ...]]:
    """The fieldsV1 keys (``f:spec``, ``k:{"name":"web"}``…) of every field the live
    object attributes to one of ``managers``."""
    if not managers:
        return
    for entry in (live.get("metadata") or {}).get("managedFields") or []:
        if not isinstance(entry, dict) or entry.get("manager") not in managers:
            continue
        if isinstance(fields := entry.get("fieldsV1"), dict):
            yield from _leaves(fields, ())


def _leaves(fields: dict[str, Any], above: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for key, below in fields.items():
        if key == ".":
            continue  # the node itself: its owned children are listed beside it
        children = {k: v for k, v in below.items() if k != "."} if isinstance(below, dict) else {}
        if children:
            yield from _leaves(children, (*above, key))
        else:
            yield (*above, key)


def _follow(doc: Any, keys: tuple[str, ...]) -> Path | None:
    """The path fieldsV1 ``keys`` name in ``doc``, or None when nothing is there.

    ``f:name`` is a mapping key; ``k:{...}`` the list item with those key fields,
    ``v:value`` the list item equal to the value, ``i:N`` the list item at index N.
    """
    path: list[str | int] = []
    for key in keys:
        prefix, _, text = key.partition(":")
        step: str | int | None = None
        if prefix == "f" and isinstance(doc, dict) and text in doc:
            step = text
        elif isinstance(doc, list):
            step = _list_step(doc, prefix, text)
        if step is None:
            return None
        doc = doc[step]
        path.append(step)
    return tuple(path)


def _list_step(items: list[Any], prefix: str, text: str) -> int | None:
    if prefix == "i":
        return int(text) if _ARRAY_INDEX.fullmatch(text) and int(text) < len(items) else None
    try:
        wanted = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    for index, item in enumerate(items):
        if prefix == "v" and item == wanted:
            return index
        if (
            prefix == "k"
            and isinstance(item, dict)
            and isinstance(wanted, dict)
            and all(item.get(name) == value for name, value in wanted.items())
        ):
            return index
    return None


def _get(doc: Any, path: Path) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _put(doc: Any, path: Path, value: Any) -> None:
    _get(doc, path[:-1])[path[-1]] = value


def _remove(doc: Any, path: Path) -> None:
    parent = doc
    for step in path[:-1]:
        if not _has(parent, step):
            return  # a parent was dropped already
        parent = parent[step]
    if _has(parent, path[-1]):
        del parent[path[-1]]


def _has(doc: Any, step: str | int) -> bool:
    if isinstance(step, int):
        return isinstance(doc, list) and step < len(doc)
    return isinstance(doc, dict) and step in doc


def _order(path: Path) -> tuple[tuple[int, str, int], ...]:
    """A sort key for paths that mix keys and indices (indices compare as numbers)."""
    return tuple((1, "", step) if isinstance(step, int) else (0, step, 0) for step in path)


def _keep_identity(result: Object, desired: Object) -> None:
    """Put back what no rule may change: identity and trueup's owner marks."""
    result["apiVersion"], result["kind"] = desired["apiVersion"], desired["kind"]
    wanted = desired.get("metadata") or {}
    if not isinstance(result.get("metadata"), dict):
        result["metadata"] = {}
    metadata = result["metadata"]
    for field in ("name", "namespace"):
        if field in wanted:
            metadata[field] = wanted[field]
    for section, key in _OWNER_MARKS:
        marks = wanted.get(section) or {}
        if key in marks:
            if not isinstance(metadata.get(section), dict):
                metadata[section] = {}
            metadata[section][key] = marks[key]

"""Drift: which fields Git declares differ on the live object, and who the object says changed them.

A watch event only says that an object changed; whether it drifted is decided by comparing
a server dry-run of the desired object with the live one (:func:`~trueup.plan.differs`).
This module explains a drift once it is known:

- :func:`changed_fields` names the fields, among those the desired object declares, whose
  live value differs (or is missing). Fields only the live object has (status, defaults,
  labels others added) are not drift.
- :func:`drift_authors` reads ``metadata.managedFields`` for the managers other than
  trueup's own that now own those fields: after ``kubectl edit`` the edited field belongs
  to ``kubectl-edit`` (operation ``Update``), not to trueup. The object names a manager and
  a time, never a person: that needs the API server's audit log. A field that was removed
  is owned by no one, and a deleted object keeps no record at all.
- :func:`describe` says both in one line for an event.

Paths print as the API server prints them (``.spec.replicas``,
``.spec.template.spec.containers[name="web"].image``); they are kept as
:class:`FieldPath` values because a label key such as ``trueup.dev/app`` makes the printed
form ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from trueup.objects import FIELD_MANAGER, Object, ObjectId, parse_time
from trueup.plan.normalize import normalize

Scalar = str | int | float | bool

LIST_KEYS: tuple[tuple[str, ...], ...] = (
    ("containerPort", "protocol"),
    ("port", "protocol"),
    ("mountPath",),
    ("name",),
)
"""The fields that identify an item of a list of maps, tried in order: a list whose items
all carry the first field of one of them, with no two alike, is compared item by item
(containers, env, volumes by ``name``; container ports by ``containerPort``; Service ports
by ``port``; volume mounts by ``mountPath``). Any other list is compared as a whole."""


@dataclass(frozen=True, slots=True)
class ListKey:
    """One item of a keyed list, named by its key fields: ``[name="web"]``."""

    fields: tuple[tuple[str, Scalar], ...]

    def matches(self, item: Any) -> bool:
        """True when ``item`` is a map with these key values (it may have more key fields)."""
        return isinstance(item, dict) and all(item.get(k) == v for k, v in self.fields)

    def __str__(self) -> str:
        return "[" + ",".join(f"{k}={orjson.dumps(v).decode()}" for k, v in self.fields) + "]"


@dataclass(frozen=True, slots=True)
class FieldPath:
    """Where a field sits in an object: map keys and keyed list items, from the top."""

    elements: tuple[str | ListKey, ...]

    def __str__(self) -> str:
        text = "".join(f".{e}" if isinstance(e, str) else str(e) for e in self.elements)
        return text or "."


@dataclass(frozen=True, slots=True)
class FieldOwner:
    """A field manager (other than trueup) that owns some of the drifted fields."""

    manager: str
    """The name the writer gave: ``kubectl-edit``, ``kubectl-patch``, a controller's name."""
    operation: str
    """``Apply`` (server-side apply) or ``Update`` (create, update, patch, edit)."""
    subresource: str
    """The subresource written through (``scale``, ``status``), '' for the object itself."""
    time: datetime | None
    """When this manager last changed its fields, as the object records it (UTC)."""
    paths: tuple[FieldPath, ...]
    """The drifted fields it owns."""

    def __str__(self) -> str:
        how = self.operation + (f", {self.subresource} subresource" if self.subresource else "")
        when = f" at {self.time.strftime('%Y-%m-%dT%H:%M:%SZ')}" if self.time else ""
        return f"{self.manager} ({how}){when}"


def changed_fields(desired: Object, live: Object) -> tuple[FieldPath, ...]:
    """The fields ``desired`` declares whose live value differs or is missing, in its order.

    ``desired`` is the server dry-run of the desired object (best: quantities and other
    values come back in the server's own spelling) or the prepared manifest. Status and the
    metadata the server maintains are ignored, and so is a field ``desired`` sets to null.
    """
    found: list[FieldPath] = []
    _compare(normalize(desired), normalize(live), (), found)
    return tuple(found)


def drift_authors(
    live: Object, paths: Iterable[FieldPath], own_manager: str = FIELD_MANAGER
) -> tuple[FieldOwner, ...]:
    """The managers of ``live`` other than ``own_manager`` that own any of ``paths``.

    One result per ``managedFields`` entry (a manager writing through a subresource has an
    entry of its own), newest first; entries without a time come last.
    """
    wanted = tuple(paths)
    metadata = live.get("metadata")
    entries = metadata.get("managedFields") if isinstance(metadata, dict) else None
    owners: list[FieldOwner] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("manager") == own_manager:
            continue
        fields = entry.get("fieldsV1")
        owned = tuple(p for p in wanted if isinstance(fields, dict) and _owns(fields, p))
        if owned:
            owners.append(
                FieldOwner(
                    manager=str(entry.get("manager") or "an unnamed manager"),
                    operation=str(entry.get("operation") or ""),
                    subresource=str(entry.get("subresource") or ""),
                    time=parse_time(entry.get("time")),
                    paths=owned,
                )
            )
    oldest = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(owners, key=lambda owner: owner.time or oldest, reverse=True))


def describe(
    oid: ObjectId,
    paths: Iterable[FieldPath],
    authors: Iterable[FieldOwner],
    *,
    deleted: bool = False,
) -> str:
    """One line for an event: what drifted on ``oid`` and who the object says did it.

    Each path is credited to the newest author that owns it.
    """
    if deleted:
        return f"{oid} was deleted (the object keeps no record of who deleted it)"
    remaining = list(paths)
    parts: list[str] = []
    for author in authors:
        mine = [p for p in remaining if p in author.paths]
        if mine:
            parts.append(f"{_listed(mine)} changed by {author}")
            remaining = [p for p in remaining if p not in mine]
    if remaining:
        parts.append(f"{_listed(remaining)} changed; the object does not say by whom")
    if not parts:
        return f"{oid}: differs from what Git declares"
    return f"{oid}: " + "; ".join(parts)


def _listed(paths: list[FieldPath]) -> str:
    return ", ".join(str(p) for p in paths)


def _compare(want: Any, have: Any, at: tuple[str | ListKey, ...], found: list[FieldPath]) -> None:
    if isinstance(want, dict) and isinstance(have, dict):
        for name, value in want.items():
            if value is None:
                continue  # null in a manifest leaves the field unset
            if name not in have:
                found.append(FieldPath((*at, name)))
            else:
                _compare(value, have[name], (*at, name), found)
    elif isinstance(want, list) and isinstance(have, list) and (keys := _list_key(want)):
        for item in want:
            key = ListKey(tuple((k, item[k]) for k in keys if k in item))
            match = next((candidate for candidate in have if key.matches(candidate)), None)
            if match is None:
                found.append(FieldPath((*at, key)))
            else:
                _compare(item, match, (*at, key), found)
    elif want != have:
        found.append(FieldPath(at))


def _list_key(items: list[Any]) -> tuple[str, ...] | None:
    """The key fields of a list of maps (see :data:`LIST_KEYS`), or None to compare it whole."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for keys in LIST_KEYS:
        if not all(isinstance(item.get(keys[0]), Scalar) for item in items):
            continue
        if not all(isinstance(item.get(k), Scalar | None) for item in items for k in keys):
            continue
        values = [tuple(item.get(k) for k in keys) for item in items]
        if len(set(values)) == len(values):
            return keys
    return None


def _owns(fields: dict[str, Any], path: FieldPath) -> bool:
    """True when a ``fieldsV1`` set owns the field at ``path``, or an atomic value around it."""
    node: Any = fields
    for element in path.elements:
        if not isinstance(node, dict) or not node:
            return bool(node == {} and node is not fields)
        node = _child(node, element)
        if node is None:
            return False
    return True


def _child(node: dict[str, Any], element: str | ListKey) -> Any:
    if isinstance(element, str):
        return node.get(f"f:{element}")
    for name, child in node.items():
        if name.startswith("k:"):
            try:
                item = orjson.loads(name[2:])
            except orjson.JSONDecodeError:
                continue
            if element.matches(item):
                return child
    return None

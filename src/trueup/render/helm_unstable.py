"""Unstable chart fields: what differs between two renders of the same chart and inputs.

Templates that call ``randAlphaNum``, ``genCA`` or ``now`` give another value at every
render; applied as rendered, such a field would be rewritten at every sync and the App
would never be in sync. A chart is therefore rendered twice, and every field whose value
differs between the two renders is reported, naming the object and the field (a JSON
pointer), with the semantics of ``spec.ignoreDifferences`` (see ``plan.ignore``): the
first render's value is the initial value of a new object, and afterwards the live value
wins. The render returns them in ``Rendered.unstable``; :func:`unstable_rules` gives them
as the plan's ignore rules and :func:`unstable_warnings` as the warnings the engine reports.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from trueup.objects import Object, ObjectId, Origin, object_id
from trueup.plan.ignore import IgnoreRule, IgnoreTarget
from trueup.render.options import Rendered


@dataclass(frozen=True, slots=True)
class Unstable:
    """A field of a rendered object that two renders gave different values."""

    object: ObjectId
    pointer: str
    origin: Origin

    def __str__(self) -> str:
        return (
            f"{self.origin}: {self.object} field {self.pointer} changes at every render "
            "(random or time-based template); trueup keeps its live value"
        )


def unstable_fields(
    first: Sequence[tuple[Object, Origin]], second: Sequence[tuple[Object, Origin]]
) -> tuple[Unstable, ...]:
    """Every field of ``first``'s objects that ``second`` (matched by id) gives another value.

    An object only one render produced is not reported field by field: it has no stable id
    to ignore fields of, and its whole path ``""`` is reported instead.
    """
    others = {object_id(obj): obj for obj, _origin in second}
    found: list[Unstable] = []
    for obj, origin in first:
        oid = object_id(obj)
        other = others.get(oid)
        if other is None:
            found.append(Unstable(oid, "", origin))
            continue
        found.extend(Unstable(oid, pointer, origin) for pointer in _differences(obj, other, ""))
    return tuple(found)


def _differences(a: Any, b: Any, at: str) -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            yield from _differences(a.get(key), b.get(key), f"{at}/{_escaped(str(key))}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _differences(x, y, f"{at}/{index}")
    elif a != b:
        yield at


def _escaped(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def unstable_rules(unstable: Sequence[tuple[ObjectId, str]]) -> tuple[IgnoreRule, ...]:
    """One ignore rule per object with unstable fields (``Rendered.unstable``)."""
    pointers: dict[ObjectId, list[str]] = {}
    for oid, pointer in unstable:
        pointers.setdefault(oid, []).append(pointer)
    return tuple(
        IgnoreRule(IgnoreTarget(oid.kind, oid.group, oid.name, oid.namespace or None), tuple(found))
        for oid, found in pointers.items()
    )


def unstable_warnings(rendered: Rendered) -> tuple[str, ...]:
    """One warning per object with unstable fields, naming its origin and the fields."""
    pointers: dict[ObjectId, list[str]] = {}
    for oid, pointer in rendered.unstable:
        pointers.setdefault(oid, []).append(pointer)
    return tuple(
        f"{rendered.origins.get(oid, '(chart)')}: {oid}: fields {', '.join(found)} change at "
        "every render (random or time-based templates); their live values are kept"
        for oid, found in pointers.items()
    )

"""Objects a person names, to sync only those: ``--object Kind/namespace/name``.

A sync may be limited to some of the objects its revision renders (Argo CD calls it a
selective sync). Such objects are named as ids print: ``Kind/namespace/name``, or
``Kind/name`` for a cluster-scoped object; the API group may follow the kind, as kubectl
writes it (``Deployment.apps/shop/web``), where two kinds of one name would otherwise
both match. :func:`parse_object_name` is the one reader of that text (for the CLI and the
HTTP API alike); :func:`select` finds each name among the objects an App renders, or
refuses, naming what it does not render and what it does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from trueup.errors import ConfigError
from trueup.objects import ObjectId
from trueup.words import counted

FORMS = "Kind/namespace/name, or Kind/name for a cluster-scoped object"
"""How an object is named, for messages."""

_LISTED = 20
"""At most this many of an App's objects are listed in a refusal."""

_NAMED = 3
"""A partial sync's summary names up to this many objects, else counts them."""


@dataclass(frozen=True, order=True, slots=True)
class ObjectName:
    """An object as a person names it: kind, namespace ('' for cluster-scoped), name, and
    the API group when given (None: whichever group has that kind)."""

    kind: str
    namespace: str
    name: str
    group: str | None = None

    def __str__(self) -> str:
        kind = self.kind if self.group is None else f"{self.kind}.{self.group}"
        return "/".join(part for part in (kind, self.namespace, self.name) if part)

    def matches(self, oid: ObjectId) -> bool:
        """Whether ``oid`` is the object this name stands for."""
        same = (oid.kind, oid.namespace, oid.name) == (self.kind, self.namespace, self.name)
        return same and (self.group is None or oid.group == self.group)


def parse_object_name(text: str) -> ObjectName:
    """The object ``text`` names (see the module); ConfigError saying how to write it."""
    parts = text.strip().split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise ConfigError(
            f"{text!r} does not name an object: write {FORMS} (such as ConfigMap/shop/settings)"
        )
    kind, dot, group = parts[0].partition(".")
    if not kind or (dot and not group):
        raise ConfigError(
            f"{text!r} does not name an object: {parts[0]!r} is not a kind, written Kind or "
            "Kind.group (such as Deployment or Deployment.apps)"
        )
    namespace = parts[1] if len(parts) == 3 else ""
    return ObjectName(kind, namespace, parts[-1], group if dot else None)


def select(
    rendered: Iterable[ObjectId], names: Collection[ObjectName], app: str
) -> frozenset[ObjectId]:
    """The ids of ``rendered`` (the objects App ``app`` renders, namespaces defaulted) that
    ``names`` stand for; ConfigError naming each one it does not render (or that matches
    two kinds), and what it does render."""
    ids = sorted(set(rendered))
    found: set[ObjectId] = set()
    missing: list[str] = []
    for name in sorted(names):
        matched = [oid for oid in ids if name.matches(oid)]
        if len(matched) > 1:
            both = ", ".join(_written(oid) for oid in matched)
            raise ConfigError(
                f"{name} names {len(matched)} objects of {app} ({both}): add the API group to "
                "the kind, written as one of those"
            )
        if matched:
            found.update(matched)
        else:
            missing.append(str(name))
    if missing:
        raise ConfigError(f"{app} does not render {', '.join(missing)}; {_listing(ids)}")
    return frozenset(found)


def partial_summary(only: Collection[ObjectId], summary: str) -> str:
    """A partial sync's one-line summary: what it was limited to, then ``summary`` (its
    change set's), such as ``only ConfigMap/shop/a: 1 configured``."""
    if len(only) <= _NAMED:
        named = ", ".join(str(oid) for oid in sorted(only))
    else:
        named = counted(len(only), "named object")
    return f"only {named}: {summary}"


def _written(oid: ObjectId) -> str:
    """``oid`` as written with its group, the form that names it alone."""
    written = ObjectName(oid.kind, oid.namespace, oid.name, oid.group or None)
    return str(written)


def _listing(ids: list[ObjectId]) -> str:
    if not ids:
        return "it renders no objects at this revision"
    shown = ", ".join(str(oid) for oid in ids[:_LISTED])
    more = f", … ({len(ids)} in all)" if len(ids) > _LISTED else ""
    return f"it renders {shown}{more} (name one as {FORMS})"

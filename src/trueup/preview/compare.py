"""Two renders of one App compared object by object: what merging would create, change
and prune. Pure.

Objects are matched by their id as rendered (the namespace a manifest names, none where it
names none): no cluster is needed to tell which kinds are namespaced, and both sides are
treated alike. Each diff is made as ``diff`` makes its own (server noise removed, Secret
values masked against each other, keys sorted), headed ``base/<id>`` and ``ref/<id>``, then
every value taken from a secret place is masked in it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from trueup.masking import Masker
from trueup.objects import Object, ObjectId, object_id
from trueup.plan import comparable
from trueup.plan.diff import to_yaml


class Change(StrEnum):
    """What merging does to one object."""

    CREATED = "created"
    CHANGED = "changed"
    PRUNED = "pruned"


@dataclass(frozen=True, slots=True)
class ObjectDiff:
    """One object that differs between the base and the ref, and the diff, masked."""

    id: ObjectId
    change: Change
    diff: str


@dataclass(frozen=True, slots=True)
class AppPreview:
    """One App compared at the base and at the ref.

    ``error`` says why the App could not be rendered at the ref (then ``changes`` is
    empty); ``base_error`` why not at the base (every object at the ref is then shown as
    created, and the App is always previewed, as its read-set is unknown).
    """

    app: str
    changes: tuple[ObjectDiff, ...] = ()
    error: str = ""
    base_error: str = ""

    def count(self, change: Change) -> int:
        """How many objects merging would ``change``."""
        return sum(1 for diff in self.changes if diff.change is change)

    @property
    def summary(self) -> str:
        """``1 created, 2 changed, 0 pruned``, or the error."""
        if self.error:
            return "render failed at the ref"
        return ", ".join(f"{self.count(change)} {change.value}" for change in Change)


def compare_renders(
    base: Sequence[Object], head: Sequence[Object], masked: Iterable[str] = ()
) -> tuple[ObjectDiff, ...]:
    """Every object of ``base`` or ``head`` that differs, in id order; ``masked``: values
    to hide wherever they appear (``Rendered.masked_values`` of both)."""
    before = {object_id(obj): obj for obj in base}
    after = {object_id(obj): obj for obj in head}
    masker = Masker(masked)
    found = []
    for oid in sorted(before.keys() | after.keys()):
        old, new = comparable(before.get(oid), after.get(oid))
        text = "".join(
            difflib.unified_diff(
                to_yaml(old).splitlines(keepends=True),
                to_yaml(new).splitlines(keepends=True),
                fromfile=f"base/{oid}",
                tofile=f"ref/{oid}",
            )
        )
        if not text:
            continue
        change = Change.CREATED if old is None else Change.PRUNED if new is None else Change.CHANGED
        found.append(ObjectDiff(oid, change, masker.whole(text)))
    return tuple(found)

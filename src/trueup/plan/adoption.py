"""Before anything is applied: which live objects the App may take, and which it may not.

For every desired object that already exists (see :func:`~trueup.plan.ownership.claim_of`):

- this App's (tracked, or labelled by an earlier version): applied as usual;
- without trueup's identity (or with a copied one): **adopted** when the App allows it
  (``spec.adopt``, the default) or the object in Git is annotated
  ``trueup.dev/takeover: "true"``, else a conflict;
- another App's: a conflict, unless the object in Git is annotated
  ``trueup.dev/takeover: "true"``; then it is taken over, and the change set says from whom.

Objects an opt-out annotation keeps apply away from (see :mod:`trueup.plan.opt_outs`) are
never touched, so they are neither adopted nor in conflict. Any conflict fails the whole
sync before anything is applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from trueup.objects import TAKEOVER_ANNOTATION, Object, ObjectId, object_id
from trueup.plan.opt_outs import leave_alone
from trueup.plan.ownership import AppRef, Claim, annotations_of, claim_of

_CONFLICT_LIMIT = 5
"""Conflicts named in one message; the rest are counted."""


@dataclass(frozen=True, slots=True)
class AdoptionPlan:
    """Existing objects this App takes (id → why), and the objects it may not take."""

    adopted: Mapping[ObjectId, str] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()

    def error(self) -> str:
        """One message naming the conflicts, or '' when there are none."""
        if not self.conflicts:
            return ""
        named = "; ".join(self.conflicts[:_CONFLICT_LIMIT])
        more = len(self.conflicts) - _CONFLICT_LIMIT
        return f"{named}{f' (and {more} more)' if more > 0 else ''}; nothing was applied"


def plan_adoption(
    objects: Iterable[Object],
    live: Mapping[ObjectId, Object | None],
    app: AppRef,
    *,
    adopt: bool,
) -> AdoptionPlan:
    """Decide, for each of ``objects`` found in ``live``, whether ``app`` may take it."""
    adopted: dict[ObjectId, str] = {}
    conflicts: list[str] = []
    for obj in objects:
        oid = object_id(obj)
        current = live.get(oid)
        if current is None or leave_alone(obj, current):
            continue
        ownership = claim_of(current, app)
        if ownership.ours:
            continue
        if ownership.claim is Claim.FOREIGN:
            if annotations_of(obj).get(TAKEOVER_ANNOTATION) == "true":
                adopted[oid] = f"taken over from {ownership.owner}"
            else:
                conflicts.append(
                    f"{oid} belongs to {ownership.owner}; remove it from one of the two "
                    f'apps, or annotate it {TAKEOVER_ANNOTATION}: "true" in Git to take it over'
                )
            continue
        found = (
            "without trueup's identity"
            if ownership.claim is Claim.UNOWNED
            else f"with the tracking annotation of another object ({ownership.owner})"
        )
        if adopt or annotations_of(obj).get(TAKEOVER_ANNOTATION) == "true":
            adopted[oid] = f"adopted: it existed {found}"
        else:
            conflicts.append(
                f"{oid} exists {found} and {app} does not adopt objects (spec.adopt: false); "
                "delete it, or allow adoption"
            )
    return AdoptionPlan(adopted, tuple(conflicts))

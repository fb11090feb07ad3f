"""Which objects to prune, which to keep, and what the next inventory holds.

Prune deletes an object only when all of these hold:

- it is in the app's previous inventory (an object labelled by hand with trueup's labels
  but never applied by this app is never even looked at);
- it is absent from the desired objects now;
- it is still live;
- both owner labels still name this app (someone who relabelled it took it over);
- it is not annotated ``trueup.dev/prune: disabled``.

Safety: prune disabled, a source that could not be read, or an empty render (unless the
app allows an empty render) delete nothing and keep every candidate in the inventory, so
that nothing is forgotten. A source that could not be read never prunes, whatever
``allow_empty`` says: an unreachable Git server must not look like a deleted app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from trueup.objects import Object, ObjectId
from trueup.plan.order import deletion_order_of_ids
from trueup.plan.ownership import AppRef, owner_of

PRUNE_ANNOTATION = "trueup.dev/prune"
"""Annotation that protects a live object from prune when set to ``disabled``."""


class PruneAction(StrEnum):
    """What prune does with one candidate, and whether it stays in the inventory."""

    DELETE = "delete"
    """Delete it; it leaves the inventory once the delete succeeds."""
    KEEP = "keep"
    """Leave it alone and keep it in the inventory, to be pruned later."""
    RELEASE = "release"
    """Leave it alone and drop it from the inventory: it is no longer this app's."""
    GONE = "gone"
    """Already deleted: drop it from the inventory."""


@dataclass(frozen=True, slots=True)
class PruneDecision:
    """The decision for one candidate and why it was taken."""

    id: ObjectId
    action: PruneAction
    reason: str

    def __str__(self) -> str:
        return f"{self.id} {self.action.value}: {self.reason}"


@dataclass(frozen=True, slots=True)
class PrunePlan:
    """Every prune decision of one plan; ``to_delete`` is in deletion order."""

    decisions: tuple[PruneDecision, ...]
    still_desired: frozenset[ObjectId] = frozenset()
    """Ids in the previous inventory that are desired again: they stay in the inventory."""

    @property
    def to_delete(self) -> tuple[ObjectId, ...]:
        """The ids to delete, in deletion order (reverse apply order)."""
        return tuple(d.id for d in self.decisions if d.action is PruneAction.DELETE)

    @property
    def skipped(self) -> tuple[PruneDecision, ...]:
        """Candidates left alone (kept or released), with the reason."""
        left_alone = (PruneAction.KEEP, PruneAction.RELEASE)
        return tuple(d for d in self.decisions if d.action in left_alone)

    @property
    def gone(self) -> tuple[ObjectId, ...]:
        """Candidates that were already deleted."""
        return tuple(d.id for d in self.decisions if d.action is PruneAction.GONE)

    def next_inventory(
        self, applied_ids: Iterable[ObjectId], failed_deletes: Iterable[ObjectId] = ()
    ) -> tuple[ObjectId, ...]:
        """The inventory after this plan is carried out, sorted.

        It holds what was applied, what was ours and is desired again (even if its apply
        failed this time), what prune kept, and every prune that failed, so that the
        failed prune is retried next time.
        """
        kept = {d.id for d in self.decisions if d.action is PruneAction.KEEP}
        return tuple(sorted({*applied_ids, *self.still_desired, *kept, *failed_deletes}))


def plan_prune(
    previous_inventory: Iterable[ObjectId],
    desired: Iterable[ObjectId],
    live: Mapping[ObjectId, Object | None],
    app: AppRef,
    *,
    prune_enabled: bool,
    render_empty: bool,
    source_ok: bool,
    allow_empty: bool,
) -> PrunePlan:
    """Decide, for every id of ``previous_inventory`` not in ``desired``, what prune does.

    ``live`` maps an id to its live object, or to None when the target says it does not
    exist; an id missing from ``live`` has an unknown state and is kept.
    """
    desired_ids = set(desired)
    previous = set(previous_inventory)
    candidates = sorted(previous - desired_ids)
    guard = _guard(prune_enabled, render_empty or not desired_ids, source_ok, allow_empty)

    decisions: list[PruneDecision] = []
    deletable: dict[ObjectId, Object] = {}
    for oid in candidates:
        if guard:
            decisions.append(PruneDecision(oid, PruneAction.KEEP, guard))
            continue
        if oid not in live:
            reason = "its live state is unknown; kept for the next attempt"
            decisions.append(PruneDecision(oid, PruneAction.KEEP, reason))
            continue
        obj = live[oid]
        if obj is None:
            decisions.append(PruneDecision(oid, PruneAction.GONE, "already deleted"))
            continue
        release = _release_reason(obj, app)
        if release:
            decisions.append(PruneDecision(oid, PruneAction.RELEASE, release))
            continue
        deletable[oid] = obj

    deletes = [
        PruneDecision(oid, PruneAction.DELETE, "no longer desired")
        for oid in deletion_order_of_ids(deletable)
    ]
    return PrunePlan(
        decisions=tuple(deletes + decisions), still_desired=frozenset(previous & desired_ids)
    )


def _guard(prune_enabled: bool, render_empty: bool, source_ok: bool, allow_empty: bool) -> str:
    """Why nothing may be pruned this time, or '' when prune may go ahead."""
    if not prune_enabled:
        return "prune is disabled for this app"
    if not source_ok:
        return "the source could not be read; nothing is pruned until it can"
    if render_empty and not allow_empty:
        return (
            "the render produced no objects; nothing is pruned unless the app allows an "
            "empty render"
        )
    return ""


def _release_reason(obj: Object, app: AppRef) -> str:
    owner = owner_of(obj)
    if owner is None:
        return f"its owner labels were removed; no longer managed by app {app}"
    if owner != app:
        return f"its owner labels now name app {owner}; no longer managed by app {app}"
    annotations = (obj.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict) and annotations.get(PRUNE_ANNOTATION) == "disabled":
        return f"annotated {PRUNE_ANNOTATION}: disabled"
    return ""

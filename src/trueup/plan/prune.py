"""Which objects to prune, which to keep, and what the next inventory holds.

Prune deletes an object only when all of these hold:

- it is in the app's previous inventory (an object labelled by hand with trueup's labels
  but never applied by this app is never even looked at);
- it is absent from the desired objects now;
- it is still live;
- it is still this app's (see :func:`~trueup.plan.ownership.claim_of`: someone who
  relabelled it, or another App that took it over, owns it now);
- no opt-out annotation keeps it (``trueup.dev/prune: disabled``,
  ``helm.sh/resource-policy: keep``, ``trueup.dev/ssa: Ignore``);
- deleting it does not cascade to objects this app did not apply: a Namespace or a
  CustomResourceDefinition that still holds such objects is kept (and stays in the
  inventory) unless the app allows it (``allow_cascade``).

Safety: prune disabled, a source that could not be read, or an empty render (unless the
app allows an empty render) delete nothing and keep every candidate in the inventory, so
that nothing is forgotten. A source that could not be read never prunes, whatever
``allow_empty`` says: an unreachable Git server must not look like a deleted app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from trueup.objects import PRUNE_ANNOTATION, Object, ObjectId, object_id
from trueup.plan.opt_outs import keep_when_dropped
from trueup.plan.order import deletion_order_of_ids
from trueup.plan.ownership import AppRef, Claim, claim_of

__all__ = ["PRUNE_ANNOTATION", "PruneAction", "PruneDecision", "PrunePlan", "plan_prune"]

_NAMESPACE = ("", "Namespace")
_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")

DERIVED_KINDS = frozenset(
    {
        ("", "Event"),
        ("events.k8s.io", "Event"),
        ("", "Endpoints"),
        ("discovery.k8s.io", "EndpointSlice"),
    }
)
"""Kinds the cluster makes by itself for what lives in a namespace; never anyone's own."""

_NAMESPACE_DEFAULTS = frozenset(
    {("", "ConfigMap", "kube-root-ca.crt"), ("", "ServiceAccount", "default")}
)
"""Objects the cluster puts into every namespace."""

_NAMED_LIMIT = 3


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
        self, applied_ids: Iterable[ObjectId], deleted: Iterable[ObjectId] = ()
    ) -> tuple[ObjectId, ...]:
        """The inventory after this plan is carried out (or not), sorted.

        It holds what was applied, what was ours and is desired again (even if its apply
        failed this time), what prune kept, and every prune not in ``deleted`` (the
        deletes that succeeded): a prune that failed, or never ran because the apply
        failed, is retried next time. An object leaves only once it is gone, or no
        longer this app's.
        """
        gone = set(deleted)
        kept = {
            d.id
            for d in self.decisions
            if d.action is PruneAction.KEEP or (d.action is PruneAction.DELETE and d.id not in gone)
        }
        return tuple(sorted({*applied_ids, *self.still_desired, *kept}))


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
    holdings: Mapping[ObjectId, Sequence[Object]] | None = None,
    allow_cascade: bool = False,
) -> PrunePlan:
    """Decide, for every id of ``previous_inventory`` not in ``desired``, what prune does.

    ``live`` maps an id to its live object, or to None when the target says it does not
    exist; an id missing from ``live`` has an unknown state and is kept. ``holdings``
    maps each candidate whose deletion cascades (see :func:`cascades`) to the objects it
    holds; one missing there could not be read and is kept unless ``allow_cascade``.
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
        held = _cascade_reason(oid, holdings or {}, previous) if not allow_cascade else ""
        if held:
            decisions.append(PruneDecision(oid, PruneAction.KEEP, held))
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
    ownership = claim_of(obj, app)
    if ownership.claim is Claim.UNOWNED:
        return f"its owner labels were removed; no longer managed by {app}"
    if ownership.claim is Claim.COPY:
        return f"its tracking annotation names {ownership.owner}; no longer managed by {app}"
    if ownership.claim is Claim.FOREIGN:
        return f"it now belongs to {ownership.owner}; no longer managed by {app}"
    return keep_when_dropped(obj)


def cascades(oid: ObjectId) -> bool:
    """Whether deleting ``oid`` deletes other objects with it (a Namespace, a CRD)."""
    return (oid.group, oid.kind) in (_NAMESPACE, _CRD)


def foreign_held(held: Iterable[Object], inventory: Iterable[ObjectId]) -> list[ObjectId]:
    """The objects among ``held`` that the app did not apply, sorted.

    Objects the cluster derives by itself (with an owner reference, events, endpoints, and
    the defaults of every namespace) do not count: they go with what made them.
    """
    ours = set(inventory)
    foreign = []
    for obj in held:
        oid = object_id(obj)
        metadata = obj.get("metadata") or {}
        derived = bool(metadata.get("ownerReferences")) or (oid.group, oid.kind) in DERIVED_KINDS
        if oid in ours or derived or (oid.group, oid.kind, oid.name) in _NAMESPACE_DEFAULTS:
            continue
        foreign.append(oid)
    return sorted(foreign)


def _cascade_reason(
    oid: ObjectId, holdings: Mapping[ObjectId, Sequence[Object]], inventory: set[ObjectId]
) -> str:
    """Why deleting ``oid`` would take objects this app did not apply with it, or ''."""
    if not cascades(oid):
        return ""
    hint = "; kept until they are gone, or set spec.allowCascade: true on the App"
    if oid not in holdings:
        return f"what it holds could not be read{hint}"
    foreign = foreign_held(holdings[oid], inventory)
    if not foreign:
        return ""
    named = ", ".join(str(f) for f in foreign[:_NAMED_LIMIT])
    more = f" and {len(foreign) - _NAMED_LIMIT} more" if len(foreign) > _NAMED_LIMIT else ""
    return f"it holds objects this app did not apply ({named}{more}){hint}"

"""Delete what a prune plan decided to delete, in its order, and report each outcome.

``plan.to_delete`` is already in deletion order (the reverse of the apply order), so the
objects are deleted kind by kind in that order; the objects of one kind have no order
among themselves and are deleted concurrently. Every delete carries the uid of the live
object that was judged, so an object re-created since (by someone else) is left alone.

A refused delete (an admission webhook, a missing permission) does not stop the others:
it is ``failed`` with the server's reason and listed in ``failed_deletes``, so that the
engine keeps it in the inventory and tries again next time. An object already gone is
pruned all the same. A dry run deletes nothing and reports what it would delete.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby

from trueup.apply.bounded import map_bounded
from trueup.apply.model import ApplyOptions, ApplyResult, server_reason
from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.errors import TargetError
from trueup.failure import Failure, Reason, reason_of
from trueup.objects import Object, ObjectId
from trueup.plan import PrunePlan
from trueup.targets import Target


async def prune(
    target: Target,
    plan: PrunePlan,
    live: Mapping[ObjectId, Object | None],
    options: ApplyOptions,
) -> ApplyResult:
    """Delete ``plan.to_delete`` (see the module docstring); raises only when unreachable."""
    if options.dry_run:
        would = tuple(ObjectChange(oid, Action.PRUNED, "dry run") for oid in plan.to_delete)
        return ApplyResult(changes=ChangeSet(would))

    reasons = {decision.id: decision.reason for decision in plan.decisions}

    causes: dict[ObjectId, Reason] = {}

    async def delete(oid: ObjectId) -> ObjectChange:
        current = live.get(oid)
        uid = str((current or {}).get("metadata", {}).get("uid") or "") or None
        try:
            existed = await target.delete(current or oid, uid=uid)
        except TargetError as error:
            causes[oid] = reason_of(error)
            return ObjectChange(oid, Action.FAILED, server_reason(error, oid))
        return ObjectChange(oid, Action.PRUNED, reasons.get(oid, "") if existed else "already gone")

    changes: list[ObjectChange] = []
    for _kind, ids in groupby(plan.to_delete, key=lambda oid: (oid.group, oid.kind)):
        changes.extend(await map_bounded(delete, ids, options.concurrency))

    failed = [change for change in changes if change.action is Action.FAILED]
    failure = None
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        message = f"{first.id} could not be pruned: {first.reason}{more}"
        failure = Failure(causes[first.id], message)
    return ApplyResult(
        changes=ChangeSet(tuple(changes)),
        failed_deletes=tuple(change.id for change in failed),
        failure=failure,
    )

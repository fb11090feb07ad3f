"""Delete an object and create it again: the way past a change to an immutable field.

Only ever once per object and apply: if the new object is refused too, that is reported,
never retried in a loop. The delete carries the live uid as a precondition, so an object
someone else re-created in the meantime is left alone, and the create waits until the
old object is really gone (its finalizers done), bounded by ``within`` seconds.
"""

from __future__ import annotations

import asyncio

from trueup.apply.model import server_reason
from trueup.errors import TargetError
from trueup.objects import Object, object_id
from trueup.targets import Applied, FieldValidation, Target

POLL_INTERVAL = 0.25
"""Seconds between checks whether the deleted object is gone."""


async def recreate(
    target: Target,
    obj: Object,
    live: Object | None,
    *,
    within: float,
    field_validation: FieldValidation = FieldValidation.STRICT,
) -> Applied:
    """Delete the live object, wait until it is gone, apply ``obj``; return the new object.

    Raises :class:`~trueup.errors.TargetError` (with the object id and what to do) when the
    delete is refused, when the old object is still there after ``within`` seconds, or
    when the new object is refused; a refusal keeps the class of the target's error.
    """
    oid = object_id(obj)
    uid = str((live or {}).get("metadata", {}).get("uid") or "") or None
    try:
        await target.delete(obj, uid=uid)
    except TargetError as error:
        raise type(error)(
            f"{oid}: could not delete it to re-create it: {server_reason(error, oid)}",
            reason=error.reason,
            object_id=str(oid),
            status=error.status,
        ) from error
    try:
        async with asyncio.timeout(within):
            while True:
                current = await target.get(obj)
                if current is None or (uid and current["metadata"].get("uid") != uid):
                    break
                await asyncio.sleep(POLL_INTERVAL)
    except TimeoutError as error:
        raise TargetError(
            f"{oid}: deleted to re-create it, but it was still there after {within:g}s; "
            "check its finalizers",
            reason="Timeout",
            object_id=str(oid),
        ) from error
    try:
        return await target.apply(obj, dry_run=False, force=True, field_validation=field_validation)
    except TargetError as error:
        raise type(error)(
            f"{oid}: deleted to re-create it, but the new object was refused: "
            + server_reason(error, oid),
            reason=error.reason,
            object_id=str(oid),
            status=error.status,
        ) from error

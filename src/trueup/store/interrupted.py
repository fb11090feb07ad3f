"""Attempts whose process died before finishing them: found, and recorded as ``interrupted``.

A process killed with SIGKILL (or a host that lost power) cannot complete its attempt; the
row it wrote at the start stays ``running``. Any later trueup on the same host that opens
the store finds it, and records it as ``interrupted`` with what is known of it (revision,
target, trigger, the last time it reported progress) once its owner is provably gone
(:meth:`trueup.store.owner.Owner.gone`); an attempt whose owner may still be alive, such as
a daemon's on another host, stays ``running``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from trueup.failure import Reason
from trueup.store.model import Attempt, AttemptResult
from trueup.store.owner import Owner
from trueup.store.protocol import Store


def _owner_gone(owner: Owner) -> bool:
    return owner.gone()


async def mark_interrupted(
    store: Store, *, gone: Callable[[Owner], bool] = _owner_gone
) -> list[Attempt]:
    """Record every running attempt whose owner is provably gone as interrupted; return them.

    Safe to run from several processes at once: an attempt is marked by one of them only.
    """
    marked = []
    # This process's own attempts run on: the store leaves them out (a daemon has several
    # running at any moment), and no pid is looked up in /proc for them.
    for attempt in await store.running_attempts(not_owned_by=str(Owner.current())):
        owner = Owner.parse(attempt.owner)
        if owner is None or not gone(owner):
            continue
        interrupted = dataclasses.replace(
            attempt,
            result=AttemptResult.INTERRUPTED,
            reason=Reason.INTERRUPTED,
            error=(
                f"interrupted: the trueup process running it ({owner}) ended before it "
                f"finished; its last progress was at {attempt.finished_at:%Y-%m-%d %H:%M:%S} "
                "UTC (the next sync converges the target)"
            ),
        )
        if await store.update_attempt(interrupted):
            marked.append(interrupted)
    return marked

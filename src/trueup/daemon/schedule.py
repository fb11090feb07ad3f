"""What the daemon does after a reconcile: when to try the App again, as a pure decision.

A success (or a comparison, for an App with ``autoSync: false``) waits the App's
``interval`` with jitter. A temporary failure (Git or the cluster unreachable, a
dependency not ready yet, a deadline) backs off exponentially, never beyond the interval.
A permanent failure (an invalid object, a refused permission) waits the interval: trying
sooner cannot help, and a new commit or a configuration change enqueues the App at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from trueup.daemon.backoff import Backoff, Random, jittered
from trueup.failure import Failure


class Result(StrEnum):
    """How one reconcile by the daemon ended (the ``result`` label of its metrics)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    COMPARED = "compared"
    """Compared with Git, nothing applied: ``autoSync: false``, ``selfHeal: false`` with
    nothing new, a watch event that was not drift, or an interval that found the App as
    Git says."""
    SKIPPED = "skipped"
    """Suspended: nothing tried, and no timer set until it is resumed."""


@dataclass(frozen=True, slots=True)
class Next:
    """When to reconcile again, and the failure streak that led to it."""

    delay: float | None
    """Seconds from now; None: not on a timer (a suspended App waits to be resumed)."""
    failures: int


def next_run(
    result: Result,
    failure: Failure | None,
    failures: int,
    *,
    interval: float,
    backoff: Backoff,
    rand: Random,
) -> Next:
    """When to run an App again after ``result`` (``failures``: its streak before it)."""
    if result is Result.SKIPPED:
        return Next(None, failures)
    if failure is None:
        return Next(jittered(interval, rand), 0)
    streak = failures + 1
    if failure.temporary:
        return Next(backoff.delay(streak, rand, interval=interval), streak)
    return Next(jittered(interval, rand), streak)


class Mode(StrEnum):
    """What a reconcile by the daemon does to the target."""

    APPLY = "apply"
    COMPARE = "compare"
    """A server dry-run only: the App turns OutOfSync when the target differs."""


MAX_SAME_RENDER = 1_000
"""At most this many revisions are kept in a :class:`SameRender` run: its first, and the
newest. A revision dropped from the middle that was applied outside the daemon counts as
not applied: the next reconcile applies the head, which renders the App alike anyway."""


@dataclass(frozen=True, slots=True)
class SameRender:
    """Revisions of an App's source that render the App alike: the source moved through
    ``revisions`` (oldest first) only by commits that changed nothing the App reads (its
    read-set). Every one of them counts, not only the ends: an App synced outside the daemon
    (``trueup sync``) at a revision in the middle is as applied as at the first.

    Known only to the daemon that saw the moves (kept in memory): after a restart, an App
    whose applied revision is not its source's head counts as not applied yet once more.
    """

    revisions: tuple[str, ...]

    def __contains__(self, revision: object) -> bool:
        return revision in self.revisions


def same_render_after(run: SameRender | None, previous: str, new: str) -> SameRender:
    """The run of revisions alike for an App after its source moved from ``previous`` to
    ``new`` without changing what the App reads: ``run`` extended when ``previous`` is in it
    (``new`` renders alike ``previous``, and so alike all of them), else a new run (a move
    the daemon did not see breaks the chain)."""
    if run is None or previous not in run:
        return SameRender((previous, new) if previous != new else (new,))
    if new in run:
        return run  # the source went back to a revision of the run
    kept = run.revisions
    if len(kept) >= MAX_SAME_RENDER:
        kept = (kept[0], *kept[len(kept) - MAX_SAME_RENDER + 2 :])
    return SameRender((*kept, new))


def mode_for(
    *,
    auto_sync: bool,
    self_heal: bool,
    current_revision: str | None,
    applied_revision: str | None,
    spec_changed: bool,
    same_render: SameRender | None = None,
) -> Mode:
    """Whether the daemon applies or only compares now.

    ``autoSync: false`` only ever compares (``trueup sync`` applies). ``selfHeal: false``
    applies a revision not applied yet (and a changed App spec), and otherwise only compares,
    so drift is reported, not reverted; applying a new revision still overwrites it. A
    revision that renders the App as the applied one does (``same_render``: the source moved
    for other Apps only) is not one not applied yet: the App's drift stays reported.
    """
    if not auto_sync:
        return Mode.COMPARE
    if self_heal or spec_changed or current_revision is None:
        return Mode.APPLY
    if current_revision == applied_revision:
        return Mode.COMPARE
    alike = (
        same_render is not None
        and current_revision in same_render
        and applied_revision in same_render
    )
    return Mode.COMPARE if alike else Mode.APPLY

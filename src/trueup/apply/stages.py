"""Apply a plan's stages to a target, one stage after the other.

Within a stage every object is dry-run on the server first; only if all of them pass are
the changed ones applied for real (unchanged ones are not sent at all). One refusal stops
everything: the refused object is ``failed`` with the server's reason, every other object
of its stage and of later stages is ``skipped``, and the result's ``error`` names it. After
a stage of CustomResourceDefinitions, the next stage waits until they are established.

Object-level failures are returned, never raised; only cancellation and
:class:`~trueup.errors.TargetUnavailableError` (after the target's own retries) escape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trueup.apply.bounded import map_bounded
from trueup.apply.dry_run import Pending, Step, StepKind, dry_run_stage
from trueup.apply.establish import crd_ids, wait_established
from trueup.apply.known import content_hash, resource_version
from trueup.apply.model import ApplyOptions, ApplyResult, Known, server_reason
from trueup.apply.recreate import recreate
from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.errors import TargetError
from trueup.objects import Object, ObjectId
from trueup.plan import Stage
from trueup.targets import Target


@dataclass(frozen=True, slots=True)
class _Done:
    """One object's outcome after its stage was carried out."""

    change: ObjectChange
    live: Object | None = None
    diff: tuple[Object | None, Object] | None = None


@dataclass(slots=True)
class _Collector:
    """The result so far, and why the rest is skipped once something failed."""

    options: ApplyOptions
    changes: list[ObjectChange] = field(default_factory=list)
    live: dict[ObjectId, Object] = field(default_factory=dict)
    diffs: dict[ObjectId, tuple[Object | None, Object]] = field(default_factory=dict)
    known: dict[ObjectId, tuple[str, str]] = field(default_factory=dict)
    error: str = ""
    blocked: str = ""

    def stop(self, oid: ObjectId, what: str, reason: str, others: int = 0) -> None:
        """Record the first failure: ``oid`` ``what`` (for example "failed dry-run")."""
        if not self.blocked:
            more = f" (and {others} more)" if others else ""
            self.blocked = f"not applied: {oid} {what}"
            self.error = f"{oid} {what}: {reason}{more}"

    def skip(self, ids: Sequence[ObjectId]) -> None:
        """Skip ``ids`` because of the failure recorded by :meth:`stop`."""
        self.changes.extend(ObjectChange(oid, Action.SKIPPED, self.blocked) for oid in ids)

    def add(self, obj: Object, done: _Done) -> None:
        """Record one object's outcome, its live state, its diff and what is now known."""
        oid = done.change.id
        self.changes.append(done.change)
        if done.live is None:
            return
        self.live[oid] = done.live
        if done.diff is not None:
            self.diffs[oid] = done.diff
        if not self.options.dry_run:
            self.known[oid] = (content_hash(obj), resource_version(done.live))

    def result(self) -> ApplyResult:
        """The result so far as a frozen value."""
        return ApplyResult(
            changes=ChangeSet(tuple(self.changes)),
            live=self.live,
            diffs=self.diffs,
            error=self.error,
            known=self.known,
        )


async def apply_stages(
    target: Target,
    stages: Sequence[Stage],
    live: Mapping[ObjectId, Object | None],
    options: ApplyOptions,
    *,
    known: Known | None = None,
) -> ApplyResult:
    """Dry-run, then apply, each stage in order; see the module docstring.

    ``live`` maps ids to their live objects (None: confirmed absent); an id it lacks is
    read with a GET. ``known`` (from a previous result's ``known``) skips the dry-run of
    objects that have not changed on either side since.
    """
    collected = _Collector(options)
    pending = Pending()
    for stage in stages:
        if collected.blocked:
            collected.skip(stage.ids)
            continue
        steps = await dry_run_stage(
            target, stage.objects, live, options, known=known, pending=pending
        )
        refused = [step for step in steps if step.kind is StepKind.FAILED]
        if refused:
            first = refused[0]
            collected.stop(first.id, "failed dry-run", first.reason, len(refused) - 1)
            for step in steps:
                if step.kind is StepKind.FAILED:
                    collected.changes.append(ObjectChange(step.id, Action.FAILED, step.reason))
                else:
                    collected.skip([step.id])
            continue
        pending.add(steps)

        async def carry_out(step: Step) -> _Done:
            return await _carry_out(target, step, options)

        outcomes = await map_bounded(carry_out, steps, options.concurrency)
        failures = [done.change for done in outcomes if done.change.action is Action.FAILED]
        for step, done in zip(steps, outcomes, strict=True):
            collected.add(step.obj, done)
        if failures:
            first_failure = failures[0]
            collected.stop(
                first_failure.id, "failed to apply", first_failure.reason, len(failures) - 1
            )
        elif stage.wait_established and not options.dry_run:
            problem = await wait_established(
                target,
                crd_ids(stage.ids),
                within=options.establish_timeout,
                concurrency=options.concurrency,
            )
            if problem is not None:
                collected.stop(problem[0], "is not established", problem[1])
    return collected.result()


_WRITES = {StepKind.CREATE: Action.CREATED, StepKind.UPDATE: Action.CONFIGURED}


async def _carry_out(target: Target, step: Step, options: ApplyOptions) -> _Done:
    """Do what ``step`` says (nothing, in a dry run) and report what happened."""
    oid = step.id
    if step.kind is StepKind.UNCHANGED:
        return _Done(ObjectChange(oid, Action.UNCHANGED), live=step.live or step.result)
    if step.kind is StepKind.PENDING:
        # Not dry-run on the server (its namespace or kind does not exist yet): the
        # manifest is the best picture of what would be created.
        return _Done(ObjectChange(oid, Action.CREATED, step.reason), step.obj, (None, step.obj))
    if step.kind is StepKind.RECREATE:
        diff = (step.live, step.obj)
        if options.dry_run:
            reason = f"dry run: would be {step.reason}"
            return _Done(ObjectChange(oid, Action.CONFIGURED, reason), step.obj, diff)
        try:
            created = await recreate(target, step.obj, step.live, within=options.recreate_timeout)
        except TargetError as error:
            return _Done(ObjectChange(oid, Action.FAILED, server_reason(error, oid)))
        return _Done(
            ObjectChange(oid, Action.CONFIGURED, step.reason), created, (step.live, created)
        )
    action = _WRITES[step.kind]
    assert step.result is not None  # a dry-run that passed always has a result
    # The diff shows the dry-run result: what was compared to decide that it changed.
    diff = (step.live, step.result)
    if options.dry_run:
        return _Done(ObjectChange(oid, action), step.result, diff)
    try:
        applied = await target.apply(step.obj, dry_run=False, force=True)
    except TargetError as error:
        return _Done(ObjectChange(oid, Action.FAILED, server_reason(error, oid)))
    return _Done(ObjectChange(oid, action), applied, diff)

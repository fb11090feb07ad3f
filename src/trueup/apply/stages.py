"""Apply a plan's stages to a target, one stage after the other.

Within a stage every object is dry-run on the server first; only if all of them pass are
the changed ones applied for real (unchanged ones are not sent at all). One refusal stops
everything: the refused object is ``failed`` with the server's reason, every other object
of its stage and of later stages is ``skipped``, and the result's ``failure`` names it
(with the file and line it was declared at) and says what kind of refusal it was. After
a stage of CustomResourceDefinitions, the next stage waits until they are established.
The target's warnings about an object (a field dropped under ``Warn`` validation, a
deprecated API) are kept in that object's change reason.

Object-level failures are returned, never raised; only cancellation,
:class:`~trueup.errors.TargetUnavailableError` (after the target's own retries) and an
:class:`~trueup.errors.OwnershipError` found only at the dry-run (an object presumed
absent belongs to another App after all) escape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trueup.apply.adopt import take_over_fields
from trueup.apply.bounded import map_bounded
from trueup.apply.cached import Presumed
from trueup.apply.dry_run import Pending, Step, StepKind, dry_run_stage
from trueup.apply.establish import crd_ids, wait_established
from trueup.apply.known import content_hash, resource_version
from trueup.apply.live import read_live
from trueup.apply.model import ApplyOptions, ApplyResult, Known, Origins, server_reason
from trueup.apply.recreate import recreate
from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.errors import OwnershipError, TargetError
from trueup.failure import Failure, Reason, reason_of
from trueup.objects import Object, ObjectId, object_id
from trueup.plan import Stage, leave_alone, plan_adoption
from trueup.targets import Target


@dataclass(frozen=True, slots=True)
class _Done:
    """One object's outcome after its stage was carried out."""

    change: ObjectChange
    live: Object | None = None
    diff: tuple[Object | None, Object] | None = None
    cause: Reason | None = None
    """The failure class when ``change`` is ``failed``."""


@dataclass(slots=True)
class _Collector:
    """The result so far, and why the rest is skipped once something failed."""

    options: ApplyOptions
    origins: Origins
    changes: list[ObjectChange] = field(default_factory=list)
    live: dict[ObjectId, Object] = field(default_factory=dict)
    diffs: dict[ObjectId, tuple[Object | None, Object]] = field(default_factory=dict)
    known: dict[ObjectId, tuple[str, str]] = field(default_factory=dict)
    failure: Failure | None = None
    blocked: str = ""

    def stop(
        self, oid: ObjectId, what: str, reason: str, cause: Reason | None, others: int = 0
    ) -> None:
        """Record the first failure: ``oid`` ``what`` (for example "failed dry-run")."""
        if not self.blocked:
            more = f" (and {others} more)" if others else ""
            origin = self.origins.get(oid)
            where = f"{origin}: " if origin else ""
            self.blocked = f"not applied: {oid} {what}"
            message = f"{where}{oid} {what}: {reason}{more}"
            self.failure = Failure(cause or Reason.TARGET, message)

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
        if not self.options.dry_run or done.change.action is Action.UNCHANGED:
            # A dry-run that found the object unchanged knows as much as an apply would.
            self.known[oid] = (content_hash(obj), resource_version(done.live))

    def result(self) -> ApplyResult:
        """The result so far as a frozen value."""
        return ApplyResult(
            changes=ChangeSet(tuple(self.changes)),
            live=self.live,
            diffs=self.diffs,
            failure=self.failure,
            known=self.known,
        )


async def apply_stages(
    target: Target,
    stages: Sequence[Stage],
    live: Mapping[ObjectId, Object | None],
    options: ApplyOptions,
    *,
    known: Known | None = None,
    origins: Origins | None = None,
    adopted: Mapping[ObjectId, str] | None = None,
    presumed: Presumed | None = None,
) -> ApplyResult:
    """Dry-run, then apply, each stage in order; see the module docstring.

    ``live`` maps ids to their live objects (None: confirmed absent); an id it lacks is
    read with a GET. ``known`` (from a previous result's ``known``) skips the dry-run of
    objects that have not changed on either side since. ``origins`` names the file and
    line of an object in its failure. ``adopted`` names the existing
    objects this apply takes over (id → why, see :func:`trueup.plan.plan_adoption`):
    their fields are taken from kubectl's managers first, and they are reported
    ``adopted``. Objects an opt-out annotation protects (:func:`trueup.plan.leave_alone`)
    are ``skipped`` with the reason and never sent. ``presumed`` names objects that
    ``live`` takes as absent without having read them (see ``apply.cached``): one whose
    dry-run shows it exists is read and planned for adoption before its stage is applied.
    """
    collected = _Collector(options, origins or {})
    pending = Pending()
    adoptions = dict(adopted or {})
    live = dict(live)
    for stage in stages:
        if collected.blocked:
            collected.skip(stage.ids)
            continue
        objects = []
        for obj in stage.objects:
            oid = object_id(obj)
            if reason := leave_alone(obj, live.get(oid)):
                collected.changes.append(ObjectChange(oid, Action.SKIPPED, reason))
            else:
                objects.append(obj)
        steps = await dry_run_stage(
            target, tuple(objects), live, options, known=known, pending=pending
        )
        if presumed is not None:
            steps = await _confirm_presumed(
                target, steps, presumed, live, adoptions, options, known, pending
            )
        refused = [step for step in steps if step.kind is StepKind.FAILED]
        if refused:
            first = refused[0]
            collected.stop(first.id, "failed dry-run", first.reason, first.cause, len(refused) - 1)
            for step in steps:
                if step.kind is StepKind.FAILED:
                    collected.changes.append(ObjectChange(step.id, Action.FAILED, step.reason))
                else:
                    collected.skip([step.id])
            continue
        pending.add(steps)

        async def carry_out(step: Step) -> _Done:
            return await _carry_out(target, step, options, adoptions.get(step.id, ""))

        outcomes = await map_bounded(carry_out, steps, options.concurrency)
        failures = [done for done in outcomes if done.change.action is Action.FAILED]
        for step, done in zip(steps, outcomes, strict=True):
            collected.add(step.obj, done)
        if failures:
            change, cause = failures[0].change, failures[0].cause
            what = "failed to apply"
            collected.stop(change.id, what, change.reason, cause, len(failures) - 1)
        elif stage.wait_established and not options.dry_run:
            problem = await wait_established(
                target,
                crd_ids(stage.ids),
                within=options.establish_timeout,
                concurrency=options.concurrency,
            )
            if problem is not None:
                crd, error = problem
                reason = server_reason(error, crd)
                collected.stop(crd, "is not established", reason, reason_of(error))
    return collected.result()


async def _confirm_presumed(
    target: Target,
    steps: list[Step],
    presumed: Presumed,
    live: dict[ObjectId, Object | None],
    adoptions: dict[ObjectId, str],
    options: ApplyOptions,
    known: Known | None,
    pending: Pending,
) -> list[Step]:
    """``steps`` with every object presumed absent that exists after all read and dry-run
    again; raises ``OwnershipError`` when such an object belongs to another App."""
    surprises = [
        step.obj
        for step in steps
        if step.id in presumed.absent and step.live is None and resource_version(step.result)
    ]
    if not surprises:
        return steps
    found = await read_live(target, surprises)
    live.update(found)
    adoption = plan_adoption(surprises, found, presumed.owner, adopt=True)
    if adoption.conflicts:
        raise OwnershipError(adoption.error())
    adoptions.update(adoption.adopted)
    again = await dry_run_stage(
        target, tuple(surprises), live, options, known=known, pending=pending
    )
    redone = {step.id: step for step in again}
    return [redone.get(step.id, step) for step in steps]


_WRITES = {StepKind.CREATE: Action.CREATED, StepKind.UPDATE: Action.CONFIGURED}


async def _adopt(target: Target, step: Step, options: ApplyOptions, reason: str) -> _Done:
    """Take over the fields of an existing object, then apply it (see ``apply.adopt``)."""
    assert step.live is not None  # only existing objects are adopted
    result = step.result or step.live
    diff = (step.live, result)
    if options.dry_run:
        return _Done(ObjectChange(step.id, Action.ADOPTED, reason), result, diff)
    try:
        await take_over_fields(target, step.live)
        applied = await target.apply(
            step.obj, dry_run=False, force=True, field_validation=options.field_validation
        )
    except TargetError as error:
        return _failed(step.id, error)
    warned = _warned((*step.warnings, *applied.warnings))
    return _Done(
        ObjectChange(step.id, Action.ADOPTED, f"{reason}; {warned}" if warned else reason),
        applied,
        diff,
    )


async def _carry_out(
    target: Target, step: Step, options: ApplyOptions, adoption: str = ""
) -> _Done:
    """Do what ``step`` says (nothing, in a dry run) and report what happened.

    ``adoption`` (why the object is adopted, '' when it is not) makes an update, or even
    an unchanged object, an adoption: its fields are taken over before it is applied.
    """
    oid = step.id
    if adoption and step.live is not None and step.kind in (StepKind.UNCHANGED, StepKind.UPDATE):
        return await _adopt(target, step, options, adoption)
    if step.kind is StepKind.UNCHANGED:
        change = ObjectChange(oid, Action.UNCHANGED, _warned(step.warnings))
        return _Done(change, live=step.live or step.result)
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
            created = await recreate(
                target,
                step.obj,
                step.live,
                within=options.recreate_timeout,
                field_validation=options.field_validation,
            )
        except TargetError as error:
            return _failed(oid, error)
        reason = "; ".join(filter(None, [step.reason, _warned(created.warnings)]))
        return _Done(ObjectChange(oid, Action.CONFIGURED, reason), created, (step.live, created))
    action = _WRITES[step.kind]
    assert step.result is not None  # a dry-run that passed always has a result
    # The diff shows the dry-run result: what was compared to decide that it changed.
    diff = (step.live, step.result)
    if options.dry_run:
        return _Done(ObjectChange(oid, action, _warned(step.warnings)), step.result, diff)
    try:
        applied = await target.apply(
            step.obj, dry_run=False, force=True, field_validation=options.field_validation
        )
    except TargetError as error:
        return _failed(oid, error)
    reason = _warned((*step.warnings, *applied.warnings))
    return _Done(ObjectChange(oid, action, reason), applied, diff)


def _failed(oid: ObjectId, error: TargetError) -> _Done:
    return _Done(
        ObjectChange(oid, Action.FAILED, server_reason(error, oid)), cause=reason_of(error)
    )


def _warned(warnings: Sequence[str]) -> str:
    """The target's warnings about one object as a change reason ('' for none)."""
    return "; ".join(f"warning: {text}" for text in dict.fromkeys(warnings))

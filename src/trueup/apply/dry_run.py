"""Dry-run every object of a stage on the server and decide what applying it would do.

The dry-run result, not the manifest, is compared with the live object: it went through
defaulting and mutating webhooks like the live object did, so a field a webhook rewrites
is no change (see :func:`trueup.plan.differs`). Each object's verdict is a :class:`Step`;
the decisions are pure helpers, the I/O is :func:`dry_run_stage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from trueup.apply.bounded import map_bounded
from trueup.apply.known import still_known
from trueup.apply.model import FORCE_ANNOTATION, ApplyOptions, Known, server_reason
from trueup.errors import ObjectInvalidError, ObjectNotFoundError, TargetError
from trueup.failure import Reason, reason_of
from trueup.objects import Object, ObjectId, object_id
from trueup.plan import differs
from trueup.targets import Target

IMMUTABLE_HINT = (
    "field is immutable; set spec.force: true on the App or annotate the object "
    f"{FORCE_ANNOTATION}=true to recreate it"
)
"""What a user reads when a change needs a re-creation that was not allowed."""

_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")


class StepKind(StrEnum):
    """What applying one object will do, as its dry-run showed."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    RECREATE = "recreate"
    """An immutable field changed and re-creation is allowed: delete, then create."""
    PENDING = "pending"
    """Dry run only: its namespace or kind comes from an earlier stage that was not applied."""
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Step:
    """One object's dry-run verdict: the object, its live state, and what applying will do."""

    id: ObjectId
    obj: Object
    live: Object | None
    kind: StepKind
    result: Object | None = None
    """The dry-run result (the live object when the dry-run was skipped as known)."""
    reason: str = ""
    cause: Reason | None = None
    """The failure class of a ``FAILED`` step (invalid, forbidden, denied...)."""
    warnings: tuple[str, ...] = ()
    """What the target warned about in the dry-run (a dropped field, a deprecated API)."""


@dataclass(slots=True)
class Pending:
    """Namespaces and kinds a dry run would create, so that what lives in them can wait."""

    namespaces: dict[str, ObjectId] = field(default_factory=dict)
    kinds: dict[tuple[str, str], ObjectId] = field(default_factory=dict)

    def add(self, steps: list[Step]) -> None:
        """Remember the Namespaces and CRDs that ``steps`` would create or change."""
        would_write = (StepKind.CREATE, StepKind.UPDATE, StepKind.RECREATE)
        for step in steps:
            if step.kind not in would_write:
                continue
            if (step.id.group, step.id.kind) == ("", "Namespace"):
                self.namespaces[step.id.name] = step.id
            elif (step.id.group, step.id.kind) == _CRD:
                spec = step.obj.get("spec") or {}
                kind = str((spec.get("names") or {}).get("kind") or "")
                self.kinds[(str(spec.get("group") or ""), kind)] = step.id

    def blocking(self, oid: ObjectId) -> ObjectId | None:
        """The Namespace or CRD ``oid`` depends on that exists only in this dry run."""
        return self.kinds.get((oid.group, oid.kind)) or self.namespaces.get(oid.namespace)


def is_forced(obj: Object, options: ApplyOptions) -> bool:
    """Whether ``obj`` may be deleted and re-created (app option or object annotation)."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return options.force or str(annotations.get(FORCE_ANNOTATION, "")).lower() == "true"


def step_from_result(
    oid: ObjectId, obj: Object, live: Object | None, result: Object, warnings: tuple[str, ...] = ()
) -> Step:
    """The step for a dry-run that succeeded: create, update, or leave alone."""
    if live is None:
        kind = StepKind.CREATE
    elif differs(result, live):
        kind = StepKind.UPDATE
    else:
        kind = StepKind.UNCHANGED
    return Step(oid, obj, live, kind, result, warnings=warnings)


def step_from_error(
    oid: ObjectId,
    obj: Object,
    live: Object | None,
    error: TargetError,
    options: ApplyOptions,
    pending: Pending,
) -> Step:
    """The step for a dry-run the server refused."""
    reason = server_reason(error, oid)
    if isinstance(error, ObjectInvalidError) and error.immutable:
        if is_forced(obj, options):
            return Step(
                oid, obj, live, StepKind.RECREATE, reason="recreated: immutable field changed"
            )
        return Step(
            oid,
            obj,
            live,
            StepKind.FAILED,
            reason=f"{IMMUTABLE_HINT} ({reason})",
            cause=Reason.INVALID,
        )
    blocker = pending.blocking(oid) if options.dry_run else None
    if isinstance(error, ObjectNotFoundError) and blocker is not None:
        return Step(oid, obj, None, StepKind.PENDING, reason=f"dry run: needs {blocker} first")
    return Step(oid, obj, live, StepKind.FAILED, reason=reason, cause=reason_of(error))


async def dry_run_stage(
    target: Target,
    objects: tuple[Object, ...],
    live: Mapping[ObjectId, Object | None],
    options: ApplyOptions,
    *,
    known: Known | None = None,
    pending: Pending | None = None,
) -> list[Step]:
    """Dry-run ``objects`` (``options.concurrency`` at a time) and return their steps in order.

    An id missing from ``live`` is read with a GET first. An object whose content and live
    version are both ``known`` is not dry-run at all: it is unchanged.
    """
    waiting = pending or Pending()

    async def one(obj: Object) -> Step:
        oid = object_id(obj)
        current: Object | None = None
        try:
            current = live[oid] if oid in live else await target.get(obj)
            if still_known(known, oid, obj, current):
                return Step(oid, obj, current, StepKind.UNCHANGED, current)
            result = await target.apply(
                obj, dry_run=True, force=True, field_validation=options.field_validation
            )
        except TargetError as error:
            return step_from_error(oid, obj, current, error, options, waiting)
        return step_from_result(oid, obj, current, result, result.warnings)

    return await map_bounded(one, objects, options.concurrency)

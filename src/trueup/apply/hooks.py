"""Run one phase of Helm hooks on a target: delete the previous object, apply, wait, delete.

Each hook (in the order ``plan.hooks_of`` gives) is applied by server-side apply as the
main objects are, with the App's owner labels (so people see whose it is), but it is never
added to the inventory: nothing prunes it, and drift and self-heal do not watch it. Before
it is applied, the previous object of its name is deleted when its delete policy is
``before-hook-creation`` (the default), and waited for until it is gone. Then trueup waits:
a Job until it completes (or fails), any other kind until it exists and is healthy. A hook
that succeeded is deleted under ``hook-succeeded``, one that failed under ``hook-failed``.

The first hook that fails stops the phase: its entry in the change set is ``failed`` and
the result's failure names it (``degraded`` for a failed Job, ``timeout`` for a hook that
did not finish in time, the server's class for an apply the server refused).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.errors import PermanentError
from trueup.failure import Failure, Reason
from trueup.health import HealthStatus, health_of
from trueup.objects import Object, object_id
from trueup.plan.hooks import (
    BEFORE_HOOK_CREATION,
    HOOK_FAILED,
    HOOK_SUCCEEDED,
    Hook,
    HookPhase,
    delete_policies,
)
from trueup.targets import FieldValidation, Target

POLL_SECONDS: Final = 0.5
"""How often a hook being waited for is read again."""

_DONE: Final = frozenset({HealthStatus.HEALTHY, HealthStatus.UNKNOWN})
"""What ends the wait for a hook that is not a Job: it exists, and nothing says it is not ready."""


@dataclass(frozen=True, slots=True)
class HookOptions:
    """How a phase of hooks runs."""

    timeout: float
    """Seconds each hook may take to finish (a deleted predecessor to go, a Job to complete)."""
    field_validation: FieldValidation = FieldValidation.STRICT
    poll_seconds: float = POLL_SECONDS


@dataclass(frozen=True, slots=True)
class HookResult:
    """What a phase of hooks did: one entry per hook run, and the first failure."""

    changes: ChangeSet = field(default_factory=ChangeSet)
    failure: Failure | None = None


async def run_hooks(
    target: Target,
    phase: HookPhase,
    hooks: Sequence[Hook],
    options: HookOptions,
    progress: Callable[[str], None] = lambda _: None,
) -> HookResult:
    """Run ``hooks`` (prepared objects, in order) one after the other; stop at the first
    that fails. Temporary target errors are raised (the sync is retried)."""
    changes: list[ObjectChange] = []
    for hook in hooks:
        progress(f"running {hook.label} {object_id(hook.obj)}")
        change, failure = await _run_one(target, phase, hook, options)
        changes.append(change)
        if failure is not None:
            return HookResult(ChangeSet(tuple(changes)), failure)
    return HookResult(ChangeSet(tuple(changes)))


async def _run_one(
    target: Target, phase: HookPhase, hook: Hook, options: HookOptions
) -> tuple[ObjectChange, Failure | None]:
    oid = object_id(hook.obj)
    policies = delete_policies(hook)
    where = f"{hook.origin}: {oid} ({hook.label})"
    after = (
        "nothing else of the chart was applied"
        if phase is HookPhase.PRE
        else "the chart's objects were applied"
    )
    existed = await target.get(oid) is not None
    try:
        if existed and BEFORE_HOOK_CREATION in policies:
            await target.delete(oid)
            if not await _gone(target, hook.obj, options):
                message = (
                    f"{where}: the previous hook object was not gone within "
                    f"{options.timeout:g}s; {after}; delete it by hand or raise spec.timeout"
                )
                return ObjectChange(oid, Action.FAILED, message), Failure(Reason.TIMEOUT, message)
            existed = False
        await target.apply(
            hook.obj, dry_run=False, force=True, field_validation=options.field_validation
        )
    except PermanentError as e:
        message = f"{where} was refused: {e}; {after}; fix the hook in the chart"
        failure = Failure(Failure.from_error(e).reason, message)
        return ObjectChange(oid, Action.FAILED, message), failure
    status, text = await _finished(target, hook.obj, options)
    action = Action.CONFIGURED if existed else Action.CREATED
    if status is HealthStatus.HEALTHY:
        reason = f"{hook.label}, {text}"
        if HOOK_SUCCEEDED in policies:
            await target.delete(oid)
            reason += f"; deleted ({HOOK_SUCCEEDED})"
        return ObjectChange(oid, action, reason), None
    deleted = ""
    if HOOK_FAILED in policies:
        await target.delete(oid)
        deleted = f" (deleted: {HOOK_FAILED})"
    if status is HealthStatus.DEGRADED:
        message = f"{where} failed: {text}{deleted}; {after}; fix the hook, then sync again"
        return ObjectChange(oid, Action.FAILED, message), Failure(Reason.DEGRADED, message)
    message = (
        f"{where} did not finish within {options.timeout:g}s ({text}){deleted}; {after}; "
        "raise spec.timeout if it needs longer"
    )
    return ObjectChange(oid, Action.FAILED, message), Failure(Reason.TIMEOUT, message)


async def _gone(target: Target, obj: Object, options: HookOptions) -> bool:
    """Whether ``obj`` is gone from the target within the timeout."""
    loop = asyncio.get_running_loop()
    end = loop.time() + options.timeout
    while await target.get(object_id(obj)) is not None:
        if loop.time() >= end:
            return False
        await asyncio.sleep(options.poll_seconds)
    return True


async def _finished(target: Target, obj: Object, options: HookOptions) -> tuple[HealthStatus, str]:
    """Wait until the hook is done: HEALTHY (finished), DEGRADED (failed), or whatever it
    was when the timeout passed."""
    loop = asyncio.get_running_loop()
    end = loop.time() + options.timeout
    oid = object_id(obj)
    job = (oid.group, oid.kind) == ("batch", "Job")
    while True:
        result = health_of(await target.get(oid))
        status = result.status
        if status is HealthStatus.DEGRADED:
            return status, result.message
        if status is HealthStatus.HEALTHY or (not job and status in _DONE):
            return HealthStatus.HEALTHY, result.message if job else "applied"
        if loop.time() >= end:
            return status, result.message
        await asyncio.sleep(options.poll_seconds)


__all__ = ["HookOptions", "HookResult", "run_hooks"]

"""Running a phase of Helm hooks on the in-memory target: delete policies, waiting for Jobs,
stopping at the first failure. (The dev-cluster runs the same code in
``tests/integration/engine/test_helm_hooks.py``.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from trueup.apply.hooks import HookOptions, HookResult, run_hooks
from trueup.changeset import Action
from trueup.errors import ObjectInvalidError
from trueup.failure import Reason
from trueup.objects import ObjectId, Origin
from trueup.plan.hooks import Hook, HookPhase, hooks_of
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

MIGRATE = ObjectId("batch", "Job", "default", "migrate")
SCHEMA = ObjectId("", "ConfigMap", "default", "schema")
FAST = HookOptions(timeout=5, poll_seconds=0.01)


def job_hook(*policies: str, weight: int = 0) -> Hook:
    obj: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [{"name": "m", "image": "m:1"}]}}},
    }
    origin = Origin("chart/templates/migrate.yaml")
    return Hook(obj, origin, ("pre-install", "pre-upgrade"), weight, policies)


def config_hook(version: str = "1", *policies: str, weight: int = -10) -> Hook:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "schema", "namespace": "default"},
        "data": {"version": version},
    }
    return Hook(obj, Origin("chart/templates/schema.yaml"), ("pre-install",), weight, policies)


async def finish_job(target: MemoryTarget, condition: str) -> None:
    """Play the Job controller: once the Job exists, mark it ``condition``."""
    for _ in range(1000):
        if await target.get(MIGRATE) is not None:
            break
        await asyncio.sleep(0.01)
    target.set_status(MIGRATE, {"conditions": [{"type": condition, "status": "True"}]})


async def run_with_job(
    target: MemoryTarget, hooks: list[Hook], condition: str | None, options: HookOptions = FAST
) -> HookResult:
    ordered = hooks_of(hooks, HookPhase.PRE)
    if condition is None:
        return await run_hooks(target, HookPhase.PRE, ordered, options)
    controller = asyncio.create_task(finish_job(target, condition))
    try:
        return await run_hooks(target, HookPhase.PRE, ordered, options)
    finally:
        controller.cancel()


def verbs(target: MemoryTarget, oid: ObjectId) -> list[str]:
    return [c.verb for c in target.calls if c.id == str(oid) and c.verb in ("apply", "delete")]


async def test_a_job_hook_is_waited_for_until_complete_and_deleted_when_it_succeeded() -> None:
    target = MemoryTarget()

    result = await run_with_job(target, [job_hook("hook-succeeded"), config_hook()], "Complete")

    assert result.failure is None
    assert [(c.id, c.action) for c in result.changes.changes] == [
        (SCHEMA, Action.CREATED),  # weight -10 runs first
        (MIGRATE, Action.CREATED),
    ]
    job_change = result.changes.changes[1]
    assert (
        job_change.reason == "pre-install,pre-upgrade hook, job completed; deleted (hook-succeeded)"
    )
    assert await target.get(MIGRATE) is None
    assert await target.get(SCHEMA) is not None  # before-hook-creation: kept until next run


async def test_the_previous_object_is_deleted_before_the_hook_is_created_again() -> None:
    target = MemoryTarget()
    await run_hooks(target, HookPhase.PRE, [config_hook("1")], FAST)
    first = await target.get(SCHEMA)
    assert first is not None

    result = await run_hooks(target, HookPhase.PRE, [config_hook("2")], FAST)

    assert result.failure is None
    assert verbs(target, SCHEMA) == ["apply", "delete", "apply"]
    second = await target.get(SCHEMA)
    assert second is not None
    assert second["data"] == {"version": "2"}
    assert second["metadata"]["uid"] != first["metadata"]["uid"]
    assert result.changes.changes[0].action is Action.CREATED


async def test_without_before_hook_creation_the_hook_is_applied_over_the_previous_one() -> None:
    target = MemoryTarget()
    await run_hooks(target, HookPhase.PRE, [config_hook("1", "hook-failed")], FAST)

    result = await run_hooks(target, HookPhase.PRE, [config_hook("2", "hook-failed")], FAST)

    assert verbs(target, SCHEMA) == ["apply", "apply"]
    assert result.changes.changes[0].action is Action.CONFIGURED


async def test_a_failed_job_stops_the_phase_naming_the_hook_and_hook_failed_deletes_it() -> None:
    target = MemoryTarget()
    later = config_hook(weight=10)

    result = await run_with_job(target, [job_hook("hook-failed"), later], "Failed")

    assert result.failure is not None
    assert result.failure.reason is Reason.DEGRADED
    message = result.failure.message
    assert message.startswith(
        "chart/templates/migrate.yaml: Job/default/migrate (pre-install,pre-upgrade hook) failed"
    )
    assert "nothing else of the chart was applied" in message
    assert "(deleted: hook-failed)" in message
    assert [(c.id, c.action) for c in result.changes.changes] == [(MIGRATE, Action.FAILED)]
    assert await target.get(MIGRATE) is None
    assert await target.get(SCHEMA) is None  # the later hook never ran


async def test_a_failed_job_without_hook_failed_stays_for_inspection() -> None:
    target = MemoryTarget()

    result = await run_with_job(target, [job_hook("hook-succeeded")], "Failed")

    assert result.failure is not None
    assert await target.get(MIGRATE) is not None


async def test_a_job_that_never_finishes_fails_the_phase_as_a_timeout() -> None:
    target = MemoryTarget()

    result = await run_with_job(
        target, [job_hook()], None, HookOptions(timeout=0.05, poll_seconds=0.01)
    )

    assert result.failure is not None
    assert result.failure.reason is Reason.TIMEOUT
    assert "did not finish within 0.05s" in result.failure.message


async def test_a_hook_the_server_refuses_fails_with_the_servers_reason() -> None:
    target = MemoryTarget()
    target.fail("apply", ObjectInvalidError("spec.x: unknown field"), ref=SCHEMA)

    result = await run_hooks(target, HookPhase.PRE, [config_hook()], FAST)

    assert result.failure is not None
    assert result.failure.reason is Reason.INVALID
    assert "chart/templates/schema.yaml: ConfigMap/default/schema" in result.failure.message
    assert "spec.x: unknown field" in result.failure.message
    assert result.changes.changes[0].action is Action.FAILED

"""Pruning on the in-memory target: in order, with the uid as precondition, failures kept."""

from __future__ import annotations

import pytest

from tests.unit.apply.manifests import ids, load
from trueup.apply import ApplyOptions, ApplyResult, apply_stages, prune, read_live
from trueup.changeset import Action, ObjectChange
from trueup.errors import TargetForbiddenError, TargetUnavailableError
from trueup.failure import Failure, Reason
from trueup.objects import Object, ObjectId
from trueup.plan import AppRef, PrunePlan, plan_prune, plan_stages
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

APP = AppRef("shop", "default")
SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
SERVICE = ObjectId("", "Service", "shop", "web")
WEB = ObjectId("apps", "Deployment", "shop", "web")


def owned(objects: list[Object]) -> list[Object]:
    for obj in objects:
        obj["metadata"]["labels"] = {**obj["metadata"].get("labels", {}), **APP.labels}
    return objects


async def shop_without_its_service_and_deployment(
    target: MemoryTarget,
) -> tuple[PrunePlan, dict[ObjectId, Object | None]]:
    """Apply the whole shop, then plan the next revision, which keeps only two objects."""
    everything = owned(load("shop.yaml"))
    live = await read_live(target, everything)
    await apply_stages(target, plan_stages(everything), live, ApplyOptions())
    desired = [obj for obj in everything if obj["kind"] in ("Namespace", "ConfigMap")]
    inventory = ids(everything)
    live = await read_live(target, inventory)
    plan = plan_prune(
        inventory,
        ids(desired),
        live,
        APP,
        prune_enabled=True,
        render_empty=False,
        source_ok=True,
        allow_empty=False,
    )
    return plan, live


def present(target: MemoryTarget) -> set[str]:
    return {f"{obj['kind']}/{obj['metadata']['name']}" for obj in target.objects()}


async def test_prune_deletes_exactly_the_planned_objects_in_deletion_order() -> None:
    target = MemoryTarget()
    plan, live = await shop_without_its_service_and_deployment(target)
    since = len(target.calls)

    result = await prune(target, plan, live, ApplyOptions())

    assert [c.id for c in target.calls[since:] if c.verb == "delete"] == [str(WEB), str(SERVICE)]
    assert result.changes.changes == (
        ObjectChange(WEB, Action.PRUNED, "no longer desired"),
        ObjectChange(SERVICE, Action.PRUNED, "no longer desired"),
    )
    assert result.ok
    assert result.failed_deletes == ()
    assert "Deployment/web" not in present(target)
    assert "Service/web" not in present(target)
    assert "ConfigMap/settings" in present(target)


async def test_a_refused_prune_is_failed_kept_for_next_time_and_the_rest_goes_on() -> None:
    target = MemoryTarget()
    plan, live = await shop_without_its_service_and_deployment(target)
    denial = TargetForbiddenError(
        'Service/shop/web: Forbidden: admission webhook "guard" denied the request'
    )
    target.fail("delete", denial, ref=SERVICE)

    result = await prune(target, plan, live, ApplyOptions())

    assert result.changes.changes[1] == ObjectChange(
        SERVICE, Action.FAILED, 'Forbidden: admission webhook "guard" denied the request'
    )
    assert result.changes.changes[0].action is Action.PRUNED
    assert result.failed_deletes == (SERVICE,)
    assert result.error == (
        'Service/shop/web could not be pruned: Forbidden: admission webhook "guard" denied '
        "the request"
    )
    assert SERVICE in plan.next_inventory([SETTINGS], result.deleted_ids)
    assert WEB not in plan.next_inventory([SETTINGS], result.deleted_ids)
    assert "Service/web" in present(target)


async def test_an_object_already_gone_counts_as_pruned() -> None:
    target = MemoryTarget()
    plan, live = await shop_without_its_service_and_deployment(target)
    await target.delete(SERVICE)

    result = await prune(target, plan, live, ApplyOptions())

    assert result.changes.changes[1] == ObjectChange(SERVICE, Action.PRUNED, "already gone")
    assert result.ok


async def test_an_object_recreated_since_it_was_read_is_left_alone() -> None:
    target = MemoryTarget()
    plan, live = await shop_without_its_service_and_deployment(target)
    service = live[SERVICE]
    assert service is not None
    await target.delete(SERVICE)
    target.put(
        {k: v for k, v in service.items() if k != "metadata"}
        | {"metadata": {"name": "web", "namespace": "shop"}}
    )

    result = await prune(target, plan, live, ApplyOptions())

    assert result.changes.changes[1].action is Action.FAILED
    assert "the UID in the precondition" in result.changes.changes[1].reason
    assert result.failed_deletes == (SERVICE,)
    assert "Service/web" in present(target)


async def test_a_dry_run_prune_reports_what_it_would_delete_and_deletes_nothing() -> None:
    target = MemoryTarget()
    plan, live = await shop_without_its_service_and_deployment(target)
    before = target.objects()
    since = len(target.calls)

    result = await prune(target, plan, live, ApplyOptions(dry_run=True))

    assert result.changes.changes == (
        ObjectChange(WEB, Action.PRUNED, "dry run"),
        ObjectChange(SERVICE, Action.PRUNED, "dry run"),
    )
    assert target.objects() == before
    assert [c for c in target.calls[since:] if c.verb == "delete"] == []


async def test_an_unreachable_target_during_prune_is_raised() -> None:
    target = MemoryTarget()
    plan, live = await shop_without_its_service_and_deployment(target)
    target.fail("delete", TargetUnavailableError("127.0.0.1:6443: cannot reach"), ref=WEB)

    with pytest.raises(TargetUnavailableError):
        await prune(target, plan, live, ApplyOptions())


async def test_apply_and_prune_results_add_up_in_order() -> None:
    first = ApplyResult()
    refused = Failure(Reason.DENIED, "Service/shop/web could not be pruned")
    second = ApplyResult(failed_deletes=(SERVICE,), failure=refused)

    combined = first + second

    assert combined.failed_deletes == (SERVICE,)
    assert combined.failure == refused
    assert combined.error == "Service/shop/web could not be pruned"
    assert not combined.ok

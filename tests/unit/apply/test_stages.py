"""Applying stages to the in-memory target: dry-run all, apply what changed, stop on failure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.apply.manifests import by_kind, ids, load
from trueup.apply import (
    FORCE_ANNOTATION,
    IMMUTABLE_HINT,
    ApplyOptions,
    ApplyResult,
    Known,
    apply_stages,
    read_live,
)
from trueup.changeset import Action
from trueup.errors import (
    ObjectConflictError,
    ObjectInvalidError,
    TargetUnavailableError,
)
from trueup.objects import Object, ObjectId, object_id
from trueup.plan import plan_stages, unified_diff
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

NAMESPACE = ObjectId("", "Namespace", "", "shop")
SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
SERVICE = ObjectId("", "Service", "shop", "web")
WEB = ObjectId("apps", "Deployment", "shop", "web")
CRD = ObjectId("apiextensions.k8s.io", "CustomResourceDefinition", "", "widgets.example.com")
GEAR = ObjectId("example.com", "Widget", "default", "gear")


async def sync(
    target: MemoryTarget,
    objects: list[Object],
    options: ApplyOptions | None = None,
    known: Known | None = None,
) -> ApplyResult:
    """Read the live state, then apply ``objects`` in their planned stages."""
    live = await read_live(target, objects)
    return await apply_stages(
        target, plan_stages(objects), live, options or ApplyOptions(), known=known
    )


def actions(result: ApplyResult) -> dict[ObjectId, Action]:
    return {change.id: change.action for change in result.changes.changes}


def reasons(result: ApplyResult) -> dict[ObjectId, str]:
    return {change.id: change.reason for change in result.changes.changes}


def real_applies(target: MemoryTarget, since: int = 0) -> list[str]:
    return [c.id for c in target.calls[since:] if c.verb == "apply" and not c.dry_run]


def live_object(target: MemoryTarget, oid: ObjectId) -> dict[str, Any]:
    return next(obj for obj in target.objects() if object_id(obj) == oid)


async def test_every_dry_run_of_a_stage_comes_before_any_real_apply() -> None:
    target = MemoryTarget()
    await sync(target, load("shop.yaml"))

    applies = [(c.id, c.dry_run) for c in target.calls if c.verb == "apply"]
    assert applies[:2] == [("Namespace/shop", True), ("Namespace/shop", False)]
    resources = {"ConfigMap/shop/settings", "Service/shop/web", "Deployment/shop/web"}
    assert {name for name, dry in applies[2:5] if dry} == resources
    assert {name for name, dry in applies[5:] if not dry} == resources
    assert len(applies) == 8


async def test_the_first_apply_creates_every_object_with_a_diff_from_nothing() -> None:
    target = MemoryTarget()
    objects = load("shop.yaml")
    result = await sync(target, objects)

    assert result.error == ""
    assert result.ok
    assert actions(result) == dict.fromkeys(ids(objects), Action.CREATED)
    assert result.changes.summary() == "4 created"
    assert set(result.diffs) == set(ids(objects))
    before, after = result.diffs[SETTINGS]
    assert before is None
    assert after["data"] == {"color": "blue"}
    assert result.live[WEB]["metadata"]["uid"] == live_object(target, WEB)["metadata"]["uid"]
    assert result.applied_ids == tuple(ids(objects))


async def test_a_second_apply_is_all_unchanged_and_sends_no_real_apply() -> None:
    target = MemoryTarget()
    await sync(target, load("shop.yaml"))
    since = len(target.calls)

    result = await sync(target, load("shop.yaml"))

    assert set(actions(result).values()) == {Action.UNCHANGED}
    assert result.diffs == {}
    assert real_applies(target, since) == []
    assert result.live[SERVICE]["spec"]["clusterIP"] == "10.0.0.10"


async def test_a_changed_field_configures_exactly_that_object() -> None:
    target = MemoryTarget()
    await sync(target, load("shop.yaml"))
    objects = load("shop.yaml")
    by_kind(objects, "ConfigMap")["data"]["color"] = "green"
    since = len(target.calls)

    result = await sync(target, objects)

    assert actions(result)[SETTINGS] is Action.CONFIGURED
    assert [a for oid, a in actions(result).items() if oid != SETTINGS] == [Action.UNCHANGED] * 3
    assert real_applies(target, since) == ["ConfigMap/shop/settings"]
    assert live_object(target, SETTINGS)["data"] == {"color": "green"}
    diff = unified_diff(SETTINGS, *result.diffs[SETTINGS])
    assert "-  color: blue" in diff
    assert "+  color: green" in diff


async def test_an_object_missing_from_the_live_map_is_read_before_it_is_classified() -> None:
    target = MemoryTarget()
    objects = load("shop.yaml")
    await sync(target, objects)

    result = await apply_stages(target, plan_stages(load("shop.yaml")), {}, ApplyOptions())

    assert set(actions(result).values()) == {Action.UNCHANGED}


async def test_one_failing_dry_run_applies_nothing_of_its_stage_and_names_the_object() -> None:
    target = MemoryTarget()
    refusal = ObjectInvalidError(
        "Deployment/shop/web: Invalid: spec.replicas: Invalid value: -1: must be >= 0",
        reason="Invalid",
        object_id=str(WEB),
        status=422,
    )
    target.fail("apply", refusal, ref=WEB, dry_run=True)

    result = await sync(target, load("shop.yaml"))

    assert actions(result) == {
        NAMESPACE: Action.CREATED,
        SETTINGS: Action.SKIPPED,
        SERVICE: Action.SKIPPED,
        WEB: Action.FAILED,
    }
    assert reasons(result)[WEB] == "Invalid: spec.replicas: Invalid value: -1: must be >= 0"
    assert reasons(result)[SETTINGS] == "not applied: Deployment/shop/web failed dry-run"
    assert result.error == (
        "Deployment/shop/web failed dry-run: "
        "Invalid: spec.replicas: Invalid value: -1: must be >= 0"
    )
    assert not result.ok
    assert real_applies(target) == ["Namespace/shop"]
    assert SETTINGS not in result.live


async def test_a_failed_dry_run_skips_every_later_stage() -> None:
    target = MemoryTarget()
    target.fail("apply", ObjectConflictError("Namespace/shop: Conflict: no"), ref=NAMESPACE)

    result = await sync(target, load("shop.yaml"))

    assert actions(result)[NAMESPACE] is Action.FAILED
    skipped = [oid for oid, action in actions(result).items() if action is Action.SKIPPED]
    assert skipped == [SETTINGS, SERVICE, WEB]
    assert {reasons(result)[oid] for oid in skipped} == {
        "not applied: Namespace/shop failed dry-run"
    }
    assert real_applies(target) == []


async def test_a_refused_real_apply_is_failed_and_skips_later_stages() -> None:
    target = MemoryTarget()
    refusal = ObjectConflictError("Namespace/shop: Conflict: the object has been modified")
    target.fail("apply", refusal, ref=NAMESPACE, dry_run=False)

    result = await sync(target, load("shop.yaml") + load("widgets.yaml"))

    assert actions(result)[NAMESPACE] is Action.FAILED
    assert actions(result)[CRD] is Action.CREATED
    assert actions(result)[GEAR] is Action.SKIPPED
    assert reasons(result)[GEAR] == "not applied: Namespace/shop failed to apply"
    assert result.error == (
        "Namespace/shop failed to apply: Conflict: the object has been modified"
    )


async def test_an_unreachable_target_is_raised_for_the_caller_to_keep_its_state() -> None:
    target = MemoryTarget()
    target.fail("apply", TargetUnavailableError("127.0.0.1:6443: cannot reach"), ref=SERVICE)

    with pytest.raises(TargetUnavailableError, match="cannot reach"):
        await sync(target, load("shop.yaml"))


async def test_the_crd_is_established_before_its_custom_resource_is_dry_run() -> None:
    target = MemoryTarget()
    result = await sync(target, load("widgets.yaml"))

    steps = [(c.verb, c.id, c.dry_run) for c in target.calls if c.verb != "list"]
    established = steps.index(("wait_established", str(CRD), False))
    assert steps.index(("apply", str(CRD), False)) < established
    assert established < steps.index(("apply", str(GEAR), True))
    assert actions(result) == {CRD: Action.CREATED, GEAR: Action.CREATED}


async def test_a_crd_that_is_not_established_skips_what_follows_but_stays_created() -> None:
    target = MemoryTarget()
    timeout = TargetUnavailableError(f"{CRD}: is not established after 60s; check the CRD")
    target.fail("wait_established", timeout, ref=CRD)

    result = await sync(target, load("widgets.yaml"))

    assert actions(result) == {CRD: Action.CREATED, GEAR: Action.SKIPPED}
    assert reasons(result)[GEAR] == (
        "not applied: CustomResourceDefinition/widgets.example.com is not established"
    )
    assert result.error.startswith(
        "CustomResourceDefinition/widgets.example.com is not established: is not established"
    )
    assert CRD in result.applied_ids


def with_new_cluster_ip(objects: list[Object], annotate: bool = False) -> list[Object]:
    service = by_kind(objects, "Service")
    service["spec"]["clusterIP"] = "10.0.0.11"
    if annotate:
        service["metadata"]["annotations"] = {FORCE_ANNOTATION: "true"}
    return objects


async def test_an_immutable_field_change_fails_with_what_to_do_and_applies_nothing() -> None:
    target = MemoryTarget()
    await sync(target, load("shop.yaml"))
    objects = with_new_cluster_ip(load("shop.yaml"))
    by_kind(objects, "ConfigMap")["data"]["color"] = "green"
    since = len(target.calls)

    result = await sync(target, objects)

    assert actions(result)[SERVICE] is Action.FAILED
    assert reasons(result)[SERVICE].startswith(IMMUTABLE_HINT)
    assert "spec.clusterIP" in reasons(result)[SERVICE]
    assert actions(result)[SETTINGS] is Action.SKIPPED
    assert result.error.startswith(f"Service/shop/web failed dry-run: {IMMUTABLE_HINT}")
    assert real_applies(target, since) == []
    assert [c for c in target.calls[since:] if c.verb == "delete"] == []


@pytest.mark.parametrize(
    ("force", "annotate"),
    [
        pytest.param(True, False, id="the app opts in with force"),
        pytest.param(False, True, id="the object opts in with its annotation"),
    ],
)
async def test_an_allowed_immutable_field_change_deletes_and_recreates_once(
    force: bool, annotate: bool
) -> None:
    target = MemoryTarget()
    await sync(target, load("shop.yaml"))
    old_uid = live_object(target, SERVICE)["metadata"]["uid"]
    since = len(target.calls)

    result = await sync(
        target, with_new_cluster_ip(load("shop.yaml"), annotate), ApplyOptions(force=force)
    )

    assert actions(result)[SERVICE] is Action.CONFIGURED
    assert reasons(result)[SERVICE] == "recreated: immutable field changed"
    assert result.ok
    recreated = live_object(target, SERVICE)
    assert recreated["spec"]["clusterIP"] == "10.0.0.11"
    assert recreated["metadata"]["uid"] != old_uid
    assert [c.id for c in target.calls[since:] if c.verb == "delete"] == [str(SERVICE)]
    before, after = result.diffs[SERVICE]
    assert before is not None
    assert before["spec"]["clusterIP"] == "10.0.0.10"
    assert after["spec"]["clusterIP"] == "10.0.0.11"

    again = await sync(
        target, with_new_cluster_ip(load("shop.yaml"), annotate), ApplyOptions(force=force)
    )
    assert set(actions(again).values()) == {Action.UNCHANGED}


async def test_a_recreation_whose_new_object_is_refused_is_reported_not_retried() -> None:
    target = MemoryTarget()
    await sync(target, load("shop.yaml"))
    refusal = ObjectInvalidError("Service/shop/web: Invalid: spec.ports: Required value")
    target.fail("apply", refusal, ref=SERVICE, dry_run=False)
    since = len(target.calls)

    result = await sync(target, with_new_cluster_ip(load("shop.yaml")), ApplyOptions(force=True))

    assert actions(result)[SERVICE] is Action.FAILED
    assert reasons(result)[SERVICE] == (
        "deleted to re-create it, but the new object was refused: Invalid: spec.ports: "
        "Required value"
    )
    assert len([c for c in target.calls[since:] if c.verb == "delete"]) == 1


async def test_dry_run_mode_reports_what_would_happen_and_changes_nothing() -> None:
    target = MemoryTarget()
    before = target.objects()

    result = await sync(
        target, load("shop.yaml") + load("widgets.yaml"), ApplyOptions(dry_run=True)
    )

    assert set(actions(result).values()) == {Action.CREATED}
    assert target.objects() == before
    assert real_applies(target) == []
    assert [c for c in target.calls if c.verb == "wait_established"] == []
    # Their namespace and kind exist only in this dry run: they wait, and say so.
    assert reasons(result)[SETTINGS] == "dry run: needs Namespace/shop first"
    assert reasons(result)[GEAR] == f"dry run: needs {CRD} first"
    assert result.diffs[GEAR] == (None, by_kind(load("widgets.yaml"), "Widget"))
    assert result.known == {}


async def test_dry_run_mode_reports_changes_and_recreations_without_making_them() -> None:
    target = MemoryTarget()
    await sync(target, load("shop.yaml"))
    objects = with_new_cluster_ip(load("shop.yaml"))
    by_kind(objects, "ConfigMap")["data"]["color"] = "green"
    before = target.objects()
    since = len(target.calls)

    result = await sync(target, objects, ApplyOptions(dry_run=True, force=True))

    assert actions(result)[SETTINGS] is Action.CONFIGURED
    assert actions(result)[SERVICE] is Action.CONFIGURED
    assert reasons(result)[SERVICE] == "dry run: would be recreated: immutable field changed"
    assert target.objects() == before
    assert [
        c.verb for c in target.calls[since:] if c.verb not in ("list", "get") and not c.dry_run
    ] == []


async def test_known_objects_are_not_dry_run_again_until_one_side_changes() -> None:
    target = MemoryTarget()
    first = await sync(target, load("shop.yaml"))
    assert set(first.known) == set(ids(load("shop.yaml")))
    since = len(target.calls)

    warm = await sync(target, load("shop.yaml"), known=first.known)

    assert set(actions(warm).values()) == {Action.UNCHANGED}
    assert [c for c in target.calls[since:] if c.verb == "apply"] == []

    target.set_status(WEB, {"replicas": 2})  # the live object moved on: read it again
    changed = load("shop.yaml")
    by_kind(changed, "ConfigMap")["data"]["color"] = "green"
    since = len(target.calls)
    result = await sync(target, changed, known=warm.known)

    dry_runs = {c.id for c in target.calls[since:] if c.verb == "apply" and c.dry_run}
    assert dry_runs == {str(SETTINGS), str(WEB)}
    assert actions(result)[SETTINGS] is Action.CONFIGURED
    assert result.known[SETTINGS] != warm.known[SETTINGS]


async def test_a_huge_server_message_is_shortened_in_the_middle_to_one_readable_line() -> None:
    target = MemoryTarget()
    dump = "{" + ", ".join(f'"field{i}": "value"' for i in range(400)) + "}"
    refusal = ObjectInvalidError(
        f"Deployment/shop/web: Invalid: spec.template: Invalid value: {dump}:\nfield is immutable",
        reason="Invalid",
        immutable=True,
    )
    target.fail("apply", refusal, ref=WEB, dry_run=True)

    result = await sync(target, load("shop.yaml"))

    reason = reasons(result)[WEB]
    assert reason.startswith(f"{IMMUTABLE_HINT} (Invalid: spec.template: Invalid value: ")
    assert reason.endswith(": field is immutable)")
    assert " … " in reason
    assert len(reason) < len(IMMUTABLE_HINT) + 510
    assert "\n" not in result.error

"""A failed apply or prune is typed: the first failing object's reason class, file and line."""

from __future__ import annotations

import pytest

from tests.unit.apply.manifests import by_kind, ids, load
from trueup.apply import ApplyOptions, ApplyResult, apply_stages, prune, read_live
from trueup.changeset import Action
from trueup.errors import (
    AdmissionDeniedError,
    ObjectConflictError,
    ObjectInvalidError,
    TargetError,
    TargetForbiddenError,
    TargetUnavailableError,
)
from trueup.failure import Reason
from trueup.objects import Object, ObjectId, Origin
from trueup.plan import AppRef, plan_prune, plan_stages
from trueup.targets import FieldValidation
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
WEB = ObjectId("apps", "Deployment", "shop", "web")
CRD = ObjectId("apiextensions.k8s.io", "CustomResourceDefinition", "", "widgets.example.com")
ORIGINS = {WEB: Origin("apps/shop/deploy.yaml", 27), SETTINGS: Origin("apps/shop/settings.yaml", 1)}
TYPO = {("apps", "Deployment"): (("spec", "replica"),)}


async def sync(
    target: MemoryTarget, objects: list[Object], options: ApplyOptions | None = None
) -> ApplyResult:
    live = await read_live(target, objects)
    return await apply_stages(
        target, plan_stages(objects), live, options or ApplyOptions(), origins=ORIGINS
    )


def with_typo(objects: list[Object]) -> list[Object]:
    by_kind(objects, "Deployment")["spec"]["replica"] = 2
    return objects


def actions(result: ApplyResult) -> dict[ObjectId, Action]:
    return {change.id: change.action for change in result.changes.changes}


def reasons(result: ApplyResult) -> dict[ObjectId, str]:
    return {change.id: change.reason for change in result.changes.changes}


REFUSALS = [
    pytest.param(
        ObjectInvalidError("Deployment/shop/web: Invalid: no"), Reason.INVALID, id="invalid"
    ),
    pytest.param(
        TargetForbiddenError("Deployment/shop/web: Forbidden: no"), Reason.FORBIDDEN, id="forbidden"
    ),
    pytest.param(
        AdmissionDeniedError("Deployment/shop/web: denied: no"), Reason.DENIED, id="denied"
    ),
    pytest.param(
        ObjectConflictError("Deployment/shop/web: Conflict: no"), Reason.CONFLICT, id="conflict"
    ),
    pytest.param(TargetError("Deployment/shop/web: BadRequest: no"), Reason.TARGET, id="other"),
]


@pytest.mark.parametrize(("refusal", "reason"), REFUSALS)
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "apply"])
async def test_a_refused_object_gives_the_failure_its_reason_class_file_and_line(
    refusal: TargetError, reason: Reason, dry_run: bool
) -> None:
    target = MemoryTarget()
    target.fail("apply", refusal, ref=WEB, dry_run=dry_run)

    result = await sync(target, load("shop.yaml"))

    assert result.failure is not None
    assert result.failure.reason is reason
    assert not result.failure.temporary
    what = "failed dry-run" if dry_run else "failed to apply"
    assert result.failure.message.startswith(f"apps/shop/deploy.yaml:27: {WEB} {what}: ")
    assert result.error == result.failure.message
    assert actions(result)[WEB] is Action.FAILED


async def test_a_success_has_no_failure() -> None:
    result = await sync(MemoryTarget(), load("shop.yaml"))

    assert result.failure is None
    assert result.ok


async def test_an_immutable_field_change_is_an_invalid_failure() -> None:
    target = MemoryTarget()
    await sync(target, load("shop.yaml"))
    objects = load("shop.yaml")
    by_kind(objects, "Deployment")["spec"]["selector"]["matchLabels"] = {"app": "other"}

    result = await sync(target, objects)

    assert result.failure is not None
    assert result.failure.reason is Reason.INVALID
    assert "spec.selector" in result.failure.message


async def test_a_crd_that_never_becomes_established_is_a_temporary_failure() -> None:
    target = MemoryTarget()
    target.fail("wait_established", TargetUnavailableError(f"{CRD}: not established"), ref=CRD)

    result = await sync(target, load("widgets.yaml"))

    assert result.failure is not None
    assert result.failure.reason is Reason.TARGET_UNAVAILABLE
    assert result.failure.temporary


async def test_a_denied_prune_is_a_denied_failure_and_stays_in_failed_deletes() -> None:
    target = MemoryTarget()
    app = AppRef("shop", "default")
    everything = load("shop.yaml")
    for obj in everything:
        obj["metadata"]["labels"] = app.labels
    await sync(target, everything)
    live = await read_live(target, ids(everything))
    plan = plan_prune(
        ids(everything),
        ids(everything[:1]),
        live,
        app,
        prune_enabled=True,
        render_empty=False,
        source_ok=True,
        allow_empty=False,
    )
    denied = AdmissionDeniedError(f'{WEB}: admission webhook "keep" denied the request: no')
    target.fail("delete", denied, ref=WEB)

    result = await prune(target, plan, live, ApplyOptions())

    assert result.failure is not None
    assert result.failure.reason is Reason.DENIED
    assert result.failure.message.startswith(f"{WEB} could not be pruned: ")
    assert result.failed_deletes == (WEB,)


async def test_strict_validation_refuses_an_unknown_field_by_name_before_anything_applies() -> None:
    target = MemoryTarget(unknown_fields=TYPO)

    result = await sync(target, with_typo(load("shop.yaml")))

    assert actions(result)[WEB] is Action.FAILED
    assert actions(result)[SETTINGS] is Action.SKIPPED
    assert result.failure is not None
    assert result.failure.reason is Reason.INVALID
    assert result.failure.message == (
        "apps/shop/deploy.yaml:27: Deployment/shop/web failed dry-run: "
        "spec.replica: field not declared in schema; fix the manifest"
    )
    applied = [c.id for c in target.calls if c.verb == "apply" and not c.dry_run]
    assert applied == ["Namespace/shop"]
    validations = {c.field_validation for c in target.calls if c.verb == "apply"}
    assert validations == {"Strict"}


async def test_warn_validation_drops_an_unknown_field_and_keeps_the_warning_in_the_change() -> None:
    target = MemoryTarget(unknown_fields=TYPO)
    options = ApplyOptions(field_validation=FieldValidation.WARN)

    result = await sync(target, with_typo(load("shop.yaml")), options)

    assert result.ok
    assert actions(result)[WEB] is Action.CREATED
    assert reasons(result)[WEB] == 'warning: unknown field "spec.replica"'
    assert "replica" not in result.live[WEB]["spec"]
    assert {c.field_validation for c in target.calls if c.verb == "apply"} == {"Warn"}

    again = await sync(target, with_typo(load("shop.yaml")), options)

    assert actions(again)[WEB] is Action.UNCHANGED
    assert reasons(again)[WEB] == 'warning: unknown field "spec.replica"'


async def test_ignore_validation_drops_an_unknown_field_silently() -> None:
    target = MemoryTarget(unknown_fields=TYPO)
    options = ApplyOptions(field_validation=FieldValidation.IGNORE)

    result = await sync(target, with_typo(load("shop.yaml")), options)

    assert result.ok
    assert reasons(result)[WEB] == ""
    assert "replica" not in result.live[WEB]["spec"]

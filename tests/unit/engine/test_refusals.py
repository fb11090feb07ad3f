"""Engine.sync on fakes: a refused object is a typed failure naming its file and line, and
the App's field validation reaches the target."""

from __future__ import annotations

import pytest

from tests.unit.engine.harness import Harness, actions, configmap, namespace
from trueup.changeset import Action
from trueup.errors import AdmissionDeniedError, ObjectInvalidError, TargetForbiddenError
from trueup.failure import Reason
from trueup.objects import ObjectId
from trueup.store import AttemptResult

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
CACHE = ObjectId("", "ConfigMap", "shop", "cache")


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        (ObjectInvalidError(f"{CACHE}: spec.x: field not declared in schema"), Reason.INVALID),
        (TargetForbiddenError(f"{CACHE}: Forbidden: no"), Reason.FORBIDDEN),
        (AdmissionDeniedError(f'{CACHE}: admission webhook "w" denied the request'), Reason.DENIED),
    ],
    ids=["invalid", "forbidden", "denied"],
)
async def test_a_refused_object_is_the_reports_typed_failure_with_file_and_line(
    harness: Harness, refusal: Exception, reason: Reason
) -> None:
    harness.app("web", namespace="shop")
    harness.commit(
        {
            "web/all.yaml": [configmap("settings", a="1"), configmap("cache", b="2")],
            "web/namespace.yaml": namespace("shop"),
        }
    )
    harness.target.fail("apply", refusal, ref=CACHE, dry_run=True)

    report = await harness.sync()

    assert report.failure is not None
    assert report.failure.reason is reason
    assert not report.failure.temporary
    assert report.error.startswith(f"web/all.yaml:8: {CACHE} failed dry-run: ")
    assert (actions(report)[SETTINGS], actions(report)[CACHE]) == (Action.SKIPPED, Action.FAILED)
    assert harness.live("ConfigMap", "shop", "settings") is None
    [attempt] = await harness.history()
    assert (attempt.result, attempt.reason) == (AttemptResult.FAILED, reason)


@pytest.mark.parametrize("validation", [None, "Strict", "Warn", "Ignore"])
async def test_every_dry_run_and_apply_asks_for_the_apps_field_validation(
    harness: Harness, validation: str | None
) -> None:
    spec = {"fieldValidation": validation} if validation else {}
    harness.app("web", namespace="shop", **spec)
    harness.commit({"web/cm.yaml": [namespace("shop"), configmap("settings", a="1")]})

    report = await harness.sync()

    assert report.ok, report.error
    asked = {call.field_validation for call in harness.target.calls if call.verb == "apply"}
    assert asked == {validation or "Strict"}

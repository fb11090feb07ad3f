"""Engine.sync on fakes: the messages of tools and servers that quote a secret value are
masked in the report and in the history, whichever step failed."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.unit.engine.harness import URL, Harness, configmap, namespace
from trueup.errors import AdmissionDeniedError, SourceUnavailableError
from trueup.masking import MASK
from trueup.objects import ObjectId

pytestmark = pytest.mark.anyio

CANARY = "canary-engine-3f9a1c"
DB = ObjectId("", "Secret", "shop", "db")


def secret(**string_data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "stringData": string_data,
    }


def encoded_secret(**data: str) -> dict[str, Any]:
    values = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "data": values}


def leaks(text: str) -> bool:
    return CANARY in text or base64.b64encode(CANARY.encode()).decode() in text


@pytest.mark.parametrize("manifest", [secret(password=CANARY), encoded_secret(password=CANARY)])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "apply"])
async def test_a_refusal_quoting_a_rendered_secret_value_is_masked_in_report_and_history(
    harness: Harness, manifest: dict[str, Any], dry_run: bool
) -> None:
    harness.app("web", namespace="shop")
    harness.commit({"web/all.yaml": [namespace("shop"), manifest, configmap("settings", a="1")]})
    quoting = AdmissionDeniedError(f'{DB}: admission webhook "w" denied the request: {CANARY}')
    harness.target.fail("apply", quoting, ref=DB, dry_run=dry_run)

    report = await harness.sync()

    assert report.failure is not None
    assert f"denied the request: {MASK}" in report.error
    assert not leaks(report.error)
    assert not any(leaks(change.reason) for change in report.changes.changes)
    [attempt] = await harness.history()
    assert f"denied the request: {MASK}" in attempt.error
    assert not leaks(attempt.error)
    assert not any(leaks(change.reason) for change in attempt.changes.changes)


async def test_a_source_failure_quoting_a_configuration_secret_is_masked(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    harness.config_secrets["unrelated"] = {"token": CANARY}
    harness.commit({"web/cm.yaml": configmap("settings", a="1")})
    harness.source.fail(URL, SourceUnavailableError(f"git said: fatal: token {CANARY} expired"))

    report = await harness.sync()

    assert report.error.endswith(f"git said: fatal: token {MASK} expired")
    [attempt] = await harness.history()
    assert not leaks(attempt.error)


async def test_a_very_long_message_from_outside_is_cut_keeping_its_end(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("settings", a="1")})
    long = "git said: " + "x" * 100_000 + " the real error"
    harness.source.fail(URL, SourceUnavailableError(long))

    report = await harness.sync()

    assert len(report.error) <= 2000
    assert "characters cut" in report.error
    assert report.error.endswith(" the real error")
    [attempt] = await harness.history()
    assert attempt.error == report.error

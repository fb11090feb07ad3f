"""Diff text, over fixtures/diff.yaml, and Secret masking with planted canary values."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from tests.unit.plan.cases import load_cases, parse_id
from trueup.objects import ObjectId
from trueup.plan import (
    MASK,
    MASK_AFTER,
    MASK_BEFORE,
    mask_secret,
    mask_secret_pair,
    to_yaml,
    unified_diff,
)

SECRET_ID = ObjectId("", "Secret", "shop", "creds")
CANARY_LIVE = "canary-live-7d3f1a9e"
CANARY_DESIRED = "canary-desired-2b8c4e61"
CANARY_SAME = "canary-same-91e0c3d5"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _forms(canary: str) -> list[str]:
    """Every form in which a canary could leak: plain, base64, and plain hashes of both."""
    encoded = _b64(canary)
    return [
        canary,
        encoded,
        encoded.rstrip("="),
        hashlib.sha256(canary.encode()).hexdigest()[:12],
        hashlib.sha256(encoded.encode()).hexdigest()[:12],
    ]


def _secret(canary: str) -> dict[str, Any]:
    data = {"password": _b64(canary), "same": _b64(CANARY_SAME), "broken": f"%%{canary}%%not-b64"}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "creds",
            "namespace": "shop",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"data": data}),
                "note": "kept",
            },
        },
        "data": data,
        "stringData": {"token": canary, "plain-same": CANARY_SAME},
    }


@pytest.mark.parametrize("case", load_cases("diff.yaml"))
def test_the_diff_text_is_unified_normalised_and_stable(case: dict[str, Any]) -> None:
    assert unified_diff(parse_id(case["id"]), case["live"], case["desired"]) == case["expect"]


@pytest.mark.parametrize(
    ("live", "desired"),
    [
        pytest.param(_secret(CANARY_LIVE), _secret(CANARY_DESIRED), id="update"),
        pytest.param(None, _secret(CANARY_DESIRED), id="create"),
        pytest.param(_secret(CANARY_LIVE), None, id="delete"),
    ],
)
def test_a_secret_diff_never_shows_a_value_in_any_form(
    live: dict[str, Any] | None, desired: dict[str, Any] | None
) -> None:
    text = unified_diff(SECRET_ID, live, desired)
    assert text, "the diff must not be empty, or the test proves nothing"
    for canary in (CANARY_LIVE, CANARY_DESIRED, CANARY_SAME):
        for form in _forms(canary):
            assert form not in text


def test_a_secret_diff_marks_changed_values_and_leaves_unchanged_ones_equal() -> None:
    text = unified_diff(SECRET_ID, _secret(CANARY_LIVE), _secret(CANARY_DESIRED))
    removed = {line for line in text.splitlines() if line.startswith("-") and ":" in line}
    added = {line for line in text.splitlines() if line.startswith("+") and ":" in line}
    assert f"-  password: '{MASK_BEFORE}'" in removed
    assert f"+  password: {MASK_AFTER}" in added
    assert f"-  broken: '{MASK_BEFORE}'" in removed
    assert "last-applied-configuration" not in text, "normalised away before diffing"
    assert f"   same: '{MASK}'" in text.splitlines()
    assert f"   plain-same: '{MASK}'" in text.splitlines()
    assert not any("same" in line for line in removed | added)


def test_an_unchanged_secret_gives_no_diff() -> None:
    assert unified_diff(SECRET_ID, _secret(CANARY_LIVE), _secret(CANARY_LIVE)) == ""


def test_a_secret_shown_on_its_own_has_every_value_masked() -> None:
    secret = _secret(CANARY_LIVE)
    secret["data"]["odd"] = ["not", "a", "string"]
    secret["stringData"] = f"malformed {CANARY_LIVE}"
    text = to_yaml(mask_secret(secret))
    for canary in (CANARY_LIVE, CANARY_SAME):
        for form in _forms(canary):
            assert form not in text
    assert "note: kept" in text
    assert f"kubectl.kubernetes.io/last-applied-configuration: '{MASK}'" in text
    assert secret["data"]["password"] == _b64(CANARY_LIVE), "the input must stay untouched"


def test_a_changed_last_applied_annotation_on_a_secret_is_masked_against_its_pair() -> None:
    before, after = mask_secret_pair(_secret(CANARY_LIVE), _secret(CANARY_DESIRED))
    assert before is not None
    assert after is not None
    annotation = "kubectl.kubernetes.io/last-applied-configuration"
    assert before["metadata"]["annotations"][annotation] == MASK_BEFORE
    assert after["metadata"]["annotations"][annotation] == MASK_AFTER
    assert after["metadata"]["annotations"]["note"] == "kept"


def test_objects_other_than_secrets_are_not_masked() -> None:
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"a": "1"},
    }
    assert mask_secret(config) == config

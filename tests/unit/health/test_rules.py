"""Every per-kind rule and the generic rule, over the cases in fixtures/*.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trueup.health import HealthStatus, health_of

FIXTURES = Path(__file__).parent / "fixtures"


def _cases() -> list[Any]:
    params = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return params


@pytest.mark.parametrize("case", _cases())
def test_each_object_gets_the_health_its_status_shows(case: dict[str, Any]) -> None:
    result = health_of(case["object"])
    assert result.status is HealthStatus(case["status"]), result.message
    assert case.get("message", "") in result.message


def test_every_fixture_file_was_read() -> None:
    kinds = {case.values[0]["object"]["kind"] for case in _cases()}
    assert {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Pod",
        "Job",
        "PersistentVolumeClaim",
        "Service",
        "CustomResourceDefinition",
        "Namespace",
        "Widget",
    } <= kinds

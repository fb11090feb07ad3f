"""Missing objects, aggregation order, overrides, odd input, and the pinned public API."""

from __future__ import annotations

from typing import Any

import pytest

import trueup.health
from trueup.errors import ConfigError
from trueup.health import (
    HealthOverrides,
    HealthResult,
    HealthStatus,
    aggregate,
    always_healthy,
    health_of,
)

FAILED_DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"replicas": 1},
    "status": {
        "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
        ]
    },
}


def test_an_object_that_does_not_exist_is_missing() -> None:
    assert health_of(None).status is HealthStatus.MISSING


def test_statuses_are_ordered_from_best_to_worst() -> None:
    ordered = sorted(HealthStatus, key=lambda status: status.severity)
    assert [status.value for status in ordered] == [
        "Healthy",
        "Progressing",
        "Suspended",
        "Degraded",
        "Missing",
        "Unknown",
    ]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param([], HealthStatus.HEALTHY, id="no objects are healthy"),
        pytest.param(["Healthy", "Healthy"], HealthStatus.HEALTHY, id="all healthy"),
        pytest.param(["Healthy", "Progressing"], HealthStatus.PROGRESSING, id="one progressing"),
        pytest.param(["Progressing", "Suspended"], HealthStatus.SUSPENDED, id="suspended wins"),
        pytest.param(["Suspended", "Degraded", "Healthy"], HealthStatus.DEGRADED, id="degraded"),
        pytest.param(["Degraded", "Missing"], HealthStatus.MISSING, id="missing beats degraded"),
        pytest.param(["Missing", "Unknown", "Healthy"], HealthStatus.UNKNOWN, id="unknown worst"),
    ],
)
def test_an_apps_health_is_the_worst_of_its_objects(
    statuses: list[str], expected: HealthStatus
) -> None:
    results = [HealthResult(HealthStatus(status)) for status in statuses]
    assert aggregate(results) is expected
    assert aggregate(HealthStatus(status) for status in statuses) is expected


def test_an_override_replaces_the_rule_of_its_kind_only() -> None:
    overrides = HealthOverrides.from_names({"Deployment.apps": "always-healthy"})
    assert health_of(FAILED_DEPLOYMENT, overrides=overrides).status is HealthStatus.HEALTHY
    assert health_of(FAILED_DEPLOYMENT).status is HealthStatus.DEGRADED
    other_group = {
        "apiVersion": "example.com/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "status": {"conditions": [{"type": "Ready", "status": "False"}]},
    }
    assert health_of(other_group, overrides=overrides).status is HealthStatus.DEGRADED


def test_an_override_can_send_a_kind_to_the_generic_conditions_rule() -> None:
    overrides = HealthOverrides.from_names({"Service": "conditions"})
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"type": "LoadBalancer"},
        "status": {"loadBalancer": {}, "conditions": [{"type": "Ready", "status": "True"}]},
    }
    assert health_of(service).status is HealthStatus.PROGRESSING
    assert health_of(service, overrides=overrides).status is HealthStatus.HEALTHY


def test_an_override_does_not_make_a_missing_object_healthy() -> None:
    overrides = HealthOverrides({("apps", "Deployment"): always_healthy})
    assert health_of(None, overrides=overrides).status is HealthStatus.MISSING


def test_an_unknown_override_rule_is_a_configuration_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match="always-healthy"):
        HealthOverrides.from_names({"Deployment.apps": "sometimes-healthy"})


def test_a_malformed_object_is_unknown_instead_of_raising() -> None:
    broken = {**FAILED_DEPLOYMENT, "metadata": ["not", "a", "mapping"]}
    assert health_of(broken).status is HealthStatus.UNKNOWN


def test_a_failing_custom_rule_is_unknown_instead_of_raising() -> None:
    def fussy(obj: dict[str, Any]) -> HealthResult:
        raise ValueError("cannot judge this")

    overrides = HealthOverrides({("apps", "Deployment"): fussy})
    result = health_of(FAILED_DEPLOYMENT, overrides=overrides)
    assert result.status is HealthStatus.UNKNOWN
    assert "cannot judge this" in result.message


def test_the_public_api_is_pinned() -> None:
    assert set(trueup.health.__all__) == {
        "NAMED_RULES",
        "RULES",
        "HealthOverrides",
        "HealthResult",
        "HealthRule",
        "HealthStatus",
        "aggregate",
        "always_healthy",
        "generic_health",
        "health_of",
        "rule_for",
    }

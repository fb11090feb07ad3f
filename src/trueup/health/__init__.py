"""Health: pure per-kind rules over live objects, a generic conditions rule, overrides.

``health_of`` judges one object; ``aggregate`` gives an app's health (worst wins, in the
order documented in ``trueup.health.model``).
"""

from __future__ import annotations

from trueup.health.generic import generic_health
from trueup.health.model import HealthResult, HealthRule, HealthStatus, aggregate
from trueup.health.overrides import NAMED_RULES, HealthOverrides, always_healthy
from trueup.health.rules import RULES, health_of, rule_for

__all__ = [
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
]

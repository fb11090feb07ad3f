"""Health values: the status vocabulary, one object's result, and an app's aggregate.

The statuses are declared from best to worst, and an app's health is the worst status
of its objects:

    Healthy < Progressing < Suspended < Degraded < Missing < Unknown

- Progressing is the mildest problem: it resolves by itself.
- Suspended outranks it: a paused rollout or suspended job waits for a person.
- Degraded: something failed (crash loop, deadline exceeded, job failed).
- Missing outranks Degraded: an object the app declares does not exist at all.
- Unknown is worst: trueup cannot vouch for the object, so it cannot vouch for the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from trueup.objects import Object


class HealthStatus(StrEnum):
    """The health of an object or app; members are declared from best to worst."""

    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    SUSPENDED = "Suspended"
    DEGRADED = "Degraded"
    MISSING = "Missing"
    UNKNOWN = "Unknown"

    @property
    def severity(self) -> int:
        """0 for Healthy up to 5 for Unknown: the order used to aggregate (worst wins)."""
        return _SEVERITY[self]


_SEVERITY: dict[HealthStatus, int] = {status: rank for rank, status in enumerate(HealthStatus)}
"""Each status's severity: its place in the declaration, looked up (health is aggregated on
every watch event)."""


@dataclass(frozen=True, slots=True)
class HealthResult:
    """One object's health and a short message saying why (empty when Healthy says it all)."""

    status: HealthStatus
    message: str = ""

    def __str__(self) -> str:
        return f"{self.status.value}: {self.message}" if self.message else self.status.value


HealthRule = Callable[[Object], HealthResult]
"""A rule: the health of one live object, computed from the object alone."""


def aggregate(results: Iterable[HealthResult | HealthStatus]) -> HealthStatus:
    """The worst status among ``results``; Healthy when there are none."""
    worst = HealthStatus.HEALTHY
    for result in results:
        status = result.status if isinstance(result, HealthResult) else result
        if status.severity > worst.severity:
            worst = status
    return worst

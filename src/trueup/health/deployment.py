"""Health of Deployments and ReplicaSets, as ``kubectl rollout status`` judges them."""

from __future__ import annotations

from trueup.health.fields import (
    condition,
    condition_text,
    generation_lag,
    integer,
    spec_of,
    status_of,
)
from trueup.health.model import HealthResult, HealthStatus
from trueup.objects import Object

_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"


def deployment_health(obj: Object) -> HealthResult:
    """Healthy once every desired replica is updated and available and no old one is left."""
    lag = generation_lag(obj)
    if lag:
        return HealthResult(HealthStatus.PROGRESSING, lag)
    spec, status = spec_of(obj), status_of(obj)
    # A paused Deployment is not checked against its deadline, so paused comes first.
    if spec.get("paused") is True:
        return HealthResult(HealthStatus.SUSPENDED, "rollout is paused")
    progressing = condition(obj, "Progressing")
    if progressing is not None and progressing.get("reason") == _DEADLINE_EXCEEDED:
        return HealthResult(HealthStatus.DEGRADED, condition_text(progressing))

    desired = integer(spec.get("replicas"), 1)
    updated = integer(status.get("updatedReplicas"))
    total = integer(status.get("replicas"))
    available = integer(status.get("availableReplicas"))
    if updated < desired:
        return HealthResult(HealthStatus.PROGRESSING, f"{updated} of {desired} replicas updated")
    if total > updated:
        return HealthResult(
            HealthStatus.PROGRESSING, f"{total - updated} old replicas pending termination"
        )
    if available < updated:
        return HealthResult(
            HealthStatus.PROGRESSING, f"{available} of {updated} updated replicas available"
        )
    return HealthResult(HealthStatus.HEALTHY, f"{available} of {desired} replicas available")


def replicaset_health(obj: Object) -> HealthResult:
    """Healthy once every desired replica is available; a ReplicaFailure is Degraded."""
    lag = generation_lag(obj)
    if lag:
        return HealthResult(HealthStatus.PROGRESSING, lag)
    failure = condition(obj, "ReplicaFailure")
    if failure is not None and failure.get("status") == "True":
        return HealthResult(HealthStatus.DEGRADED, condition_text(failure))
    desired = integer(spec_of(obj).get("replicas"), 1)
    available = integer(status_of(obj).get("availableReplicas"))
    if available < desired:
        return HealthResult(
            HealthStatus.PROGRESSING, f"{available} of {desired} replicas available"
        )
    return HealthResult(HealthStatus.HEALTHY, f"{available} of {desired} replicas available")

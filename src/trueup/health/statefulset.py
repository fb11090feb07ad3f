"""Health of StatefulSets and DaemonSets, as ``kubectl rollout status`` judges them."""

from __future__ import annotations

from trueup.health.fields import generation_lag, integer, mapping, spec_of, status_of
from trueup.health.model import HealthResult, HealthStatus
from trueup.objects import Object


def statefulset_health(obj: Object) -> HealthResult:
    """Healthy once all replicas are ready and updated (up to the partition, if any)."""
    lag = generation_lag(obj)
    if lag:
        return HealthResult(HealthStatus.PROGRESSING, lag)
    spec, status = spec_of(obj), status_of(obj)
    desired = integer(spec.get("replicas"), 1)
    ready = integer(status.get("readyReplicas"))
    if ready < desired:
        return HealthResult(HealthStatus.PROGRESSING, f"{ready} of {desired} pods ready")

    strategy = mapping(spec.get("updateStrategy"))
    if strategy.get("type") == "OnDelete":
        # Pods are replaced only when someone deletes them: nothing to wait for.
        return HealthResult(
            HealthStatus.HEALTHY, f"{ready} of {desired} pods ready (OnDelete updates)"
        )
    partition = integer(mapping(strategy.get("rollingUpdate")).get("partition"))
    updated = integer(status.get("updatedReplicas"))
    if partition > 0:
        expected = max(desired - partition, 0)
        if updated < expected:
            return HealthResult(
                HealthStatus.PROGRESSING,
                f"partitioned rollout: {updated} of {expected} pods updated",
            )
        return HealthResult(
            HealthStatus.HEALTHY, f"partitioned rollout complete: {updated} pods updated"
        )
    update_revision = status.get("updateRevision")
    if update_revision and status.get("currentRevision") != update_revision:
        return HealthResult(
            HealthStatus.PROGRESSING,
            f"{updated} of {desired} pods updated to revision {update_revision}",
        )
    return HealthResult(HealthStatus.HEALTHY, f"{ready} of {desired} pods ready")


def daemonset_health(obj: Object) -> HealthResult:
    """Healthy once every scheduled pod is updated and available."""
    lag = generation_lag(obj)
    if lag:
        return HealthResult(HealthStatus.PROGRESSING, lag)
    spec, status = spec_of(obj), status_of(obj)
    desired = integer(status.get("desiredNumberScheduled"))
    available = integer(status.get("numberAvailable"))
    on_delete = mapping(spec.get("updateStrategy")).get("type") == "OnDelete"
    if not on_delete:
        updated = integer(status.get("updatedNumberScheduled"))
        if updated < desired:
            return HealthResult(
                HealthStatus.PROGRESSING, f"{updated} of {desired} updated pods scheduled"
            )
    if available < desired:
        return HealthResult(HealthStatus.PROGRESSING, f"{available} of {desired} pods available")
    return HealthResult(HealthStatus.HEALTHY, f"{available} of {desired} pods available")

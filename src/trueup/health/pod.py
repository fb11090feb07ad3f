"""Health of Pods and Jobs."""

from __future__ import annotations

from typing import Any

from trueup.health.fields import (
    condition,
    condition_status,
    condition_text,
    mapping,
    spec_of,
    status_of,
)
from trueup.health.model import HealthResult, HealthStatus
from trueup.objects import Object

# Waiting reasons that do not clear up without a change: a bad image, a crash loop, a
# missing ConfigMap or Secret. Anything else waiting (ContainerCreating) is progress.
_STUCK_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)


def _stuck_container(status: dict[str, Any]) -> str:
    """'container X is in Reason: message' for the first stuck container, or ''."""
    for field in ("initContainerStatuses", "containerStatuses"):
        statuses = status.get(field)
        for container in statuses if isinstance(statuses, list) else ():
            waiting = mapping(mapping(mapping(container).get("state")).get("waiting"))
            reason = waiting.get("reason")
            if reason in _STUCK_REASONS:
                message = waiting.get("message")
                detail = f": {message}" if isinstance(message, str) and message else ""
                return f"container {mapping(container).get('name')} is in {reason}{detail}"
    return ""


def pod_health(obj: Object) -> HealthResult:
    """Healthy when Ready (or Succeeded); Degraded when failed or a container is stuck."""
    status = status_of(obj)
    phase = status.get("phase")
    if phase == "Succeeded":
        return HealthResult(HealthStatus.HEALTHY, "pod completed")
    if phase == "Failed":
        reason = ": ".join(str(status[k]) for k in ("reason", "message") if status.get(k))
        return HealthResult(HealthStatus.DEGRADED, f"pod failed{': ' + reason if reason else ''}")
    stuck = _stuck_container(status)
    if stuck:
        return HealthResult(HealthStatus.DEGRADED, stuck)
    if phase == "Pending":
        scheduled = condition(obj, "PodScheduled")
        if scheduled is not None and scheduled.get("status") == "False":
            text = condition_text(scheduled)
            return HealthResult(HealthStatus.PROGRESSING, f"pod is not scheduled: {text}")
        return HealthResult(HealthStatus.PROGRESSING, "pod is pending")
    if phase == "Running":
        if condition_status(obj, "Ready") == "True":
            return HealthResult(HealthStatus.HEALTHY, "pod is running and ready")
        return HealthResult(HealthStatus.PROGRESSING, "waiting for containers to become ready")
    return HealthResult(HealthStatus.UNKNOWN, f"pod phase is {phase or 'not reported'}")


def job_health(obj: Object) -> HealthResult:
    """Healthy when complete, Degraded when failed, Suspended when suspended."""
    failed = condition(obj, "Failed")
    if failed is not None and failed.get("status") == "True":
        return HealthResult(HealthStatus.DEGRADED, f"job failed: {condition_text(failed)}")
    complete = condition(obj, "Complete")
    if complete is not None and complete.get("status") == "True":
        return HealthResult(HealthStatus.HEALTHY, "job completed")
    if spec_of(obj).get("suspend") is True or condition_status(obj, "Suspended") == "True":
        return HealthResult(HealthStatus.SUSPENDED, "job is suspended")
    status = status_of(obj)
    active, succeeded = status.get("active", 0), status.get("succeeded", 0)
    return HealthResult(
        HealthStatus.PROGRESSING, f"job is running: {active} active, {succeeded} succeeded"
    )

"""The fallback rule for kinds without a rule of their own, custom resources above all.

It reads the conventions most controllers follow (Kubernetes API conventions, kstatus,
Flux): ``observedGeneration`` and the ``Ready``, ``Stalled`` and ``Reconciling``
conditions. An object without any status is Healthy: it has nothing to wait for (a
ConfigMap, a Role), which is how kstatus treats it too.
"""

from __future__ import annotations

from trueup.health.fields import condition, condition_text, generation_lag, spec_of, status_of
from trueup.health.model import HealthResult, HealthStatus
from trueup.objects import Object


def generic_health(obj: Object) -> HealthResult:
    """Health from ``spec.suspend``, ``observedGeneration`` and standard conditions."""
    # Flux objects and CronJobs say "suspended" with spec.suspend.
    if spec_of(obj).get("suspend") is True:
        return HealthResult(HealthStatus.SUSPENDED, "suspended")
    if not status_of(obj):
        return HealthResult(HealthStatus.HEALTHY)
    lag = generation_lag(obj)
    if lag:
        return HealthResult(HealthStatus.PROGRESSING, lag)

    stalled = condition(obj, "Stalled")
    if stalled is not None and stalled.get("status") == "True":
        return HealthResult(HealthStatus.DEGRADED, condition_text(stalled) or "stalled")
    reconciling = condition(obj, "Reconciling")
    if reconciling is not None and reconciling.get("status") == "True":
        return HealthResult(HealthStatus.PROGRESSING, condition_text(reconciling) or "reconciling")

    ready = condition(obj, "Ready")
    ready_status = ready.get("status") if ready is not None else None
    if ready_status == "False":
        return HealthResult(HealthStatus.DEGRADED, condition_text(ready) or "not ready")
    if ready_status == "Unknown":
        return HealthResult(HealthStatus.PROGRESSING, condition_text(ready) or "readiness unknown")
    return HealthResult(HealthStatus.HEALTHY, condition_text(ready))

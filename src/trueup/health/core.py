"""Health of PersistentVolumeClaims, Services, Namespaces and CustomResourceDefinitions."""

from __future__ import annotations

from trueup.health.fields import condition, condition_text, mapping, spec_of, status_of
from trueup.health.model import HealthResult, HealthStatus
from trueup.objects import Object


def pvc_health(obj: Object) -> HealthResult:
    """Healthy when Bound; Pending (for example waiting for its first consumer) progresses."""
    phase = status_of(obj).get("phase")
    if phase == "Bound":
        return HealthResult(HealthStatus.HEALTHY, "claim is bound")
    if phase == "Lost":
        return HealthResult(HealthStatus.DEGRADED, "claim lost its volume")
    return HealthResult(HealthStatus.PROGRESSING, "waiting for the claim to be bound")


def service_health(obj: Object) -> HealthResult:
    """Healthy, except a LoadBalancer that has no address yet, which is Progressing."""
    if spec_of(obj).get("type") != "LoadBalancer":
        return HealthResult(HealthStatus.HEALTHY)
    ingress = mapping(status_of(obj).get("loadBalancer")).get("ingress")
    if isinstance(ingress, list) and ingress:
        return HealthResult(HealthStatus.HEALTHY, "load balancer has an address")
    return HealthResult(HealthStatus.PROGRESSING, "waiting for a load balancer address")


def namespace_health(obj: Object) -> HealthResult:
    """Healthy when active; a terminating namespace is on its way out (Progressing)."""
    if status_of(obj).get("phase") == "Terminating":
        return HealthResult(HealthStatus.PROGRESSING, "namespace is terminating")
    return HealthResult(HealthStatus.HEALTHY)


def crd_health(obj: Object) -> HealthResult:
    """Healthy once Established; Degraded when its names conflict with another CRD."""
    names = condition(obj, "NamesAccepted")
    if names is not None and names.get("status") == "False":
        return HealthResult(HealthStatus.DEGRADED, f"names not accepted: {condition_text(names)}")
    established = condition(obj, "Established")
    if established is not None and established.get("status") == "True":
        return HealthResult(HealthStatus.HEALTHY, "established")
    terminating = condition(obj, "Terminating")
    if terminating is not None and terminating.get("status") == "True":
        return HealthResult(HealthStatus.PROGRESSING, "definition is being deleted")
    return HealthResult(HealthStatus.PROGRESSING, "waiting to be established")

"""The table of per-kind rules, and ``health_of``, which dispatches through it.

Health is computed from the object alone; nothing here reads the cluster. A problem
with one object (a malformed status) goes into that object's result as Unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from trueup.health.core import crd_health, namespace_health, pvc_health, service_health
from trueup.health.deployment import deployment_health, replicaset_health
from trueup.health.generic import generic_health
from trueup.health.model import HealthResult, HealthRule, HealthStatus
from trueup.health.overrides import HealthOverrides
from trueup.health.pod import job_health, pod_health
from trueup.health.statefulset import daemonset_health, statefulset_health
from trueup.objects import Object, api_group

RULES: Mapping[tuple[str, str], HealthRule] = MappingProxyType(
    {
        ("apps", "Deployment"): deployment_health,
        ("apps", "StatefulSet"): statefulset_health,
        ("apps", "DaemonSet"): daemonset_health,
        ("apps", "ReplicaSet"): replicaset_health,
        ("", "Pod"): pod_health,
        ("batch", "Job"): job_health,
        ("", "PersistentVolumeClaim"): pvc_health,
        ("", "Service"): service_health,
        ("", "Namespace"): namespace_health,
        ("apiextensions.k8s.io", "CustomResourceDefinition"): crd_health,
    }
)
"""(group, kind) → rule; every other kind uses the generic conditions rule."""


def rule_for(group: str, kind: str, overrides: HealthOverrides | None = None) -> HealthRule:
    """The rule that judges objects of this group and kind."""
    if overrides is not None:
        override = overrides.rule_for(group, kind)
        if override is not None:
            return override
    return RULES.get((group, kind), generic_health)


def health_of(obj: Object | None, *, overrides: HealthOverrides | None = None) -> HealthResult:
    """The health of one live object; None (it does not exist) is Missing."""
    if obj is None:
        return HealthResult(HealthStatus.MISSING, "object does not exist")
    rule = rule_for(api_group(str(obj.get("apiVersion", ""))), str(obj.get("kind", "")), overrides)
    try:
        return rule(obj)
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        # The rules read defensively; this only catches shapes no rule anticipated.
        return HealthResult(HealthStatus.UNKNOWN, f"cannot read the object's status: {error}")

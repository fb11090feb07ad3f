"""The built-in kinds the in-memory target serves, as a real cluster would after install."""

from __future__ import annotations

from trueup.targets.base import ResourceInfo


def _kinds(api_version: str, namespaced: bool, *entries: str) -> list[ResourceInfo]:
    group, _, version = api_version.rpartition("/")
    infos = []
    for entry in entries:
        kind, _, plural = entry.partition(":")
        infos.append(ResourceInfo(group, version, kind, plural or kind.lower() + "s", namespaced))
    return infos


BUILTIN_RESOURCES: tuple[ResourceInfo, ...] = (
    *_kinds(
        "v1",
        True,
        "ConfigMap",
        "Secret",
        "Service",
        "ServiceAccount",
        "Pod",
        "PersistentVolumeClaim",
        "Endpoints:endpoints",
        "LimitRange",
        "ResourceQuota",
    ),
    *_kinds("v1", False, "Namespace", "PersistentVolume", "Node"),
    *_kinds("apps/v1", True, "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"),
    *_kinds("batch/v1", True, "Job", "CronJob"),
    *_kinds("coordination.k8s.io/v1", True, "Lease"),
    *_kinds("rbac.authorization.k8s.io/v1", True, "Role", "RoleBinding"),
    *_kinds("rbac.authorization.k8s.io/v1", False, "ClusterRole", "ClusterRoleBinding"),
    *_kinds("apiextensions.k8s.io/v1", False, "CustomResourceDefinition"),
    *_kinds("networking.k8s.io/v1", True, "Ingress:ingresses", "NetworkPolicy:networkpolicies"),
    *_kinds("networking.k8s.io/v1", False, "IngressClass:ingressclasses"),
    *_kinds("storage.k8s.io/v1", False, "StorageClass:storageclasses"),
    *_kinds("scheduling.k8s.io/v1", False, "PriorityClass:priorityclasses"),
    *_kinds("policy/v1", True, "PodDisruptionBudget"),
    *_kinds("autoscaling/v2", True, "HorizontalPodAutoscaler"),
)
"""Common kinds with their plural and scope."""

IMMUTABLE_FIELDS: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("apps", "Deployment"): (("spec", "selector"),),
    ("apps", "DaemonSet"): (("spec", "selector"),),
    ("apps", "ReplicaSet"): (("spec", "selector"),),
    ("apps", "StatefulSet"): (
        ("spec", "selector"),
        ("spec", "serviceName"),
        ("spec", "volumeClaimTemplates"),
    ),
    ("batch", "Job"): (("spec", "selector"), ("spec", "template")),
    ("", "Service"): (("spec", "clusterIP"),),
    ("", "PersistentVolumeClaim"): (("spec", "storageClassName"), ("spec", "volumeName")),
}
"""(group, kind) → fields that cannot change once set, as the API server enforces them."""

PRESENT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
"""Namespaces every new cluster has."""

"""The Kubernetes target: kubeconfig, discovery, and the API client the engine uses."""

from __future__ import annotations

from trueup.targets.kubernetes.client import KubernetesTarget
from trueup.targets.kubernetes.connection import ClusterConnection
from trueup.targets.kubernetes.discovery import RestMapper
from trueup.targets.kubernetes.errors import is_immutable_field_error
from trueup.targets.kubernetes.kubeconfig import load_kubeconfig

__all__ = [
    "ClusterConnection",
    "KubernetesTarget",
    "RestMapper",
    "is_immutable_field_error",
    "load_kubeconfig",
]

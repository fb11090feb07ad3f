"""The local control plane: a real Kubernetes API server, etcd and fake nodes on loopback.

The names below load their modules on first use: ``trueup.devcluster.paths`` (where the
cache is, which every sync needs) and ``trueup.devcluster.layout`` stay cheap, while
``DevCluster`` brings in the HTTP client, certificates and process control.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trueup.devcluster.build import Binaries, ensure_binaries, ensure_binary
    from trueup.devcluster.cluster import DevCluster, Status
    from trueup.devcluster.layout import DEFAULT_NODES
    from trueup.devcluster.state import Process, State

__all__ = [
    "DEFAULT_NODES",
    "Binaries",
    "DevCluster",
    "Process",
    "State",
    "Status",
    "ensure_binaries",
    "ensure_binary",
]

_MODULES = {
    "DEFAULT_NODES": "layout",
    "Binaries": "build",
    "DevCluster": "cluster",
    "Process": "state",
    "State": "state",
    "Status": "cluster",
    "ensure_binaries": "build",
    "ensure_binary": "build",
}


def __getattr__(name: str) -> Any:
    """Load the module that defines ``name`` when it is first asked for."""
    if name in _MODULES:
        return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The local control plane: a real Kubernetes API server, etcd and fake nodes on loopback."""

from trueup.devcluster.build import Binaries, ensure_binaries
from trueup.devcluster.cluster import DEFAULT_NODES, DevCluster, Status
from trueup.devcluster.state import Process, State

__all__ = [
    "DEFAULT_NODES",
    "Binaries",
    "DevCluster",
    "Process",
    "State",
    "Status",
    "ensure_binaries",
]

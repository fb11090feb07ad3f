"""Where the dev-cluster keeps its binaries (cache) and its running state."""

from __future__ import annotations

import os
from pathlib import Path

from trueup.gobuild import cache_dir

__all__ = ["cache_dir", "go_sources", "state_dir"]


def state_dir() -> Path:
    """Running state: ``$TRUEUP_DEV_CLUSTER_DIR``, else ``$XDG_STATE_HOME/trueup/dev-cluster``.

    Holds the certificates, the etcd data, the logs, the kubeconfig and ``state.json``;
    ``down`` removes it whole.
    """
    if explicit := os.environ.get("TRUEUP_DEV_CLUSTER_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "trueup" / "dev-cluster"


def go_sources() -> Path:
    """The Go modules shipped inside the package: ``kube``, ``etcd`` and ``kwok``."""
    return Path(__file__).parent / "go"

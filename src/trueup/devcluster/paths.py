"""Where the dev-cluster keeps its binaries (cache) and its running state."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Built binaries: ``$TRUEUP_CACHE_DIR``, ``$XDG_CACHE_HOME/trueup`` or ``~/.cache/trueup``.

    Outside any git tree, so that a fresh clone reuses what an earlier one built.
    """
    if explicit := os.environ.get("TRUEUP_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trueup"


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

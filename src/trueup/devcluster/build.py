"""Build the control plane's Go binaries on first use (see ``trueup.gobuild``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trueup.devcluster.paths import go_sources
from trueup.gobuild import STRIPPED, Progress, ensure_binary, module_version

__all__ = ["Binaries", "ensure_binaries", "ensure_binary", "module_version"]

_COMPONENT_BASE = "k8s.io/component-base/version"


@dataclass(frozen=True, slots=True)
class Binaries:
    """Paths of the three built executables."""

    kube: Path
    etcd: Path
    kwok: Path


def _ldflags(name: str, module_dir: Path) -> str:
    if name == "kube":
        version = module_version(module_dir, "k8s.io/kubernetes")
        major, minor = version.lstrip("v").split(".")[:2]
        stamps = {"gitVersion": version, "gitMajor": major, "gitMinor": minor}
        return " ".join([STRIPPED, *(f"-X {_COMPONENT_BASE}.{k}={v}" for k, v in stamps.items())])
    if name == "kwok":
        version = module_version(module_dir, "sigs.k8s.io/kwok")
        return f"{STRIPPED} -X sigs.k8s.io/kwok/pkg/consts.Version={version}"
    return STRIPPED


def ensure_binaries(progress: Progress) -> Binaries:
    """Return the cached binaries, building those that are missing (minutes on first use)."""
    built: dict[str, Path] = {}
    for name in ("etcd", "kwok", "kube"):
        module_dir = go_sources() / name
        built[name] = ensure_binary(module_dir, progress, ldflags=_ldflags(name, module_dir))
    return Binaries(kube=built["kube"], etcd=built["etcd"], kwok=built["kwok"])

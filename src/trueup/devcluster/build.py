"""Build the control plane's Go binaries on first use and cache them by their inputs.

Each binary's cache key hashes its module's ``go.mod``, ``go.sum`` and sources, the Go
version and the build flags, so a binary is rebuilt exactly when one of those changes.
A file lock keeps two concurrent ``up`` calls from building the same binary twice.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trueup.devcluster.paths import cache_dir, go_sources
from trueup.errors import DevClusterError

Progress = Callable[[str], None]

_COMPONENT_BASE = "k8s.io/component-base/version"
_STRIPPED = "-s -w"
"""Link flags of every binary: no symbol table, no DWARF."""


@dataclass(frozen=True, slots=True)
class Binaries:
    """Paths of the three built executables."""

    kube: Path
    etcd: Path
    kwok: Path


def module_version(module_dir: Path, module: str) -> str:
    """The version ``module_dir/go.mod`` requires of ``module`` (``v1.36.3``)."""
    text = (module_dir / "go.mod").read_text()
    found = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", text, re.MULTILINE)
    if not found:
        raise DevClusterError(f"{module_dir / 'go.mod'}: no requirement on {module}")
    return found.group(1)


def _ldflags(name: str, module_dir: Path) -> str:
    if name == "kube":
        version = module_version(module_dir, "k8s.io/kubernetes")
        major, minor = version.lstrip("v").split(".")[:2]
        stamps = {"gitVersion": version, "gitMajor": major, "gitMinor": minor}
        return " ".join([_STRIPPED, *(f"-X {_COMPONENT_BASE}.{k}={v}" for k, v in stamps.items())])
    if name == "kwok":
        version = module_version(module_dir, "sigs.k8s.io/kwok")
        return f"{_STRIPPED} -X sigs.k8s.io/kwok/pkg/consts.Version={version}"
    return _STRIPPED


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise DevClusterError("the Go toolchain is not on PATH: install Go 1.26 or newer")
    return go


@functools.cache
def _go_version(go: str) -> str:
    return subprocess.run([go, "version"], check=True, capture_output=True, text=True).stdout


def cache_key(module_dir: Path, go_version: str, ldflags: str) -> str:
    """A short hash of everything that decides the binary built from ``module_dir``."""
    digest = hashlib.sha256(go_version.encode() + ldflags.encode())
    for path in sorted(module_dir.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_binaries(progress: Progress) -> Binaries:
    """Return the cached binaries, building those that are missing (minutes on first use)."""
    built: dict[str, Path] = {}
    for name in ("etcd", "kwok", "kube"):
        module_dir = go_sources() / name
        built[name] = ensure_binary(module_dir, progress, ldflags=_ldflags(name, module_dir))
    return Binaries(kube=built["kube"], etcd=built["etcd"], kwok=built["kwok"])


def ensure_binary(module_dir: Path, progress: Progress, *, ldflags: str = _STRIPPED) -> Path:
    """The cached binary of the Go module in ``module_dir``, built first if missing.

    The binary is named after the folder; the benchmarks build their Go peer this way too.
    """
    go = _go()
    name = module_dir.name
    target = cache_dir() / "bin" / f"{name}-{cache_key(module_dir, _go_version(go), ldflags)}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            _build(name, go, module_dir, ldflags, target, progress)
    return target


def _build(
    name: str, go: str, module_dir: Path, ldflags: str, target: Path, progress: Progress
) -> None:
    progress(
        f"building {name} from {module_dir.name}/go.mod "
        "(first use only; the Kubernetes binary takes a few minutes)"
    )
    partial = target.with_name(target.name + ".partial")
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly -buildvcs=false"}
    command = [go, "build", "-v", "-trimpath", "-ldflags", ldflags, "-o", str(partial), "."]
    process = subprocess.Popen(
        command,
        cwd=module_dir,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    tail: list[str] = []
    for packages, line in enumerate(process.stderr, start=1):
        tail = [*tail[-19:], line.rstrip()]
        if packages % 100 == 0:
            progress(f"building {name}: {packages} packages compiled")
    if process.wait() != 0:
        partial.unlink(missing_ok=True)
        output = "\n".join(tail)
        raise DevClusterError(f"go build of {name} failed in {module_dir}:\n{output}")
    partial.replace(target)
    progress(f"built {name} ({target.stat().st_size // 2**20} MiB) into {target.parent}")

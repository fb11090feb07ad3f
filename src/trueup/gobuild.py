"""Go programs that trueup ships as modules, built on first use and cached by their inputs.

The dev-cluster's binaries and the render helpers (Helm, sops) are Go modules inside the
package. Each binary's cache key hashes its module's files (``go.mod``, ``go.sum`` and
sources), the Go version and the link flags, so a binary is rebuilt exactly when one of
those changes. A file lock keeps two concurrent callers from building the same binary twice.
The cache lives outside any Git tree, so a fresh clone reuses what an earlier one built.
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
from pathlib import Path

from trueup.errors import ToolBuildError

Progress = Callable[[str], None]

STRIPPED = "-s -w"
"""Link flags of every binary: no symbol table, no DWARF."""


_built: dict[tuple[Path, Path, str, str], Path] = {}
"""Binaries this process has found or built: every Helm or SOPS render asks for one."""


def cache_dir() -> Path:
    """Built binaries: ``$TRUEUP_CACHE_DIR``, ``$XDG_CACHE_HOME/trueup`` or ``~/.cache/trueup``."""
    if explicit := os.environ.get("TRUEUP_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trueup"


def module_version(module_dir: Path, module: str) -> str:
    """The version ``module_dir/go.mod`` requires of ``module`` (``v1.36.3``)."""
    text = (module_dir / "go.mod").read_text()
    found = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", text, re.MULTILINE)
    if not found:
        raise ToolBuildError(f"{module_dir / 'go.mod'}: no requirement on {module}")
    return found.group(1)


def cache_key(module_dir: Path, go_version: str, ldflags: str) -> str:
    """A short hash of everything that decides the binary built from ``module_dir``."""
    digest = hashlib.sha256(go_version.encode() + ldflags.encode())
    for path in sorted(module_dir.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_binary(
    module_dir: Path, progress: Progress, *, ldflags: str = STRIPPED, package: str = "."
) -> Path:
    """The cached binary of ``package`` of the Go module in ``module_dir``, built first if missing.

    The binary is named after the folder; ``package`` may be the module itself (``.``) or a
    main package of one of its requirements (``github.com/getsops/sops/v3/cmd/sops``), whose
    version the module's ``go.mod`` and ``go.sum`` pin. Raises ``ToolBuildError`` when Go is
    missing or the build fails, with the last lines Go printed.
    """
    known = _built.get((cache_dir(), module_dir, ldflags, package))
    if known is not None and known.exists():
        return known  # the module's files do not change while trueup runs: no hashing again
    go = _go()
    name = module_dir.name
    key = cache_key(
        module_dir, _go_version(go), ldflags if package == "." else f"{ldflags} {package}"
    )
    target = cache_dir() / "bin" / f"{name}-{key}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / f".{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not target.exists():
                _build(name, go, module_dir, (ldflags, package), target, progress)
    _built[(cache_dir(), module_dir, ldflags, package)] = target
    return target


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise ToolBuildError("the Go toolchain is not on PATH: install Go 1.26 or newer")
    return go


@functools.cache
def _go_version(go: str) -> str:
    return subprocess.run([go, "version"], check=True, capture_output=True, text=True).stdout


def _build(
    name: str,
    go: str,
    module_dir: Path,
    flags: tuple[str, str],
    target: Path,
    progress: Progress,
) -> None:
    ldflags, package = flags
    progress(f"building {name} from {module_dir.name}/go.mod (first use only; a few minutes)")
    partial = target.with_name(target.name + ".partial")
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly -buildvcs=false"}
    command = [go, "build", "-v", "-trimpath", "-ldflags", ldflags, "-o", str(partial), package]
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
        raise ToolBuildError(f"go build of {name} failed in {module_dir}:\n{output}")
    partial.replace(target)
    progress(f"built {name} ({target.stat().st_size // 2**20} MiB) into {target.parent}")

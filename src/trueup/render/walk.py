"""The directory walk of a plain-YAML render, handing kustomization directories to kustomize.

Entries are visited in byte-wise sorted order, so the object order never depends on the
file system. Hidden files and directories (``.name``) are skipped, as are paths matched
by the ignore rules. A directory that holds a kustomization file is built by kustomize as
a whole and not walked. Symlinks are followed only when they resolve inside the
repository; a directory link back to one of its ancestors is refused as a loop, and a
directory reached a second time through a link is refused too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from trueup.errors import RenderError
from trueup.render.collect import Collector
from trueup.render.files import read_bounded
from trueup.render.ignore import IgnoreRules
from trueup.render.options import RenderLimits
from trueup.render.paths import resolve_inside

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""File names that make a directory a kustomization, in kustomize's order of preference."""

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
"""File name endings read as manifests in a plain-YAML render."""

BuildKustomization = Callable[[Path, str], None]
"""Builds the kustomization in a real directory, shown to people as the given path."""

Decrypt = Callable[[bytes, str], bytes]
"""The plaintext of a manifest file's bytes (shown as the given path), if it is encrypted."""


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory``, or None if it is a plain directory."""
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if os.path.lexists(candidate):
            return candidate
    return None


class Walker:
    """Walks one rendered directory tree into a ``Collector``."""

    def __init__(
        self,
        root: Path,
        limits: RenderLimits,
        ignore: IgnoreRules,
        collector: Collector,
        build_kustomization: BuildKustomization,
        *,
        decrypt: Decrypt | None = None,
    ) -> None:
        self._root = root
        self._limits = limits
        self._ignore = ignore
        self._collector = collector
        self._build = build_kustomization
        self._decrypt = decrypt
        self._visited: set[Path] = set()

    def read_manifest(self, real: Path, shown: str) -> None:
        """Read one manifest file into the collector."""
        data = read_bounded(real, shown, self._limits.max_file_bytes)
        self._collector.charge_bytes(len(data), shown)
        if self._decrypt is not None:
            data = self._decrypt(data, shown)  # SOPS-encrypted manifests: see render.decrypt
        self._collector.add_yaml(data, shown)

    def walk(self, real: Path, shown: str) -> None:
        """Render the directory ``real`` (shown as ``shown``), recursively."""
        self._walk(real, shown, "", (real,))

    def _walk(self, real: Path, shown: str, rel: str, ancestors: tuple[Path, ...]) -> None:
        if real in self._visited:
            # Reached again through a symlink: walking it twice would duplicate its objects,
            # and a web of links could otherwise make the walk exponential.
            raise RenderError(
                f"{shown} is a symlink to a directory that is rendered already; remove the link"
            )
        self._visited.add(real)
        if kustomization_file(real) is not None:
            self._build(real, shown)
            return
        if len(ancestors) > self._limits.max_depth:
            raise RenderError(
                f"{shown}: directories nested deeper than {self._limits.max_depth} levels"
            )
        names = sorted(os.listdir(real), key=os.fsencode)
        for name in names:
            if name.startswith("."):
                continue
            child_shown = name if shown == "." else f"{shown}/{name}"
            child_rel = f"{rel}/{name}" if rel else name
            child = real / name
            if child.is_symlink():
                parts = (*child.relative_to(self._root).parts,)
                child = resolve_inside(
                    self._root, parts, self._limits.max_symlink_hops, child_shown
                )
            is_dir = child.is_dir()
            if self._ignore.ignored(child_rel, is_dir):
                continue
            if is_dir:
                if child in ancestors:
                    raise RenderError(
                        f"{child_shown} is a symlink to a directory that contains it (a loop); "
                        "remove the link"
                    )
                self._walk(child, child_shown, child_rel, (*ancestors, child))
            elif child.is_file() and name.lower().endswith(MANIFEST_SUFFIXES):
                self.read_manifest(child, child_shown)

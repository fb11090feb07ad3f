"""The tree a kustomization is built in when files it reads are SOPS-encrypted.

kustomize reads generator inputs (``secretGenerator`` ``files:`` and ``envs:``) and
resource files from disk, so it cannot be handed plaintext over a pipe. When any file a
kustomization refers to (see :mod:`trueup.render.kustomize_refs`) is SOPS-encrypted, each
such file is decrypted first (an error names the file before anything is copied), then
the directories the build reaches are copied, at the same places relative to the
repository root, into a private directory on a memory file system
(:mod:`trueup.render.private_dir`), with the encrypted files replaced by their plaintext,
and kustomize builds there. The copy is removed when the build ends, however it ends.

The copy follows symlinks that stay inside the repository (a link is copied as what it
points to) and skips ``.git`` and anything it cannot resolve inside the repository; it is
held to the render's file and byte limits. When no referred file is encrypted, nothing is
copied and kustomize builds the checkout itself.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from trueup.errors import RenderError
from trueup.render.decrypt import Decryptor
from trueup.render.files import read_bounded
from trueup.render.options import RenderLimits
from trueup.render.paths import relative_name, resolve_inside
from trueup.render.private_dir import private_dir
from trueup.render.sops_meta import sops_file


@contextlib.contextmanager
def build_tree(
    root: Path,
    directory: Path,
    reached: set[Path],
    referred: set[Path],
    decryptor: Decryptor,
    limits: RenderLimits,
    *,
    copy: bool = False,
) -> Iterator[tuple[Path, Path]]:
    """``(root, directory)`` to build in: the checkout's, or a private decrypted copy's.

    With ``copy``, the private copy is made even when nothing is encrypted (Helm inside
    kustomize reads whole chart directories, and must see no link out of the repository).
    """
    plaintext: dict[Path, bytes] = {}
    for path in sorted(referred):
        shown = relative_name(root, path)
        data = read_bounded(path, shown, limits.max_file_bytes)
        found = sops_file(data, shown, limits)
        if found is not None:
            plaintext[path] = decryptor.decrypt(data, shown, found)
    if not plaintext and not copy:
        yield root, directory
        return
    with private_dir() as private:
        copier = _Copier(root, private, plaintext, limits)
        for top in _tops(reached):
            copier.copy(top)
        yield private, private / directory.relative_to(root)


def _tops(directories: set[Path]) -> list[Path]:
    """The directories not inside another of them, so that each file is copied once."""
    ordered = sorted(directories, key=lambda p: len(p.parts))
    tops: list[Path] = []
    for directory in ordered:
        if not any(directory.is_relative_to(top) for top in tops):
            tops.append(directory)
    return tops


class _Copier:
    """Copies real directories of the checkout into the private tree, within the limits."""

    def __init__(
        self, root: Path, private: Path, plaintext: dict[Path, bytes], limits: RenderLimits
    ) -> None:
        self._root = root
        self._private = private
        self._plaintext = plaintext
        self._limits = limits
        self._files_left = limits.max_files
        self._bytes_left = limits.max_total_bytes

    def copy(self, top: Path) -> None:
        """Copy the real directory ``top`` and all below it to the same place in the copy."""
        rel = top.relative_to(self._root)
        self._copy(top, self._private / rel, (top,))

    def _copy(self, source: Path, target: Path, ancestors: tuple[Path, ...]) -> None:
        if len(ancestors) > self._limits.max_depth:
            return  # kustomize reads nothing that deep that the checks let through
        os.makedirs(target, mode=0o700, exist_ok=True)
        for name in sorted(os.listdir(source)):
            if name == ".git":
                continue
            child = source / name
            if child.is_symlink():
                try:
                    child = resolve_inside(
                        self._root,
                        child.relative_to(self._root).parts,
                        self._limits.max_symlink_hops,
                        relative_name(self._root, child),
                    )
                except RenderError:
                    continue  # a link out of the repository: kustomize may not read it
            if child.is_dir():
                if child not in ancestors:
                    self._copy(child, target / name, (*ancestors, child))
            elif child.is_file():
                self._write(target / name, self._content(child))

    def _content(self, path: Path) -> bytes:
        if path in self._plaintext:
            return self._plaintext[path]
        shown = relative_name(self._root, path)
        return read_bounded(path, shown, min(self._limits.max_file_bytes, self._bytes_left))

    def _write(self, target: Path, data: bytes) -> None:
        self._files_left -= 1
        self._bytes_left -= len(data)
        if self._files_left < 0 or self._bytes_left < 0:
            raise RenderError(
                f"{relative_name(self._private, target.parent)}: the kustomization's "
                f"directories hold more than {self._limits.max_files} files or "
                f"{self._limits.max_total_bytes} bytes, too many to copy for decryption; "
                "keep the kustomization in a smaller directory"
            )
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

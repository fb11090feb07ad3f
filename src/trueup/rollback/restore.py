"""The edit of a revert: make paths of a work tree as they are in another tree.

A directory becomes equal to the other tree's (files added since are deleted, links kept
as links), a file is restored or deleted, ``.`` is the whole tree but ``.git``. The edit
is idempotent, so the Git writer may run it again on a newer head after a rejected push.
"""

from __future__ import annotations

import asyncio
import filecmp
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from trueup.errors import SourceError
from trueup.gitwrite import Edit

_GIT = ".git"


def restorer(then: Path, paths: Iterable[str]) -> Edit:
    """An edit that makes each of ``paths`` under the work tree as it is under ``then``;
    it says whether anything differed."""
    wanted = tuple(paths)

    def restore(worktree: Path) -> bool:
        changed = False
        for path in wanted:
            for name in _entries(then, worktree, path):
                _no_link_above(then, name)
                _no_link_above(worktree, name)
                if not _same(then / name, worktree / name):
                    _replace(then / name, worktree / name)
                    changed = True
        return changed

    async def edit(worktree: Path) -> bool:
        # Off the event loop: the daemon serves the API while a revert copies files.
        return await asyncio.to_thread(restore, worktree)

    return edit


def _entries(then: Path, worktree: Path, path: str) -> list[str]:
    """``path``, or for ``.`` every top-level entry of either tree but ``.git``."""
    if path != ".":
        return [path]
    names = {p.name for p in (*_listing(then), *_listing(worktree))}
    return sorted(names - {_GIT})


def _no_link_above(root: Path, name: str) -> None:
    """Refuse ``name`` when a folder on its way down from ``root`` is a symbolic link: the
    restore would read or write outside the tree."""
    folder = root
    for part in name.split("/")[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise SourceError(
                f"{name}: {folder.relative_to(root)} is a symbolic link, and a revert restores "
                "no path through a link; change the repository by hand"
            )


def _listing(folder: Path) -> list[Path]:
    return list(folder.iterdir()) if folder.is_dir() else []


def _same(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` hold the same: kinds, names, bytes, link targets, exec bits."""
    if a.is_symlink() or b.is_symlink():
        return a.is_symlink() and b.is_symlink() and os.readlink(a) == os.readlink(b)
    if not a.exists() or not b.exists():
        return not a.exists() and not b.exists()
    if a.is_dir() != b.is_dir():
        return False
    if not a.is_dir():
        executable = (a.stat().st_mode & 0o111 != 0) == (b.stat().st_mode & 0o111 != 0)
        return executable and filecmp.cmp(a, b, shallow=False)
    names = {p.name for p in a.iterdir()} | {p.name for p in b.iterdir()}
    return all(_same(a / name, b / name) for name in names)


def _replace(source: Path, target: Path) -> None:
    """Make ``target`` what ``source`` is (removed when ``source`` does not exist)."""
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    if source.is_symlink():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.readlink(source), target)
    elif source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    elif source.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)

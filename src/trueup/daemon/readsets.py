"""Which apps a new revision can change: each app's read-set against the changed paths.

Every render reports what it read (``Rendered.reads``: the render path and each directory
or file a kustomization reached). When a source moves from one revision to the next, an
app is reconciled only if something under one of its paths differs between the two
checked-out trees; an app without a read-set yet (never rendered, or its render failed)
always is. Comparing trees needs no history: both revisions are checked out in the cache.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path


def subtree_digest(root: Path, path: str) -> str:
    """A digest of everything at ``path`` under ``root``: names, kinds, contents, link
    targets, in a fixed order; '' when nothing is there."""
    top = root / path if path != "." else root
    digest = hashlib.sha256()
    try:
        info = os.lstat(top)
    except OSError:
        return ""
    if not stat.S_ISDIR(info.st_mode):
        _add_entry(digest, top, ".", info)
        return digest.hexdigest()
    for folder, subfolders, names in os.walk(top):
        subfolders.sort()
        for name in sorted(names + [d for d in subfolders if os.path.islink(Path(folder, d))]):
            entry = Path(folder, name)
            _add_entry(digest, entry, os.path.relpath(entry, top), os.lstat(entry))
        digest.update(b"\0dir\0" + os.path.relpath(folder, top).encode())
    return digest.hexdigest()


def _add_entry(digest: hashlib._Hash, entry: Path, name: str, info: os.stat_result) -> None:
    digest.update(b"\0" + name.encode() + b"\0")
    if stat.S_ISLNK(info.st_mode):
        digest.update(b"link\0" + os.readlink(entry).encode())
    elif stat.S_ISREG(info.st_mode):
        digest.update(b"file\0" + entry.read_bytes())


def affected(
    old_root: Path, new_root: Path, reads: Mapping[str, frozenset[str]], apps: Iterable[str]
) -> list[str]:
    """The apps of ``apps`` whose read-set differs between the two trees (or is unknown)."""
    memo: dict[str, bool] = {}

    def changed(path: str) -> bool:
        if path not in memo:
            memo[path] = subtree_digest(old_root, path) != subtree_digest(new_root, path)
        return memo[path]

    return [app for app in apps if not reads.get(app) or any(map(changed, reads[app]))]

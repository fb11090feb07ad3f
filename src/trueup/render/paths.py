"""Path safety: every path a render touches must stay inside the repository root.

Symlinks are resolved one component at a time, by hand, so that a link leaving the
root is caught before anything behind it is opened, and a loop or an absurdly long chain
ends after a bounded number of hops instead of hanging.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from trueup.errors import RenderError


def check_user_path(path: str) -> tuple[str, ...]:
    """The components of an app path, refusing absolute paths and ``..`` before any read."""
    if "\x00" in path:
        raise RenderError("render path contains a NUL byte; use a plain relative path")
    if path.startswith(("/", "\\")) or os.path.isabs(path):
        raise RenderError(
            f"render path {path!r} is absolute; give a path relative to the repository root"
        )
    parts = tuple(p for p in PurePosixPath(path).parts if p not in ("", "."))
    if ".." in parts:
        raise RenderError(f"render path {path!r} contains '..'; give a path inside the repository")
    return parts


def relative_name(root: Path, real: Path) -> str:
    """``real`` as a repository-relative POSIX path (``.`` for the root itself)."""
    rel = real.relative_to(root).as_posix()
    return rel or "."


def resolve_inside(root: Path, parts: tuple[str, ...], max_hops: int, shown: str) -> Path:
    """The real path of ``root/parts``, following symlinks but never leaving ``root``.

    ``root`` must already be a real path. ``..`` is allowed as long as it stays inside the
    root (kustomize overlays point at ``../base``). ``shown`` names the path in errors; the
    target of an offending link is not shown. The result may not exist.
    """
    pending = list(parts)
    current = root
    hops = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if current == root:
                raise RenderError(
                    f"{shown} points outside the repository; keep references inside it"
                )
            current = current.parent
            continue
        candidate = current / part
        try:
            is_link = stat.S_ISLNK(os.lstat(candidate).st_mode)
        except OSError:
            is_link = False  # missing: callers decide whether that is an error
        if not is_link:
            current = candidate
            continue
        hops += 1
        if hops > max_hops:
            raise RenderError(
                f"{shown}: symlink loop or a chain of more than {max_hops} symlinks; "
                "replace the links with plain files"
            )
        target = os.readlink(candidate)
        if os.path.isabs(target):
            target_path = Path(target)
            if target_path.parts[: len(root.parts)] != root.parts:
                raise RenderError(
                    f"{shown} is a symlink that points outside the repository; "
                    "symlinks must stay inside it"
                )
            current = root
            pending[:0] = target_path.parts[len(root.parts) :]
        else:
            pending[:0] = PurePosixPath(target).parts
    return current

"""Applying the selected images to the files under a path of a work tree.

:func:`apply_markers` walks ``path`` (sorted, so results do not depend on the file
system's order), reads each YAML file that may hold markers, and writes back only those a
marker changed: :func:`trueup.images.set_images` replaces the marked scalars and no other
byte. It never follows a symbolic link (a link may point outside the repository), skips
``.git``, and leaves alone every file ``held`` says is held (under a pending rollback
revert), reporting it instead. A file over :data:`MAX_FILE_BYTES` is neither parsed nor
rewritten; when it holds marker text, that is reported as a problem naming the file.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final

from trueup.images import (
    Change,
    LatestImage,
    MarkerProblem,
    PolicyName,
    ProblemKind,
    may_hold_markers,
    set_images,
)
from trueup.images.markers import SCREEN

MAX_FILE_BYTES: Final = 1024 * 1024
"""The largest file whose markers are applied: 1 MiB. Kubernetes keeps no object over
about 1 MiB (etcd's request limit), so a hand-kept manifest or values file is far
smaller; finding markers costs about 1.5 s per MiB of YAML (every token is scanned to
place the comments), so the cap also bounds one run's time per file."""

_CHUNK: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Edited:
    """What one pass over the files did (or, for a dry run, would do)."""

    changes: tuple[Change, ...] = ()
    problems: tuple[MarkerProblem, ...] = ()
    held: tuple[str, ...] = ()
    """Files with markers left alone because a pending rollback revert covers them."""
    diff: str = ""
    """A unified diff of every changed file (``a/<file>``, ``b/<file>``)."""
    files: tuple[str, ...] = field(default=())
    """The changed files, repository-relative."""


def apply_markers(
    tree: Path,
    path: str,
    selected: Mapping[PolicyName, LatestImage | None],
    *,
    held: Callable[[str], bool] = lambda _file: False,
    write: bool = True,
) -> Edited:
    """Apply ``selected`` to the files under ``tree/path``; write them unless ``write`` is
    False. Files are named relative to ``tree`` (the repository's root)."""
    changes: list[Change] = []
    problems: list[MarkerProblem] = []
    kept: list[str] = []
    diffs: list[str] = []
    files: list[str] = []
    for file, full in _files(tree, path):
        content = _read_capped(full)
        if content is None:
            if _holds(full, SCREEN.encode()):
                problems.append(_too_large(file, full))
            continue
        update = set_images(content, file, selected)
        if not update.changes and not update.problems:
            continue
        if held(file):
            kept.append(file)
            continue
        problems.extend(update.problems)
        if not update.changed:
            continue
        changes.extend(update.changes)
        files.append(file)
        diffs.append(_diff(file, content, update.content))
        if write:
            full.write_bytes(update.content)
    return Edited(tuple(changes), tuple(problems), tuple(kept), "".join(diffs), tuple(files))


def _read_capped(full: Path) -> bytes | None:
    """The file's bytes, or None when it is over :data:`MAX_FILE_BYTES`."""
    with full.open("rb") as stream:
        content = stream.read(MAX_FILE_BYTES + 1)
    return content if len(content) <= MAX_FILE_BYTES else None


def _holds(full: Path, needle: bytes) -> bool:
    """Whether the file contains ``needle``, read a chunk at a time (bounded memory)."""
    tail = b""
    with full.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            if needle in tail + chunk[: len(needle)] or needle in chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def _too_large(file: str, full: Path) -> MarkerProblem:
    size = full.stat().st_size / (1024 * 1024)
    message = (
        f"the file is {size:.1f} MiB, over the {MAX_FILE_BYTES // (1024 * 1024)} MiB "
        "whose markers trueup applies, so its markers were not read: move the marked "
        "fields into a smaller file"
    )
    return MarkerProblem(file, 1, ProblemKind.TOO_LARGE, message)


def _files(tree: Path, path: str) -> list[tuple[str, Path]]:
    """``(repository-relative name, full path)`` of each regular file under ``path``."""
    start = tree / PurePosixPath(path)
    if not start.exists() or not start.resolve().is_relative_to(tree.resolve()):
        return []  # missing, or through a link that leaves the repository
    if start.is_symlink():
        return []
    if start.is_file():
        return [(start.relative_to(tree).as_posix(), start)] if may_hold_markers(start.name) else []
    found: list[tuple[str, Path]] = []
    for folder, subfolders, names in os.walk(start):
        subfolders[:] = sorted(d for d in subfolders if d != ".git")
        for name in sorted(names):
            full = Path(folder, name)
            if may_hold_markers(name) and not full.is_symlink() and full.is_file():
                found.append((full.relative_to(tree).as_posix(), full))
    return found


def _diff(file: str, old: bytes, new: bytes) -> str:
    before = old.decode("utf-8", "replace").splitlines(keepends=True)
    after = new.decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, f"a/{file}", f"b/{file}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

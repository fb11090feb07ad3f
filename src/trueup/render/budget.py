"""The render-wide totals, checked from file sizes before a single file is parsed.

A tree whose manifests are each within ``max_file_bytes`` can still add up to far more
than a render should ever parse; finding that out by parsing costs minutes. This check
lists the files the walk would read (the same skip rules: hidden names, ignore patterns,
manifest suffixes, kustomization directories left to kustomize) and refuses the render if
their sizes or their number cross ``max_total_bytes`` or ``max_files``. It follows no
symlinks; files reached through one, and kustomize's output, are charged as they are read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from trueup.errors import RenderError
from trueup.render.files import check_size
from trueup.render.ignore import IgnoreRules
from trueup.render.options import RenderLimits
from trueup.render.walk import MANIFEST_SUFFIXES, kustomization_file


def check_totals(directory: Path, shown: str, ignore: IgnoreRules, limits: RenderLimits) -> None:
    """Refuse the render of ``directory`` (shown as ``shown``) if it is too big to parse."""
    files = 0
    total = 0
    for folder, subfolders, names in os.walk(directory):
        rel_folder = os.path.relpath(folder, directory)
        rel_folder = "" if rel_folder == "." else rel_folder
        if kustomization_file(Path(folder)) is not None:
            subfolders[:] = []
            continue
        if rel_folder.count(os.sep) >= limits.max_depth:
            subfolders[:] = []  # too deep: the walk itself reports it
        subfolders[:] = [
            d
            for d in subfolders
            if not d.startswith(".") and not ignore.ignored(_join(rel_folder, d), True)
        ]
        for name in names:
            if name.startswith(".") or not name.lower().endswith(MANIFEST_SUFFIXES):
                continue
            if ignore.ignored(_join(rel_folder, name), False):
                continue
            try:
                info = os.lstat(os.path.join(folder, name))
            except OSError:
                continue  # the walk reports it
            if not stat.S_ISREG(info.st_mode):
                continue
            rel = _join(rel_folder, name)
            check_size(
                rel if shown == "." else f"{shown}/{rel}", info.st_size, limits.max_file_bytes
            )
            files += 1
            total += info.st_size
            if files > limits.max_files:
                raise RenderError(
                    f"{shown}: more than {limits.max_files} manifest files in one render; "
                    "render a smaller path or ignore some files"
                )
    if total > limits.max_total_bytes:
        raise RenderError(
            f"{shown}: manifest files add up to {total} bytes, over the total limit of "
            f"{limits.max_total_bytes} bytes; render a smaller path, split the app, ignore "
            "some files, or raise the render size limit"
        )


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name

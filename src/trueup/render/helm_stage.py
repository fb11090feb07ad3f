"""Staging a Helm render: the chart and values files copied out of the checkout, checked.

A chart folder of the repository is copied into the render's private work folder before
Helm sees it: every file is size-checked first (one file over ``max_file_bytes``, or all of
them over ``max_total_bytes``, refuses the chart unread), every symlink must stay inside
the repository (it is copied as the file it points to), and Helm may write the chart's
resolved dependencies into the copy without touching the checkout. Values files are
repository paths, checked like every other repository read.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path, PurePosixPath

import yaml

from trueup.errors import RenderError
from trueup.render.files import check_size, read_bounded
from trueup.render.options import RenderLimits
from trueup.render.paths import check_user_path, relative_name, resolve_inside


def stage_chart(root: Path, chart: str, destination: Path, limits: RenderLimits) -> list[str]:
    """Copy the chart folder ``chart`` of the checkout ``root`` (a real path) into
    ``destination``, at the same repository-relative path, with every chart its
    ``Chart.yaml`` names by ``file://`` path (recursively), so those paths still resolve.

    Returns the repository-relative paths of the charts copied, the App's chart first.
    Raises ``RenderError`` for a path outside the repository, a missing chart, a symlink
    leaving the repository, charts over the size limits, or one nested deeper than
    ``max_depth``.
    """
    shown = f"spec.helm.chart {chart!r}"
    budget = _Budget(limits)
    staged: list[str] = []
    pending = [(_checked_parts(chart, shown), shown)]
    while pending:
        parts, shown = pending.pop(0)
        source = resolve_inside(root, parts, limits.max_symlink_hops, shown)
        rel = relative_name(root, source)
        if rel in staged:
            continue
        if not (source / "Chart.yaml").is_file():
            raise RenderError(
                f"{shown}: no Chart.yaml in {rel} of the repository; point it at a chart folder"
            )
        staged.append(rel)
        copy = destination.joinpath(*PurePosixPath(rel).parts)
        for relative, real in _chart_files(root, source, rel, budget):
            target = copy.joinpath(*relative.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read_bounded(real, f"{rel}/{relative}", limits.max_file_bytes))
        for dependency in _file_dependencies(copy / "Chart.yaml", f"{rel}/Chart.yaml"):
            joined = posixpath.normpath(posixpath.join(rel, dependency))
            where = f"{rel}/Chart.yaml dependency file://{dependency}"
            if joined == ".." or joined.startswith("../") or posixpath.isabs(dependency):
                raise RenderError(f"{where} points outside the repository; keep it inside")
            pending.append((_checked_parts(joined, where), where))
    return staged


def _file_dependencies(chart_yaml: Path, shown: str) -> list[str]:
    """The paths of the ``file://`` dependencies a (copied, size-checked) Chart.yaml names."""
    try:
        metadata = yaml.safe_load(chart_yaml.read_bytes())
    except yaml.YAMLError:
        raise RenderError(f"{shown} is not valid YAML; fix the chart") from None
    found: list[str] = []
    dependencies = metadata.get("dependencies") if isinstance(metadata, dict) else None
    for dependency in dependencies if isinstance(dependencies, list) else []:
        repository = dependency.get("repository") if isinstance(dependency, dict) else None
        if isinstance(repository, str) and repository.startswith("file://"):
            found.append(repository.removeprefix("file://"))
    return found


class _Budget:
    """The files and bytes left to copy for one render's charts."""

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.files = 0
        self.total = 0

    def charge(self, shown: str, size: int) -> None:
        limits = self.limits
        check_size(shown, size, limits.max_file_bytes)
        self.files += 1
        self.total += size
        if self.total > limits.max_total_bytes:
            raise RenderError(
                f"{shown}: the chart's files add up to more than {limits.max_total_bytes} "
                "bytes; make the chart smaller or raise the render size limit"
            )
        if self.files > limits.max_files:
            raise RenderError(f"{shown}: more than {limits.max_files} files in the chart")


def read_values_file(root: Path, path: str, index: int, limits: RenderLimits) -> bytes:
    """The bytes of ``spec.helm.valuesFiles[index]`` (``path``), checked like any read."""
    shown = f"spec.helm.valuesFiles[{index}] {path!r}"
    real = resolve_inside(root, _checked_parts(path, shown), limits.max_symlink_hops, shown)
    if not real.is_file():
        raise RenderError(f"{shown} is not a file in the repository; fix the path")
    return read_bounded(real, f"{relative_name(root, real)} ({shown})", limits.max_file_bytes)


def _checked_parts(path: str, shown: str) -> tuple[str, ...]:
    try:
        return check_user_path(path)
    except RenderError:
        raise RenderError(
            f"{shown} must be a relative path inside the repository, without '..'; fix the path"
        ) from None


def _chart_files(root: Path, source: Path, rel: str, budget: _Budget) -> list[tuple[str, Path]]:
    """Every file of the chart as (chart-relative POSIX path, real path), size-checked."""
    limits = budget.limits
    found: list[tuple[str, Path]] = []
    pending: list[tuple[Path, str, int]] = [(source, "", 0)]
    while pending:
        folder, prefix, depth = pending.pop()
        if depth > limits.max_depth:
            raise RenderError(f"{rel}/{prefix}: the chart is nested too deep; flatten it")
        for entry in sorted(os.listdir(folder)):
            relative = f"{prefix}{entry}"
            shown = f"{rel}/{relative}"
            parts = (*PurePosixPath(relative_name(root, folder)).parts, entry)
            real = resolve_inside(root, parts, limits.max_symlink_hops, shown)
            info = os.stat(real)
            if stat.S_ISDIR(info.st_mode):
                pending.append((real, f"{relative}/", depth + 1))
                continue
            if not stat.S_ISREG(info.st_mode):
                raise RenderError(f"{shown} is not a regular file; remove it from the chart")
            budget.charge(shown, info.st_size)
            found.append((relative, real))
    return found

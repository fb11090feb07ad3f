"""``render`` and ``render_async``: the objects at a path of a checkout, checked and in order."""

from __future__ import annotations

from pathlib import Path

from trueup.errors import RenderError
from trueup.render.budget import check_totals
from trueup.render.collect import Collector
from trueup.render.files import read_bounded
from trueup.render.ignore import IGNORE_FILE, IgnoreRules, parse_ignore
from trueup.render.kustomize import build_kustomization
from trueup.render.options import Rendered, RenderOptions
from trueup.render.paths import check_user_path, resolve_inside
from trueup.render.sandbox import run_sandboxed
from trueup.render.walk import Walker


def render(root: Path, path: str, options: RenderOptions) -> Rendered:
    """The objects at ``path`` (relative to the checkout ``root``), checked and in order.

    Synchronous and blocking (files and a kubectl subprocess); async callers use
    ``render_async``. Raises ``RenderError`` for unsafe paths, invalid manifests,
    duplicates, crossed limits and failed kustomize builds.
    """
    parts = check_user_path(path)
    shown = "/".join(parts) or "."
    try:
        real_root = root.resolve(strict=True)
    except OSError as e:
        raise RenderError(f"repository checkout {root} cannot be read: {e.strerror}") from e
    limits = options.limits
    target = resolve_inside(real_root, parts, limits.max_symlink_hops, f"render path {shown!r}")
    if not target.exists():
        raise RenderError(f"render path {shown!r} does not exist in the repository; fix the path")
    collector = Collector(limits)
    ignore = _ignore_rules(target, shown, options) if target.is_dir() else IgnoreRules()

    def build(directory: Path, directory_shown: str) -> None:
        build_kustomization(real_root, directory, directory_shown, options, collector)

    walker = Walker(real_root, limits, ignore, collector, build)
    if target.is_dir():
        check_totals(target, shown, ignore, limits)
        walker.walk(target, shown)
    else:
        walker.read_manifest(target, shown)
    return collector.result()


async def render_async(root: Path, path: str, options: RenderOptions) -> Rendered:
    """``render`` in a child process held to the render-wide memory and time limits.

    The event loop keeps serving other apps meanwhile; cancelling the call stops the child.
    """
    return await run_sandboxed(lambda: render(root, path, options), options.limits)


def _ignore_rules(directory: Path, shown: str, options: RenderOptions) -> IgnoreRules:
    lines = list(options.ignore)
    ignore_file = directory / IGNORE_FILE
    if ignore_file.is_file() and not ignore_file.is_symlink():
        shown_file = IGNORE_FILE if shown == "." else f"{shown}/{IGNORE_FILE}"
        data = read_bounded(ignore_file, shown_file, options.limits.max_file_bytes)
        lines.extend(data.decode("utf-8", "replace").splitlines())
    return parse_ignore(lines)

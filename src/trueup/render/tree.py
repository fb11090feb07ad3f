"""``render`` and ``render_async``: the objects at a path of a checkout, checked and in order."""

from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import replace
from pathlib import Path

from trueup.errors import RenderError
from trueup.render.budget import check_totals
from trueup.render.collect import Collector
from trueup.render.decrypt import Decryptor
from trueup.render.files import read_bounded
from trueup.render.helm import render_chart
from trueup.render.ignore import IGNORE_FILE, IgnoreRules, parse_ignore
from trueup.render.kustomize import build_kustomization
from trueup.render.options import Rendered, RenderOptions
from trueup.render.paths import check_user_path, resolve_inside
from trueup.render.sandbox import run_sandboxed
from trueup.render.substitute import substitute_rendered
from trueup.render.walk import KUSTOMIZATION_FILES, Walker


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
    if options.helm is not None:
        chart = render_chart(real_root, options.helm, limits)
        if options.substitution is None:
            return chart
        return substitute_rendered(chart, options.substitution, limits, limits.max_total_bytes)
    target = resolve_inside(real_root, parts, limits.max_symlink_hops, f"render path {shown!r}")
    if not target.exists():
        raise RenderError(f"render path {shown!r} does not exist in the repository; fix the path")
    collector = Collector(limits)
    collector.depends_on(shown)
    ignore = _ignore_rules(target, shown, options) if target.is_dir() else IgnoreRules()

    with Decryptor(options.decryption, limits, sealed=options.untrusted) as decryptor:

        def build(directory: Path, directory_shown: str) -> None:
            build_kustomization(
                real_root, directory, directory_shown, options, collector, decryptor=decryptor
            )

        walker = Walker(real_root, limits, ignore, collector, build, decrypt=decryptor.manifest)
        if target.is_dir():
            check_totals(target, shown, ignore, limits)
            walker.walk(target, shown)
        else:
            walker.read_manifest(target, shown)
    # Decrypted values are masked wherever they land; substitution runs after decryption.
    result = replace(collector.result(), masked_values=decryptor.values)
    if options.substitution is None:
        return result
    return substitute_rendered(result, options.substitution, limits, collector.bytes_left)


IN_PROCESS_MAX_BYTES = 256 * 1024
"""A tree of plain manifests this small is rendered in a thread instead of a child process."""
IN_PROCESS_MAX_FILES = 64


async def render_async(root: Path, path: str, options: RenderOptions) -> Rendered:
    """``render`` held to the render-wide memory and time limits, off the event loop.

    A small tree of plain manifests (at most :data:`IN_PROCESS_MAX_FILES` files and
    :data:`IN_PROCESS_MAX_BYTES` bytes, no kustomization, no symlink) is rendered in a
    thread: its cost is bounded by its size, and a forked child would cost more than the
    render itself. Anything else is rendered in a child process held to the limits
    (:mod:`trueup.render.sandbox`); cancelling the call stops the child.
    """
    if await asyncio.to_thread(_small_and_plain, root, path):
        return await asyncio.to_thread(render, root, path, options)
    return await run_sandboxed(lambda: render(root, path, options), options.limits)


def _small_and_plain(root: Path, path: str) -> bool:
    """Whether ``path`` holds only a few small regular files and folders, no kustomization."""
    try:
        top = root.joinpath(*check_user_path(path))
        if top.is_symlink() or not top.is_dir():
            return False
        files = size = 0
        for folder, subfolders, names in os.walk(top):
            for name in (*subfolders, *names):
                info = os.lstat(os.path.join(folder, name))
                if stat.S_ISLNK(info.st_mode) or name in KUSTOMIZATION_FILES:
                    return False
                if stat.S_ISREG(info.st_mode):
                    files, size = files + 1, size + info.st_size
            if files > IN_PROCESS_MAX_FILES or size > IN_PROCESS_MAX_BYTES:
                return False
    except (OSError, RenderError):
        return False  # the render itself reports what is wrong
    return True


def _ignore_rules(directory: Path, shown: str, options: RenderOptions) -> IgnoreRules:
    lines = list(options.ignore)
    ignore_file = directory / IGNORE_FILE
    if ignore_file.is_file() and not ignore_file.is_symlink():
        shown_file = IGNORE_FILE if shown == "." else f"{shown}/{IGNORE_FILE}"
        data = read_bounded(ignore_file, shown_file, options.limits.max_file_bytes)
        lines.extend(data.decode("utf-8", "replace").splitlines())
    return parse_ignore(lines)

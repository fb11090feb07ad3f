"""render: turn a path inside a checked-out Git tree into a deterministic list of objects.

``render(root, path, options)`` reads plain YAML (``.yaml``, ``.yml``, ``.json``; walked
recursively in byte-wise sorted order, multi-document files, ``List`` kinds flattened,
hidden files and ignore patterns skipped) and builds kustomizations with
``kubectl kustomize``. The repository is untrusted input: paths, symlinks and kustomize
references must stay inside ``root``, and every size is bounded by ``RenderLimits``.
Any problem is a ``RenderError`` naming the file and line. The same input always gives
the same objects in the same order with the same key order.

``render`` and ``render_async`` (with the YAML reader, kustomize and the sandbox behind
them) load on first use: every command line needs ``RenderLimits`` for its defaults, and
most commands never render.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trueup.render.options import Rendered, RenderLimits, RenderOptions

if TYPE_CHECKING:
    from trueup.render.tree import render, render_async

__all__ = ["RenderLimits", "RenderOptions", "Rendered", "render", "render_async"]


def __getattr__(name: str) -> Any:
    """Load ``render`` and ``render_async`` when they are first asked for."""
    if name in ("render", "render_async"):
        from trueup.render import tree

        return getattr(tree, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

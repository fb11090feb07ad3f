"""Manifest files to documents, read exactly as kubectl reads them (see ``trueup.kubeyaml``).

This module only binds the render's limits and names the file in every error.
"""

from __future__ import annotations

from collections.abc import Iterator

from trueup.errors import RenderError
from trueup.kubeyaml import Document, Limits, ManifestSyntaxError, ObjectBudget, read_documents
from trueup.render.options import RenderLimits

__all__ = ["Document", "load_documents"]


def load_documents(
    data: bytes, name: str, limits: RenderLimits, max_objects: int
) -> Iterator[Document]:
    """The non-null documents of ``data``; errors name ``name:line``.

    ``max_objects`` (what is left of the render's budget) bounds documents plus top-level
    ``items`` entries, so that a file of a million tiny objects stops at the limit instead
    of being built first.
    """
    bounds = Limits(
        max_depth=limits.max_depth,
        max_aliases=limits.max_aliases,
        max_document_nodes=limits.max_document_nodes,
        max_objects=limits.max_objects,
    )
    try:
        yield from read_documents(data, bounds, ObjectBudget(limits.max_objects, max_objects))
    except ManifestSyntaxError as e:
        where = f"{name}:{e.line}" if e.line else name
        raise RenderError(f"{where}: {e.message}; {e.hint}") from None

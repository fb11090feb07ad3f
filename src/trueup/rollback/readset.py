"""Read-sets as paths to restore: which paths a revert makes as they were, and whom they touch.

A read-set is what a render read (``Rendered.reads``): repository-relative paths, each a
file or a directory with everything under it, ``.`` for the whole repository. Pure
functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from trueup.store.model import normalised_path as normalised
from trueup.store.model import path_under as under


def restored_paths(then: Iterable[str], now: Iterable[str]) -> tuple[str, ...]:
    """The paths a revert restores: what the render read at the revision and what it reads
    now (a file read now but not then must go), a path inside another left out, sorted."""
    paths = sorted({normalised(p) for p in (*then, *now)})
    return tuple(p for p in paths if not any(under(p, q) for q in paths if q != p))


def overlaps(reads: Iterable[str], paths: Iterable[str]) -> bool:
    """Whether a render that read ``reads`` reads something under ``paths``: one holds the
    other (a restored file in a read directory, or a read file in a restored directory)."""
    wanted = [normalised(p) for p in paths]
    return any(
        under(r, p) or under(p, r) for r in (normalised(read) for read in reads) for p in wanted
    )


def affected_apps(
    reads: Mapping[str, Iterable[str]], paths: Iterable[str], *, besides: str
) -> tuple[str, ...]:
    """The apps of ``reads`` (app → its current read-set), but ``besides``, that read
    something under ``paths``, sorted."""
    wanted = tuple(paths)
    return tuple(sorted(app for app, r in reads.items() if app != besides and overlaps(r, wanted)))

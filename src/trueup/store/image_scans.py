"""The last scan of each ImageRepository: the value, and how SQLite keeps it.

A scan that fails keeps the tags of the last good one (and says so with ``error``), so
that an outage of the registry never makes an image policy see an empty repository.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from trueup.store.rows import format_time, parse_time


@dataclass(frozen=True, slots=True)
class ImageScan:
    """What the last scan of ``repository`` (``name`` or ``namespace/name``) found.

    ``tags`` (sorted) and ``digests`` (by tag, for the tags whose digest was asked for)
    are those of the last good scan, read at ``tags_at`` (``None``: never read);
    ``scanned_at`` is when the last scan ran and ``error`` why it failed ('' if it did
    not); ``malformed`` and ``excluded`` count the tags the last good scan dropped.
    """

    repository: str
    image: str
    scanned_at: datetime
    tags: tuple[str, ...] = ()
    digests: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    tags_at: datetime | None = None
    error: str = ""
    malformed: int = 0
    excluded: int = 0


_UPSERT = (
    "INSERT OR REPLACE INTO image_scans"
    " (repository, image, scanned_at, tags_at, error, malformed, excluded)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SCANS = (
    "SELECT repository, image, scanned_at, tags_at, error, malformed, excluded FROM image_scans"
)
_TAGS = "SELECT repository, tag, digest FROM image_tags"


def write_image_scan(conn: sqlite3.Connection, scan: ImageScan) -> None:
    """Replace the scan of ``scan.repository`` and its tags (inside the caller's transaction)."""
    conn.execute("DELETE FROM image_tags WHERE repository = ?", (scan.repository,))
    tags_at = format_time(scan.tags_at) if scan.tags_at is not None else None
    conn.execute(
        _UPSERT,
        (
            scan.repository,
            scan.image,
            format_time(scan.scanned_at),
            tags_at,
            scan.error,
            scan.malformed,
            scan.excluded,
        ),
    )
    conn.executemany(
        "INSERT INTO image_tags (repository, tag, digest) VALUES (?, ?, ?)",
        ((scan.repository, tag, scan.digests.get(tag, "")) for tag in sorted(set(scan.tags))),
    )


def read_image_scans(conn: sqlite3.Connection, repository: str | None = None) -> list[ImageScan]:
    """Every scan (or the one of ``repository``), by repository name, with its tags."""
    if repository is None:
        found = conn.execute(_SCANS + " ORDER BY repository").fetchall()
        listed = conn.execute(_TAGS + " ORDER BY repository, tag")
    else:
        found = conn.execute(_SCANS + " WHERE repository = ?", (repository,)).fetchall()
        listed = conn.execute(_TAGS + " WHERE repository = ? ORDER BY tag", (repository,))
    tags: dict[str, list[tuple[str, str]]] = {row[0]: [] for row in found}
    for name, tag, digest in listed:
        if name in tags:
            tags[name].append((tag, digest))
    return [_scan(row, tags[row[0]]) for row in found]


def _scan(row: tuple[object, ...], tags: list[tuple[str, str]]) -> ImageScan:
    repository, image, scanned_at, tags_at, error, malformed, excluded = row
    return ImageScan(
        repository=str(repository),
        image=str(image),
        scanned_at=parse_time(str(scanned_at)),
        tags=tuple(tag for tag, _ in tags),
        digests=MappingProxyType({tag: digest for tag, digest in tags if digest}),
        tags_at=parse_time(str(tags_at)) if tags_at is not None else None,
        error=str(error),
        malformed=int(str(malformed)),
        excluded=int(str(excluded)),
    )

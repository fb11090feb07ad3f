"""Listing a repository's tags through ``GET /v2/<name>/tags/list``, page by page.

Pages are asked for with ``n`` and followed through the ``Link: <...>; rel="next"``
header (on the registry's own origin only). Work is bounded whatever the registry
sends: each page is read up to a byte limit, the number of pages and of tags is capped
(:class:`ListLimits`), and a ``next`` link already seen ends the listing with an error
rather than a loop. Tags outside the OCI tag grammar are dropped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit

import orjson

from trueup.errors import RegistryError
from trueup.gitspec.semver import parse_version
from trueup.registry.session import RegistrySession

TAG: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
"""The OCI distribution specification's tag grammar, ``[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}``."""

_NEXT = re.compile(r'<([^>]*)>\s*;(?:[^,]*;)?\s*rel="?next"?', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ListLimits:
    """Bounds of one listing; the defaults hold a registry of 200,000 tags."""

    page_size: int = 1000
    """``n``: tags asked for per page (a registry may send more, or fewer)."""
    max_tags: int = 200_000
    """More tags than this is an error: trueup reads no unbounded lists."""
    max_pages: int = 2_000
    """More pages than this is an error (a registry that sends a handful per page)."""
    max_page_bytes: int = 16 * 1024 * 1024
    """Largest page body read (a registry that ignores ``n`` sends every tag at once)."""


@dataclass(frozen=True, slots=True)
class TagList:
    """The valid tags (in the registry's order, each once) and what was dropped."""

    tags: tuple[str, ...]
    malformed: int
    """Tags dropped because they do not follow the OCI tag grammar (or are not strings)."""
    pages: int


def next_link(header: str, current: str) -> str | None:
    """The absolute URL of the ``rel="next"`` link in a ``Link`` header, if any."""
    match = _NEXT.search(header)
    return urljoin(current, match[1]) if match else None


async def list_tags(
    session: RegistrySession, repository: str, limits: ListLimits | None = None
) -> TagList:
    """Every tag of ``repository`` on the registry of ``session``, within ``limits``."""
    limits = limits or ListLimits()
    image = session.image
    scope = f"repository:{repository}:pull"
    url: str | None = f"/v2/{repository}/tags/list?n={limits.page_size}"
    seen_urls: set[str] = set()
    seen: set[str] = set()
    tags: list[str] = []
    malformed = pages = 0
    while url is not None:
        pages += 1
        if pages > limits.max_pages:
            raise RegistryError(
                f"{image}: the tag list runs over more than {limits.max_pages} pages; "
                "trueup stops reading"
            )
        seen_urls.add(url)
        answer = await session.fetch(
            "GET", url, accept="application/json", scope=scope, max_bytes=limits.max_page_bytes
        )
        for tag in _tags_of(answer.body, image_label=str(image)):
            if not isinstance(tag, str) or not TAG.fullmatch(tag):
                malformed += 1
            elif tag not in seen:
                seen.add(tag)
                tags.append(tag)
                if len(tags) > limits.max_tags:
                    raise RegistryError(
                        f"{image}: the repository has more than {limits.max_tags} tags; "
                        "trueup reads at most that many"
                    )
        url = _follow(answer.headers.get("link", ""), answer.url, session.base, seen_urls, image)
    return TagList(tuple(tags), malformed, pages)


def _tags_of(body: bytes, *, image_label: str) -> list[object]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RegistryError(f"{image_label}: the tag list is not JSON") from None
    tags = data.get("tags") if isinstance(data, dict) else ()
    if tags is None:
        return []  # a repository without tags: the registry sends "tags": null
    if not isinstance(tags, list):
        raise RegistryError(f"{image_label}: the tag list has no list of tags")
    return tags


def _follow(header: str, current: str, base: str, seen: set[str], image: object) -> str | None:
    if not header:
        return None
    target = next_link(header, current)
    if target is None:
        return None
    if urlsplit(target)[:2] != urlsplit(base)[:2]:
        raise RegistryError(f"{image}: the tag list's next page is on another host; not followed")
    relative = target[len(base) :] or "/"
    if relative in seen or target in seen:
        raise RegistryError(f"{image}: the tag list's next page was already read (a loop)")
    return relative


def newest_tags(tags: Iterable[str], count: int = 5) -> tuple[str, ...]:
    """Up to ``count`` tags, newest first, for people to read (policies choose for real).

    Tags that are semantic versions come first, highest first; the others follow, last
    by name first (timestamps and build numbers usually sort that way).
    """
    versions: list[tuple[tuple[object, ...], str]] = []
    others: list[str] = []
    for tag in tags:
        version = parse_version(tag)
        if version is not None:
            versions.append((version.key(), tag))
        else:
            others.append(tag)
    versions.sort(key=lambda pair: (pair[0], pair[1]), reverse=True)
    ordered = [tag for _, tag in versions] + sorted(others, reverse=True)
    return tuple(ordered[:count])

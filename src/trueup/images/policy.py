"""Choosing the newest tag of an image by an ImagePolicy's rule: :func:`select_for`.

Pure: a list of tags in, a :class:`Selection` out. The rules are Flux's:

- ``semver``: the highest version in a range, by the range rules of
  :mod:`trueup.gitspec.semver` (the same rules as a GitSource's ``ref.semver``), so a
  pre-release is chosen only by a range that names one (``>=1.0.0-0``);
- ``numerical``: the greatest number (``asc``, the default) or the smallest (``desc``);
- ``alphabetical``: the last tag in code-point order (``asc``) or the first (``desc``).

``filterTags`` (:mod:`trueup.images.tagfilter`) first keeps only the tags its pattern
matches and gives the value to compare (a capture group of a timestamp, say). A tag that
is not an OCI tag, or whose value the rule cannot read (not a version, not a number), is
skipped and counted rather than failing the whole choice. When two tags compare equal
(``v1.0.0`` and ``1.0.0``, or ``1.0`` and ``1``), the greater tag name wins, so the
choice never depends on the order the registry listed the tags in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Final

from trueup.errors import RegistryError
from trueup.gitspec.semver import Range, parse_range, parse_version, select
from trueup.images.reference import DIGEST, TAG, LatestImage
from trueup.images.tagfilter import TagFilter

_NUMBER: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?")


class Order(StrEnum):
    """Which end of the sorted values wins: ``asc`` picks the last, ``desc`` the first."""

    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True)
class Semver:
    """Pick the highest version in ``range``."""

    range: Range

    @classmethod
    def parse(cls, text: str) -> Semver:
        """The rule for a range text; ``SourceError`` says what is wrong with a bad one."""
        return cls(parse_range(text))


@dataclass(frozen=True)
class Numerical:
    """Pick the greatest (``asc``) or smallest (``desc``) number."""

    order: Order = Order.ASC


@dataclass(frozen=True)
class Alphabetical:
    """Pick the last (``asc``) or first (``desc``) value in code-point order."""

    order: Order = Order.ASC


Rule = Semver | Numerical | Alphabetical


@dataclass(frozen=True)
class Policy:
    """What an ImagePolicy asks for: a rule, an optional tag filter, and digest pinning."""

    rule: Rule
    filter: TagFilter | None = None
    digest: bool = False
    """Pin the selected tag's digest (``name:tag@sha256:…``)."""


@dataclass(frozen=True)
class Selection:
    """The tag a policy chose among ``seen`` tags, or none, with ``reason`` saying why.

    ``filtered_out`` tags did not match ``filterTags``; ``skipped`` ones matched but could
    not be read by the rule (malformed). ``digest`` is set once the chosen tag's digest is
    known, for a policy that pins digests (``wants_digest``).
    """

    tag: str | None
    reason: str
    seen: int = 0
    filtered_out: int = 0
    skipped: int = 0
    wants_digest: bool = False
    digest: str | None = None

    @property
    def complete(self) -> bool:
        """A tag was chosen, and its digest is known if the policy pins digests."""
        return self.tag is not None and (self.digest is not None or not self.wants_digest)

    def pinned(self, digest: str) -> Selection:
        """This selection with the chosen tag's ``digest`` (as a registry reported it)."""
        if not DIGEST.fullmatch(digest):
            raise RegistryError(
                f"the registry reported '{digest[:80]}' as the digest of tag {self.tag}, "
                "which is not a digest (expected sha256:<64 hex digits>)"
            )
        return replace(self, digest=digest)

    def image(self, name: str) -> LatestImage | None:
        """The selected image of repository ``name``, or ``None`` until it is complete."""
        if not self.complete or self.tag is None:
            return None
        return LatestImage(name, self.tag, self.digest if self.wants_digest else None)


def select_for(
    policy: Policy,
    tags: Iterable[str],
    digest_of: Callable[[str], str | None] | None = None,
) -> Selection:
    """The tag ``policy`` selects among ``tags``; ``digest_of`` looks up a known digest.

    ``digest_of`` is consulted only for the chosen tag of a policy that pins digests; when
    it is missing or knows none, the selection is returned incomplete, to be
    :meth:`Selection.pinned` once the registry has been asked.
    """
    seen = filtered_out = skipped = 0
    by_value: dict[str, str] = {}
    for tag in tags:
        seen += 1
        if not TAG.fullmatch(tag):
            skipped += 1
            continue
        value = policy.filter.value_of(tag) if policy.filter else tag
        if value is None:
            filtered_out += 1
            continue
        if value not in by_value or tag > by_value[value]:
            by_value[value] = tag
    chosen, unreadable, why = _choose(policy.rule, by_value)
    skipped += unreadable
    if chosen is None:
        reason = f"no tag selected: {why} ({_counted(seen, filtered_out, skipped)})"
        return Selection(None, reason, seen, filtered_out, skipped)
    selection = Selection(chosen, why, seen, filtered_out, skipped, wants_digest=policy.digest)
    known = digest_of(chosen) if policy.digest and digest_of is not None else None
    return selection.pinned(known) if known is not None else selection


def _choose(rule: Rule, by_value: dict[str, str]) -> tuple[str | None, int, str]:
    """``(tag, values the rule could not read, why)`` for the candidates ``by_value``."""
    if isinstance(rule, Semver):
        unreadable = sum(1 for v in by_value if parse_version(v) is None)
        found = select(rule.range, by_value)
        if found is None:
            return None, unreadable, f"no version in range '{rule.range.text}'"
        return by_value[found[0]], unreadable, f"highest version in '{rule.range.text}'"
    if isinstance(rule, Numerical):
        numbers = {v: Decimal(v) for v in by_value if _NUMBER.fullmatch(v)}
        unreadable = len(by_value) - len(numbers)
        if not numbers:
            return None, unreadable, "no tag is a number"
        sign = 1 if rule.order is Order.ASC else -1
        best = max(numbers, key=lambda v: (sign * numbers[v], by_value[v]))
        which = "greatest" if rule.order is Order.ASC else "smallest"
        return by_value[best], unreadable, f"{which} number"
    if not by_value:
        return None, 0, "no tag to order"
    best = max(by_value) if rule.order is Order.ASC else min(by_value)
    which = "last" if rule.order is Order.ASC else "first"
    return by_value[best], 0, f"{which} in alphabetical order"


def _counted(seen: int, filtered_out: int, skipped: int) -> str:
    parts = [f"{seen} tags seen"]
    if filtered_out:
        parts.append(f"{filtered_out} not matching filterTags")
    if skipped:
        parts.append(f"{skipped} skipped as malformed")
    return ", ".join(parts)

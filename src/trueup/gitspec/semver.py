"""Semantic versions (semver 2.0.0) and version ranges, to pick a tag by a range.

Pure: strings in, values out. Ranges follow the grammar Flux and Helm users know:

- ``||`` separates alternatives; inside one, comparators separated by spaces or commas
  must all hold;
- comparators ``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=``, ``~`` (``~>``), ``^`` followed by
  a full or partial version (``1``, ``1.2``, ``1.2.3``, ``1.x``, ``1.2.*``, ``*``);
- a bare partial version is a wildcard (``1.2`` means ``>=1.2.0 <1.3.0``);
- ``A - B`` is an inclusive range.

Tags are versions with or without a leading ``v``; anything else is not a version and is
ignored. A pre-release (``1.2.0-rc.1``) is chosen only by an alternative that names a
pre-release itself (``>=1.2.0-0``). Among equal versions (``v1.0.0`` and ``1.0.0``, or two
build suffixes) the greatest tag name wins, so the choice is deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from trueup.errors import SourceError

MAX_RANGE_LENGTH = 256
MAX_TAG_LENGTH = 128
MAX_TAGS = 200_000

_NUM = r"0|[1-9]\d{0,17}"
_IDENTS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION = re.compile(rf"v?({_NUM})\.({_NUM})\.({_NUM})(?:-({_IDENTS}))?(?:\+{_IDENTS})?")
_PART = r"\d{1,18}|[xX*]"
_PARTIAL = re.compile(
    rf"v?({_PART})(?:\.({_PART}))?(?:\.({_PART}))?(?:-({_IDENTS}))?(?:\+{_IDENTS})?"
)
_OPERATOR = re.compile(r"(>=|<=|!=|~>|[<>=~^])?(.*)")
_SPACE_AFTER_OPERATOR = re.compile(r"(>=|<=|!=|~>|[<>=~^])\s+")
_HYPHEN = re.compile(r"(\S+)\s+-\s+(\S+)")


@dataclass(frozen=True)
class Version:
    """A semantic version; build metadata is dropped since it has no precedence."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    def key(self) -> tuple[object, ...]:
        """A sort key implementing semver 2.0.0 precedence."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core


def parse_version(text: str) -> Version | None:
    """The version a tag names (``v1.2.3``, ``1.2.3-rc.1+build``), or None if it names none."""
    if len(text) > MAX_TAG_LENGTH:
        return None
    match = _VERSION.fullmatch(text)
    if match is None:
        return None
    prerelease = tuple(match.group(4).split(".")) if match.group(4) else ()
    if any(len(p) > 1 and p.isdigit() and p[0] == "0" for p in prerelease):
        return None  # semver forbids leading zeros in numeric identifiers
    major, minor, patch = (int(match.group(i)) for i in (1, 2, 3))
    return Version(major, minor, patch, prerelease)


@dataclass(frozen=True)
class Comparator:
    """One condition on a version: ``op`` is one of ``< <= > >= = !=``."""

    op: str
    version: Version

    def matches(self, version: Version) -> bool:
        """Whether ``version`` satisfies this condition."""
        a, b = version.key(), self.version.key()
        return {
            "<": a < b,
            "<=": a <= b,
            ">": a > b,
            ">=": a >= b,
            "=": a == b,
            "!=": a != b,
        }[self.op]


@dataclass(frozen=True)
class Alternative:
    """Comparators that must all hold; pre-releases only if the text named one."""

    comparators: tuple[Comparator, ...]
    allows_prerelease: bool

    def matches(self, version: Version) -> bool:
        """Whether ``version`` satisfies every comparator of this alternative."""
        if version.prerelease and not self.allows_prerelease:
            return False
        return all(c.matches(version) for c in self.comparators)


@dataclass(frozen=True)
class Range:
    """A parsed version range: a version matches if any alternative matches."""

    text: str
    alternatives: tuple[Alternative, ...]

    def matches(self, version: Version) -> bool:
        """Whether ``version`` is in this range."""
        return any(alt.matches(version) for alt in self.alternatives)


def parse_range(text: str) -> Range:
    """Parse a range such as ``>=1.0.0 <2.0.0``, ``^1.2``, ``~1.2.3``, ``1.x`` or ``*``."""
    if len(text) > MAX_RANGE_LENGTH:
        raise SourceError(f"semver range is longer than {MAX_RANGE_LENGTH} characters")
    if not text.strip():
        raise SourceError("semver range is empty; use '*' for any released version")
    alternatives = tuple(_parse_alternative(text, part) for part in text.split("||"))
    return Range(text, alternatives)


def select(range_: Range, tags: Iterable[str]) -> tuple[str, Version] | None:
    """The tag with the highest version in ``range_``, or None; malformed tags are skipped."""
    best: tuple[tuple[object, ...], str, Version] | None = None
    for count, tag in enumerate(tags):
        if count >= MAX_TAGS:
            break
        version = parse_version(tag)
        if version is None or not range_.matches(version):
            continue
        candidate = (version.key(), tag, version)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return None if best is None else (best[1], best[2])


def _parse_alternative(text: str, part: str) -> Alternative:
    part = part.strip()
    if not part:
        raise SourceError(f'semver range "{text}" has an empty alternative around "||"')
    hyphen = _HYPHEN.fullmatch(part)
    if hyphen:
        low, low_pre = _partial(text, hyphen.group(1))
        high, high_pre = _partial(text, hyphen.group(2))
        bounds = _expand(">=", low) + _expand("<=", high)
        return Alternative(tuple(bounds), low_pre or high_pre)
    comparators: list[Comparator] = []
    named_prerelease = False
    for token in re.split(r"[\s,]+", _SPACE_AFTER_OPERATOR.sub(r"\1", part)):
        match = _OPERATOR.fullmatch(token)
        assert match is not None  # the pattern accepts any token
        operator, version_text = match.group(1) or "=", match.group(2)
        parts, has_pre = _partial(text, version_text)
        named_prerelease = named_prerelease or has_pre
        comparators.extend(_expand(operator, parts))
    return Alternative(tuple(comparators), named_prerelease)


# A partial version: major, minor, patch (None where wild or missing) and pre-release.
_Partial = tuple[int | None, int | None, int | None, tuple[str, ...]]


def _partial(text: str, token: str) -> tuple[_Partial, bool]:
    match = _PARTIAL.fullmatch(token)
    if match is None:
        raise SourceError(
            f'semver range "{text}": "{token}" is not a version '
            "(write e.g. 1.2.3, 1.2, 1.x, ^1.2 or >=1.0.0 <2.0.0)"
        )
    numbers: list[int | None] = []
    for group in match.group(1, 2, 3):
        wild = group is None or group in "xX*" or (numbers and numbers[-1] is None)
        numbers.append(None if wild else int(group))
    pre = tuple(match.group(4).split(".")) if match.group(4) else ()
    if pre and numbers[2] is None:
        raise SourceError(f'semver range "{text}": a pre-release needs a full version in "{token}"')
    return (numbers[0], numbers[1], numbers[2], pre), bool(pre)


def _floor(parts: _Partial) -> Version:
    major, minor, patch, pre = parts
    return Version(major or 0, minor or 0, patch or 0, pre)


def _next(parts: _Partial) -> Version:
    """The first version above every version the partial covers (``1.2`` → ``1.3.0-0``)."""
    major, minor, _, _ = parts
    assert major is not None
    if minor is None:
        return Version(major + 1, 0, 0, ("0",))
    return Version(major, minor + 1, 0, ("0",))


def _expand(operator: str, parts: _Partial) -> list[Comparator]:
    major, minor, patch, _ = parts
    nothing = [Comparator("<", Version(0, 0, 0, ("0",)))]
    if major is None:  # "*", "x": every version, or none for a strict bound
        return nothing if operator in ("<", ">", "!=") else []
    full = patch is not None
    if operator == "=":
        return [Comparator("=", _floor(parts))] if full else _between(parts)
    if operator == "!=":
        if full:
            return [Comparator("!=", _floor(parts))]
        raise SourceError("'!=' needs a full version such as 1.2.3")
    if operator in (">=", "<"):
        return [Comparator(operator, _floor(parts))]
    if operator == ">":
        return [Comparator(">", _floor(parts))] if full else [Comparator(">=", _next(parts))]
    if operator == "<=":
        return [Comparator("<=", _floor(parts))] if full else [Comparator("<", _next(parts))]
    if operator in ("~", "~>"):
        return [Comparator(">=", _floor(parts)), Comparator("<", _next((major, minor, 0, ())))]
    return _caret(parts)


def _between(parts: _Partial) -> list[Comparator]:
    return [Comparator(">=", _floor(parts)), Comparator("<", _next(parts))]


def _caret(parts: _Partial) -> list[Comparator]:
    """``^`` allows changes that do not modify the left-most non-zero component."""
    major, minor, patch, _ = parts
    assert major is not None
    low = Comparator(">=", _floor(parts))
    if major > 0 or minor is None:
        return [low, Comparator("<", Version(major + 1, 0, 0, ("0",)))]
    if minor > 0 or patch is None:
        return [low, Comparator("<", Version(0, minor + 1, 0, ("0",)))]
    return [low, Comparator("<", Version(0, 0, patch + 1, ("0",)))]

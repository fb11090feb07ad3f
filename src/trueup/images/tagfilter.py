"""``filterTags``: which tags a policy looks at, and what value of each it compares.

Patterns are RE2 regular expressions (the syntax of Go's ``regexp``, which Flux uses),
matched anywhere in the tag, so a Flux policy's pattern means here exactly what it means
there. RE2 matches in time linear in the tag's length whatever the pattern: a pattern
like ``^(a+)+$``, which makes a backtracking engine (Python's ``re``) run for hours on one
30-character tag, cannot stall the daemon's scans. What RE2 leaves out for that guarantee
(backreferences, lookahead and lookbehind) is refused when the policy is read, as Go
refuses it. RE2's memory for one compiled pattern is capped (:data:`MAX_PROGRAM_BYTES`).

``extract`` is a template in Go's ``Regexp.Expand`` syntax, so a Flux policy carries over
unchanged: ``$name`` or ``${name}`` is the text a named (or numbered) group captured, the
longest run of letters, digits and ``_`` after ``$`` is the name (``$1x`` is ``${1x}``),
and ``$$`` is a ``$``. Unlike Go, a template naming a group the pattern does not have is
refused when the policy is read, instead of silently giving an empty value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Protocol

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

MAX_PATTERN_LENGTH: Final = 1024
"""Longest ``filterTags.pattern`` accepted."""

MAX_PROGRAM_BYTES: Final = 8 * 1024 * 1024
"""Memory RE2 may use for one compiled pattern (its default); a larger one is refused."""

_NAME: Final = re.compile(r"[A-Za-z0-9_]+")


class Match(Protocol):
    """What a pattern's match gives: the text of a group, by name or number."""

    def group(self, key: str | int, /) -> str | None:
        """The text the group captured, None when it took no part in the match."""
        ...


class Pattern(Protocol):
    """A compiled RE2 pattern, as far as trueup uses it."""

    @property
    def pattern(self) -> str:
        """The pattern's text."""
        ...

    @property
    def groups(self) -> int:
        """How many groups it has."""
        ...

    @property
    def groupindex(self) -> Mapping[str, int]:
        """Its named groups and their numbers."""
        ...

    def search(self, text: str, /) -> Match | None:
        """The first match anywhere in ``text``."""
        ...


class FilterError(ValueError):
    """A ``filterTags`` pattern or template is unusable; the message says why."""


@dataclass(frozen=True)
class TagFilter:
    """A compiled ``filterTags``: ``pattern`` selects tags, ``extract`` (or the tag) is compared."""

    pattern: Pattern
    extract: str = ""

    def value_of(self, tag: str) -> str | None:
        """The value the policy compares for ``tag``, or ``None`` if the pattern skips it."""
        match = self.pattern.search(tag)
        if match is None:
            return None
        return expand(self.extract, match) if self.extract else tag


def compile_pattern(pattern: str) -> Pattern:
    """``pattern`` compiled with RE2 (linear-time matching); :class:`FilterError` says why
    it cannot be. The one place a tag pattern (``filterTags``, ``exclusionList``) compiles."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise FilterError(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    options = re2.Options()
    options.log_errors = False  # the error is raised (and reported) instead
    options.max_mem = MAX_PROGRAM_BYTES
    try:
        compiled: Pattern = re2.compile(pattern, options)
    except re2.error as e:
        raw = e.args[0] if e.args else "invalid"
        reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        raise FilterError(
            f"the pattern is not an RE2 regular expression (Go's regexp syntax, as Flux "
            f"uses; no lookaround or backreferences): {reason}"
        ) from None
    return compiled


def compile_filter(pattern: str, extract: str = "") -> TagFilter:
    """Compile ``pattern`` and check that ``extract`` names only groups it has."""
    compiled = compile_pattern(pattern)
    for name in _references(extract):
        known = name in compiled.groupindex or (name.isdigit() and int(name) <= compiled.groups)
        if not known:
            groups = ", ".join(compiled.groupindex) or "none"
            raise FilterError(
                f"extract names ${{{name}}}, which the pattern does not capture "
                f"(its named groups: {groups})"
            )
    return TagFilter(compiled, extract)


def expand(template: str, match: Match) -> str:
    """``template`` with each ``$name`` replaced by what ``match`` captured ('' if nothing)."""
    out: list[str] = []
    for literal, name in _parts(template):
        out.append(literal)
        if name is not None:
            key: str | int = int(name) if name.isdigit() else name
            out.append(match.group(key) or "")
    return "".join(out)


def _references(template: str) -> list[str]:
    names = [name for _, name in _parts(template) if name is not None]
    return names


def _parts(template: str) -> list[tuple[str, str | None]]:
    """``(literal, group name or None)`` pairs in order, as Go's ``Regexp.Expand`` reads them."""
    parts: list[tuple[str, str | None]] = []
    literal: list[str] = []
    i = 0
    while i < len(template):
        char = template[i]
        if char != "$":
            literal.append(char)
            i += 1
            continue
        if template.startswith("$$", i):
            literal.append("$")
            i += 2
            continue
        name, end = _name_at(template, i + 1)
        if name is None:  # Go copies a '$' that starts no valid name as text
            literal.append("$")
            i += 1
            continue
        parts.append(("".join(literal), name))
        literal = []
        i = end
    parts.append(("".join(literal), None))
    return parts


def _name_at(template: str, start: int) -> tuple[str | None, int]:
    if template.startswith("{", start):
        close = template.find("}", start)
        name = template[start + 1 : close] if close > 0 else ""
        if close > 0 and _NAME.fullmatch(name):
            return name, close + 1
        return None, start
    match = _NAME.match(template, start)
    return (match.group(), match.end()) if match else (None, start)

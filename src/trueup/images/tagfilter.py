"""``filterTags``: which tags a policy looks at, and what value of each it compares.

Patterns are Python regular expressions matched anywhere in the tag (``re.search``), as
Flux matches its RE2 patterns. Two spellings RE2 users write are accepted: a named group
``(?<name>...)`` is read as Python's ``(?P<name>...)``, and ``\\z`` as ``\\Z``.

``extract`` is a template in Go's ``Regexp.Expand`` syntax, so a Flux policy carries over
unchanged: ``$name`` or ``${name}`` is the text a named (or numbered) group captured, the
longest run of letters, digits and ``_`` after ``$`` is the name (``$1x`` is ``${1x}``),
and ``$$`` is a ``$``. Unlike Go, a template naming a group the pattern does not have is
refused when the policy is read, instead of silently giving an empty value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MAX_PATTERN_LENGTH: Final = 1024
"""Longest ``filterTags.pattern`` accepted."""

_NAME: Final = re.compile(r"[A-Za-z0-9_]+")


class FilterError(ValueError):
    """A ``filterTags`` pattern or template is unusable; the message says why."""


@dataclass(frozen=True)
class TagFilter:
    """A compiled ``filterTags``: ``pattern`` selects tags, ``extract`` (or the tag) is compared."""

    pattern: re.Pattern[str]
    extract: str = ""

    def value_of(self, tag: str) -> str | None:
        """The value the policy compares for ``tag``, or ``None`` if the pattern skips it."""
        match = self.pattern.search(tag)
        if match is None:
            return None
        return expand(self.extract, match) if self.extract else tag


def compile_filter(pattern: str, extract: str = "") -> TagFilter:
    """Compile ``pattern`` and check that ``extract`` names only groups it has."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise FilterError(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        compiled = re.compile(_from_re2(pattern))
    except re.error as e:
        raise FilterError(f"the pattern is not a regular expression: {e}") from None
    for name in _references(extract):
        known = name in compiled.groupindex or (name.isdigit() and int(name) <= compiled.groups)
        if not known:
            groups = ", ".join(compiled.groupindex) or "none"
            raise FilterError(
                f"extract names ${{{name}}}, which the pattern does not capture "
                f"(its named groups: {groups})"
            )
    return TagFilter(compiled, extract)


def expand(template: str, match: re.Match[str]) -> str:
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


def _from_re2(pattern: str) -> str:
    """Rewrite RE2-only spellings (``(?<name>``, ``\\z``) to Python's, outside classes."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            out.append("\\Z" if pair == "\\z" and not in_class else pair)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern.startswith("]", i + 1) or pattern.startswith("^]", i + 1):
                skip = 2 if pattern[i + 1] == "]" else 3  # a leading ']' is a literal
                out.append(pattern[i : i + skip])
                i += skip
                continue
        elif pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        out.append(char)
        i += 1
    return "".join(out)

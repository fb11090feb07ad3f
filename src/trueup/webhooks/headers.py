"""Request headers by case-insensitive name, and the size check made before the body is read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trueup.webhooks.model import MAX_BODY_BYTES, Outcome, Verdict

_MAX_DIGITS = len(str(MAX_BODY_BYTES))


@dataclass(frozen=True, slots=True)
class Headers:
    """Header values by lower-case name, without surrounding blanks.

    A name given more than once with different values (a plain dict may hold ``X-A`` and
    ``x-a``, a multi-dict repeats names) is ``conflicting`` and reads as absent: trueup
    never picks one of two signatures or event names.
    """

    values: Mapping[str, str] = field(default_factory=dict)
    conflicting: frozenset[str] = frozenset()

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> Headers:
        """``headers`` as a server hands them over, under lower-case names."""
        values: dict[str, str] = {}
        conflicting: set[str] = set()
        for name, value in headers.items():
            key, text = name.lower(), value.strip(" \t")
            if values.setdefault(key, text) != text:
                conflicting.add(key)
        return cls(values, frozenset(conflicting))

    def get(self, name: str) -> str | None:
        """The value of header ``name`` (lower case), or None if absent or conflicting."""
        return None if name in self.conflicting else self.values.get(name)


def content_length_verdict(headers: Mapping[str, str]) -> Verdict | None:
    """413 when ``Content-Length`` exceeds :data:`MAX_BODY_BYTES`, 400 when it is not one
    number, and None when the body may be read (also when the header is absent: then the
    server must stop reading after ``MAX_BODY_BYTES + 1`` bytes and pass what it read on).
    """
    given = Headers.of(headers)
    if "content-length" in given.conflicting:
        return Verdict(Outcome.BAD_REQUEST, "Content-Length is given twice with different values")
    value = given.get("content-length")
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()):
        return Verdict(Outcome.BAD_REQUEST, "Content-Length is not a number")
    digits = value.lstrip("0") or "0"  # int() refuses over 4,300 digits, leading zeros too
    if len(digits) > _MAX_DIGITS or int(digits) > MAX_BODY_BYTES:
        return too_large()
    return None


def too_large() -> Verdict:
    """The answer to a body longer than :data:`MAX_BODY_BYTES`."""
    return Verdict(Outcome.TOO_LARGE, f"the body is larger than {MAX_BODY_BYTES // 2**20} MiB")

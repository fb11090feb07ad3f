"""Go-style durations (``10s``, ``1m30s``, ``1.5h``) as ``timedelta``, and their pydantic types.

The grammar is Go's ``time.ParseDuration``: an optional sign, then one or more decimal
numbers, each with an optional fraction and a unit (``ns``, ``us``/``µs``, ``ms``, ``s``,
``m``, ``h``); a bare ``0`` is allowed. Values are computed exactly in nanoseconds and
then truncated to the microsecond a ``timedelta`` can hold.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Final

from pydantic import BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

_UNIT_NS: Final = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
_COMPONENT = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_MAX_NS: Final = 2**63 - 1  # Go's limit, about 292 years
_HINT: Final = "write numbers with units such as 30s, 5m or 1h30m; units: ns, us, ms, s, m, h"


def parse_duration(text: str) -> timedelta:
    """The ``timedelta`` a Go-style duration string stands for; ``ValueError`` if malformed."""
    rest = text.strip()
    sign = 1
    if rest[:1] in ("+", "-"):
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return timedelta(0)
    if not rest:
        raise ValueError(f"{text!r} is not a duration")
    total = Decimal(0)
    position = 0
    while position < len(rest):
        match = _COMPONENT.match(rest, position)
        if match is None:
            missing_unit = re.fullmatch(r"\d+\.?\d*|\.\d+", rest[position:])
            reason = "has no unit" if missing_unit else "is not a duration"
            raise ValueError(f"{text!r} {reason}")
        total += Decimal(match[1]) * _UNIT_NS[match[2]]
        position = match.end()
    nanoseconds = int(total)
    if nanoseconds > _MAX_NS:
        raise ValueError(f"{text!r} is out of range: durations are at most 2562047h")
    return timedelta(microseconds=sign * (nanoseconds // 1000))


def format_duration(value: timedelta) -> str:
    """``value`` in Go's canonical form: ``1h30m0s``, ``1.5s``, ``250ms``, ``0s``."""
    micros = value // timedelta(microseconds=1)
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    if micros == 0:
        return "0s"
    if micros < 1000:
        return f"{sign}{micros}\u00b5s"
    if micros < 1_000_000:
        return f"{sign}{_decimal(micros, 1000)}ms"
    hours, rest = divmod(micros, 3600 * 1_000_000)
    minutes, rest = divmod(rest, 60 * 1_000_000)
    seconds = f"{_decimal(rest, 1_000_000)}s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return f"{sign}{seconds}"


def _decimal(amount: int, unit: int) -> str:
    whole, fraction = divmod(amount, unit)
    if not fraction:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}.{fraction:0{digits}d}".rstrip("0")


def _validator(*, allow_zero: bool) -> BeforeValidator:
    def validate(value: object) -> timedelta:
        if isinstance(value, timedelta):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = parse_duration(value)
            except ValueError as e:
                raise PydanticCustomError("duration", str(e), {"hint": _HINT}) from None
        else:
            raise PydanticCustomError(
                "duration_type",
                "expected a duration string, got a {type}",
                {"type": type(value).__name__, "hint": f"quote it and {_HINT}"},
            )
        if parsed < timedelta(0) or (parsed == timedelta(0) and not allow_zero):
            raise PydanticCustomError(
                "duration_range",
                "{value} is not allowed here: the duration must be {bound}",
                {
                    "value": format_duration(parsed),
                    "bound": "zero or more" if allow_zero else "more than zero",
                    "hint": _HINT,
                },
            )
        return parsed

    return BeforeValidator(validate)


_SERIALIZER = PlainSerializer(format_duration, return_type=str)

Duration = Annotated[timedelta, _validator(allow_zero=True), _SERIALIZER]
"""A non-negative Go-style duration in configuration; a ``timedelta`` in Python."""

PositiveDuration = Annotated[timedelta, _validator(allow_zero=False), _SERIALIZER]
"""A Go-style duration that must be more than zero (intervals and timeouts)."""

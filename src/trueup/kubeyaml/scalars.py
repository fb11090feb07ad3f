"""What a YAML scalar means to kubectl: YAML 1.1 as Go's yaml.v2 reads it, then JSON.

kubectl decodes manifests with ``sigs.k8s.io/yaml`` (go-yaml v2, then JSON). Plain
scalars resolve by their first character: ``y/Y/yes/on/true`` (and their capitalised
forms) are ``true``, ``n/N/no/off/false`` are ``false``, ``~``, ``null`` and the empty
scalar are null; anything starting with a digit, ``+``, ``-`` or ``.`` is tried as an
integer (Go syntax with ``_`` removed: ``0777`` and ``0o777`` are octal, ``0x1F`` hex,
``0b101`` binary), then as a float. Sexagesimals (``1:20``) and timestamps stay strings.
Explicit tags: ``!!str`` and ``!!binary`` (base64) always give strings; ``!!int``,
``!!float``, ``!!bool``, ``!!null`` and ``!!timestamp`` must match what the value resolves
to (an integer may be a float); every other tag is ignored.

A value then passes through JSON as kubectl sends it: a float with no fraction becomes an
integer (``1.0`` is ``1``), an integer beyond int64 becomes a float, ``.inf`` and ``.nan``
cannot be sent at all.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import math
import re
import struct
from decimal import Decimal
from typing import Any, Final

from trueup.kubeyaml.problem import ManifestSyntaxError

YAML_TAG: Final = "tag:yaml.org,2002:"
STR: Final = YAML_TAG + "str"
INT: Final = YAML_TAG + "int"
FLOAT: Final = YAML_TAG + "float"
BOOL: Final = YAML_TAG + "bool"
NULL: Final = YAML_TAG + "null"
TIMESTAMP: Final = YAML_TAG + "timestamp"
BINARY: Final = YAML_TAG + "binary"
MERGE: Final = YAML_TAG + "merge"

_RESOLVABLE = frozenset({"", STR, INT, FLOAT, BOOL, NULL, TIMESTAMP})

_WORDS: dict[str, tuple[str, Any]] = {}
for _tag, _value, _words in (
    (BOOL, True, "y Y yes Yes YES true True TRUE on On ON"),
    (BOOL, False, "n N no No NO false False FALSE off Off OFF"),
    (NULL, None, "~ null Null NULL"),
    (FLOAT, math.nan, ".nan .NaN .NAN"),
    (FLOAT, math.inf, ".inf .Inf .INF +.inf +.Inf +.INF"),
    (FLOAT, -math.inf, "-.inf -.Inf -.INF"),
    (MERGE, "<<", "<<"),
):
    for _word in _words.split():
        _WORDS[_word] = (_tag, _value)
_WORDS[""] = (NULL, None)

_HINTED = frozenset("yYnNtTfFoO~+-.0123456789<")
_NUMBER_START = frozenset("+-0123456789")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_DIGITS = {
    16: re.compile(r"[0-9a-fA-F]+"),
    10: re.compile(r"[0-9]+"),
    8: re.compile(r"[0-7]+"),
    2: re.compile(r"[01]+"),
}
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[-+]\d{2}:\d{2}))"
    r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?"
)
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
UINT64_MAX: Final = 2**64 - 1


class Uint64(int):
    """An integer that only fits Go's uint64: valid as a value, refused as a mapping key."""


def short_tag(tag: str) -> str:
    """``!!int`` for the long form of a YAML core tag; other tags as they are."""
    return "!!" + tag[len(YAML_TAG) :] if tag.startswith(YAML_TAG) else tag


def scalar(value: str, tag: str | None, plain: bool, line: int) -> Any:
    """The Go value of one scalar (before JSON), as go-yaml v2 decodes it into ``interface{}``.

    ``tag`` is the explicit tag (None for none), ``plain`` whether the scalar was unquoted.
    """
    if tag is None or tag == "!":
        if not plain or tag == "!":
            return value
        tag = ""
    if tag not in _RESOLVABLE:
        if tag == BINARY:
            return _binary(value, line)
        return value  # go-yaml ignores tags it does not know, and !!set, !!omap and the like
    resolved_tag, resolved = _resolve(value, tag)
    if tag in ("", resolved_tag, STR):
        return value if resolved_tag == TIMESTAMP else resolved
    if tag == FLOAT and resolved_tag == INT and not isinstance(resolved, Uint64):
        return float(resolved)
    raise ManifestSyntaxError(
        line,
        f"a value tagged {short_tag(tag)} is a {short_tag(resolved_tag)}, which kubectl refuses",
        "remove the tag or quote the value",
    )


def _resolve(value: str, tag: str) -> tuple[str, Any]:
    if tag == STR or (value and value[0] not in _HINTED):
        return STR, value
    word = _WORDS.get(value)
    if word is not None:
        return word
    if value[0] == ".":
        if _DOT_FLOAT.fullmatch(value):
            number = float(value)
            if not math.isinf(number):
                return FLOAT, number
        return STR, value
    if value[0] not in _NUMBER_START:
        return STR, value
    if tag in ("", TIMESTAMP) and is_timestamp(value):
        return TIMESTAMP, value
    plain = value.replace("_", "")
    integer = go_parse_int(plain)
    if integer is not None and INT64_MIN <= integer <= INT64_MAX:
        return INT, integer
    if integer is not None and 0 <= integer <= UINT64_MAX and plain[0] not in "+-":
        return INT, Uint64(integer)
    if _YAML_FLOAT.fullmatch(plain):
        number = float(plain)
        if not math.isinf(number):
            return FLOAT, number
    return STR, value


def go_parse_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, …)`` without its range check: None if not a number."""
    sign = -1 if text[:1] == "-" else 1
    body = text[1:] if text[:1] in ("+", "-") else text
    base = 10
    prefix = body[:2].lower()
    if prefix in ("0x", "0o", "0b"):
        base, body = {"0x": 16, "0o": 8, "0b": 2}[prefix], body[2:]
    elif body[:1] == "0" and len(body) > 1:
        base, body = 8, body[1:]
    if not _DIGITS[base].fullmatch(body):
        return None
    return sign * int(body, base)


def is_timestamp(value: str) -> bool:
    """True for the timestamp forms go-yaml v2 recognises (dates with valid days)."""
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return False
    year, month, day = (int(match.group(i)) for i in (1, 2, 3))
    clock = [int(g) for g in match.groups()[3:] if g is not None]
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return not clock or (clock[0] < 24 and clock[1] < 60 and clock[2] < 60)


def _binary(value: str, line: int) -> str:
    compact = value.replace("\n", "").replace("\r", "")
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ManifestSyntaxError(
            line, "a !!binary value is not valid base64", "fix the value or remove the tag"
        ) from None
    return go_string(data)


def go_string(data: bytes) -> str:
    """``data`` as Go's JSON encoder writes it: each invalid UTF-8 byte becomes U+FFFD."""
    return without_surrogates(data.decode("utf-8", "surrogateescape"))


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate (an invalid byte or escape) replaced by U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


_SURROGATES = re.compile("[\ud800-\udfff]")


def json_value(value: Any, line: int) -> Any:
    """A decoded scalar as it comes back from kubectl's JSON round trip."""
    if isinstance(value, Uint64):
        return float(value)
    if isinstance(value, float):
        return json_number(value, line)
    return value


def json_number(value: float, line: int) -> int | float:
    """A float as Go writes it in JSON and reads it back (integral ones become integers)."""
    if math.isnan(value) or math.isinf(value):
        raise ManifestSyntaxError(
            line,
            "a value is .inf or .nan, which kubectl cannot send (JSON has no such numbers)",
            "quote it to make it a string",
        )
    if value.is_integer() and abs(value) < 1e21:
        # Go prints the shortest digits that read back as this float, padded with zeros.
        integer = int(Decimal(repr(value)))
        if INT64_MIN <= integer <= INT64_MAX:
            return integer
    return value


def key_text(key: Any, line: int) -> str:
    """A mapping key as ``sigs.k8s.io/yaml`` turns it into a JSON object key."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return _float32_text(key)
    if isinstance(key, int) and not isinstance(key, Uint64):
        return str(key)
    what = "null" if key is None else "an integer beyond int64"
    raise ManifestSyntaxError(
        line, f"a mapping key is {what}, which kubectl refuses", "quote the key"
    )


def _float32_text(value: float) -> str:
    """Go's ``strconv.FormatFloat(value, 'g', -1, 32)``, with YAML's names for infinities."""
    if math.isnan(value):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        single = math.copysign(math.inf, value)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    for precision in range(1, 10):
        text = f"{single:.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            break
    mantissa, _, exponent_text = text.partition("e")
    exponent = int(exponent_text)
    digits = mantissa.replace(".", "").lstrip("-").rstrip("0") or "0"
    sign = "-" if single < 0 else ""
    if exponent < -4 or exponent >= 6:
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{head}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    if len(digits) <= exponent + 1:
        return sign + digits + "0" * (exponent + 1 - len(digits))
    return f"{sign}{digits[: exponent + 1]}.{digits[exponent + 1 :]}"

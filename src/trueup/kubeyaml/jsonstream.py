"""Files kubectl reads as JSON: a stream of JSON values, read as Go's JSON decoder reads them.

Duplicate keys keep the last value; integers beyond int64 become floats, floats with no
fraction become integers (as after kubectl's round trip); ``NaN`` and numbers too large
for a float are refused; invalid UTF-8 and lone surrogates become U+FFFD.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from trueup.kubeyaml.document import Document
from trueup.kubeyaml.guard import Limits, ObjectBudget
from trueup.kubeyaml.problem import ManifestSyntaxError
from trueup.kubeyaml.scalars import INT64_MAX, INT64_MIN, json_number, without_surrogates


def json_documents(data: bytes, limits: Limits, budget: ObjectBudget) -> Iterator[Document]:
    """The non-null JSON values of ``data``, one document each."""
    text = data.decode("utf-8", "surrogateescape")
    decoder = json.JSONDecoder(parse_constant=_refuse_constant)
    position = _skip_space(text, 0)
    while position < len(text):
        line = text.count("\n", 0, position) + 1
        budget.take(line)
        try:
            value, end = decoder.raw_decode(text, position)
        except (ValueError, RecursionError) as e:
            where = getattr(e, "lineno", line)
            raise ManifestSyntaxError(
                where,
                "invalid JSON (a file that starts with '{' is JSON to kubectl)",
                "fix the JSON, or write YAML in block style",
            ) from None
        data_value = _json_ready(value, 0, limits, line)
        if data_value is not None:
            yield Document(line, data_value, None, ())
        position = _skip_space(text, end)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_ready(value: Any, depth: int, limits: Limits, line: int) -> Any:
    """A value from Python's JSON parser as Go's parser would have read it."""
    if depth > limits.max_depth:
        raise ManifestSyntaxError(
            line, f"nesting deeper than {limits.max_depth} levels", "simplify it"
        )
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return value
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
        if math.isinf(value):
            raise ManifestSyntaxError(line, "a number is too large for kubectl", "make it smaller")
        return value
    if isinstance(value, float):
        if math.isinf(value):
            raise ManifestSyntaxError(line, "a number is too large for kubectl", "make it smaller")
        return json_number(value, line)
    if isinstance(value, list):
        return [_json_ready(item, depth + 1, limits, line) for item in value]
    return {
        _json_ready(k, depth + 1, limits, line): _json_ready(v, depth + 1, limits, line)
        for k, v in value.items()
    }

"""Request bodies: JSON objects read into the body models of :mod:`trueup.api.models`.

A body may be empty (every field has a default). A field the model does not have, or a
value of the wrong type, is a 400 that names it: a field that would do nothing is refused.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

import orjson
from aiohttp import web

from trueup.api.problems import Code, Problem
from trueup.api.schema import json_name

MAX_BODY_BYTES = 64 * 1024

T = TypeVar("T")

_TYPES: dict[Any, tuple[type, ...]] = {bool: (bool,), str: (str,), int: (int,)}


async def read_body(request: web.Request, model: type[T]) -> T:
    """The body of ``request`` as ``model`` (its defaults when the body is empty)."""
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise Problem(Code.BAD_REQUEST, f"the body is over {MAX_BODY_BYTES} bytes")
    return parse_body(raw, model)


def parse_body(raw: bytes, model: type[T]) -> T:
    """``raw`` JSON as ``model``; a 400 Problem naming what is wrong."""
    if not raw.strip():
        return model()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Problem(Code.BAD_REQUEST, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise Problem(Code.BAD_REQUEST, "the body must be a JSON object")
    assert dataclasses.is_dataclass(model)
    hints = typing.get_type_hints(model)
    fields = {json_name(f): f for f in dataclasses.fields(model)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            known = ", ".join(fields) or "none"
            raise Problem(Code.BAD_REQUEST, f"unknown field {key!r} (fields: {known})")
        if not _fits(value, hints[field.name]):
            raise Problem(Code.BAD_REQUEST, f"{key}: expected {_named(hints[field.name])}")
        values[field.name] = value
    return model(**values)


def _options(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _fits(value: Any, annotation: Any) -> bool:
    for option in _options(annotation):
        if option is type(None) and value is None:
            return True
        if option in _TYPES and type(value) in _TYPES[option]:
            return True
        if typing.get_origin(option) is list and type(value) is list:
            [item] = typing.get_args(option)
            return all(_fits(v, item) for v in value)
    return False


def _named(annotation: Any) -> str:
    names = {bool: "true or false", str: "a string", int: "a number", type(None): "null"}
    return " or ".join(
        f"a list of {_plural(typing.get_args(option)[0])}"
        if typing.get_origin(option) is list
        else names.get(option, str(option))
        for option in _options(annotation)
    )


def _plural(annotation: Any) -> str:
    names = {bool: "true or false", str: "strings", int: "numbers"}
    return names.get(annotation, str(annotation))

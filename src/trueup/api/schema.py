"""JSON for the API's typed values: :func:`to_data` writes one, :func:`json_schema`
describes its class, both from the same dataclass fields (camelCase in JSON).

Supported field types: str, int, float, bool, None, StrEnum, dataclasses (as
``$ref``s to ``#/components/schemas/<Name>``), ``list[X]``, ``dict[str, X]``, ``Any``
and unions of these (``X | None``).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, Union

from pydantic.alias_generators import to_camel

from trueup.api.models import JSON_NAME

Schema = dict[str, Any]


def json_name(field: dataclasses.Field[Any]) -> str:
    """The name of ``field`` in JSON: its metadata's, else its name in camelCase."""
    named = field.metadata.get(JSON_NAME)
    return str(named) if named else to_camel(field.name)


def to_data(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses as objects with camelCase keys."""
    if value is None or type(value) in _PLAIN:
        return value  # most values are: a list of 1,000 Apps is some 20,000 of them
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {key: to_data(getattr(value, name)) for name, key in _json_names(type(value))}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(item) for item in value]
    return value


_PLAIN = frozenset({str, int, float, bool})
"""Types written as they are (exactly these: a StrEnum is a str but is written by value)."""


@functools.cache
def _json_names(cls: type[Any]) -> tuple[tuple[str, str], ...]:
    """Each field of the dataclass ``cls`` with its JSON name, worked out once per class."""
    return tuple((f.name, json_name(f)) for f in dataclasses.fields(cls))


def json_schema(annotation: Any, components: dict[str, Schema]) -> Schema:
    """The JSON Schema of ``annotation``; dataclasses are added to ``components`` once."""
    if annotation is Any:
        return {}
    if annotation is None or annotation is type(None):
        return {"type": "null"}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if annotation in simple:
        return {"type": simple[annotation]}
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return {"type": "string", "enum": [member.value for member in annotation]}
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return _dataclass(annotation, components)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        return {"anyOf": [json_schema(arg, components) for arg in args]}
    if origin in (list, tuple):
        return {"type": "array", "items": json_schema(args[0], components)}
    if origin is dict:
        return {"type": "object", "additionalProperties": json_schema(args[1], components)}
    raise TypeError(f"no JSON Schema for {annotation!r}")


def _dataclass(model: type[Any], components: dict[str, Schema]) -> Schema:
    name = model.__name__
    ref = {"$ref": f"#/components/schemas/{name}"}
    if name in components:
        return ref
    components[name] = {}  # taken before the fields, so that a model may contain itself
    hints = typing.get_type_hints(model)
    properties: dict[str, Schema] = {}
    required: list[str] = []
    for field in dataclasses.fields(model):
        key = json_name(field)
        properties[key] = json_schema(hints[field.name], components)
        no_default = field.default is dataclasses.MISSING
        if no_default and field.default_factory is dataclasses.MISSING:
            required.append(key)
    components[name] = {
        "type": "object",
        "description": (model.__doc__ or "").strip(),
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return ref

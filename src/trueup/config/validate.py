"""Turning one YAML document into a typed configuration object, or into issues.

pydantic's errors are translated here into ``ConfigIssue`` values with the file, the line
of the offending field, the object, a field path in the YAML's own spelling, a message
and a hint. The input value is never part of a message: it may be a secret.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Sequence
from typing import Final, Union

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from trueup.config.alert import Alert
from trueup.config.api_token import ApiToken
from trueup.config.app import App
from trueup.config.gitsource import GitSource
from trueup.config.image_policy import ImagePolicy
from trueup.config.image_repository import ImageRepository
from trueup.config.image_update import ImageUpdate
from trueup.config.issues import ConfigIssue, field_path
from trueup.config.meta import API_GROUP, API_VERSION, KUBERNETES_METADATA_FIELDS, ConfigObject
from trueup.config.provider import Provider
from trueup.config.receiver import Receiver
from trueup.config.secret import Secret
from trueup.config.yamldocs import Document, line_of, object_label

KINDS: Final[dict[tuple[str, str], type[ConfigObject]]] = {
    (API_VERSION, "GitSource"): GitSource,
    (API_VERSION, "App"): App,
    (API_VERSION, "Receiver"): Receiver,
    (API_VERSION, "ApiToken"): ApiToken,
    (API_VERSION, "Provider"): Provider,
    (API_VERSION, "Alert"): Alert,
    (API_VERSION, "ImageRepository"): ImageRepository,
    (API_VERSION, "ImagePolicy"): ImagePolicy,
    (API_VERSION, "ImageUpdate"): ImageUpdate,
    ("v1", "Secret"): Secret,
}
"""The kinds a configuration may hold, by ``(apiVersion, kind)``."""

_OWN_KINDS: Final = sorted(k for v, k in KINDS if v == API_VERSION)
_KNOWN: Final = (
    f"trueup reads {', '.join(_OWN_KINDS[:-1])} and {_OWN_KINDS[-1]} of {API_VERSION}, "
    "and v1 Secrets"
)

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "missing": ("required field is missing", "add it"),
    "string_type": ("expected a string", "quote the value"),
    "bool_type": ("expected true or false", "write true or false"),
    "dict_type": ("expected a mapping", "write key: value pairs under it"),
    "model_type": ("expected a mapping", "write key: value pairs under it"),
    "model_attributes_type": ("expected a mapping", "write key: value pairs under it"),
    "list_type": ("expected a list", "write it as a YAML list"),
    "tuple_type": ("expected a list", "write it as a YAML list"),
}


def validate_document(doc: Document) -> ConfigObject | list[ConfigIssue]:
    """The typed object ``doc`` declares, or the issues that keep it out."""
    label = object_label(doc.data)

    def issue(path: Sequence[str | int], message: str, hint: str) -> ConfigIssue:
        field = field_path(path)
        return ConfigIssue(doc.file, line_of(doc, path), label, field, message, hint)

    data = doc.data
    if not isinstance(data, dict):
        return [
            issue((), "the document is not a mapping", "write an object with apiVersion and kind")
        ]
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not api_version:
        return [issue(("apiVersion",), "apiVersion is missing", f"add it: {_KNOWN}")]
    if not isinstance(kind, str) or not kind:
        return [issue(("kind",), "kind is missing", f"add it: {_KNOWN}")]
    model = KINDS.get((api_version, kind))
    if model is None:
        return [_unknown_kind(api_version, kind, issue)]
    try:
        return model.model_validate(data)
    except ValidationError as e:
        return [issue(err["loc"], *_describe(err, model)) for err in e.errors()]


def _unknown_kind(
    api_version: str, kind: str, issue: Callable[[Sequence[str | int], str, str], ConfigIssue]
) -> ConfigIssue:
    known_kinds = sorted(k for v, k in KINDS if v == API_VERSION)
    if api_version == API_VERSION:
        return issue(
            ("kind",), f"unknown kind '{kind[:80]}'", f"use one of {', '.join(known_kinds)}"
        )
    if api_version.startswith(f"{API_GROUP}/"):
        message = f"unknown apiVersion '{api_version[:80]}'"
        return issue(("apiVersion",), message, f"use {API_VERSION}")
    message = f"{api_version[:80]} {kind[:80]} is not trueup configuration"
    return issue(("apiVersion",), message, f"remove it: {_KNOWN}")


def _describe(err: ErrorDetails, model: type[BaseModel]) -> tuple[str, str]:
    """``(message, hint)`` for one pydantic error, without its input value."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        loc = err["loc"]
        if len(loc) == 2 and loc[0] == "metadata" and loc[1] in KUBERNETES_METADATA_FIELDS:
            return (
                "a Kubernetes field that trueup's configuration does not take",
                "remove it, or write it null as kubectl create --dry-run=client does",
            )
        known = _known_fields(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "remove it"
        if known and not close:
            hint += f"; known fields here: {', '.join(known)}"
        return "unknown field", hint
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    message = err["msg"].removeprefix("Value error, ")
    return message, str(ctx.get("hint", "see the configuration reference"))


def _known_fields(model: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    """The YAML names of the fields allowed at ``path`` inside ``model`` ([] if not a model)."""
    current: type[BaseModel] | None = model
    for part in path:
        if current is None or not isinstance(part, str):
            return []
        by_alias = {(f.alias or name): f for name, f in current.model_fields.items()}
        field = by_alias.get(part)
        current = _model_in(field.annotation) if field is not None else None
    if current is None:
        return []
    return sorted(f.alias or name for name, f in current.model_fields.items())


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None

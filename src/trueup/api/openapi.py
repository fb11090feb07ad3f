"""The OpenAPI 3.1 document of the API, written from :data:`trueup.api.table.ROUTES`."""

from __future__ import annotations

from typing import Any

from trueup import __version__
from trueup.api.models import ErrorBody
from trueup.api.schema import Schema, json_schema
from trueup.api.table import ROUTES, Access, Route

_ERRORS = {
    "400": "The request is malformed (a parameter or the body).",
    "401": "No token, or not a valid one.",
    "404": "No such object, or not one the token may see.",
    "503": "The daemon is starting or waits to lead; try again shortly.",
}


def document() -> dict[str, Any]:
    """The whole document: every route, its parameters, body and answers, and the models."""
    components: dict[str, Schema] = {}
    error = json_schema(ErrorBody, components)
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(
            route, components, error
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "trueup",
            "version": __version__,
            "description": "The HTTP API of trueup serve. Send Authorization: Bearer <token> "
            "(an ApiToken's) once the configuration declares ApiTokens.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(route: Route, components: dict[str, Schema], error: Schema) -> dict[str, Any]:
    answer: Schema = (
        {"type": "string"} if route.answer is None else json_schema(route.answer, components)
    )
    responses: dict[str, Any] = {
        str(route.status): {
            "description": route.summary,
            "content": {route.media_type: {"schema": answer}},
        }
    }
    failures = dict(_ERRORS)
    if route.access is Access.OPERATOR:
        failures["403"] = "The token is a viewer's: actions need an operator's."
    if route.access is not Access.PUBLIC:
        for status, text in failures.items():
            responses[status] = {
                "description": text,
                "content": {"application/json": {"schema": error}},
            }
    operation: dict[str, Any] = {
        "operationId": route.operation,
        "summary": route.summary,
        "parameters": [_parameter(p) for p in route.params],
        "responses": responses,
        "x-trueup-role": route.access.value,
    }
    operation["security"] = [] if route.access is Access.PUBLIC else [{"bearer": []}]
    if route.body is not None:
        operation["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": json_schema(route.body, components)}},
        }
    return operation


def _parameter(param: Any) -> dict[str, Any]:
    schema: Schema = {"type": param.type}
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    return {
        "name": param.name,
        "in": param.where,
        "required": param.where == "path",
        "description": param.description,
        "schema": schema,
    }

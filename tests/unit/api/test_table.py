"""The route table is the API: every route is served and described, and nothing else."""

from __future__ import annotations

from typing import Any

from trueup.api.openapi import document
from trueup.api.server import HANDLERS
from trueup.api.table import ROUTES, Access


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if "$ref" in value else []
        return found + [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def test_every_route_is_in_the_document_and_every_operation_is_a_route() -> None:
    doc = document()
    described = {
        (method.upper(), path, op["operationId"])
        for path, methods in doc["paths"].items()
        for method, op in methods.items()
    }
    assert described == {(r.method, r.path, r.operation) for r in ROUTES}


def test_every_route_but_the_document_has_a_handler_and_every_handler_a_route() -> None:
    routed = {r.operation for r in ROUTES if r.access is not Access.PUBLIC}
    assert routed == set(HANDLERS)


def test_every_schema_reference_resolves() -> None:
    doc = document()
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref
    assert "TreeNode" in schemas  # a model that contains itself
    assert schemas["AppList"]["properties"]["continue"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}]
    }


def test_actions_need_an_operator_and_reads_a_viewer() -> None:
    for route in ROUTES:
        if route.method == "POST":
            assert route.access is Access.OPERATOR, route.path
        elif route.operation != "openapi":
            assert route.access is Access.VIEWER, route.path
        op = document()["paths"][route.path][route.method.lower()]
        assert op["x-trueup-role"] == route.access.value
        path_params = {p["name"] for p in op["parameters"] if p["in"] == "path"}
        assert path_params == {part[1:-1] for part in route.path.split("/") if part[:1] == "{"}

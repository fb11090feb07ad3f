"""Preparing rendered objects, over the cases in fixtures/prepare.yaml."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.plan.cases import load_cases, parse_id
from trueup.errors import PlanError
from trueup.objects import Origin
from trueup.plan import AppRef, prepare
from trueup.plan.prepare import IsNamespaced

APP = AppRef(name="shop-app", namespace="trueup", installation="i1")


def _scopes(case: dict[str, Any]) -> IsNamespaced:
    """The target's answer per (group, kind), from the case's ``Kind.group: bool`` table."""
    known = {}
    for group_kind, namespaced in case["scopes"].items():
        kind, _, group = group_kind.partition(".")
        known[(group, kind)] = namespaced
    return lambda group, kind: known.get((group, kind))


def _prepare(case: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    origins = {
        parse_id(text): Origin(origin) for text, origin in (case.get("origins") or {}).items()
    }
    return prepare(
        case["objects"],
        app=APP,
        default_namespace="shop",
        is_namespaced=_scopes(case),
        origins=origins,
    )


@pytest.mark.parametrize("case", [c for c in load_cases("prepare.yaml") if "expect" in c.values[0]])
def test_prepared_objects_are_namespaced_and_labelled(case: dict[str, Any]) -> None:
    assert list(_prepare(case)) == case["expect"]


@pytest.mark.parametrize("case", [c for c in load_cases("prepare.yaml") if "error" in c.values[0]])
def test_unplannable_objects_are_refused_with_an_error_naming_them(case: dict[str, Any]) -> None:
    with pytest.raises(PlanError) as raised:
        _prepare(case)
    for words in case["error"]:
        assert words in str(raised.value)


def test_prepare_leaves_the_rendered_objects_untouched() -> None:
    rendered = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": {"x": "1"}}}
    ]
    before = copy.deepcopy(rendered)
    prepared = prepare(
        rendered, app=APP, default_namespace="shop", is_namespaced=lambda g, k: True, origins={}
    )
    assert rendered == before
    assert prepared[0]["metadata"]["namespace"] == "shop"


def test_an_app_without_a_namespace_sets_no_namespace_label_and_drops_a_copied_one() -> None:
    rendered = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "a", "labels": {"trueup.dev/app-namespace": "default"}},
        }
    ]
    prepared = prepare(
        rendered,
        app=AppRef(name="web", installation="i1"),
        default_namespace="shop",
        is_namespaced=lambda g, k: True,
        origins={},
    )
    metadata = prepared[0]["metadata"]
    assert metadata["labels"] == {"trueup.dev/app": "web"}
    assert metadata["annotations"] == {"trueup.dev/tracking-id": "i1:web:/ConfigMap:shop/a"}

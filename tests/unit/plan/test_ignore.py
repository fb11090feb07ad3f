"""Ignore rules, over the cases in fixtures/ignore.yaml: which fields take the live value."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.plan.cases import load_cases
from trueup.errors import PlanError
from trueup.objects import ObjectId, object_id
from trueup.plan import IgnoreRule, IgnoreTarget, ignore_differences
from trueup.plan.ignore import parse_pointer


def rule(spec: dict[str, Any]) -> IgnoreRule:
    """A rule written as in ``spec.ignoreDifferences``."""
    return IgnoreRule(
        IgnoreTarget(**spec["target"]),
        tuple(spec.get("jsonPointers", ())),
        tuple(spec.get("managedFieldsManagers", ())),
    )


def configmap(name: str, namespace: str = "shop", **data: str) -> dict[str, Any]:
    """A ConfigMap with ``data``."""
    metadata = {"name": name, "namespace": namespace}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


@pytest.mark.parametrize("case", load_cases("ignore.yaml"))
def test_ignored_fields_take_the_live_value_of_existing_objects(case: dict[str, Any]) -> None:
    desired, live = case["desired"], case["live"]
    before = copy.deepcopy((desired, live))

    [result] = ignore_differences(
        [desired], {object_id(desired): live}, [*map(rule, case["rules"])]
    )

    assert result == case["expect"]
    assert (desired, live) == before


@pytest.mark.parametrize(
    ("pointer", "tokens"),
    [
        ("", ()),
        ("/", ("",)),
        ("/spec/replicas", ("spec", "replicas")),
        (
            "/metadata/annotations/example.com~1owner",
            ("metadata", "annotations", "example.com/owner"),
        ),
        ("/a~0b", ("a~b",)),
        ("/~01", ("~1",)),
        ("/items/0", ("items", "0")),
    ],
)
def test_a_pointer_is_read_as_rfc_6901_says(pointer: str, tokens: tuple[str, ...]) -> None:
    assert parse_pointer(pointer) == tokens


@pytest.mark.parametrize("pointer", ["spec/replicas", "/a~2b", "/a~", "#/spec"])
def test_text_that_is_not_a_pointer_is_refused(pointer: str) -> None:
    with pytest.raises(PlanError, match="is not a JSON pointer"):
        parse_pointer(pointer)


@pytest.mark.parametrize(
    "target",
    [
        IgnoreTarget("Secret"),
        IgnoreTarget("ConfigMap", name="other"),
        IgnoreTarget("ConfigMap", namespace="other"),
        IgnoreTarget("ConfigMap", group="apps"),
    ],
    ids=str,
)
def test_objects_a_target_does_not_select_are_untouched(target: IgnoreTarget) -> None:
    desired = configmap("c", color="blue")
    live = configmap("c", color="green")

    [result] = ignore_differences(
        [desired], {object_id(desired): live}, [IgnoreRule(target, ("/data/color",))]
    )

    assert result is desired


@pytest.mark.parametrize(
    "target",
    [
        IgnoreTarget("ConfigMap"),
        IgnoreTarget("ConfigMap", group=""),
        IgnoreTarget("ConfigMap", group="", name="c", namespace="shop"),
    ],
    ids=str,
)
def test_a_target_selects_by_kind_and_by_each_field_it_sets(target: IgnoreTarget) -> None:
    desired = configmap("c", color="blue")
    live = configmap("c", color="green")

    [result] = ignore_differences(
        [desired], {object_id(desired): live}, [IgnoreRule(target, ("/data/color",))]
    )

    assert result["data"] == {"color": "green"}


def test_objects_whose_live_state_is_unknown_or_absent_are_applied_as_git_says() -> None:
    created, unread = configmap("new", color="blue"), configmap("unread", color="blue")
    rules = [IgnoreRule(IgnoreTarget("ConfigMap"), ("/data/color",))]

    result = ignore_differences([created, unread], {object_id(created): None}, rules)

    assert result[0] is created
    assert result[1] is unread


def test_no_rules_leave_every_object_as_it_is() -> None:
    desired = configmap("c", color="blue")
    live = {ObjectId("", "ConfigMap", "shop", "c"): configmap("c", color="green")}

    assert ignore_differences([desired], live, [])[0] is desired


def test_the_empty_pointer_never_replaces_the_whole_object() -> None:
    desired = configmap("c", color="blue")
    live = {**configmap("c", color="green"), "status": {"phase": "x"}}

    [result] = ignore_differences(
        [desired], {object_id(desired): live}, [IgnoreRule(IgnoreTarget("ConfigMap"), ("",))]
    )

    assert result is desired

"""Which declared fields drifted, and which field managers the live object says changed them.

Table cases are in fixtures/drift_fields.yaml and fixtures/drift_authors.yaml.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.plan.cases import load_cases
from trueup.objects import ObjectId, object_id
from trueup.plan.drift import (
    FieldOwner,
    FieldPath,
    ListKey,
    changed_fields,
    describe,
    drift_authors,
)

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")


def configmap(data: dict[str, str], managed: list[Any] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "settings", "namespace": "shop"}
    if managed is not None:
        metadata["managedFields"] = managed
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def entry(manager: str, time: str | None, fields: dict[str, Any], **more: str) -> dict[str, Any]:
    result: dict[str, Any] = {"manager": manager, "operation": "Update", "fieldsV1": fields}
    if time is not None:
        result["time"] = time
    return {**result, **more}


# changed_fields ------------------------------------------------------------------------


@pytest.mark.parametrize("case", load_cases("drift_fields.yaml"))
def test_only_fields_git_declares_drift(case: dict[str, Any]) -> None:
    changed = changed_fields(case["desired"], case["live"])
    assert [str(path) for path in changed] == case["changed"]


@pytest.mark.parametrize("case", load_cases("drift_fields.yaml"))
def test_finding_changed_fields_leaves_both_objects_untouched(case: dict[str, Any]) -> None:
    desired, live = copy.deepcopy(case["desired"]), copy.deepcopy(case["live"])
    changed_fields(desired, live)
    assert (desired, live) == (case["desired"], case["live"])


def test_an_object_equal_to_what_git_declares_has_no_changed_fields() -> None:
    obj = configmap({"color": "blue"})
    assert changed_fields(obj, copy.deepcopy(obj)) == ()


def test_changed_paths_keep_label_keys_with_dots_whole() -> None:
    desired = {"metadata": {"labels": {"trueup.dev/app": "shop"}}}
    live = {"metadata": {"labels": {"trueup.dev/app": "checkout"}}}
    assert changed_fields(desired, live) == (FieldPath(("metadata", "labels", "trueup.dev/app")),)


def test_list_keys_print_their_values_as_json() -> None:
    path = FieldPath(("spec", "ports", ListKey((("port", 80), ("protocol", "TCP"))), "name"))
    assert str(path) == '.spec.ports[port=80,protocol="TCP"].name'


# drift_authors and describe -------------------------------------------------------------


@pytest.mark.parametrize("case", load_cases("drift_authors.yaml"))
def test_drift_is_credited_to_the_managers_that_now_own_the_fields(case: dict[str, Any]) -> None:
    paths = changed_fields(case["desired"], case["live"])
    authors = drift_authors(case["live"], paths)
    assert [
        {
            "manager": a.manager,
            "operation": a.operation,
            "subresource": a.subresource,
            "time": a.time.strftime("%Y-%m-%dT%H:%M:%SZ") if a.time else None,
            "paths": [str(p) for p in a.paths],
        }
        for a in authors
    ] == case["authors"]
    assert describe(object_id(case["live"]), paths, authors) == case["describe"]


def test_trueups_own_entries_are_never_authors() -> None:
    path = FieldPath(("data", "color"))
    live = configmap(
        {"color": "red"},
        [
            {"manager": "trueup", "operation": "Apply", "fieldsV1": {"f:data": {"f:color": {}}}},
            entry("trueup", "2026-12-02T09:00:00Z", {"f:data": {"f:color": {}}}),
        ],
    )
    assert drift_authors(live, [path]) == ()


def test_another_installation_can_name_its_own_manager() -> None:
    path = FieldPath(("data", "color"))
    live = configmap(
        {"color": "red"},
        [
            entry("trueup", "2026-12-02T08:00:00Z", {"f:data": {"f:color": {}}}),
            entry("trueup-staging", "2026-12-02T09:00:00Z", {"f:data": {"f:color": {}}}),
        ],
    )
    authors = drift_authors(live, [path], own_manager="trueup-staging")
    assert [a.manager for a in authors] == ["trueup"]


def test_managers_without_a_time_come_after_those_with_one() -> None:
    path = FieldPath(("data", "color"))
    owns: dict[str, Any] = {"f:data": {"f:color": {}}}
    live = configmap(
        {"color": "red"},
        [entry("old-tool", None, owns), entry("kubectl-edit", "2026-12-02T07:00:00+00:00", owns)],
    )
    authors = drift_authors(live, [path])
    assert [a.manager for a in authors] == ["kubectl-edit", "old-tool"]
    assert authors[0].time == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert authors[1].time is None


def test_malformed_managed_fields_name_no_author_and_raise_nothing() -> None:
    path = FieldPath(("data", "color"))
    live = configmap(
        {"color": "red"},
        [
            "not an entry",
            entry("a", "yesterday", {"f:data": "not a set"}),
            entry("b", "2026-12-02T07:00:00Z", {}),
            entry("c", "2026-12-02T07:00:00Z", {"f:data": {"k:{broken": {}}}),
            {"manager": "d", "fieldsV1": None},
        ],
    )
    assert drift_authors(live, [path]) == ()
    assert drift_authors({"metadata": "broken"}, [path]) == ()


def test_a_manager_owning_a_keyed_item_whole_owns_the_fields_inside() -> None:
    web = ListKey((("name", "web"),))
    path = FieldPath(("spec", "containers", web, "image"))
    live = {
        "metadata": {
            "managedFields": [
                entry("injector", "2026-12-02T07:00:00Z", {"f:spec": {"f:containers": {}}}),
                entry(
                    "other",
                    "2026-12-02T07:00:00Z",
                    {"f:spec": {"f:containers": {'k:{"name":"x"}': {}}}},
                ),
            ]
        }
    }
    assert [a.manager for a in drift_authors(live, [path])] == ["injector"]


def test_a_field_two_managers_own_is_credited_to_the_newest_in_the_line() -> None:
    color, size = FieldPath(("data", "color")), FieldPath(("data", "size"))
    newer = FieldOwner("kubectl-edit", "Update", "", datetime(2026, 12, 2, 9, tzinfo=UTC), (color,))
    older = FieldOwner("helm", "Apply", "", None, (color, size))
    line = describe(SETTINGS, [color, size], [newer, older])
    assert line == (
        "ConfigMap/shop/settings: .data.color changed by kubectl-edit (Update) at "
        "2026-12-02T09:00:00Z; .data.size changed by helm (Apply)"
    )


def test_a_deletion_is_described_as_leaving_no_record_of_who_did_it() -> None:
    assert describe(SETTINGS, (), (), deleted=True) == (
        "ConfigMap/shop/settings was deleted (the object keeps no record of who deleted it)"
    )


def test_a_drift_without_named_fields_still_names_the_object() -> None:
    assert describe(SETTINGS, (), ()) == "ConfigMap/shop/settings: differs from what Git declares"

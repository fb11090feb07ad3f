"""Stages and deletion order, over the cases in fixtures/order*.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.plan.cases import case_named, load_cases
from trueup.errors import PlanError
from trueup.objects import Origin, object_id
from trueup.plan import deletion_order, plan_stages


@pytest.mark.parametrize("case", load_cases("order.yaml"))
def test_objects_are_grouped_into_stages_in_apply_order(case: dict[str, Any]) -> None:
    stages = plan_stages(case["objects"])
    got = [
        {
            "name": stage.name,
            "wait_established": stage.wait_established,
            "ids": [str(oid) for oid in stage.ids],
        }
        for stage in stages
    ]
    assert got == case["stages"]


@pytest.mark.parametrize("case", load_cases("order.yaml"))
def test_deletion_order_is_exactly_the_reverse_of_apply_order(case: dict[str, Any]) -> None:
    applied = [oid for stage in plan_stages(case["objects"]) for oid in stage.ids]
    deleted = [object_id(obj) for obj in deletion_order(case["objects"])]
    assert deleted == list(reversed(applied))


def test_stage_order_does_not_depend_on_render_order() -> None:
    case = case_named(
        "order.yaml",
        "the remaining kinds follow a stable order with unknown kinds last and ties broken by id",
    )
    forwards = [stage.ids for stage in plan_stages(case["objects"])]
    backwards = [stage.ids for stage in plan_stages(list(reversed(case["objects"])))]
    assert forwards == backwards


@pytest.mark.parametrize("case", load_cases("order_errors.yaml"))
def test_a_malformed_wave_is_refused_naming_the_object_and_its_file(
    case: dict[str, Any],
) -> None:
    obj = case["object"]
    with pytest.raises(PlanError) as raised:
        plan_stages([obj], origins={object_id(obj): Origin(case["origin"])})
    message = str(raised.value)
    assert "Deployment/shop/web" in message
    assert case["origin"] in message
    assert "trueup.dev/sync-wave" in message


def test_a_malformed_wave_on_a_live_object_does_not_block_deletion() -> None:
    live = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "a",
            "namespace": "shop",
            "annotations": {"trueup.dev/sync-wave": "x"},
        },
    }
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    assert deletion_order([namespace, live]) == (live, namespace)

"""Prune decisions and the next inventory, over the cases in fixtures/prune.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.plan.cases import load_cases, parse_id
from trueup.plan import AppRef, PruneAction, PrunePlan, plan_prune

APP = AppRef(name="shop-app", namespace="trueup", installation="i1")
DEFAULT_FLAGS: dict[str, Any] = {
    "prune_enabled": True,
    "render_empty": False,
    "source_ok": True,
    "allow_empty": False,
}


def _plan(case: dict[str, Any]) -> PrunePlan:
    flags = {**DEFAULT_FLAGS, **(case.get("flags") or {})}
    return plan_prune(
        [parse_id(text) for text in case["previous"]],
        [parse_id(text) for text in case["desired"]],
        {parse_id(text): obj for text, obj in case["live"].items()},
        APP,
        holdings={parse_id(text): held for text, held in (case.get("holdings") or {}).items()},
        **flags,
    )


@pytest.mark.parametrize("case", load_cases("prune.yaml"))
def test_prune_deletes_only_what_the_app_owned_and_no_longer_wants(case: dict[str, Any]) -> None:
    plan = _plan(case)
    expect = case["expect"]
    assert [str(oid) for oid in plan.to_delete] == expect["to_delete"]
    assert [str(oid) for oid in plan.gone] == expect["gone"]
    skipped = {str(d.id): d for d in plan.skipped}
    assert sorted(skipped) == sorted(expect["skipped"])
    for text, wanted in expect["skipped"].items():
        assert skipped[text].action is PruneAction(wanted["action"])
        assert wanted["reason"] in skipped[text].reason


@pytest.mark.parametrize("case", load_cases("prune.yaml"))
def test_the_next_inventory_keeps_what_is_ours_and_forgets_what_is_gone(
    case: dict[str, Any],
) -> None:
    plan = _plan(case)
    applied = [parse_id(text) for text in case["desired"]]
    failed = {parse_id(text) for text in case.get("failed_deletes") or []}
    ran = case.get("prune_ran", True)
    deleted = [oid for oid in plan.to_delete if oid not in failed] if ran else []
    inventory = plan.next_inventory(applied, deleted)
    assert sorted(str(oid) for oid in inventory) == sorted(case["next_inventory"])


def test_a_desired_object_that_was_ours_stays_in_the_inventory_when_its_apply_fails() -> None:
    web = parse_id("Deployment.apps/shop/web")
    plan = plan_prune([web], [web], {}, APP, **DEFAULT_FLAGS)
    assert plan.decisions == ()
    assert plan.next_inventory(applied_ids=[], deleted=[]) == (web,)

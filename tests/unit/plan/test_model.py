"""The Plan value: printing, serialising, counting; and the pinned public API."""

from __future__ import annotations

import inspect
import json

import trueup.plan
from trueup.objects import object_id
from trueup.plan import AppRef, Plan, plan_prune, plan_stages

APP = AppRef(name="shop-app", namespace="trueup")
OURS = {"trueup.dev/app": "shop-app", "trueup.dev/app-namespace": "trueup"}


def _plan() -> Plan:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "shop"},
        "stringData": {"password": "canary-plan-4e1d"},
    }
    old = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "old", "namespace": "shop", "labels": OURS},
    }
    stages = plan_stages([secret, namespace])
    ids = [object_id(namespace), object_id(secret)]
    prune = plan_prune(
        [*ids, object_id(old)],
        ids,
        {object_id(old): old},
        APP,
        prune_enabled=True,
        render_empty=False,
        source_ok=True,
        allow_empty=False,
    )
    return Plan(app=APP, stages=stages, prune=prune)


def test_a_plan_counts_its_objects_stages_and_prunes() -> None:
    summary = _plan().summary()
    assert (summary.objects, summary.stages, summary.to_prune) == (2, 2, 1)
    assert str(summary) == "2 objects in 2 stages, 1 to prune"


def test_a_serialised_plan_is_json_with_ids_but_no_object_content() -> None:
    data = _plan().to_dict()
    text = json.dumps(data)
    assert "canary-plan-4e1d" not in text
    assert data["stages"][0] == {
        "name": "cluster",
        "wave": 0,
        "waitEstablished": True,
        "objects": ["Namespace/shop"],
    }
    assert data["prune"] == [
        {"object": "ConfigMap/shop/old", "action": "delete", "reason": "no longer desired"}
    ]


def test_a_printed_plan_lists_every_stage_and_prune_decision() -> None:
    text = str(_plan())
    assert text.splitlines() == [
        "plan for App/trueup/shop-app: 2 objects in 2 stages, 1 to prune",
        "stage cluster (1 object, waited until established)",
        "  Namespace/shop",
        "stage resources (1 object)",
        "  Secret/shop/creds",
        "prune",
        "  ConfigMap/shop/old delete: no longer desired",
    ]


def test_the_public_api_is_pinned() -> None:
    assert set(trueup.plan.__all__) == {
        "MASK",
        "MASK_AFTER",
        "MASK_BEFORE",
        "PRUNE_ANNOTATION",
        "WAVE_ANNOTATION",
        "AdoptionPlan",
        "AppRef",
        "Claim",
        "DependencyState",
        "IgnoreRule",
        "IgnoreTarget",
        "IsNamespaced",
        "Ownership",
        "Phase",
        "Plan",
        "PlanSummary",
        "PruneAction",
        "PruneDecision",
        "PrunePlan",
        "Stage",
        "cascades",
        "check_installation_id",
        "claim_of",
        "deletion_order",
        "dependency_refusal",
        "deletion_order_of_ids",
        "comparable",
        "differs",
        "foreign_held",
        "ignore_differences",
        "is_owned_by",
        "keep_when_dropped",
        "leave_alone",
        "mask_secret",
        "mask_secret_pair",
        "normalize",
        "owner_of",
        "plan_adoption",
        "plan_prune",
        "plan_stages",
        "prepare",
        "sync_wave",
        "to_yaml",
        "unified_diff",
        "why_not_ready",
    }
    for name in trueup.plan.__all__:
        value = getattr(trueup.plan, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__doc__, f"{name} needs a docstring"

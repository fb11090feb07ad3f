"""Plan: the pure step between render and apply.

Desired objects are prepared (validated, namespaced, labelled), given the live values of
the fields an App ignores, ordered into stages, compared with live objects after a server
dry-run, diffed for people with Secret values masked, and set against the previous
inventory to decide what to prune. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

from trueup.plan.adoption import AdoptionPlan, plan_adoption
from trueup.plan.compare import differs
from trueup.plan.dependencies import DependencyState, dependency_refusal, why_not_ready
from trueup.plan.diff import comparable, to_yaml, unified_diff
from trueup.plan.ignore import IgnoreRule, IgnoreTarget, ignore_differences
from trueup.plan.mask import MASK, MASK_AFTER, MASK_BEFORE, mask_secret, mask_secret_pair
from trueup.plan.model import Plan, PlanSummary
from trueup.plan.normalize import normalize
from trueup.plan.opt_outs import keep_when_dropped, leave_alone
from trueup.plan.order import (
    WAVE_ANNOTATION,
    Phase,
    deletion_order,
    deletion_order_of_ids,
    plan_stages,
    sync_wave,
)
from trueup.plan.ownership import (
    AppRef,
    Claim,
    Ownership,
    check_installation_id,
    claim_of,
    is_owned_by,
    owner_of,
)
from trueup.plan.prepare import IsNamespaced, prepare
from trueup.plan.prune import (
    PRUNE_ANNOTATION,
    PruneAction,
    PruneDecision,
    PrunePlan,
    cascades,
    foreign_held,
    plan_prune,
)
from trueup.plan.stage import Stage

__all__ = [
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
    "comparable",
    "deletion_order",
    "deletion_order_of_ids",
    "dependency_refusal",
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
]

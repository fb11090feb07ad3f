"""Helm hooks as the plan layer sees them: phases, order, delete policies, when they run."""

from __future__ import annotations

from typing import Any

import pytest

from trueup.objects import Origin
from trueup.plan.hooks import (
    BEFORE_HOOK_CREATION,
    HOOK_SUCCEEDED,
    Hook,
    HookPhase,
    delete_policies,
    hooks_due,
    hooks_of,
    unsupported_events,
)


def hook(
    kind: str,
    name: str,
    *events: str,
    weight: int = 0,
    policies: tuple[str, ...] = (),
    api_version: str = "v1",
) -> Hook:
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}
    return Hook(obj, Origin(f"chart/templates/{name}.yaml"), events, weight, policies)


def names(hooks: tuple[Hook, ...]) -> list[str]:
    return [h.obj["metadata"]["name"] for h in hooks]


def test_install_and_upgrade_hooks_run_in_their_phase_and_a_hook_of_both_kinds_once() -> None:
    both = hook("ConfigMap", "both", "pre-install", "pre-upgrade")
    upgrade = hook("ConfigMap", "upgrade", "pre-upgrade")
    after = hook("ConfigMap", "after", "post-install", "post-upgrade")
    hooks = [after, upgrade, both]

    assert names(hooks_of(hooks, HookPhase.PRE)) == ["both", "upgrade"]
    assert names(hooks_of(hooks, HookPhase.POST)) == ["after"]
    assert both.label == "pre-install,pre-upgrade hook"


def test_hooks_run_by_weight_then_kind_order_then_name() -> None:
    job = hook("Job", "a-migrate", "pre-install", api_version="batch/v1")
    config = hook("ConfigMap", "z-config", "pre-install")
    account = hook("ServiceAccount", "m-account", "pre-install")
    first = hook("Job", "late-name", "pre-install", weight=-5, api_version="batch/v1")
    last = hook("ConfigMap", "a-last", "pre-install", weight=3)
    second = hook("ConfigMap", "b-config", "pre-install")

    ordered = hooks_of([job, config, account, first, last, second], HookPhase.PRE)

    assert names(ordered) == [
        "late-name",
        "m-account",
        "b-config",
        "z-config",
        "a-migrate",
        "a-last",
    ]


@pytest.mark.parametrize(
    ("events", "refused"),
    [
        (("pre-install",), ()),
        (("post-upgrade", "pre-upgrade"), ()),
        (("pre-delete",), ("pre-delete",)),
        (("post-delete",), ("post-delete",)),
        (("pre-install", "pre-rollback"), ("pre-rollback",)),
        (("post-rollback",), ("post-rollback",)),
        (("crd-install",), ("crd-install",)),
    ],
)
def test_only_install_and_upgrade_hooks_are_supported(
    events: tuple[str, ...], refused: tuple[str, ...]
) -> None:
    assert unsupported_events(events) == refused


def test_before_hook_creation_is_the_default_delete_policy() -> None:
    assert delete_policies(hook("ConfigMap", "a", "pre-install")) == {BEFORE_HOOK_CREATION}
    given = hook("Job", "b", "pre-install", policies=(HOOK_SUCCEEDED,))
    assert delete_policies(given) == {HOOK_SUCCEEDED}


def test_hooks_run_unless_the_same_revision_already_succeeded_and_nothing_changed() -> None:
    hooks = [hook("ConfigMap", "a", "pre-install")]
    rev, old = "main@sha1:" + "b" * 40, "main@sha1:" + "a" * 40

    assert hooks_due(rev, None, unchanged=False, hooks=hooks)  # the first sync
    assert hooks_due(rev, None, unchanged=True, hooks=hooks)  # nothing succeeded yet
    assert hooks_due(rev, old, unchanged=True, hooks=hooks)  # a new revision
    assert hooks_due(rev, rev, unchanged=False, hooks=hooks)  # objects changed (self-heal)
    assert not hooks_due(rev, rev, unchanged=True, hooks=hooks)  # a sync that changes nothing
    assert not hooks_due(rev, None, unchanged=False, hooks=[])  # no hooks at all

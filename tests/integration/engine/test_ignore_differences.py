"""``spec.ignoreDifferences`` on the dev-cluster: a Deployment keeps ``replicas: 1`` in Git as
its initial value, ``kubectl scale`` changes it, and trueup neither reports nor reverts that,
whether the rule names the field by JSON pointer or by the manager that wrote it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.engine.helpers import APP, PATH, World, deployment, manifest

pytestmark = pytest.mark.cluster

TARGET = {"kind": "Deployment", "name": "web"}
SCALE_MANAGER = "kubectl"
"""The field manager ``kubectl scale`` (v1.32) records, on the ``scale`` subresource."""


def replicas(world: World) -> int:
    """The live Deployment's ``spec.replicas``."""
    live = world.live("deployment", "web")
    assert live is not None
    count: int = live["spec"]["replicas"]
    return count


def action_of_web(world: World, report: dict[str, Any]) -> str:
    """The action of the web Deployment in a ``sync -o json`` report."""
    wanted = f"Deployment/{world.namespace}/web"
    [action] = [c["action"] for c in report["changes"] if c["object"] == wanted]
    return str(action)


@pytest.mark.parametrize(
    "rule",
    [
        {"target": TARGET, "jsonPointers": ["/spec/replicas"]},
        {"target": TARGET, "managedFieldsManagers": [SCALE_MANAGER]},
    ],
    ids=["by JSON pointer", "by field manager"],
)
def test_a_deployment_scaled_by_hand_is_neither_reported_nor_scaled_back_when_ignored(
    world: World, rule: dict[str, Any]
) -> None:
    world.write_config(app={"ignoreDifferences": [rule]})
    world.sync()
    assert replicas(world) == 1  # Git's value is the initial value
    world.kubectl("scale", "deployment/web", "--replicas=3")
    live = world.live("deployment", "web")
    assert live is not None
    managers = {(m["manager"], m.get("subresource")) for m in live["metadata"]["managedFields"]}
    assert (SCALE_MANAGER, "scale") in managers

    drift = world.cli("diff", APP)
    assert (drift.code, drift.stdout.strip()) == (0, ""), str(drift)
    report = world.sync("-o", "json").json()
    assert action_of_web(world, report) == "unchanged"
    assert replicas(world) == 3

    # A change Git makes to another field is applied, and the count stays.
    image = "example.invalid/web:2"
    world.commit("New image", {f"{PATH}/deployment.yaml": manifest(deployment(image=image))})
    report = world.sync("-o", "json").json()
    assert action_of_web(world, report) == "configured"
    live = world.live("deployment", "web")
    assert live is not None
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == image
    assert live["spec"]["replicas"] == 3
    after = world.cli("diff", APP)
    assert (after.code, after.stdout.strip()) == (0, ""), str(after)


def test_without_a_rule_a_deployment_scaled_by_hand_is_reported_and_scaled_back(
    world: World,
) -> None:
    world.sync()
    world.kubectl("scale", "deployment/web", "--replicas=3")

    drift = world.cli("diff", APP)
    assert drift.code == 1, str(drift)
    assert "-  replicas: 3" in drift.stdout
    report = world.sync("-o", "json").json()

    assert action_of_web(world, report) == "configured"
    assert replicas(world) == 1

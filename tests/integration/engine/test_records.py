"""Honest records on the dev-cluster: a failed wait is a failure everywhere, an App stays
on its own target, and ``status`` and ``history`` cover every App and say how old they are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.integration.engine.helpers import (
    APP,
    PATH,
    Run,
    World,
    deployment,
    manifest,
    run_trueup,
    trueup_argv,
)

pytestmark = pytest.mark.cluster


def unschedulable(replicas: int = 3) -> str:
    """Deployment web whose pods ask for a node that does not exist: it never becomes ready."""
    obj = deployment(replicas=replicas)
    obj["spec"]["template"]["spec"]["nodeSelector"] = {"trueup.dev/test": "no-such-node"}
    return manifest(obj)


def renamed_context(world: World, name: str) -> Path:
    """A copy of the dev-cluster's kubeconfig whose one context is called ``name``."""
    config = yaml.safe_load(world.kube.kubeconfig.read_text())
    [context] = config["contexts"]
    context["name"] = name
    config["current-context"] = name
    path = world.home / f"{name}.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def trueup_with(world: World, kubeconfig: Path, *args: str) -> Run:
    """``trueup ARGS`` with this world's config and store but another kubeconfig."""
    argv = trueup_argv(
        "--config", str(world.config), "--store", str(world.store), "--kubeconfig", str(kubeconfig)
    )
    return run_trueup([*argv, *args], world.env())


def test_a_wait_that_times_out_exits_1_and_is_recorded_as_a_timeout_failure(
    world: World,
) -> None:
    world.write_config(app={"timeout": "3s"})
    world.commit("Ask for a node that does not exist", {f"{PATH}/deployment.yaml": unschedulable()})

    run = world.cli("sync", APP, "--wait")

    assert run.code == 1, str(run)
    pattern = (
        rf"timed out after 3s waiting for Deployment/{world.namespace}/web "
        r"\(Progressing: [^)]*\); raise --timeout or spec.timeout"
    )
    assert re.search(pattern, run.stderr), str(run)
    [attempt] = world.cli("history", APP, "-o", "json").json()
    assert (attempt["result"], attempt["reason"]) == ("failed", "timeout")
    assert re.fullmatch(pattern, attempt["error"])
    [status] = world.cli("status", "-o", "json").json()
    assert status["error"] == attempt["error"]
    assert status["health"] == "Progressing"
    assert status["reason"] == "timeout"


def test_an_app_synced_to_one_context_is_refused_on_another_context_of_the_same_cluster(
    world: World,
) -> None:
    world.sync()
    [first] = world.cli("history", APP, "-o", "json").json()
    assert first["target"].endswith(f"@{world.kube.server}")
    before = world.cli("status", "-o", "json").json()
    other = renamed_context(world, "another-name")

    run = trueup_with(world, other, "sync", APP)

    assert run.code == 2, str(run)  # refused before anything ran
    assert f"App/{APP} is applied to {first['target']}" in run.stderr
    assert f"this command targets another-name@{world.kube.server}" in run.stderr
    assert [a["id"] for a in world.cli("history", APP, "-o", "json").json()] == [first["id"]]
    after = world.cli("status", "-o", "json").json()
    assert after == before, "the override changed nothing of the App's own target"
    diff = trueup_with(world, other, "diff", APP)
    assert diff.code == 2, str(diff)
    table = world.cli("history", APP)
    assert "TARGET" in table.stdout
    assert first["target"] in table.stdout


def test_status_lists_every_app_invalid_and_suspended_ones_too_and_one_app_on_request(
    world: World,
) -> None:
    world.sync()
    documents = world.documents()
    app = documents[-1]
    documents += [
        {**app, "metadata": {"name": "paused"}, "spec": {**app["spec"], "suspend": True}},
        {**app, "metadata": {"name": "broken"}, "spec": {**app["spec"], "prune": "maybe"}},
    ]
    world.config.write_text(yaml.safe_dump_all(documents))

    rows = {row["app"]: row for row in world.cli("status", "-o", "json").json()}

    assert list(rows) == ["broken", "paused", APP]
    assert rows["broken"]["sync"] == "Invalid"
    assert "App/broken" in rows["broken"]["error"]
    assert "spec.prune" in rows["broken"]["error"]
    assert rows["paused"]["sync"] == "Suspended"
    assert rows[APP]["sync"] == "Synced"
    one = world.cli("status", APP, "-o", "json")
    assert [row["app"] for row in one.json()] == [APP], str(one)
    unknown = world.cli("status", "nope")
    assert unknown.code == 2, str(unknown)
    assert "App/nope is not in the configuration (apps: broken, paused, web)" in unknown.stderr


def test_history_of_an_unknown_app_exits_2_listing_the_known_apps(world: World) -> None:
    world.sync()

    run = world.cli("history", "nope")

    assert run.code == 2, str(run)
    assert "App/nope is not in the configuration (apps: web)" in run.stderr
    assert "Traceback" not in run.output


def test_status_says_when_it_last_compared_and_live_compares_now(world: World) -> None:
    world.sync()
    [synced] = world.cli("status", "-o", "json").json()
    assert synced["sync"] == "Synced"
    world.kubectl("patch", "configmap", "settings", "-p", '{"data":{"color":"red"}}')

    [recorded] = world.cli("status", "-o", "json").json()
    assert recorded == synced, "without --live, status shows what was recorded"

    [live] = world.cli("status", APP, "--live", "-o", "json").json()
    assert live["sync"] == "OutOfSync"
    assert live["confirmedAt"] > synced["confirmedAt"]
    [again] = world.cli("status", "-o", "json").json()
    assert (again["sync"], again["confirmedAt"]) == ("OutOfSync", live["confirmedAt"])
    table = world.cli("status").stdout
    assert "CONFIRMED (UTC)" in table
    assert len(world.cli("history", APP, "-o", "json").json()) == 1, "a diff is not an attempt"

"""``trueup rollback APP --to REVISION`` without a daemon: the App is synced at the old
revision and stays there (new commits wait, drift is put back towards it) until
``trueup resume``; status says so, and history records who asked."""

from __future__ import annotations

import pytest

from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster


def settings(color: str) -> dict[str, str | None]:
    return {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": color}))}


def color(world: World) -> str:
    live = world.live("configmap", "settings")
    assert live is not None
    return str(live["data"]["color"])


def test_a_pinned_app_stays_at_its_revision_until_resumed(world: World) -> None:
    world.sync()
    old = world.commit("Red", settings("red"))
    world.sync()
    world.commit("Green", settings("green"))
    world.sync()
    assert color(world) == "green"

    run = world.cli("rollback", APP, "--to", old[:8], "--reason", "green breaks checkout")

    assert run.code == 0, str(run)
    assert f"App/{APP} pinned at main@sha1:{old[:12]}" in run.stdout
    assert color(world) == "red"
    [last, *_] = world.cli("history", APP, "-o", "json").json()
    assert last["revision"] == world.revision(old)
    assert last["trigger"].startswith("cli:")
    assert last["result"] == "succeeded"
    events = world.cli("events", APP, "-o", "json")
    [event] = [e for e in events.json() if e["reason"] == "app.rolledback"]
    assert (event["revision"], event["fields"]["mode"]) == (world.revision(old), "pin")
    assert event["fields"]["by"] == last["trigger"]

    head = world.commit("Blue", settings("blue"))
    world.sync()  # a sync of a pinned App applies its pin, not the new commit
    assert color(world) == "red"

    world.kubectl("patch", "configmap", "settings", "-p", '{"data":{"color":"pink"}}')
    world.sync()
    assert color(world) == "red"

    [row] = world.cli("status", APP, "-o", "json").json()
    assert row["sync"] == "OutOfSync"
    assert row["revision"] == world.revision(old)
    assert f"Pinned at {world.revision(old)} by cli:" in row["error"]
    assert "green breaks checkout" in row["error"]
    assert f"Git is at {world.revision(head)}" in row["error"]

    resumed = world.cli("resume", APP)
    assert resumed.code == 0, str(resumed)
    assert f"App/{APP} unpinned" in resumed.stdout
    world.sync()
    assert color(world) == "blue"
    [row] = world.cli("status", APP, "-o", "json").json()
    assert (row["sync"], row["revision"]) == ("Synced", world.revision(head))
    assert "Pinned" not in row["error"]


def test_a_revision_the_app_never_applied_is_refused_saying_where_to_look(world: World) -> None:
    world.sync()
    never = world.commit("Red", settings("red"))

    for wanted in (never, never[:7], "main", "abc"):
        run = world.cli("rollback", APP, "--to", wanted)
        assert run.code == 2, str(run)
        assert f"trueup history {APP}" in run.stderr
    assert color(world) == "blue"
    [row] = world.cli("status", APP, "-o", "json").json()
    assert "Pinned" not in row["error"]


def test_yes_without_revert_is_refused(world: World) -> None:
    world.sync()
    [applied] = world.cli("history", APP, "-o", "json").json()

    run = world.cli("rollback", APP, "--to", applied["revision"], "--yes")

    assert run.code == 2, str(run)
    assert "only --revert asks for confirmation" in run.stderr

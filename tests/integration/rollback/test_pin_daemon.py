"""Rollback in pin mode through a running ``trueup serve``: the CLI goes through the API
(``POST /api/apps/{name}/rollback``, operators only); the daemon keeps the App at the pin
while its source moves, puts drift back towards the pin, and follows Git again once
resumed."""

from __future__ import annotations

import pytest

from tests.integration.daemon.serving import Served
from tests.integration.daemon.test_api import OPERATOR, VIEWER, call, configure
from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster

REFRESH = "/api/sources/-/deploy/refresh"


def settings(color: str) -> dict[str, str | None]:
    return {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": color}))}


def color(world: World) -> str:
    live = world.live("configmap", "settings")
    assert live is not None
    return str(live["data"]["color"])


def moved_to(served: Served, sha: str, mark: int) -> None:
    """Poll the source now, and wait for the daemon to say it moved to ``sha``."""
    assert call(served, "POST", REFRESH, OPERATOR).status_code == 202
    served.wait_for(
        lambda e: e["event"] == "source.moved" and e.get("revision", "").endswith(sha),
        f"the source moving to {sha}",
        after=mark,
    )


def test_a_rollback_through_the_daemon_holds_the_pin_until_resumed(world: World) -> None:
    old = world.commit("Red", settings("red"))
    configure(world)  # autoSync and selfHeal on; polls once an hour unless refreshed
    token = world.home / "ops.token"
    token.write_text(OPERATOR)
    served = Served(world)
    try:
        served.reconciled()
        mark = served.mark()
        new = world.commit("Green", settings("green"))
        moved_to(served, new, mark)
        served.reconciled(after=mark)
        assert color(world) == "green"

        path = f"/api/apps/{APP}/rollback"
        viewer = call(served, "POST", path, VIEWER, json={"revision": old})
        assert viewer.status_code == 403
        unknown = call(served, "POST", path, OPERATOR, json={"revision": "0badc0de"})
        assert unknown.status_code == 400
        assert f"trueup history {APP}" in unknown.json()["error"]["message"]
        assert color(world) == "green"

        mark = served.mark()
        run = world.cli("--token-file", str(token), "rollback", APP, "--to", old, "-o", "json")

        assert run.code == 0, str(run)
        answer = run.json()
        assert (answer["mode"], answer["revision"]) == ("pin", world.revision(old))
        assert answer["by"] == "api:ops"
        assert answer["report"]["failure"] is None
        assert color(world) == "red"
        event = served.wait_for(
            lambda e: e["event"] == "app.rolledback", "the rollback event", after=mark
        )
        assert (event["revision"], event["mode"], event["by"]) == (
            world.revision(old),
            "pin",
            "api:ops",
        )
        history = call(served, "GET", f"/api/apps/{APP}/history", VIEWER).json()["items"]
        assert (history[0]["revision"], history[0]["trigger"]) == (world.revision(old), "api:ops")

        mark = served.mark()
        head = world.commit("Blue", settings("blue"))
        moved_to(served, head, mark)
        world.kubectl("patch", "configmap", "settings", "-p", '{"data":{"color":"pink"}}')
        served.wait_for(lambda e: e["event"] == "app.drifted", "the drift", after=mark)
        served.reconciled(after=mark, trigger="daemon:drift")
        assert color(world) == "red"
        summary = call(served, "GET", f"/api/apps/{APP}", VIEWER).json()["app"]
        assert summary["sync"] == "OutOfSync"
        assert f"Pinned at {world.revision(old)} by api:ops" in summary["error"]
        assert f"Git is at {world.revision(head)}" in summary["error"]
        status = world.cli("--token-file", str(token), "status", APP, "-o", "json")
        assert status.json()[0]["sync"] == "OutOfSync"

        mark = served.mark()
        resumed = world.cli("--token-file", str(token), "resume", APP)
        assert resumed.code == 0, str(resumed)
        assert f"App/{APP} unpinned" in resumed.stdout
        served.wait_for(lambda e: e["event"] == "app.resumed", "the unpinning", after=mark)
        served.reconciled(after=mark, trigger="daemon:resume")
        assert color(world) == "blue"
        summary = call(served, "GET", f"/api/apps/{APP}", VIEWER).json()["app"]
        assert (summary["sync"], summary["revision"]) == ("Synced", world.revision(head))
    finally:
        served.stop()

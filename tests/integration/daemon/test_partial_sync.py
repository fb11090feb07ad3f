"""A sync of named objects through a running ``trueup serve``: ``trueup sync --object``
goes through the API with an operator's token, as does ``POST …/sync`` with ``objects``."""

from __future__ import annotations

import pytest

from tests.integration.daemon.serving import Served
from tests.integration.daemon.test_api import OPERATOR, VIEWER, call, configure
from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster


def test_a_sync_of_one_object_through_the_daemon_applies_it_alone(world: World) -> None:
    pair = manifest(configmap("a", {"v": "1"}), configmap("b", {"v": "1"}))
    world.commit("Two settings", {f"{PATH}/pair.yaml": pair})
    configure(world, autoSync=False)  # the daemon only compares: nothing is applied by it
    token = world.home / "ops.token"
    token.write_text(OPERATOR)
    served = Served(world)
    try:
        served.wait_for(lambda e: e["event"] == "app.outofsync", "out of sync")
        named = f"ConfigMap/{world.namespace}/a"

        run = world.cli("--token-file", str(token), "sync", APP, "--object", named, "-o", "json")

        assert run.code == 0, str(run)
        assert run.json()["summary"] == f"only {named}: 1 created"
        assert world.live("configmap", "a") is not None
        assert world.live("configmap", "b") is None
        history = call(served, "GET", f"/api/apps/{APP}/history", VIEWER).json()["items"]
        assert (history[0]["only"], history[0]["trigger"]) == ([named], "api:ops")
        summary = call(served, "GET", f"/api/apps/{APP}", VIEWER).json()["app"]
        assert summary["sync"] == "OutOfSync"

        path = f"/api/apps/{APP}/sync"
        missing = f"ConfigMap/{world.namespace}/nope"
        refused = call(served, "POST", path, OPERATOR, json={"objects": [missing]})
        assert refused.status_code == 200, refused.text
        assert refused.json()["failure"]["reason"] == "config"
        assert f"does not render {missing}" in refused.json()["failure"]["message"]
        viewer = call(served, "POST", path, VIEWER, json={"objects": [named]})
        assert viewer.status_code == 403
        bad = call(served, "POST", path, OPERATOR, json={"objects": ["nope"]})
        assert bad.status_code == 400
        assert "objects: 'nope' does not name an object" in bad.json()["error"]["message"]
        assert world.live("configmap", "b") is None
    finally:
        served.stop()

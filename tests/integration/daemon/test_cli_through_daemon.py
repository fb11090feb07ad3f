"""The CLI beside a running ``trueup serve``: ``status``, ``history``, ``sync``, ``suspend``
and ``resume`` find the daemon next to the store and go through its API, so a person sees
what the daemon sees; ``--server`` names one, and a wrong one is a clear error."""

from __future__ import annotations

import socket

import pytest

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import APP, World
from trueup.cli.discovery import servers_folder

pytestmark = pytest.mark.cluster

STATUS_KEYS = (
    "app",
    "target",
    "revision",
    "sync",
    "health",
    "lastSync",
    "confirmedAt",
    "reason",
    "nextReconcile",
    "error",
)


def test_status_and_history_through_the_daemon_are_the_api_s_view(world: World) -> None:
    write_config(world, source={"interval": "1s"})
    served = Served(world)
    try:
        served.reconciled()
        [announced] = servers_folder(world.store).glob("*.json")
        assert served.url.rsplit(":", 1)[1] in announced.read_text()

        status = world.cli("status", "-o", "json").json()
        api = served.get("/api/apps").json()["items"]
        history = world.cli("history", APP, "-o", "json").json()
        api_history = served.get(f"/api/apps/{APP}/history").json()["items"]
        table = world.cli("history", APP)

        assert status == [{key: row[key] for key in STATUS_KEYS} for row in api]
        assert status[0]["sync"] == "Synced"
        assert history == api_history[: len(history)]
        assert history[0]["commit"]["subject"] == "Add the web app"
        assert "Add the web app" in table.stdout
        live = world.cli("status", "--live", "-o", "json").json()
        assert live[0]["sync"] == "Synced"
        assert live[0]["confirmedAt"] >= status[0]["confirmedAt"], "compared again"
        unknown = world.cli("history", "nope")
        assert unknown.code == 2, str(unknown)
        assert "App/nope is not in the configuration" in unknown.stderr, "the store answers"
    finally:
        served.stop()
    assert list(servers_folder(world.store).glob("*.json")) == [], "withdrawn on stop"


def test_actions_go_through_the_daemon_and_are_recorded_as_its_api_s(world: World) -> None:
    write_config(world, source={"interval": "1h"})
    served = Served(world)
    try:
        served.reconciled()
        suspended = world.cli("suspend", APP, "--reason", "freeze")
        assert suspended.code == 0, str(suspended)
        status = world.cli("status", APP, "-o", "json").json()[0]
        assert status["sync"] == "Suspended"
        assert "suspended by api:" in status["error"]
        resumed = world.cli("resume", APP)
        assert (resumed.code, resumed.stdout.strip()) == (0, f"App/{APP} resumed"), str(resumed)

        synced = world.cli("sync", APP, "-o", "json")
        assert synced.code == 0, str(synced)
        assert synced.json()["app"] == APP
        assert world.cli("history", APP, "-o", "json").json()[0]["trigger"].startswith("api:")

        refused = world.cli("sync", APP, "--wait")
        assert refused.code == 2, str(refused)
        assert "--wait/--no-wait" in refused.stderr
        assert "Traceback" not in refused.output
    finally:
        served.stop()


def test_a_wrong_server_url_is_a_clear_error_and_no_fallback(world: World) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        for args in (("status",), ("history", APP), ("sync", APP)):
            run = world.cli("--server", url, *args)
            assert run.code == 2, str(run)
            assert f"--server {url} does not answer" in run.stderr
            assert "Traceback" not in run.output
    world.sync()  # without a daemon the CLI works on the store and the cluster as before
    assert world.cli("history", APP, "-o", "json").json()[0]["trigger"].startswith("cli:")

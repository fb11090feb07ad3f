"""Drift on a running ``trueup serve``: seen through the shared watches within seconds,
reverted with selfHeal, only reported without it, attributed to the field manager that made
it; changes that are not drift trigger nothing; a writer that keeps fighting is reported once.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import APP, PATH, World, deployment, manifest

pytestmark = pytest.mark.cluster


def color(world: World) -> str | None:
    live = world.live("configmap", "settings")
    return live["data"]["color"] if live else None


def edit_color(world: World, value: str, manager: str = "kubectl-edit") -> None:
    world.kubectl(
        "patch",
        "configmap",
        "settings",
        f"--field-manager={manager}",
        "-p",
        f'{{"data":{{"color":"{value}"}}}}',
    )


def test_a_change_by_hand_is_reverted_within_seconds_and_its_author_named(world: World) -> None:
    write_config(world, source={"interval": "1h"}, app={"interval": "1h"})
    served = Served(world)
    try:
        served.reconciled()
        served.wait_for(lambda e: e["event"] == "daemon.listening", "the listener")
        mark = served.mark()
        edit_color(world, "red")
        drifted = served.wait_for(lambda e: e["event"] == "app.drifted", "the drift", after=mark)
        assert "ConfigMap/" in drifted["message"]
        assert ".data.color" in drifted["message"]
        assert "kubectl-edit" in drifted["message"]
        assert drifted["message"].endswith("; reverted")
        served.reconciled(after=mark, trigger="daemon:drift")
        assert color(world) == "blue"
        metrics = served.get("/metrics").text
        assert f'trueup_drift_events_total{{app="{APP}"}} 1.0' in metrics
    finally:
        served.stop()


def test_a_deleted_object_is_drift_and_comes_back(world: World) -> None:
    write_config(world, source={"interval": "1h"}, app={"interval": "1h"})
    served = Served(world)
    try:
        served.reconciled()
        mark = served.mark()
        world.kubectl("delete", "service", "web")
        drifted = served.wait_for(lambda e: e["event"] == "app.drifted", "the deletion", after=mark)
        assert "Service/" in drifted["message"]
        assert "deleted" in drifted["message"]
        served.reconciled(after=mark, trigger="daemon:drift")
        assert world.names("service") == {"web"}
    finally:
        served.stop()


def test_without_self_heal_drift_is_reported_and_left_in_place(world: World) -> None:
    write_config(world, source={"interval": "1h"}, app={"interval": "1h", "selfHeal": False})
    served = Served(world)
    try:
        served.reconciled()
        mark = served.mark()
        edit_color(world, "red", manager="kubectl-patch")
        drifted = served.wait_for(lambda e: e["event"] == "app.drifted", "the drift", after=mark)
        assert "kubectl-patch" in drifted["message"]
        assert "not reverted" in drifted["message"]
        served.wait_for(lambda e: e["event"] == "app.outofsync", "out of sync", after=mark)
        status = world.cli("status", APP, "-o", "json").json()[0]
        assert status["sync"] == "Drifted (1 object)", status
        assert color(world) == "red"
    finally:
        served.stop()


def test_a_writer_of_a_field_git_does_not_declare_triggers_nothing(world: World) -> None:
    no_replicas = deployment()
    del no_replicas["spec"]["replicas"]
    world.commit("No replicas", {f"{PATH}/deployment.yaml": manifest(no_replicas)})
    write_config(world, source={"interval": "1h"}, app={"interval": "1h"})
    served = Served(world)
    try:
        served.reconciled()
        mark = served.mark()
        world.kubectl("scale", "deployment", "web", "--replicas=3")  # as an HPA would
        edit_color(world, "red")  # a real drift afterwards, to know the first was judged
        served.wait_for(lambda e: e["event"] == "app.drifted", "the later drift", after=mark)
        later = [e for e in served.events[mark:] if e["event"] == "app.drifted"]
        assert all("Deployment/" not in e["message"] for e in later), later
        assert world.kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}") == "3"
    finally:
        served.stop()
    history = world.cli("history", APP, "-o", "json").json()
    changed = [
        change["object"]
        for attempt in history
        if attempt["trigger"] == "daemon:drift"
        for change in attempt["changes"]
        if change["action"] != "unchanged"
    ]
    assert changed == [f"ConfigMap/{world.namespace}/settings"], served.log()


def test_a_writer_that_keeps_changing_a_field_is_reported_once_and_not_fought_in_a_loop(
    world: World,
) -> None:
    write_config(world, source={"interval": "1h"}, app={"interval": "1h"})
    served = Served(world)
    stop = threading.Event()

    def fight() -> None:  # a controller that rewrites the field whenever it differs
        while not stop.is_set():
            if color(world) != "fighter":
                edit_color(world, "fighter", manager="fighting-controller")
            time.sleep(0.2)

    fighter = threading.Thread(target=fight, daemon=True)
    try:
        served.reconciled()
        mark = served.mark()
        fighter.start()
        served.wait_for(lambda e: e["event"] == "app.drift-fight", "the fight", after=mark)
        fights_at = served.mark()
        time.sleep(10)
        events = served.events[mark:]
    finally:
        stop.set()
        fighter.join(timeout=30)
        served.stop()
    fights = [e for e in events if e["event"] == "app.drift-fight"]
    assert len(fights) == 1, fights
    assert "fighting-controller" in " ".join(
        e["message"] for e in events if e["event"] == "app.drifted"
    )
    reverts_after = [e for e in served.events[fights_at:] if e["event"] == "app.drifted"]
    # Backing off: a handful of reverts in ten seconds, not one every 0.2 s.
    assert len(reverts_after) <= 6, len(reverts_after)

"""``trueup serve`` end to end: the dev-cluster, a real HTTPS Git server, the CLI beside it."""

from __future__ import annotations

import signal
import sqlite3

import pytest

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import (
    APP,
    PATH,
    World,
    configmap,
    deployment,
    manifest,
)
from tests.servers.git_http import Fault, GitHttpServer

pytestmark = pytest.mark.cluster


def color(world: World) -> str | None:
    live = world.live("configmap", "settings")
    return live["data"]["color"] if live else None


def test_serve_applies_each_new_commit_and_stops_cleanly_on_sigterm(world: World) -> None:
    write_config(world, source={"interval": "1s"})
    served = Served(world)
    try:
        first = served.reconciled()
        assert first["trigger"] == "daemon:start"
        assert world.names("deployment") == {"web"}
        assert served.get("/healthz").status_code == 200
        assert served.get("/readyz").status_code == 200
        mark = served.mark()
        sha = world.commit(
            "Green", {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "green"}))}
        )
        moved = served.reconciled(after=mark, trigger="daemon:revision")
        assert moved["revision"] == world.revision(sha)
        assert color(world) == "green"
        metrics = served.get("/metrics").text
        assert f'trueup_reconciles_total{{app="{APP}",result="succeeded"}} 2.0' in metrics
        assert "trueup_source_fetch_duration_seconds_count" in metrics
        assert 'trueup_kubernetes_requests_total{code="200",method="PATCH"}' in metrics
        planned = world.cli("status", APP, "-o", "json").json()[0]
        assert planned["nextReconcile"] > moved["time"], planned  # the daemon's next run
    finally:
        code = served.stop(signal.SIGTERM)
    assert code == 0, served.log()
    assert world.cli("status", APP, "-o", "json").json()[0]["nextReconcile"] == ""
    assert '"event":"daemon.stopped"' in served.log()
    history = world.cli("history", APP, "-o", "json").json()
    assert [h["trigger"] for h in history] == ["daemon:revision", "daemon:start"]


def test_suspend_and_resume_reach_a_running_daemon(world: World) -> None:
    write_config(world, source={"interval": "1s"})
    served = Served(world)
    try:
        served.reconciled()
        suspended = world.cli("suspend", APP, "--reason", "change freeze")
        assert suspended.code == 0, str(suspended)
        served.wait_for(lambda e: e["event"] == "app.suspended", "the suspension")
        mark = served.mark()
        world.commit(
            "Red", {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "red"}))}
        )
        served.wait_for(lambda e: e["event"] == "source.moved", "the new revision", after=mark)
        served.wait_for(lambda e: e["event"] == "reconcile.skipped", "a skip", after=mark)
        assert color(world) == "blue"
        status = world.cli("status", APP, "-o", "json").json()
        assert status[0]["sync"] == "Suspended", status
        assert "suspended by api:" in status[0]["error"], "the CLI went through the daemon"
        assert "change freeze" in status[0]["error"]
        refused = world.cli("sync", APP)
        assert refused.code == 2, str(refused)
        assert "`trueup resume web`" in refused.stderr
        mark = served.mark()
        assert world.cli("resume", APP).code == 0
        served.reconciled(after=mark, trigger="daemon:resume")
        assert color(world) == "red"
    finally:
        served.stop()


def test_with_auto_sync_off_the_daemon_only_compares_and_sync_applies(world: World) -> None:
    write_config(world, app={"autoSync": False}, source={"interval": "1s"})
    served = Served(world)
    try:
        event = served.wait_for(lambda e: e["event"] == "app.outofsync", "out of sync")
        assert f"trueup sync {APP}" in event["message"]
        assert world.names("deployment") == set()
        status = world.cli("status", APP, "-o", "json").json()
        assert status[0]["sync"] == "OutOfSync", status
        world.sync()
        assert world.names("deployment") == {"web"}
    finally:
        served.stop()


def test_git_down_prunes_nothing_backs_off_and_recovers(
    world: World, git_https: GitHttpServer
) -> None:
    write_config(world, source={"interval": "1s"})
    served = Served(world)
    try:
        served.reconciled()
        git_https.set_fault(Fault.DOWN)
        served.wait_for(
            lambda e: e["event"] == "source.failed" and e.get("failures", 0) >= 3,
            "three failed polls",
        )
        metrics = served.get("/metrics").text
        assert 'trueup_source_backoff_seconds{source="GitSource/deploy"} 0.0' not in metrics
        assert world.names("deployment") == {"web"}, "nothing is pruned while Git is down"
        git_https.set_fault(Fault.NONE)
        mark = served.mark()
        world.commit(
            "Teal", {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "teal"}))}
        )
        served.reconciled(after=mark, trigger="daemon:revision")
        assert color(world) == "teal"
        assert world.names("deployment") == {"web"}
    finally:
        served.stop()


def test_a_daemon_killed_mid_reconcile_converges_after_a_restart(world: World) -> None:
    # A Deployment no node can run keeps the waiting reconcile in flight until it is killed.
    stuck = deployment()
    stuck["spec"]["template"]["spec"]["nodeSelector"] = {"trueup.dev/none": "nowhere"}
    world.commit("Unschedulable", {f"{PATH}/deployment.yaml": manifest(stuck)})
    write_config(world, app={"wait": True, "timeout": "5m"}, source={"interval": "1s"})
    served = Served(world)
    served.wait_for(lambda e: e["event"] == "source.moved", "the first poll")
    _wait_for_running_attempt(world)
    served.kill()

    sha = world.commit("Schedulable", {f"{PATH}/deployment.yaml": manifest(deployment())})
    again = Served(world)
    try:
        done = again.reconciled(trigger="daemon:start")
        assert done["revision"] == world.revision(sha)
    finally:
        again.stop()
    history = world.cli("history", APP, "-o", "json").json()
    assert [h["result"] for h in history] == ["succeeded", "interrupted"], history
    assert world.names("deployment") == {"web"}


def _wait_for_running_attempt(world: World) -> None:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(world.store) as db:
                row = db.execute(
                    "SELECT count(*) FROM attempts WHERE result = 'running'"
                ).fetchone()
            if row and row[0]:
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.1)
    raise AssertionError("the daemon never started a reconcile")


def _with_second_app(world: World, *, name: str, depends_on: list[str] | None = None) -> None:
    """Add App ``name`` to the world's configuration (its own path in the same source)."""
    import yaml

    docs = list(yaml.safe_load_all(world.config.read_text()))
    spec: dict[str, object] = {
        "source": "deploy",
        "path": f"{PATH}-{name}",
        "namespace": world.namespace,
    }
    if depends_on:
        spec["dependsOn"] = depends_on
    docs.append(
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "App",
            "metadata": {"name": name},
            "spec": spec,
        }
    )
    world.config.write_text(yaml.safe_dump_all(docs))


def test_a_changed_configuration_starts_added_apps_and_stops_removed_ones(world: World) -> None:
    world.commit("Extra", {f"{PATH}-extra/cm.yaml": manifest(configmap("extra", {"a": "1"}))})
    write_config(world, source={"interval": "1s"})
    served = Served(world)
    try:
        served.reconciled()
        mark = served.mark()
        _with_second_app(world, name="extra")
        served.wait_for(lambda e: e["event"] == "config.loaded", "the reload", after=mark)
        served.wait_for(
            lambda e: e["event"] == "reconcile.succeeded" and e.get("app") == "extra",
            "the added app reconciled",
            after=mark,
        )
        assert world.live("configmap", "extra") is not None
        mark = served.mark()
        write_config(world, source={"interval": "1s"})  # extra is gone from the file
        served.wait_for(lambda e: e["event"] == "config.loaded", "the second reload", after=mark)
        mark = served.mark()
        world.config.write_text(world.config.read_text() + "\n---\nkind: App\n")
        refused = served.wait_for(
            lambda e: e["event"] == "config.refused", "the invalid file refused", after=mark
        )
        assert "last good" in refused["message"]
    finally:
        served.stop()
    status = {row["app"]: row for row in world.cli("status", "-o", "json").json()}
    assert status["extra"]["sync"] == "Removed", status
    assert "trueup delete extra" in status["extra"]["error"]
    assert world.live("configmap", "extra") is not None, "a removed app's objects stay"
    assert status[APP]["sync"] == "Synced"


def test_an_app_is_applied_only_after_the_app_it_depends_on(world: World) -> None:
    world.commit("Db", {f"{PATH}-db/cm.yaml": manifest(configmap("db", {"a": "1"}))})
    write_config(world, app={"dependsOn": ["db"]}, source={"interval": "1s"})
    _with_second_app(world, name="db")
    served = Served(world)
    try:
        served.reconciled(trigger="daemon:after-db")
    finally:
        served.stop()
    db = world.cli("history", "db", "-o", "json").json()
    web = world.cli("history", APP, "-o", "json").json()
    assert web[-1]["startedAt"] >= db[-1]["finishedAt"], (db, web)
    assert [h["result"] for h in web] == ["succeeded"]

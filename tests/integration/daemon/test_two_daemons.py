"""Two ``trueup serve`` processes for one configuration and store: only the leader acts; the
other takes over when the leader is killed, and a paused leader that wakes up after its
lease ran out stops before writing anything."""

from __future__ import annotations

import signal
import time

import pytest

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster

LEASE = ("--lease-duration", "3s")


def test_only_the_leader_acts_and_the_other_takes_over_when_it_is_killed(world: World) -> None:
    write_config(world, source={"interval": "1s"})
    first = Served(world, *LEASE)
    first.wait_for(lambda e: e["event"] == "daemon.leading", "the first leading")
    first.reconciled()
    second = Served(world, *LEASE)
    try:
        second.wait_for(lambda e: e["event"] == "daemon.waiting", "the second waiting")
        assert second.get("/readyz").status_code == 503
        first.kill()
        second.wait_for(lambda e: e["event"] == "daemon.leading", "the takeover")
        sha = world.commit(
            "Green", {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "green"}))}
        )
        second.wait_for(
            lambda e: e["event"] == "reconcile.succeeded" and e["revision"] == world.revision(sha),
            "the new commit applied by the new leader",
        )
    finally:
        second.stop()
    assert not [e for e in first.events if e["event"] == "reconcile.succeeded"][1:], (
        "the first daemon reconciled only before it was killed"
    )


def test_a_paused_leader_stops_before_writing_once_it_wakes_up(world: World) -> None:
    write_config(world, source={"interval": "1s"})
    first = Served(world, *LEASE)
    first.wait_for(lambda e: e["event"] == "daemon.leading", "the first leading")
    first.reconciled()
    second = Served(world, *LEASE)
    try:
        second.wait_for(lambda e: e["event"] == "daemon.waiting", "the second waiting")
        first.process.send_signal(signal.SIGSTOP)
        second.wait_for(lambda e: e["event"] == "daemon.leading", "the takeover")
        sha = world.commit(
            "Red", {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "red"}))}
        )
        mark = first.mark()
        first.process.send_signal(signal.SIGCONT)
        code = first.process.wait(timeout=60)
        time.sleep(0.5)
        woke = first.events[mark:]
        assert code != 0
        assert woke, first.log()
        assert woke[0]["event"] in ("daemon.lost", "source.moved"), woke
        assert any(e["event"] == "daemon.lost" for e in woke), first.log()
        assert not any(e["event"] == "reconcile.succeeded" for e in woke), woke
        second.wait_for(
            lambda e: e["event"] == "reconcile.succeeded" and e["revision"] == world.revision(sha),
            "the new commit applied by the new leader",
        )
    finally:
        if first.process.poll() is None:
            first.kill()
        second.stop()

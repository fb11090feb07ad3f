"""Events of a running ``trueup serve`` recorded in the store: a drift shows in
``trueup events`` with its revision and object, ``--follow`` prints it as it is recorded,
and a Secret value a failing reconcile quoted is in no recorded event."""

from __future__ import annotations

import base64
import signal
import subprocess
import threading
import time
import uuid
from typing import Any

import orjson
import pytest

from tests.integration.daemon.serving import WAIT, Served, write_config
from tests.integration.daemon.test_drift import edit_color
from tests.integration.engine.helpers import APP, PATH, World, manifest

pytestmark = pytest.mark.cluster


def recorded(world: World, match: Any, what: str, *args: str) -> list[dict[str, Any]]:
    """``trueup events ARGS -o json`` once it lists an event that ``match``es."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        run = world.cli("events", *args, "-o", "json")
        assert run.code == 0, run
        events: list[dict[str, Any]] = run.json()
        if any(match(e) for e in events):
            return events
        time.sleep(0.2)
    raise AssertionError(f"trueup events never listed {what}")


class Follower:
    """``trueup events APP --follow -o json`` running, its stdout read line by line."""

    def __init__(self, world: World) -> None:
        self.process = subprocess.Popen(
            world.argv("events", APP, "--follow", "-o", "json"),
            env=world.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(orjson.loads(line))

    def wait_for(self, reason: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for event in list(self.lines):
                if event["reason"] == reason:
                    return event
            time.sleep(0.05)
        raise AssertionError(f"--follow never printed {reason}: {self.lines}")

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=WAIT)
        self._reader.join(timeout=10)
        return self.process.returncode, err


def test_a_drift_is_recorded_with_its_revision_and_object_and_followed(world: World) -> None:
    write_config(world, source={"interval": "1h"}, app={"interval": "1h"})
    served = Served(world)
    follower: Follower | None = None
    try:
        done = served.reconciled()
        recorded(world, lambda e: e["reason"] == "reconcile.succeeded", "the reconcile", APP)
        follower = Follower(world)
        edit_color(world, "red")
        events = recorded(world, lambda e: e["reason"] == "app.reverted", "the revert", APP)
        followed = follower.wait_for("app.drifted")
    finally:
        if follower is not None:
            code, err = follower.stop()
            assert (code, err) == (0, "")
        served.stop()
    settings = f"ConfigMap/{world.namespace}/settings"
    [drifted] = [e for e in events if e["reason"] == "app.drifted"]
    assert drifted["app"] == APP
    assert drifted["revision"] == done["revision"]
    assert drifted["objects"] == [settings]
    assert drifted["severity"] == "warning"
    assert "kubectl-edit" in drifted["message"]
    [reverted] = [e for e in events if e["reason"] == "app.reverted"]
    assert (reverted["revision"], reverted["objects"]) == (done["revision"], [settings])
    assert followed == drifted
    ids = [e["id"] for e in events]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    # Stopping writes what is still queued: the daemon's last word is in the store.
    everything = world.cli("events", "-o", "json").json()
    assert everything[-1]["reason"] == "daemon.stopped"
    assert everything[-1]["app"] is None


def test_a_secret_value_a_failing_reconcile_quoted_is_in_no_recorded_event(
    world: World,
) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "stringData": {"password": canary},
    }
    kustomization = """\
resources: [secret.yaml]
replacements:
- source: {kind: Secret, name: db, fieldPath: stringData.password}
  targets:
  - select: {kind: Secret, name: db}
    fieldPaths: [stringData.password.nested]
"""
    world.commit(
        "Build the app with kustomize",
        {f"{PATH}/kustomization.yaml": kustomization, f"{PATH}/secret.yaml": manifest(secret)},
    )
    write_config(world, source={"interval": "1h"}, app={"interval": "1h"})
    served = Served(world)
    try:
        served.wait_for(lambda e: e["event"] == "reconcile.failed", "the failed reconcile")
        events = recorded(world, lambda e: e["reason"] == "reconcile.failed", "the failure", APP)
    finally:
        served.stop()
    failed = next(e for e in events if e["reason"] == "reconcile.failed")
    assert "kubectl kustomize failed" in failed["message"]
    assert "********" in failed["message"]
    runs = [
        world.cli("events", APP),
        world.cli("events", "-o", "json"),
        world.cli("events", "-o", "yaml"),
    ]
    assert all(run.code == 0 for run in runs), "\n".join(map(str, runs))
    for run in runs:
        assert canary not in run.output, run
    assert canary not in served.log()
    # The store itself (the database, its WAL), byte for byte, in both forms.
    files = [f for f in world.home.glob(f"{world.store.name}*") if f.is_file()]
    assert world.store in files
    for form in (canary, base64.b64encode(canary.encode()).decode()):
        for file in files:
            assert form.encode() not in file.read_bytes(), f"a secret value is in {file.name}"

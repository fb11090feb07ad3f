"""A ``trueup sync`` killed with SIGKILL half-way through applying: the attempt it started is
found and recorded as interrupted, the next sync converges, and the store is readable and
consistent (an inventory that matches what was applied)."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time

import pytest

from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest
from trueup.store import InventoryEntry, SqliteStore

pytestmark = pytest.mark.cluster

COUNT = 300


async def inventory(world: World) -> tuple[InventoryEntry, ...]:
    """The App's inventory, read from the store file."""
    store = await SqliteStore.open(world.store)
    try:
        return await store.inventory(APP)
    finally:
        await store.close()


def kill_mid_apply(world: World) -> tuple[set[str], int]:
    """Commit many ConfigMaps, start a sync and SIGKILL it once some exist; their names and
    the process id of the killed sync."""
    names = {f"item-{i:03d}" for i in range(COUNT)}
    items = manifest(*(configmap(name, {"name": name}) for name in sorted(names)))
    world.commit("Add many settings", {f"{PATH}/items.yaml": items})
    process = world.spawn("sync", APP)
    assert process.stderr is not None
    try:
        for line in process.stderr:
            if "applying" in line:
                break
        else:
            pytest.fail("the sync ended before it started applying")
        deadline = time.monotonic() + 60
        while len(world.names("configmap") & names) == 0 and process.poll() is None:
            assert time.monotonic() < deadline, "nothing was applied within a minute"
    finally:
        world.kill(process)
    assert process.returncode == -signal.SIGKILL, "the sync finished before it was killed"
    return names, process.pid


def test_a_sync_killed_mid_apply_is_converged_by_the_next_sync(world: World) -> None:
    names, pid = kill_mid_apply(world)
    applied_before_kill = len(world.names("configmap") & names)

    history = world.cli("history", APP, "-o", "json")
    assert history.code == 0, str(history)
    [killed] = history.json()
    assert (killed["result"], killed["reason"]) == ("interrupted", "interrupted")
    assert f"pid {pid} on " in killed["error"]
    assert killed["revision"] == world.revision(world.repo.work.head()), "what is known is kept"
    assert killed["target"].endswith(f"@{world.kube.server}")
    [status] = world.cli("status", "-o", "json").json()
    assert (status["sync"], status["error"]) == ("OutOfSync", killed["error"])

    report = world.sync("-o", "json").json()

    assert report["error"] == ""
    assert world.names("configmap") >= names | {"settings"}
    assert world.live("deployment", "web") is not None
    attempts = world.cli("history", APP, "-o", "json").json()
    assert [a["result"] for a in attempts] == ["succeeded", "interrupted"]
    applied = {c["object"] for c in attempts[0]["changes"]}
    assert len(applied) == COUNT + 3
    assert {str(entry.id) for entry in asyncio.run(inventory(world))} == applied
    with sqlite3.connect(world.store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    print(f"{applied_before_kill} of {COUNT} ConfigMaps were applied when the sync was killed")


def test_objects_a_killed_sync_created_are_pruned_when_git_no_longer_wants_them(
    world: World,
) -> None:
    names, _pid = kill_mid_apply(world)
    created = world.names("configmap") & names
    assert created, "the kill came before any ConfigMap was created"

    world.commit("Drop the settings again", {f"{PATH}/items.yaml": None})
    report = world.sync("-o", "json").json()

    assert report["error"] == ""
    assert not world.names("configmap") & names
    pruned = {c["object"] for c in report["changes"] if c["action"] == "pruned"}
    assert {f"ConfigMap/{world.namespace}/{name}" for name in created} <= pruned

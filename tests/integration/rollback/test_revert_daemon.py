"""Rollback by revert beside a running ``trueup serve``: ``trueup rollback --revert`` goes
through the daemon's API, which pushes the revert and polls the source at once; the daemon
then applies the revert commit like any commit, so the cluster is as at REVISION, the
pending-revert marker is cleared, and the ``app.rolledback`` event names the commit."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import yaml

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import (
    APP,
    PATH,
    SECRET,
    World,
    configmap,
    git_cache,
    manifest,
    world,
)
from trueup.store import SqliteStore

__all__ = ["git_cache", "world"]

pytestmark = [pytest.mark.anyio, pytest.mark.cluster]


def _head(world: World) -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(world.repo.bare), "rev-parse", "refs/heads/main"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _data(world: World, name: str) -> dict[str, Any] | None:
    live = world.live("configmap", name)
    return None if live is None else dict(live["data"])


async def _store_state(world: World) -> tuple[list[Any], list[Any], list[Any]]:
    store = await SqliteStore.open(world.store)
    try:
        events = [e for e in await store.events(app=APP) if e.kind == "app.rolledback"]
        return await store.pending_reverts(), await store.reverts(APP), events
    finally:
        await store.close()


async def test_the_daemon_applies_a_revert_pushed_through_its_api(world: World) -> None:
    write_config(world, source={"interval": "1s", "write": {"secretRef": {"name": SECRET}}})
    v1 = world.repo.work.head()
    served = Served(world)
    try:
        served.reconciled()
        mark = served.mark()
        v2 = world.commit(
            "Paint it red, add extra",
            {
                f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "red"})),
                f"{PATH}/extra.yaml": manifest(configmap("extra", {"added": "later"})),
            },
        )
        served.wait_for(
            lambda e: e["event"] == "reconcile.succeeded" and v2 in str(e.get("revision")),
            f"a reconcile of {v2}",
            after=mark,
        )
        assert _data(world, "settings") == {"color": "red"}
        assert _data(world, "extra") is not None
        mark = served.mark()

        run = world.cli("rollback", APP, "--to", v1[:8], "--revert", "-o", "json")

        assert run.code == 0, str(run)
        answer = run.json()
        revert = _head(world)
        assert (answer["mode"], answer["pushed"], answer["commit"]) == ("revert", True, revert)
        assert answer["by"].startswith("api:")
        assert "is fetching" in run.stderr, "the daemon polls the source at once"
        applied = served.wait_for(
            lambda e: e["event"] == "reconcile.succeeded" and revert in str(e.get("revision")),
            f"a reconcile of the revert commit {revert}",
            after=mark,
        )
        assert applied["app"] == APP
    finally:
        served.stop()

    assert _data(world, "settings") == {"color": "blue"}
    assert _data(world, "extra") is None  # the file added since is gone, so is its object
    pending, reverts, events = await _store_state(world)
    assert pending == []
    [done] = reverts
    assert (done.commit, done.applied_revision) == (revert, f"main@sha1:{revert}")
    [event] = events
    assert (event.fields["mode"], event.fields["commit"]) == ("revert", revert)
    tree = yaml.safe_load(world.repo.work.path.joinpath(f"{PATH}/settings.yaml").read_text())
    assert tree["data"]["color"] == "red"  # the test's own clone is untouched: Git changed

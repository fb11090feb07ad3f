"""A sync that changes the target holds its App's lock: a second writer waits, and says for whom."""

from __future__ import annotations

import asyncio

import pytest

from tests.unit.engine.harness import Harness, configmap, namespace
from trueup.engine import SyncOptions
from trueup.failure import Reason
from trueup.store import hold_app_lock

pytestmark = pytest.mark.anyio


async def test_a_sync_waits_while_another_process_holds_the_apps_lock(harness: Harness) -> None:
    harness.target.put(namespace("shop"))
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("settings", color="blue")})
    engine = harness.engine()
    async with hold_app_lock(harness.store, "web", purpose="daemon"):
        syncing = asyncio.create_task(engine.sync("web", SyncOptions(), harness.progress.append))
        for _ in range(50):
            await asyncio.sleep(0.01)
        assert not syncing.done()
        assert harness.live("ConfigMap", "shop", "settings") is None
        assert any(line.startswith("waiting for App/web: daemon, pid") for line in harness.progress)
    report = await asyncio.wait_for(syncing, 10)
    assert report.ok, report.error
    assert harness.live("ConfigMap", "shop", "settings") is not None


async def test_a_sync_that_may_not_wait_is_refused_as_locked_and_records_nothing(
    harness: Harness,
) -> None:
    harness.target.put(namespace("shop"))
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("settings", color="blue")})
    async with hold_app_lock(harness.store, "web", purpose="cli:alice"):
        report = await harness.sync("web", lock_wait=0)
    assert report.failure is not None
    assert report.failure.reason is Reason.LOCKED
    assert report.failure.temporary
    assert "cli:alice" in report.error
    assert await harness.history("web") == []


async def test_a_dry_run_takes_no_lock(harness: Harness) -> None:
    harness.target.put(namespace("shop"))
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("settings", color="blue")})
    async with hold_app_lock(harness.store, "web", purpose="daemon"):
        report = await harness.sync("web", dry_run=True, lock_wait=0)
    assert report.ok, report.error


async def test_an_app_suspended_in_the_store_is_refused_naming_who_suspended_it(
    harness: Harness,
) -> None:
    from datetime import UTC, datetime

    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("settings")})
    await harness.store.suspend("web", by="cli:bob", at=datetime.now(UTC), reason="freeze")
    report = await harness.sync("web")
    assert report.failure is not None
    assert report.failure.reason is Reason.CONFIG
    assert "suspended by cli:bob" in report.error
    assert "(freeze)" in report.error
    assert await harness.history("web") == []

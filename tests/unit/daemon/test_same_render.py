"""With selfHeal off, a revision that renders an App alike is no revision to apply, even
when the App was synced outside the daemon at one in the middle of the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.daemon.test_daemon import Running, attempts, running, settled, until
from tests.unit.engine.harness import Harness, configmap, namespace
from trueup.daemon.events import Kind
from trueup.objects import ObjectId
from trueup.source import MemorySource

pytestmark = pytest.mark.anyio

SOURCE = ObjectId("trueup.dev", "GitSource", "", "shop")


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    world = Harness(root=tmp_path, source=MemorySource(tmp_path / "checkouts"))
    world.target.put(namespace("shop"))
    return world


async def move(run: Running, harness: Harness, files: dict[str, Any]) -> None:
    """Commit ``files`` and let the daemon see its source move to the commit."""
    harness.commit(files)
    moves = len(run.of(Kind.SOURCE_MOVED))
    run.daemon.refresh(SOURCE, "webhook:test")
    await until(lambda: len(run.of(Kind.SOURCE_MOVED)) > moves, "the source moved")


async def test_drift_stays_reported_after_a_sync_outside_the_daemon_at_a_middle_revision(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1h"}
    harness.app("web", namespace="shop", interval="2m", selfHeal=False)
    harness.app("api", namespace="shop", interval="1h")
    web = configmap("web", color="blue")
    harness.commit({"web/cm.yaml": web, "api/cm.yaml": configmap("api", n="1")})
    async with running(harness) as run:
        await until(lambda: settled(run, harness, 1), "web applied by the daemon at a")
        # b and c change only what api reads; web is synced by hand while the source is at b.
        await move(run, harness, {"web/cm.yaml": web, "api/cm.yaml": configmap("api", n="2")})
        assert (await harness.sync("web", trigger="cli:alice")).ok
        await move(run, harness, {"web/cm.yaml": web, "api/cm.yaml": configmap("api", n="3")})
        at_b = await harness.store.last_successful("web")
        assert at_b is not None
        b = at_b.revision
        assert attempts(harness)() == 2
        live = harness.live("ConfigMap", "shop", "web")
        assert live is not None
        harness.target.put({**live, "data": {"color": "edited-by-hand"}})
        out_of_sync = len(run.of(Kind.OUT_OF_SYNC))
        await run.clock.advance(120)
        await until(lambda: len(run.of(Kind.OUT_OF_SYNC)) > out_of_sync, "drift reported")
        assert "selfHeal is off" in run.of(Kind.OUT_OF_SYNC)[-1].message
        edited = harness.live("ConfigMap", "shop", "web")
        assert edited is not None
        assert edited["data"] == {"color": "edited-by-hand"}  # reported, not reverted
        assert attempts(harness)() == 2
        last = await harness.store.last_successful("web")
        assert last is not None
        assert last.revision == b

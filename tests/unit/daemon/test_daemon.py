"""The daemon's loop on fakes and a controllable clock: what runs when, and why.

The engine is the real one; Git, the cluster and the store are the in-package fakes
(see :mod:`tests.unit.engine.harness`), so each test controls time and revisions exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.engine.harness import URL, Harness, configmap, namespace
from trueup.config import load_config
from trueup.daemon.backoff import Backoff
from trueup.daemon.clock import ManualClock
from trueup.daemon.daemon import Daemon, DaemonOptions
from trueup.daemon.events import Event, EventBus, Kind, Level
from trueup.daemon.metrics import Metrics
from trueup.errors import SourceUnavailableError
from trueup.objects import ObjectId
from trueup.source import MemorySource
from trueup.store import AttemptResult

pytestmark = pytest.mark.anyio


class Half:
    def random(self) -> float:
        return 0.5  # no jitter: intervals and backoffs are exact


@dataclass
class Running:
    """A daemon running on the harness, its clock and what it published."""

    daemon: Daemon
    clock: ManualClock
    events: list[Event] = field(default_factory=list)

    def kinds(self, app: str | None = None) -> list[Kind]:
        return [e.kind for e in self.events if app is None or e.app == app]

    def of(self, kind: Kind) -> list[Event]:
        return [e for e in self.events if e.kind is kind]


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the event loop run until ``condition`` holds (the fake clock stands still)."""
    deadline = asyncio.get_running_loop().time() + 30  # generous: a busy machine is slow
    while asyncio.get_running_loop().time() < deadline:
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"never happened: {what}")


@asynccontextmanager
async def running(harness: Harness) -> AsyncIterator[Running]:
    clock = ManualClock()
    bus = EventBus()
    path = harness.config_file()
    daemon = Daemon(
        lambda: load_config(path),
        harness.store,
        harness.source,
        harness.targets,
        options=DaemonOptions(concurrency=2, grace_period=5, watch_period=1),
        bus=bus,
        metrics=Metrics(),
        clock=clock,
        rand=Half(),
        backoff=Backoff(base=1, cap=300),
        fingerprint=lambda: path.read_text(),
    )
    state = Running(daemon, clock)
    bus.listen(state.events.append)
    task = asyncio.create_task(daemon.run())
    try:
        yield state
    finally:
        daemon.stop()
        await asyncio.wait_for(task, 10)


def attempts(harness: Harness, app: str = "web") -> Callable[[], int]:
    def count() -> int:
        return len([a for a in harness.store._attempts if a.app == app and a.result.finished])

    return count


def settled(run: Running, harness: Harness, applied: int, app: str = "web") -> bool:
    """``app`` was applied ``applied`` times, is not in flight, and waits for its interval."""
    daemon = run.daemon
    done = attempts(harness, app)() == applied and daemon.queue.in_flight == 0
    return done and daemon.queue.queued(app) is not None


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    world = Harness(root=tmp_path, source=MemorySource(tmp_path / "checkouts"))
    world.target.put(namespace("shop"))
    return world


async def test_every_app_is_applied_once_its_source_was_first_polled(harness: Harness) -> None:
    harness.app("web", namespace="shop")
    harness.app("api", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("web"), "api/cm.yaml": configmap("api")})
    async with running(harness) as run:
        await until(lambda: len(run.of(Kind.RECONCILED)) == 2, "both apps reconciled")
        assert harness.live("ConfigMap", "shop", "web") is not None
        assert harness.live("ConfigMap", "shop", "api") is not None
        assert {a.trigger for a in harness.store._attempts} == {"daemon:start"}
        # One poll served both apps: the engine read the polled revision, not Git again.
        assert len(harness.source.fetches) == 1
        assert run.daemon.ready


async def test_a_new_commit_is_applied_at_the_next_poll_of_its_source(harness: Harness) -> None:
    harness.source_spec = {"interval": "30s"}
    harness.app("web", namespace="shop", interval="10m")
    harness.commit({"web/cm.yaml": configmap("web", color="blue")})
    async with running(harness) as run:
        await until(lambda: attempts(harness)() == 1, "first apply")
        harness.commit({"web/cm.yaml": configmap("web", color="green")})
        await run.clock.advance(29)
        await asyncio.sleep(0.05)
        assert attempts(harness)() == 1
        await run.clock.advance(1)
        await until(lambda: attempts(harness)() == 2, "the new revision applied")
        live = harness.live("ConfigMap", "shop", "web")
        assert live is not None
        assert live["data"] == {"color": "green"}
        assert (await harness.store.last_attempt("web")).trigger == "daemon:revision"  # type: ignore[union-attr]


def reconciles(run: Running, result: str, app: str = "web") -> float:
    """How many reconciles of ``app`` ended with ``result``, by the daemon's metric."""
    value: float = run.daemon.metrics.reconciles.labels(app, result)._value.get()
    return value


async def test_an_interval_that_finds_nothing_to_do_records_only_its_comparison(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1h"}
    harness.app("web", namespace="shop", interval="2m")
    harness.commit({"web/cm.yaml": configmap("web")})
    async with running(harness) as run:
        await until(lambda: settled(run, harness, 1), "first apply done and rescheduled")
        first = await harness.store.confirmation("web")
        assert first is not None
        await run.clock.advance(119)
        await asyncio.sleep(0.05)
        assert reconciles(run, "compared") == 0
        await run.clock.advance(1)
        await until(lambda: reconciles(run, "compared") == 1, "interval reconcile")
        # The App is as Git says: no attempt in its history, the comparison noted for
        # status ("confirmed at"), and the next interval planned.
        assert attempts(harness)() == 1
        later = await harness.store.confirmation("web")
        assert later is not None
        assert later.confirmed_at > first.confirmed_at
        assert later.in_sync
        await until(lambda: settled(run, harness, 1), "rescheduled")
        await run.clock.advance(120)
        await until(lambda: reconciles(run, "compared") == 2, "the next interval")
        assert attempts(harness)() == 1


async def test_an_app_that_is_not_healthy_is_applied_at_each_interval_until_it_is(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1h"}
    harness.app("web", namespace="shop", interval="2m")
    harness.commit({"web/cm.yaml": configmap("web")})
    async with running(harness) as run:
        await until(lambda: settled(run, harness, 1), "first apply done and rescheduled")
        await until(lambda: run.daemon.ready, "watches listed")

        def ready(status: str) -> None:
            live = harness.live("ConfigMap", "shop", "web")
            assert live is not None
            harness.target.put(
                {**live, "status": {"conditions": [{"type": "Ready", "status": status}]}}
            )

        ready("False")
        await until(lambda: bool(run.of(Kind.DEGRADED)), "the degraded event")
        # Degraded: the interval applies and records the attempt, as for an App never settled.
        await run.clock.advance(120)
        await until(lambda: attempts(harness)() == 2, "the interval's apply")
        ready("True")
        await until(lambda: bool(run.of(Kind.RECOVERED)), "the recovered event")
        await until(lambda: settled(run, harness, 2), "rescheduled")
        await run.clock.advance(120)
        await until(lambda: attempts(harness)() == 3, "applied once more, now Healthy")
        # Settled again: the next interval only compares.
        await until(lambda: settled(run, harness, 3), "rescheduled")
        await run.clock.advance(120)
        await until(lambda: reconciles(run, "compared") == 1, "the next interval")
        assert attempts(harness)() == 3


async def test_a_suspended_app_is_left_alone_until_it_is_resumed(harness: Harness) -> None:
    harness.app("web", namespace="shop", interval="1m")
    harness.commit({"web/cm.yaml": configmap("web")})
    await harness.store.suspend("web", by="cli:alice", at=datetime.now(UTC))
    async with running(harness) as run:
        await until(lambda: Kind.SKIPPED in run.kinds("web"), "skipped as suspended")
        await run.clock.advance(600)
        await asyncio.sleep(0.05)
        assert attempts(harness)() == 0
        assert harness.live("ConfigMap", "shop", "web") is None
        await harness.store.resume("web")
        await run.clock.advance(1)
        await until(lambda: attempts(harness)() == 1, "applied once resumed")
        assert Kind.RESUMED in run.kinds("web")


async def test_with_auto_sync_off_a_difference_is_reported_and_nothing_applied(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop", autoSync=False)
    harness.commit({"web/cm.yaml": configmap("web")})
    async with running(harness) as run:
        await until(lambda: bool(run.of(Kind.OUT_OF_SYNC)), "reported out of sync")
        assert harness.live("ConfigMap", "shop", "web") is None
        assert attempts(harness)() == 0
        confirmation = await harness.store.confirmation("web")
        assert confirmation is not None
        assert not confirmation.in_sync
        assert "trueup sync web" in run.of(Kind.OUT_OF_SYNC)[0].message


async def test_an_unreachable_source_backs_off_prunes_nothing_and_recovers(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1m"}
    harness.app("web", namespace="shop", interval="10m")
    harness.commit({"web/cm.yaml": configmap("web")})
    async with running(harness) as run:
        await until(lambda: attempts(harness)() == 1, "first apply")
        harness.source.fail(URL, SourceUnavailableError("connection refused"))
        await run.clock.advance(60)
        await until(lambda: len(run.of(Kind.SOURCE_FAILED)) == 1, "first failed poll")
        await run.clock.advance(1)
        await until(lambda: len(run.of(Kind.SOURCE_FAILED)) == 2, "retried after 0.75 s")
        backoff = run.daemon.metrics.source_backoff.labels("GitSource/shop")._value.get()
        assert backoff == 1.5  # the second failure in a row waits twice as long
        assert harness.live("ConfigMap", "shop", "web") is not None
        harness.source.fail(URL, None)
        harness.commit({"web/cm.yaml": configmap("web", color="back")})
        await run.clock.advance(2)
        await until(lambda: attempts(harness)() == 2, "applied after recovery")
        assert [a.result for a in await harness.history()] == [AttemptResult.SUCCEEDED] * 2


async def test_a_dependent_app_runs_as_soon_as_its_dependency_is_healthy(harness: Harness) -> None:
    harness.app("db", namespace="shop")
    harness.app("web", namespace="shop", dependsOn=["db"])
    harness.commit({"db/cm.yaml": configmap("db"), "web/cm.yaml": configmap("web")})
    async with running(harness) as run:
        await until(lambda: Kind.RECONCILED in run.kinds("web"), "web applied")
        db_done = next(e for e in run.of(Kind.RECONCILED) if e.app == "db")
        web_done = next(e for e in run.of(Kind.RECONCILED) if e.app == "web")
        assert run.events.index(db_done) < run.events.index(web_done)
        # web is run again as soon as db is healthy, not after a backoff or its interval.
        assert web_done.fields["trigger"] == "daemon:after-db"
        assert await harness.store.last_attempt("db") is not None


async def test_a_changed_configuration_starts_new_apps_and_stops_removed_ones(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop", interval="1m")
    harness.commit({"web/cm.yaml": configmap("web"), "api/cm.yaml": configmap("api")})
    async with running(harness) as run:
        await until(lambda: attempts(harness)() == 1, "web applied")
        del harness.apps["web"]
        harness.app("api", namespace="shop", interval="1m")
        harness.config_file()
        await run.clock.advance(1)
        await until(lambda: attempts(harness, "api")() == 1, "api started")
        await run.clock.advance(300)
        await asyncio.sleep(0.05)
        assert attempts(harness)() == 1  # web is no longer reconciled
        assert harness.live("ConfigMap", "shop", "web") is not None  # and its objects stay


async def test_an_invalid_configuration_keeps_the_last_good_one_running(harness: Harness) -> None:
    harness.app("web", namespace="shop", interval="1m")
    harness.commit({"web/cm.yaml": configmap("web")})
    async with running(harness) as run:
        await until(lambda: attempts(harness)() == 1, "web applied")
        path = harness.root / "trueup.yaml"
        path.write_text(path.read_text().replace("interval: 1m", "interval: soon"))
        await run.clock.advance(1)
        await until(lambda: bool(run.of(Kind.CONFIG_REFUSED)), "refused")
        assert "last good" in run.of(Kind.CONFIG_REFUSED)[0].message
        await run.clock.advance(60)
        await until(lambda: reconciles(run, "compared") == 1, "the old configuration still runs")


async def test_without_self_heal_drift_is_reported_and_only_a_new_revision_applied(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1h"}
    harness.app("web", namespace="shop", interval="2m", selfHeal=False)
    harness.commit({"web/cm.yaml": configmap("web", color="blue")})
    async with running(harness) as run:
        await until(lambda: settled(run, harness, 1), "first apply done and rescheduled")
        live = harness.live("ConfigMap", "shop", "web")
        assert live is not None
        harness.target.put({**live, "data": {"color": "edited-by-hand"}})
        await run.clock.advance(120)
        await until(lambda: bool(run.of(Kind.OUT_OF_SYNC)), "drift reported")
        assert "selfHeal is off" in run.of(Kind.OUT_OF_SYNC)[0].message
        edited = harness.live("ConfigMap", "shop", "web")
        assert edited is not None
        assert edited["data"] == {"color": "edited-by-hand"}
        assert attempts(harness)() == 1
        harness.commit({"web/cm.yaml": configmap("web", color="green")})
        run.daemon.refresh(ObjectId("trueup.dev", "GitSource", "", "shop"), "webhook:test")
        await until(lambda: attempts(harness)() == 2, "the new revision applied")
        applied = harness.live("ConfigMap", "shop", "web")
        assert applied is not None
        assert applied["data"] == {"color": "green"}


async def test_a_new_revision_reconciles_only_the_apps_whose_files_changed(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1h"}
    harness.app("web", namespace="shop", interval="1h")
    harness.app("api", namespace="shop", interval="1h")
    harness.commit({"web/cm.yaml": configmap("web"), "api/cm.yaml": configmap("api")})
    async with running(harness) as run:
        await until(lambda: attempts(harness, "api")() == 1, "api applied")
        await until(lambda: settled(run, harness, 1), "web applied")
        harness.commit(
            {"web/cm.yaml": configmap("web", color="green"), "api/cm.yaml": configmap("api")}
        )
        run.daemon.refresh(ObjectId("trueup.dev", "GitSource", "", "shop"), "webhook:test")
        await until(lambda: attempts(harness)() == 2, "web applied again")
        moved = [e for e in run.of(Kind.SOURCE_MOVED) if "read a changed path" in e.message]
        assert moved[0].fields["affected"] == 1
        await asyncio.sleep(0.05)
        assert attempts(harness, "api")() == 1


async def test_a_change_by_hand_is_seen_by_the_watch_and_reverted_at_once(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1h"}
    harness.app("web", namespace="shop", interval="1h")
    harness.commit({"web/cm.yaml": configmap("web", color="blue")})
    async with running(harness) as run:
        await until(lambda: settled(run, harness, 1), "first apply done")
        await until(lambda: run.daemon.ready, "watches listed")
        live = harness.live("ConfigMap", "shop", "web")
        assert live is not None
        harness.target.put({**live, "data": {"color": "edited-by-hand"}})
        await until(lambda: bool(run.of(Kind.DRIFTED)), "the drift reverted")
        assert attempts(harness)() == 2
        reverted = harness.live("ConfigMap", "shop", "web")
        assert reverted is not None
        assert reverted["data"] == {"color": "blue"}
        drifted = run.of(Kind.DRIFTED)
        assert len(drifted) == 1
        assert "ConfigMap/shop/web" in drifted[0].message
        assert "reverted" in drifted[0].message
        applied = (await harness.store.last_successful("web")).revision  # type: ignore[union-attr]
        assert (drifted[0].revision, drifted[0].objects) == (applied, ("ConfigMap/shop/web",))
        await until(lambda: bool(run.of(Kind.REVERTED)), "the revert reported")
        [revert] = run.of(Kind.REVERTED)
        assert (revert.app, revert.revision, revert.objects) == (
            "web",
            applied,
            ("ConfigMap/shop/web",),
        )
        assert (await harness.store.last_attempt("web")).trigger == "daemon:drift"  # type: ignore[union-attr]
        # The revert itself is trueup's own write: it triggers nothing more.
        await asyncio.sleep(0.1)
        assert attempts(harness)() == 2


async def test_a_status_change_triggers_no_reconcile_but_updates_health(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1h"}
    harness.app("web", namespace="shop", interval="1h")
    harness.commit({"web/cm.yaml": configmap("web", color="blue")})
    async with running(harness) as run:
        await until(lambda: settled(run, harness, 1), "first apply done")
        await until(lambda: run.daemon.ready, "watches listed")
        live = harness.live("ConfigMap", "shop", "web")
        assert live is not None
        harness.target.put({**live, "status": {"note": "a controller wrote this"}})
        await asyncio.sleep(0.1)
        assert attempts(harness)() == 1


async def test_a_health_change_is_reported_as_degraded_and_then_recovered(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1h"}
    harness.app("web", namespace="shop", interval="1h")
    harness.commit({"web/cm.yaml": configmap("web", color="blue")})
    async with running(harness) as run:
        await until(lambda: settled(run, harness, 1), "first apply done")
        await until(lambda: run.daemon.ready, "watches listed")
        for ready in ("False", "True"):
            live = harness.live("ConfigMap", "shop", "web")
            assert live is not None
            status = {"conditions": [{"type": "Ready", "status": ready, "message": "checked"}]}
            harness.target.put({**live, "status": status})
            kind = Kind.DEGRADED if ready == "False" else Kind.RECOVERED

            def reported(kind: Kind = kind) -> bool:
                return bool(run.of(kind))

            await until(reported, f"the {kind} event")
        [degraded], [recovered] = run.of(Kind.DEGRADED), run.of(Kind.RECOVERED)
        assert (degraded.app, degraded.level, degraded.fields["health"]) == (
            "web",
            Level.WARNING,
            "Degraded",
        )
        assert (recovered.app, recovered.fields["health"]) == ("web", "Healthy")
        assert attempts(harness)() == 1


async def test_a_hook_that_finds_nothing_new_does_not_name_a_later_revision(
    harness: Harness,
) -> None:
    harness.source_spec = {"interval": "1m"}
    harness.app("web", namespace="shop", interval="1h")
    harness.commit({"web/cm.yaml": configmap("web", color="blue")})
    async with running(harness) as run:
        await until(lambda: settled(run, harness, 1), "first apply done")
        polls = len(harness.source.fetches)
        run.daemon.refresh(ObjectId("trueup.dev", "GitSource", "", "shop"), "webhook:test")
        await until(lambda: len(harness.source.fetches) > polls, "the hook's poll")
        harness.commit({"web/cm.yaml": configmap("web", color="green")})
        await run.clock.advance(60)
        await until(lambda: attempts(harness)() == 2, "the interval poll's revision applied")
        assert (await harness.store.last_attempt("web")).trigger == "daemon:revision"  # type: ignore[union-attr]

"""Helm hooks run by the engine on the dev-cluster (the ``hooked`` fixture chart).

The chart has a pre-install ConfigMap hook (weight -10, no delete policy), a pre-install
and pre-upgrade migration Job (weight -5, ``hook-succeeded``), a post-install and
post-upgrade ConfigMap hook, and, by values, a Job that fails and a pre-delete hook. The
dev-cluster's kwok completes the Job's pod, so the Job really completes; a Job whose pod
no node accepts fails at its ``activeDeadlineSeconds``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.integration.engine.helpers import APP, PATH, World
from tests.servers.chart_repo import CHARTS
from trueup.changeset import Action
from trueup.engine import SyncOptions, SyncReport
from trueup.failure import Reason
from trueup.health import HealthStatus
from trueup.objects import LABEL_APP_NAME, ObjectId
from trueup.store import SqliteStore

pytestmark = pytest.mark.cluster

CHART = f"{PATH}/hooked"


def chart_files(**replaced: str) -> dict[str, str]:
    """The ``hooked`` chart's files under ``PATH/hooked`` (``replaced``: file → content)."""
    folder = CHARTS / "hooked"
    files = {
        f"{CHART}/{path.relative_to(folder)}": path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    return files | {f"{CHART}/{name}": text for name, text in replaced.items()}


def configure(world: World, **values: Any) -> None:
    world.write_config(app={"helm": {"chart": CHART, "values": values}})


def run(world: World, options: SyncOptions | None = None) -> SyncReport:
    return asyncio.run(world.engine_sync(options or SyncOptions(wait=True, timeout=120)))


def entries(report: SyncReport) -> list[tuple[str, Action]]:
    return [(c.id.name, c.action) for c in report.changes.changes]


def reason(report: SyncReport, name: str) -> str:
    return next(c.reason for c in report.changes.changes if c.id.name == name)


def inventory(world: World) -> set[ObjectId]:
    async def read() -> set[ObjectId]:
        store = await SqliteStore.open(world.store)
        try:
            return {entry.id for entry in await store.inventory(APP)}
        finally:
            await store.close()

    return asyncio.run(read())


def version(obj: dict[str, Any] | None) -> int:
    assert obj is not None
    return int(obj["metadata"]["resourceVersion"])


def test_hooks_run_around_the_main_stage_and_stay_out_of_the_inventory(world: World) -> None:
    world.commit("Add the hooked chart", chart_files())
    configure(world)

    compared = run(world, SyncOptions(dry_run=True))  # a diff runs no hook
    assert compared.ok, compared.error
    assert entries(compared) == [("web-config", Action.CREATED)]
    assert world.names("configmap") & {"web-schema", "web-notify"} == set()
    assert world.names("job") == set()

    report = run(world)

    assert report.ok, report.error
    assert report.health is HealthStatus.HEALTHY
    assert entries(report) == [
        ("web-schema", Action.CREATED),  # weight -10
        ("web-migrate", Action.CREATED),  # weight -5
        ("web-config", Action.CREATED),  # the main stage
        ("web-notify", Action.CREATED),  # post-install
    ]
    assert reason(report, "web-schema") == "pre-install hook, applied"
    assert reason(report, "web-migrate") == (
        "pre-install,pre-upgrade hook, job completed; deleted (hook-succeeded)"
    )
    assert reason(report, "web-notify") == "post-install,post-upgrade hook, applied"
    # The Job ran to completion and is gone (hook-succeeded); the main ConfigMap was
    # written after the pre hook and before the post hook.
    assert world.names("job") == set()
    schema, config, notify = (
        world.live("configmap", f"web-{n}") for n in ("schema", "config", "notify")
    )
    assert version(schema) < version(config) < version(notify)
    assert schema is not None
    assert schema["metadata"]["labels"][LABEL_APP_NAME] == APP  # visible as the App's
    assert {oid.name for oid in inventory(world)} == {"web-config"}

    # The same revision again, nothing changed: the hooks are not run again.
    again = run(world)
    assert again.ok, again.error
    assert entries(again) == [("web-config", Action.UNCHANGED)]
    unchanged_schema = world.live("configmap", "web-schema")
    assert unchanged_schema is not None
    assert unchanged_schema["metadata"]["uid"] == schema["metadata"]["uid"]
    assert world.names("job") == set()

    # A new revision runs them again: the schema hook is replaced (before-hook-creation);
    # the post hook, now disabled in the values, is not pruned.
    configmap = (CHARTS / "hooked" / "templates" / "configmap.yaml").read_text()
    world.commit(
        "Upgrade mode",
        chart_files(**{"templates/configmap.yaml": configmap.replace("normal", "upgraded")}),
    )
    configure(world, notify=False)
    upgrade = run(world)
    assert upgrade.ok, upgrade.error
    assert entries(upgrade) == [
        ("web-schema", Action.CREATED),
        ("web-migrate", Action.CREATED),
        ("web-config", Action.CONFIGURED),
    ]
    replaced = world.live("configmap", "web-schema")
    assert replaced is not None
    assert replaced["metadata"]["uid"] != schema["metadata"]["uid"]
    assert world.names("configmap") >= {"web-notify", "web-config"}
    assert {oid.name for oid in inventory(world)} == {"web-config"}


def test_a_failing_pre_hook_stops_the_sync_before_the_main_stage(world: World) -> None:
    world.commit("Add the hooked chart", chart_files())
    configure(world, failMigration=True)

    report = run(world)

    assert not report.ok
    assert report.failure is not None
    assert report.failure.reason is Reason.DEGRADED
    message = report.failure.message
    assert f"Job/{world.namespace}/web-migrate (pre-install,pre-upgrade hook) failed" in message
    assert "deploy/hooked/templates/migrate.yaml" in message
    assert "nothing else of the chart was applied" in message
    assert entries(report) == [("web-schema", Action.CREATED), ("web-migrate", Action.FAILED)]
    assert "web-config" not in world.names("configmap")
    assert world.names("job") == {"web-migrate"}  # hook-succeeded only: kept for inspection
    assert inventory(world) == set()


def test_a_pre_delete_hook_is_refused_by_name(world: World) -> None:
    world.commit("Add the hooked chart", chart_files())
    configure(world, preDelete=True)

    report = run(world)

    assert report.failure is not None
    assert report.failure.reason is Reason.RENDER
    message = report.failure.message
    assert "ConfigMap/web-cleanup is a Helm hook of type pre-delete" in message
    assert "deploy/hooked/templates/cleanup.yaml" in message
    assert world.names("configmap") & {"web-config", "web-schema"} == set()
    assert world.names("job") == set()

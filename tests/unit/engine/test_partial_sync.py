"""``Engine.sync`` limited to named objects (``sync --object``), on fakes: only those are
applied, nothing is pruned, the rest of the inventory stays, and the attempt never counts
as the App's last successful sync."""

from __future__ import annotations

import pytest

from tests.unit.engine.harness import Harness, actions, configmap
from trueup.changeset import Action
from trueup.cli.status import status_data
from trueup.failure import Reason
from trueup.objects import ObjectId
from trueup.plan.selection import ObjectName
from trueup.store import AttemptResult

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
EXTRA = ObjectId("", "ConfigMap", "shop", "extra")
ONLY_SETTINGS = frozenset({ObjectName("ConfigMap", "shop", "settings")})


async def synced_then_both_changed(harness: Harness, **spec: object) -> None:
    """App ``web`` synced with ConfigMaps settings and extra, then both changed in Git."""
    harness.app("web", namespace="shop", **spec)
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    harness.commit({"web/cms.yaml": [configmap("settings", color="blue"), configmap("extra")]})
    assert (await harness.sync()).ok
    harness.commit(
        {"web/cms.yaml": [configmap("settings", color="green"), configmap("extra", size="L")]}
    )


async def test_a_partial_sync_applies_only_the_named_object_and_is_recorded_as_partial(
    harness: Harness,
) -> None:
    await synced_then_both_changed(harness)
    [full] = await harness.history()

    report = await harness.sync(only=ONLY_SETTINGS)

    assert report.ok, report.error
    assert actions(report) == {SETTINGS: Action.CONFIGURED}
    assert report.only == {SETTINGS}
    assert (harness.live("ConfigMap", "shop", "settings") or {})["data"] == {"color": "green"}
    assert (harness.live("ConfigMap", "shop", "extra") or {})["data"] == {}, "as it was"
    partial, _ = await harness.history()
    assert partial.result is AttemptResult.SUCCEEDED
    assert partial.only == ("ConfigMap/shop/settings",)
    assert partial.plan_summary == "only ConfigMap/shop/settings: 1 configured"
    assert partial.as_data()["only"] == ["ConfigMap/shop/settings"]
    last_good = await harness.store.last_successful("web")
    assert last_good is not None
    assert (last_good.id, last_good.revision) == (full.id, full.revision)


async def test_status_stays_out_of_sync_after_a_partial_sync(harness: Harness) -> None:
    await synced_then_both_changed(harness)
    [full] = await harness.history()

    await harness.sync(only=ONLY_SETTINGS)

    [row] = await status_data(harness.store, ["web"])
    assert row["sync"] == "OutOfSync"
    assert row["revision"] == full.revision, "the last sync of the whole App"
    confirmed = await harness.store.confirmation("web")
    assert confirmed is not None
    assert confirmed.revision == full.revision, "a partial sync notes no comparison"


async def test_a_partial_sync_prunes_nothing_and_keeps_every_other_inventory_entry(
    harness: Harness,
) -> None:
    await synced_then_both_changed(harness, prune=True)
    harness.commit({"web/cms.yaml": [configmap("settings", color="green")]})
    before = {e.id: e for e in await harness.inventory()}

    report = await harness.sync(only=ONLY_SETTINGS)

    assert report.ok, report.error
    assert actions(report) == {SETTINGS: Action.CONFIGURED}
    assert harness.live("ConfigMap", "shop", "extra") is not None
    after = {e.id: e for e in await harness.inventory()}
    assert set(after) == {SETTINGS, EXTRA}
    assert after[EXTRA] == before[EXTRA]
    assert after[SETTINGS].resource_version != before[SETTINGS].resource_version


async def test_a_partial_sync_adds_an_object_it_created_to_the_inventory(
    harness: Harness,
) -> None:
    await synced_then_both_changed(harness)
    harness.commit(
        {"web/cms.yaml": [configmap("settings", color="green"), configmap("extra"),
                          configmap("fresh")]}
    )  # fmt: skip
    before = {e.id: e for e in await harness.inventory()}
    fresh = ObjectId("", "ConfigMap", "shop", "fresh")

    report = await harness.sync(only=frozenset({ObjectName("ConfigMap", "shop", "fresh")}))

    assert actions(report) == {fresh: Action.CREATED}
    after = {e.id: e for e in await harness.inventory()}
    assert set(after) == {SETTINGS, EXTRA, fresh}
    assert {oid: after[oid] for oid in before} == before
    assert (harness.live("ConfigMap", "shop", "settings") or {})["data"] == {"color": "blue"}


async def test_an_object_the_app_does_not_render_is_refused_before_anything_is_recorded(
    harness: Harness,
) -> None:
    await synced_then_both_changed(harness)
    before = harness.target.objects()

    report = await harness.sync(only=frozenset({ObjectName("ConfigMap", "shop", "nope")}))

    assert report.failure is not None
    assert report.failure.reason is Reason.CONFIG
    assert report.error == (
        "App/web does not render ConfigMap/shop/nope; it renders ConfigMap/shop/extra, "
        "ConfigMap/shop/settings (name one as Kind/namespace/name, or Kind/name for a "
        "cluster-scoped object)"
    )
    assert harness.target.objects() == before
    assert len(await harness.history()) == 1


async def test_a_partial_sync_that_asks_to_prune_is_refused(harness: Harness) -> None:
    await synced_then_both_changed(harness)

    report = await harness.sync(only=ONLY_SETTINGS, prune=True)

    assert report.failure is not None
    assert report.failure.reason is Reason.CONFIG
    assert "never prunes" in report.error
    assert len(await harness.history()) == 1


async def test_a_partial_dry_run_compares_only_the_named_object_and_records_nothing(
    harness: Harness,
) -> None:
    await synced_then_both_changed(harness)
    before = harness.target.objects()
    confirmed = await harness.store.confirmation("web")

    report = await harness.sync(only=ONLY_SETTINGS, dry_run=True)

    assert report.ok, report.error
    assert actions(report) == {SETTINGS: Action.CONFIGURED}
    assert harness.target.objects() == before
    assert len(await harness.history()) == 1
    assert await harness.store.confirmation("web") == confirmed


async def test_named_objects_keep_their_stage_order(harness: Harness) -> None:
    harness.app("web", namespace="shop")
    harness.commit(
        {"web/all.yaml": [configmap("settings"), configmap("extra"),
                          {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}]}
    )  # fmt: skip
    names = {ObjectName("ConfigMap", "shop", "settings"), ObjectName("Namespace", "", "shop")}

    report = await harness.sync(only=frozenset(names))

    assert report.ok, report.error
    assert report.plan is not None
    stages = [[str(oid) for oid in stage.ids] for stage in report.plan.stages]
    assert stages == [["Namespace/shop"], ["ConfigMap/shop/settings"]]
    assert harness.live("ConfigMap", "shop", "extra") is None


async def test_a_partial_sync_of_a_dependency_does_not_make_it_ready(harness: Harness) -> None:
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    harness.app("db", namespace="shop")
    harness.app("web", namespace="shop", dependsOn=["db"])
    harness.commit({"db/cm.yaml": configmap("db"), "web/cm.yaml": configmap("web")})
    assert (await harness.sync("db")).ok
    harness.commit({"db/cm.yaml": configmap("db", v="2"), "web/cm.yaml": configmap("web")})
    db_only = frozenset({ObjectName("ConfigMap", "shop", "db")})
    assert (await harness.sync("db", only=db_only)).ok

    report = await harness.sync("web")

    assert report.failure is not None
    assert report.failure.reason is Reason.DEPENDENCY

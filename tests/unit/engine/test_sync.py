"""``Engine.sync`` on fakes: what it applies, prunes, records and how it reports failures."""

from __future__ import annotations

import pytest

from tests.unit.engine.harness import URL, Harness, actions, configmap
from trueup.changeset import Action
from trueup.errors import SourceUnavailableError, TargetUnavailableError
from trueup.failure import Reason
from trueup.objects import ObjectId
from trueup.store import AttemptResult

pytestmark = pytest.mark.anyio

SETTINGS = ObjectId("", "ConfigMap", "shop", "settings")
EXTRA = ObjectId("", "ConfigMap", "shop", "extra")


async def synced_with_two_configmaps(harness: Harness, **spec: object) -> None:
    """App ``web`` in namespace shop, synced once with ConfigMaps settings and extra."""
    harness.app("web", namespace="shop", **spec)
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    harness.commit({"web/cms.yaml": [configmap("settings", color="blue"), configmap("extra")]})
    report = await harness.sync()
    assert report.ok, report.error


async def test_a_sync_applies_the_render_and_records_the_attempt_and_inventory(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    commit = harness.commit({"web/cm.yaml": configmap("settings", color="blue")})

    report = await harness.sync()

    assert report.ok, report.error
    assert report.revision == f"main@sha1:{commit}"
    assert actions(report) == {SETTINGS: Action.CREATED}
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    assert live["data"] == {"color": "blue"}
    [attempt] = await harness.history()
    assert attempt.result is AttemptResult.SUCCEEDED
    assert attempt.revision == report.revision
    assert [e.id for e in await harness.inventory()] == [SETTINGS]


async def test_a_dry_run_changes_nothing_and_records_nothing(harness: Harness) -> None:
    await synced_with_two_configmaps(harness)
    before = harness.target.objects()
    harness.commit({"web/cm.yaml": configmap("settings", color="green")})

    report = await harness.sync(dry_run=True)

    assert report.ok, report.error
    assert actions(report) == {SETTINGS: Action.CONFIGURED, EXTRA: Action.PRUNED}
    assert harness.target.objects() == before
    assert len(await harness.history()) == 1
    assert {e.id for e in await harness.inventory()} == {SETTINGS, EXTRA}


async def test_a_suspended_app_is_refused_before_anything_is_fetched_or_recorded(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop", suspend=True)
    harness.commit({"web/cm.yaml": configmap("settings")})

    report = await harness.sync()

    assert report.failure is not None
    assert report.failure.reason is Reason.CONFIG
    assert "App/web is suspended" in report.error
    assert "spec.suspend" in report.error
    assert harness.source.fetches == []
    assert await harness.history() == []
    assert harness.live("ConfigMap", "shop", "settings") is None


async def test_a_render_that_becomes_empty_prunes_nothing_unless_the_app_allows_it(
    harness: Harness,
) -> None:
    await synced_with_two_configmaps(harness)
    harness.commit({"web/README.md": "nothing to deploy here any more\n"})

    report = await harness.sync()

    assert harness.live("ConfigMap", "shop", "settings") is not None
    assert harness.live("ConfigMap", "shop", "extra") is not None
    skipped = {c.id: c.reason for c in report.changes.changes if c.action is Action.SKIPPED}
    assert set(skipped) == {SETTINGS, EXTRA}
    assert {e.id for e in await harness.inventory()} == {SETTINGS, EXTRA}

    harness.app("web", namespace="shop", allowEmpty=True)
    report = await harness.sync()

    assert report.ok, report.error
    assert actions(report) == {
        SETTINGS: Action.PRUNED,
        EXTRA: Action.PRUNED,
    }
    assert harness.live("ConfigMap", "shop", "settings") is None
    assert await harness.inventory() == ()


async def test_a_source_that_cannot_be_read_prunes_nothing_and_keeps_the_inventory(
    harness: Harness,
) -> None:
    await synced_with_two_configmaps(harness, allowEmpty=True)
    harness.source.fail(URL, SourceUnavailableError("the Git server answered 503"))

    report = await harness.sync()

    assert report.failure is not None
    assert report.failure.reason is Reason.SOURCE_UNAVAILABLE
    assert report.failure.temporary
    assert report.error == "GitSource/shop: the Git server answered 503"
    assert report.revision is None
    assert report.changes.changes == ()
    assert harness.live("ConfigMap", "shop", "extra") is not None
    assert {e.id for e in await harness.inventory()} == {SETTINGS, EXTRA}
    newest, first = await harness.history()
    assert newest.result is AttemptResult.FAILED
    assert newest.error == report.error
    assert first.result is AttemptResult.SUCCEEDED


async def test_a_ref_that_does_not_exist_is_a_permanent_source_failure(harness: Harness) -> None:
    harness.app("web", namespace="shop")
    harness.source_spec["ref"] = {"branch": "release"}
    harness.commit({"web/cm.yaml": configmap("settings")})

    report = await harness.sync()

    assert report.failure is not None
    assert report.failure.reason is Reason.SOURCE
    assert not report.failure.temporary
    assert "branch release does not exist" in report.error
    [attempt] = await harness.history()
    assert attempt.result is AttemptResult.FAILED


async def test_a_manifest_that_cannot_be_parsed_is_a_render_failure_naming_the_file(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    commit = harness.commit({"web/broken.yaml": "kind: ConfigMap\n  data: [\n"})

    report = await harness.sync()

    assert report.failure is not None
    assert report.failure.reason is Reason.RENDER
    assert "broken.yaml" in report.error
    assert report.revision == f"main@sha1:{commit}"
    assert harness.target.calls == []


async def test_a_target_that_cannot_be_reached_is_a_temporary_failure(harness: Harness) -> None:
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("settings")})
    for verb in ("list", "get"):
        harness.target.fail(verb, TargetUnavailableError("connection refused"), times=None)

    report = await harness.sync()

    assert report.failure is not None
    assert report.failure.reason is Reason.TARGET_UNAVAILABLE
    assert report.failure.temporary
    assert "connection refused" in report.error
    [attempt] = await harness.history()
    assert attempt.result is AttemptResult.FAILED

"""``spec.dependsOn`` in ``Engine.sync``: an App waits until its dependencies are ready."""

from __future__ import annotations

import pytest

from tests.unit.engine.harness import Harness, configmap, namespace
from trueup.failure import Reason

pytestmark = pytest.mark.anyio

FILES = {
    "base/cm.yaml": configmap("base", color="blue"),
    "web/cm.yaml": configmap("web", color="green"),
}


def declare(harness: Harness, **base_spec: object) -> None:
    """App ``base``, and App ``web`` that depends on it, both in namespace shop."""
    harness.app("base", namespace="shop", **base_spec)
    harness.app("web", namespace="shop", dependsOn=["base"])
    harness.target.put(namespace("shop"))


async def test_an_app_is_refused_until_its_dependency_has_been_synced(harness: Harness) -> None:
    declare(harness)
    harness.commit(FILES)

    refused = await harness.sync("web")

    assert refused.failure is not None
    assert refused.failure.reason is Reason.DEPENDENCY
    assert refused.failure.temporary
    assert refused.error == (
        "App/web waits for its dependencies (spec.dependsOn): App/base has never been synced. "
        "Sync them first, or sync with --ignore-dependencies"
    )
    assert harness.live("ConfigMap", "shop", "web") is None
    assert (await harness.sync("base")).ok
    synced = await harness.sync("web")
    assert synced.ok, synced.error
    assert harness.live("ConfigMap", "shop", "web") is not None


async def test_a_dependency_whose_source_moved_on_holds_its_dependents_back(
    harness: Harness,
) -> None:
    declare(harness)
    first = harness.commit(FILES)
    assert (await harness.sync("base")).ok
    second = harness.commit({**FILES, "base/cm.yaml": configmap("base", color="red")})

    refused = await harness.sync("web")

    assert refused.failure is not None
    assert refused.failure.reason is Reason.DEPENDENCY
    assert (
        f"App/base last succeeded at main@sha1:{first}, but its source is now at "
        f"main@sha1:{second}" in refused.error
    )
    assert (await harness.sync("base")).ok
    assert (await harness.sync("web")).ok


async def test_a_dependency_whose_last_sync_failed_holds_its_dependents_back(
    harness: Harness,
) -> None:
    declare(harness)
    harness.commit(FILES)
    assert (await harness.sync("base")).ok
    commit = harness.commit({**FILES, "base/cm.yaml": "kind: [unclosed"})
    assert not (await harness.sync("base")).ok

    refused = await harness.sync("web")

    assert refused.failure is not None
    assert refused.failure.reason is Reason.DEPENDENCY
    assert f"App/base's last sync at main@sha1:{commit} failed" in refused.error


async def test_ignore_dependencies_syncs_an_app_whose_dependency_is_not_ready(
    harness: Harness,
) -> None:
    declare(harness)
    harness.commit(FILES)

    report = await harness.sync("web", ignore_dependencies=True)

    assert report.ok, report.error
    assert harness.live("ConfigMap", "shop", "web") is not None


async def test_a_dry_run_never_waits_for_dependencies(harness: Harness) -> None:
    declare(harness)
    harness.commit(FILES)

    report = await harness.sync("web", dry_run=True)

    assert report.ok, report.error
    assert "ConfigMap/shop/web" in {str(oid) for oid in report.diffs}


async def test_a_suspended_dependency_counts_by_its_last_sync_and_the_refusal_says_so(
    harness: Harness,
) -> None:
    declare(harness)
    harness.commit(FILES)
    assert (await harness.sync("base")).ok
    declare(harness, suspend=True)

    assert (await harness.sync("web")).ok, "its last sync is at the current revision"
    harness.commit({**FILES, "web/cm.yaml": configmap("web", color="red")})
    refused = await harness.sync("web")

    assert refused.failure is not None
    assert "(it is suspended: set its spec.suspend to false and sync it)" in refused.error

"""``preview`` and ``diff_ref`` through the engine on fakes: which Apps a branch touches,
what they would change, and that a ref under review never gets a Secret's value."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.unit.engine.harness import URL, Harness, configmap
from trueup.engine import SyncOptions
from trueup.errors import ConfigError
from trueup.gitspec import GitRef
from trueup.inputs.options import UNREAD_SECRET
from trueup.preview import Change, diff_ref, preview, to_markdown
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

CANARY = "preview-unit-canary-41f9e2"


def secret(name: str, namespace: str, **values: str) -> dict[str, Any]:
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    meta = {"name": name, "namespace": namespace}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": data}


def three_apps(harness: Harness) -> None:
    for name in ("api", "docs", "web"):
        harness.app(name, namespace="shop")
    harness.commit(
        {
            "web/settings.yaml": configmap("web-settings", color="blue"),
            "api/settings.yaml": configmap("api-settings", port="80"),
            "api/extra.yaml": configmap("api-extra", debug="no"),
            "docs/settings.yaml": configmap("docs-settings", title="Docs"),
        }
    )


def quiet(_line: str) -> None:
    pass


async def test_a_branch_lists_the_apps_it_touches_and_counts_the_others(harness: Harness) -> None:
    three_apps(harness)
    harness.commit(
        {
            "web/settings.yaml": configmap("web-settings", color="green"),
            "web/new.yaml": configmap("web-new", a="b"),
            "api/settings.yaml": configmap("api-settings", port="80"),
            "docs/settings.yaml": configmap("docs-settings", title="Docs"),
        },
        branch="feature",
    )

    found = await preview(harness.engine(), "feature", quiet)

    assert [app.app for app in found.apps] == ["api", "web"]
    assert found.unaffected == ("docs",)
    api, web = found.apps
    assert [(d.id.name, d.change) for d in api.changes] == [("api-extra", Change.PRUNED)]
    assert [(d.id.name, d.change) for d in web.changes] == [
        ("web-new", Change.CREATED),
        ("web-settings", Change.CHANGED),
    ]
    assert found.branch == "feature"
    assert found.base.startswith("main@sha1:")
    assert found.ref.startswith("feature@sha1:")
    assert to_markdown(found) == to_markdown(await preview(harness.engine(), "feature", quiet))


async def test_nothing_is_recorded_and_nothing_is_applied(harness: Harness) -> None:
    three_apps(harness)
    harness.commit({"web/settings.yaml": configmap("web-settings")}, branch="feature")

    await preview(harness.engine(), "feature", quiet)
    await diff_ref(harness.engine(), "web", "feature", quiet)

    assert await harness.history("web") == []
    assert await harness.store.confirmation("web") is None
    assert [obj for obj in harness.target.objects() if obj["kind"] == "ConfigMap"] == []


def watch_reads(target: MemoryTarget) -> list[str]:
    """Every id ``target.get`` is asked for, in order."""
    asked: list[str] = []
    original = target.get

    async def get(ref: Any) -> Any:
        asked.append(str(ref))
        return await original(ref)

    target.get = get  # type: ignore[method-assign]
    return asked


async def test_a_secret_variable_copied_into_a_configmap_shows_a_placeholder(
    harness: Harness,
) -> None:
    harness.target.put(secret("creds", "shop", DB_PASSWORD=CANARY))
    harness.target.put(configmap("env", "shop", APP_ENV="prod"))
    harness.app(
        "web",
        namespace="shop",
        substituteFrom=[{"kind": "ConfigMap", "name": "env"}, {"kind": "Secret", "name": "creds"}],
        substituteStrict=True,
    )
    harness.commit({"web/settings.yaml": configmap("web-settings", env="${APP_ENV}")})
    leak = configmap("web-settings", env="${APP_ENV}", leaked="${DB_PASSWORD}")
    harness.commit({"web/settings.yaml": leak}, branch="leak")
    asked = watch_reads(harness.target)

    found = await diff_ref(harness.engine(), "web", "leak", quiet)

    (web,) = found.apps
    assert not web.error, web.error
    (diff,) = web.changes
    assert f"+  leaked: {UNREAD_SECRET}" in diff.diff
    assert "env: prod" in diff.diff
    assert CANARY not in to_markdown(found)
    assert asked
    assert not any("Secret" in ref for ref in asked)


async def test_without_a_cluster_secret_refs_give_placeholders_and_configmap_refs_an_error(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop", substituteFrom=[{"kind": "Secret", "name": "creds"}])
    harness.app("api", namespace="shop", substituteFrom=[{"kind": "ConfigMap", "name": "env"}])
    harness.commit(
        {
            "web/settings.yaml": configmap("web-settings", password="${DB_PASSWORD}"),
            "api/settings.yaml": configmap("api-settings", env="${APP_ENV}"),
        }
    )
    engine = harness.engine()

    def no_cluster(*_args: Any, **_kwargs: Any) -> MemoryTarget:
        raise ConfigError("no kubeconfig found")

    engine.targets.get = no_cluster  # type: ignore[method-assign]

    found = await preview(engine, "main", quiet, base="main")
    web = await diff_ref(engine, "web", "main", quiet)

    # The same tree: only the App that cannot render (so has no read-set) is listed.
    (api,) = found.apps
    assert api.app == "api"
    assert "no cluster is configured" in api.error
    assert "--kubeconfig" in api.error
    assert found.unaffected == ("web",)
    assert web.apps[0].error == ""
    assert web.apps[0].changes == ()


async def test_an_app_that_fails_at_the_base_is_previewed_with_every_object_created(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    harness.app("docs", namespace="shop")
    harness.commit(
        {"web/settings.yaml": "kind: [broken\n", "docs/settings.yaml": configmap("docs")}
    )
    harness.commit(
        {"web/settings.yaml": configmap("web-settings"), "docs/settings.yaml": configmap("docs")},
        branch="fix",
    )

    found = await preview(harness.engine(), "fix", quiet)

    (web,) = found.apps
    assert "web/settings.yaml" in web.base_error
    assert [d.change for d in web.changes] == [Change.CREATED]
    assert found.unaffected == ("docs",)


async def test_a_tag_and_a_commit_are_refs_too(harness: Harness) -> None:
    three_apps(harness)
    commit = harness.commit({"web/settings.yaml": configmap("web-settings")}, branch="feature")
    harness.source.tag(URL, "v2", commit)

    by_tag = await diff_ref(harness.engine(), "web", "v2", quiet)
    by_commit = await diff_ref(harness.engine(), "web", commit, quiet)

    assert by_tag.ref == f"v2@sha1:{commit}"
    assert by_commit.ref == f"sha1:{commit}"
    assert by_tag.apps[0].changes == by_commit.apps[0].changes
    assert by_tag.branch is None


async def test_a_ref_under_review_is_only_ever_a_dry_run_and_notes_no_comparison(
    harness: Harness,
) -> None:
    three_apps(harness)
    harness.target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    harness.commit({"web/settings.yaml": configmap("web-settings")}, branch="feature")
    ref = GitRef(branch="feature")

    applied = await harness.sync("web", ref=ref)
    compared = await harness.engine().sync(
        "web", SyncOptions(dry_run=True, ref=ref), harness.progress.append
    )

    assert applied.failure is not None
    assert "never applied" in applied.error
    assert compared.ok, compared.error
    assert compared.revision is not None
    assert compared.revision.startswith("feature@")
    assert [str(oid) for oid in compared.diffs] == ["ConfigMap/shop/web-settings"]
    assert await harness.store.confirmation("web") is None
    assert await harness.history("web") == []

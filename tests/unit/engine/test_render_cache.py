"""A warm sync skips rendering when neither the revision nor what the render reads changed.

One Engine syncs several times, as the daemon's does; every render that really runs is
counted by wrapping ``render_async`` where the engine calls it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.harness import Harness, configmap, namespace
from trueup import engine as engine_module
from trueup.config import load_config
from trueup.engine import Engine, SyncOptions, SyncReport
from trueup.inputs.render_cache import RenderCache, render_key
from trueup.objects import Object
from trueup.render import Rendered, RenderOptions, render_async
from trueup.render.sops_keys import SopsKeys
from trueup.source import Artifact

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def shop(harness: Harness) -> None:
    """Namespace shop exists in the target: the Apps deploy there."""
    harness.target.put(namespace("shop"))


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every render the engine really runs, in order."""
    seen: list[str] = []
    real = render_async

    async def counting(root: Path, path: str, options: RenderOptions) -> Rendered:
        seen.append(path)
        return await real(root, path, options)

    monkeypatch.setattr(engine_module, "render_async", counting)
    return seen


def settings(color: str = "${color}") -> dict[str, Any]:
    """A ConfigMap whose ``color`` is substituted."""
    return configmap("settings", color=color)


def variables(color: str) -> Object:
    """The ConfigMap ``substituteFrom`` reads, in namespace shop of the target."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "vars", "namespace": "shop"},
        "data": {"color": color},
    }


async def sync(engine: Engine, harness: Harness, app: str = "web") -> SyncReport:
    report = await engine.sync(app, SyncOptions(), harness.progress.append)
    assert report.ok, report.error
    return report


def reloaded(engine: Engine, harness: Harness) -> Engine:
    """``engine`` with the configuration as now declared (its render cache kept)."""
    config = load_config(harness.config_file())
    config.raise_if_invalid()
    engine.config = config
    return engine


def live_color(harness: Harness) -> str:
    live = harness.live("ConfigMap", "shop", "settings")
    assert live is not None
    return str(live["data"]["color"])


async def test_a_second_sync_of_the_same_revision_does_not_render_again(
    harness: Harness, renders: list[str]
) -> None:
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": settings("blue")})
    engine = harness.engine()

    await sync(engine, harness)
    await sync(engine, harness)
    await sync(engine, harness)

    assert renders == ["web"]
    assert engine.render_cache.hits == 2
    assert live_color(harness) == "blue"


async def test_a_new_revision_renders_again(harness: Harness, renders: list[str]) -> None:
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": settings("blue")})
    engine = harness.engine()
    await sync(engine, harness)

    harness.commit({"web/cm.yaml": settings("green")})
    await sync(engine, harness)

    assert renders == ["web", "web"]
    assert live_color(harness) == "green"


async def test_a_changed_substitute_from_configmap_renders_again(
    harness: Harness, renders: list[str]
) -> None:
    harness.app("web", namespace="shop", substituteFrom=[{"kind": "ConfigMap", "name": "vars"}])
    harness.commit({"web/cm.yaml": settings()})
    harness.target.put(variables("blue"))
    engine = harness.engine()
    await sync(engine, harness)
    await sync(engine, harness)
    assert renders == ["web"]

    harness.target.put(variables("red"))
    await sync(engine, harness)

    assert renders == ["web", "web"]
    assert live_color(harness) == "red"


async def test_a_changed_app_spec_renders_again(harness: Harness, renders: list[str]) -> None:
    harness.app("web", namespace="shop", substitute={"color": "blue"})
    harness.commit({"web/cm.yaml": settings()})
    engine = harness.engine()
    await sync(engine, harness)

    harness.app("web", namespace="shop", substitute={"color": "yellow"})
    await sync(reloaded(engine, harness), harness)
    harness.app("web", namespace="shop", substitute={"color": "yellow"}, prune=False)
    await sync(reloaded(engine, harness), harness)

    assert renders == ["web", "web"], "prune does not change the render; substitute does"
    assert live_color(harness) == "yellow"


async def test_two_apps_with_the_same_spec_are_kept_apart(
    harness: Harness, renders: list[str]
) -> None:
    # A Helm release is named after its App by default: the App is part of the key.
    harness.app("web", namespace="shop", path="shared")
    harness.app("api", namespace="shop", path="shared")
    harness.commit({"shared/cm.yaml": settings("blue")})
    engine = harness.engine()
    web, api = engine.app("web"), engine.app("api")
    artifact = await engine.fetch(web)

    await engine.render(web, artifact)
    await engine.render(api, artifact)
    await engine.render(web, artifact)

    assert renders == ["shared", "shared"]


async def test_a_failed_render_is_not_kept(harness: Harness, renders: list[str]) -> None:
    harness.app("web", namespace="shop", substituteStrict=True)
    harness.commit({"web/cm.yaml": settings()})
    engine = harness.engine()

    first = await engine.sync("web", SyncOptions(), harness.progress.append)
    second = await engine.sync("web", SyncOptions(), harness.progress.append)

    assert not first.ok
    assert not second.ok
    assert renders == ["web", "web"]
    assert len(engine.render_cache) == 0


def app_of(harness: Harness, name: str = "web") -> Any:
    config = load_config(harness.config_file())
    config.raise_if_invalid()
    return next(app for app in config.apps if app.metadata.name == name)


@pytest.mark.parametrize(
    ("version", "cached"),
    [("1.2.3", True), ("^1.2.0", False), (">=1.0.0 <2.0.0", False), (None, False)],
)
def test_a_repository_chart_is_cached_only_at_an_exact_version(
    harness: Harness, version: str | None, cached: bool
) -> None:
    helm: dict[str, Any] = {"chart": "podinfo", "repository": "https://charts.example.test"}
    if version is not None:
        helm["version"] = version
    harness.app("web", namespace="shop", helm=helm)

    key = render_key(app_of(harness), RenderOptions(), ())

    assert (key is not None) is cached


def test_remote_kustomize_bases_are_never_cached(harness: Harness) -> None:
    harness.app("web", namespace="shop", kustomize={"allowRemoteBases": True})

    assert render_key(app_of(harness), RenderOptions(allow_remote_bases=True), ()) is None


def test_the_key_follows_the_ignore_patterns_inputs_and_decryption_keys(
    harness: Harness,
) -> None:
    harness.app("web", namespace="shop")
    app = app_of(harness)
    key = render_key(app, RenderOptions(), ("digest-a",))

    assert render_key(app, RenderOptions(), ("digest-a",)) == key
    assert render_key(app, RenderOptions(ignore=("*.bak",)), ("digest-a",)) != key
    assert render_key(app, RenderOptions(), ("digest-b",)) != key
    one, other = SopsKeys("sops", ("AGE-SECRET-KEY-1",)), SopsKeys("sops", ("AGE-SECRET-KEY-2",))
    with_one = render_key(app, RenderOptions(decryption=one), ("digest-a",))
    assert with_one not in (key, render_key(app, RenderOptions(decryption=other), ("digest-a",)))


def rendered(count: int) -> Rendered:
    """A render of ``count`` ConfigMaps."""
    return Rendered(objects=tuple(configmap(f"cm-{n}") for n in range(count)), origins={})


COMMITS = [Artifact("https://x", f"main@sha1:{c}", c, Path("/")) for c in "abc"]


def test_the_cache_keeps_one_render_per_app_and_forgets_the_least_recently_used() -> None:
    cache = RenderCache(max_objects=10)
    web, api, db = rendered(4), rendered(4), rendered(4)

    cache.put("web", "k", COMMITS[0], web)
    cache.put("api", "k", COMMITS[0], api)
    assert cache.get("web", "k", COMMITS[0]) is web  # api is now the least recently used
    cache.put("db", "k", COMMITS[0], db)  # 12 objects: over the budget

    assert cache.get("api", "k", COMMITS[0]) is None
    assert cache.get("web", "k", COMMITS[0]) is web
    assert cache.get("db", "k", COMMITS[0]) is db
    assert len(cache) == 2


def test_a_new_commit_replaces_the_apps_render_and_a_huge_render_is_not_kept() -> None:
    cache = RenderCache(max_objects=10)
    cache.put("web", "k", COMMITS[0], rendered(4))
    cache.put("web", "k", COMMITS[1], rendered(4))

    assert cache.get("web", "k", COMMITS[0]) is None
    assert cache.get("web", "other", COMMITS[1]) is None
    assert cache.get("web", "k", COMMITS[1]) is not None
    assert len(cache) == 1

    cache.put("web", "k", COMMITS[2], rendered(11))

    assert cache.get("web", "k", COMMITS[2]) is None
    assert cache.get("web", "k", COMMITS[1]) is None
    assert len(cache) == 0

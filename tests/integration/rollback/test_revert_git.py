"""Rollback by revert against the served Git repository (HTTPS, basic auth, push) and the
dev-cluster: two Apps share ``base``; reverting one to an earlier revision pushes a real
commit restoring what it read (files added since deleted), lists the other App and needs
confirmation, survives a concurrent push, and once synced both Apps are as they were."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.daemon.serving import Served
from tests.integration.engine.helpers import (
    Run,
    configmap,
    git_cache,
    https_secret,
    manifest,
    run_trueup,
    trueup_argv,
    trueup_env,
)
from tests.servers.cluster import Kube
from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import GitHttpServer
from trueup.config import load_config
from trueup.errors import ConfigError, TrueupError
from trueup.rollback import revert as revert_module
from trueup.rollback.restore import restorer
from trueup.rollback.revert import ConfirmationError, revert_app, revert_event
from trueup.store import SqliteStore

__all__ = ["git_cache"]

pytestmark = [pytest.mark.anyio, pytest.mark.cluster]

SOURCE = "deploy"
SECRET = "git-credentials"
BY = "cli:alice"


def _kustomization(*resources: str, prefix: str = "") -> str:
    data: dict[str, Any] = {"resources": list(resources)}
    if prefix:
        data["namePrefix"] = prefix
    return yaml.safe_dump(data)


BASE_V1 = {
    "base/kustomization.yaml": _kustomization("settings.yaml"),
    "base/settings.yaml": manifest(configmap("settings", {"color": "blue"})),
    "apps/shop/kustomization.yaml": _kustomization("../../base", prefix="shop-"),
    "apps/blog/kustomization.yaml": _kustomization("../../base", prefix="blog-"),
}
BASE_V2 = {
    "base/kustomization.yaml": _kustomization("settings.yaml", "extra.yaml"),
    "base/settings.yaml": manifest(configmap("settings", {"color": "red"})),
    "base/extra.yaml": manifest(configmap("extra", {"added": "later"})),
}


class Shared:
    """Two Apps (shop, blog) of one GitSource with write access, and the tools to drive them."""

    def __init__(
        self, kube: Kube, repo: ServedRepo, namespace: str, home: Path, cache: Path, url: str
    ) -> None:
        self.kube, self.repo, self.namespace = kube, repo, namespace
        self.home, self.cache, self.url = home, cache, url

    @property
    def config(self) -> Path:
        return self.home / "trueup.yaml"

    @property
    def store(self) -> Path:
        return self.home / "trueup.db"

    def write_config(self, secret: dict[str, str], ref: dict[str, str] | None = None) -> None:
        source_spec = {
            "url": self.url,
            "ref": ref or {"branch": "main"},
            "secretRef": {"name": SECRET},
            "write": {"secretRef": {"name": SECRET}, "author": {"name": "Bot", "email": "b@t"}},
        }
        docs: list[dict[str, Any]] = [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": SECRET},
                "stringData": secret,
            },
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "GitSource",
                "metadata": {"name": SOURCE},
                "spec": source_spec,
            },
        ]
        for app in ("shop", "blog"):
            docs.append(
                {
                    "apiVersion": "trueup.dev/v1alpha1",
                    "kind": "App",
                    "metadata": {"name": app},
                    "spec": {
                        "source": SOURCE,
                        "path": f"apps/{app}",
                        "namespace": self.namespace,
                        "prune": True,
                    },
                }
            )
        self.config.write_text(yaml.safe_dump_all(docs))

    def commit(self, message: str, files: dict[str, str]) -> str:
        return self.repo.commit_and_push(message, files)

    def argv(self, *args: str) -> list[str]:
        return trueup_argv(
            "--config",
            str(self.config),
            "--store",
            str(self.store),
            "--kubeconfig",
            str(self.kube.kubeconfig),
            *args,
        )

    def cli(self, *args: str) -> Run:
        return run_trueup(self.argv(*args), trueup_env(self.cache))

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start ``trueup ARGS`` without waiting (for :class:`Served`)."""
        return subprocess.Popen(
            [*self.argv(*args)],
            env=trueup_env(self.cache),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def kill(self, process: subprocess.Popen[str]) -> None:
        """SIGKILL a process :meth:`spawn` started, by its own pid, and reap it."""
        process.kill()
        process.wait(timeout=30)

    def sync(self, app: str) -> None:
        run = self.cli("sync", app)
        assert run.code == 0, str(run)

    def color(self, name: str) -> str | None:
        text = self.kube.kubectl(
            "-n", self.namespace, "get", "configmap", name, "-o", "yaml", "--ignore-not-found"
        )
        return yaml.safe_load(text)["data"].get("color", "") if text.strip() else None

    def exists(self, name: str) -> bool:
        text = self.kube.kubectl(
            "-n", self.namespace, "get", "configmap", name, "--ignore-not-found", "-o", "name"
        )
        return bool(text.strip())

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "--git-dir", str(self.repo.bare), *args],
            capture_output=True,
            text=True,
            check=True,
            env={
                "PATH": "/usr/bin:/bin",
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": "/dev/null",
            },
        )
        return done.stdout

    def tree(self, commit: str, folder: str) -> dict[str, str]:
        """Every file under ``folder`` at ``commit`` of the served repository."""
        names = self.git("ls-tree", "-r", "--name-only", commit, "--", folder).split()
        return {name: self.git("show", f"{commit}:{name}") for name in names}


@pytest.fixture
def shared(
    kube: Kube,
    namespace: str,
    git_https: GitHttpServer,
    git_repo: ServedRepo,
    git_cache: Path,
    tmp_path: Path,
) -> Shared:
    home = tmp_path / "home"
    home.mkdir()
    world = Shared(kube, git_repo, namespace, home, git_cache, git_https.url(git_repo.name))
    world.write_config(https_secret(git_https))
    return world


async def _revert(world: Shared, app: str, revision: str, *, yes: bool) -> Any:
    config = load_config(world.config)
    config.raise_if_invalid()
    store = await SqliteStore.open(world.store)
    try:
        outcome = await revert_app(config, store, app, revision, by=BY, yes=yes)
        if outcome.pushed:
            await store.record_events([revert_event(outcome)])
        return outcome
    finally:
        await store.close()


async def _pending(world: Shared) -> list[Any]:
    store = await SqliteStore.open(world.store)
    try:
        return await store.pending_reverts()
    finally:
        await store.close()


async def _events(world: Shared, app: str) -> list[Any]:
    store = await SqliteStore.open(world.store)
    try:
        return await store.events(app=app)
    finally:
        await store.close()


async def test_a_revert_of_a_shared_base_restores_both_apps_after_confirmation(
    shared: Shared,
) -> None:
    v1 = shared.commit("Base v1", BASE_V1)
    shared.sync("shop")
    shared.sync("blog")
    v2 = shared.commit("Paint it red and add extra", BASE_V2)
    shared.sync("shop")
    shared.sync("blog")
    assert shared.color("shop-settings") == "red"
    assert shared.exists("blog-extra")

    with pytest.raises(ConfirmationError) as refused:
        await _revert(shared, "shop", v1[:10], yes=False)
    assert refused.value.others == ("blog",)
    assert "App/blog" in str(refused.value)
    assert shared.git("rev-parse", "refs/heads/main").strip() == v2  # nothing pushed

    outcome = await _revert(shared, "shop", f"main@sha1:{v1}", yes=True)

    head = shared.git("rev-parse", "refs/heads/main").strip()
    assert outcome.commit == head
    assert outcome.plan.paths == ("apps/shop", "base")
    assert outcome.plan.others == ("blog",)
    assert shared.git("rev-parse", f"{head}^").strip() == v2  # a real commit on top
    assert shared.tree(head, "base") == shared.tree(v1, "base")  # extra.yaml deleted
    assert "base/extra.yaml" not in shared.tree(head, "base")
    message = shared.git("log", "-1", "--format=%B", head)
    assert f"{v2[:7]} Paint it red and add extra" in message
    assert "Base v1" not in message  # only the commits since REVISION are reverted
    assert f"Requested-by: {BY}" in message
    [pending] = await _pending(shared)
    assert (pending.app, pending.commit, pending.by) == ("shop", head, BY)
    assert pending.covers("base/extra.yaml")
    [event] = [e for e in await _events(shared, "shop") if e.kind == "app.rolledback"]
    assert event.fields["mode"] == "revert"
    assert event.fields["commit"] == head

    # Normal reconcile applies the revert: both Apps as of REVISION.
    shared.sync("shop")
    shared.sync("blog")

    for prefix in ("shop", "blog"):
        assert shared.color(f"{prefix}-settings") == "blue"
        assert not shared.exists(f"{prefix}-extra")
    assert await _pending(shared) == []


async def test_nothing_to_restore_makes_no_commit(shared: Shared) -> None:
    v1 = shared.commit("Base v1", BASE_V1)
    shared.sync("shop")
    shared.commit("Unrelated", {"docs/readme.md": "hello\n"})
    before = shared.git("rev-parse", "refs/heads/main").strip()

    outcome = await _revert(shared, "shop", v1, yes=True)

    assert not outcome.pushed
    assert "nothing to revert" in outcome.summary()
    assert shared.git("rev-parse", "refs/heads/main").strip() == before
    assert await _pending(shared) == []


async def test_a_concurrent_push_is_retried_and_the_revert_survives_it(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = shared.commit("Base v1", BASE_V1)
    shared.sync("shop")
    v2 = shared.commit("Paint it red", {"base/settings.yaml": BASE_V2["base/settings.yaml"]})
    shared.sync("shop")
    real = restorer
    calls: list[Path] = []

    def racing(then: Path, paths: tuple[str, ...]) -> Any:
        edit = real(then, paths)

        async def first_loses_the_race(worktree: Path) -> bool:
            calls.append(worktree)
            if len(calls) == 1:  # someone pushes between our fetch and our push
                shared.commit("Meanwhile", {"docs/news.md": "pushed meanwhile\n"})
            return await edit(worktree)

        return first_loses_the_race

    monkeypatch.setattr(revert_module, "restorer", racing)

    outcome = await _revert(shared, "shop", v1, yes=True)

    head = shared.git("rev-parse", "refs/heads/main").strip()
    assert len(calls) == 2
    assert outcome.attempts == 2
    assert outcome.commit == head
    subjects = shared.git("log", "--format=%s", f"{v2}..{head}").splitlines()
    assert subjects == [f"Revert shop to {v1[:12]}", "Meanwhile"]  # linear, nothing lost
    assert shared.git("show", f"{head}:docs/news.md") == "pushed meanwhile\n"
    assert shared.tree(head, "base") == shared.tree(v1, "base")


async def test_a_source_following_a_tag_is_refused(
    shared: Shared, git_https: GitHttpServer
) -> None:
    v1 = shared.commit("Base v1", BASE_V1)
    shared.repo.work.tag("v1")
    shared.repo.push()
    shared.write_config(https_secret(git_https), ref={"tag": "v1"})
    shared.sync("shop")
    before = shared.git("rev-parse", "refs/heads/main").strip()

    with pytest.raises(ConfigError, match="follows tag v1, not a branch"):
        await _revert(shared, "shop", v1, yes=True)

    assert shared.git("rev-parse", "refs/heads/main").strip() == before
    assert await _pending(shared) == []


async def test_a_revision_the_app_never_applied_is_refused(shared: Shared) -> None:
    shared.commit("Base v1", BASE_V1)
    shared.sync("shop")

    with pytest.raises(TrueupError, match="never applied"):
        await _revert(shared, "shop", "0123456789ab", yes=True)


def test_the_cli_needs_yes_when_another_app_changes_and_says_how_to_apply(
    shared: Shared,
) -> None:
    v1 = shared.commit("Base v1", BASE_V1)
    shared.sync("shop")
    shared.sync("blog")
    v2 = shared.commit("Paint it red and add extra", BASE_V2)
    shared.sync("shop")
    shared.sync("blog")

    refused = shared.cli("rollback", "shop", "--to", v1[:7], "--revert")

    assert refused.code == 2, str(refused)
    assert "App/blog" in refused.stderr
    assert "--yes" in refused.stderr
    assert shared.git("rev-parse", "refs/heads/main").strip() == v2

    run = shared.cli(
        "rollback", "shop", "--to", v1[:7], "--revert", "--yes", "--reason", "red broke"
    )

    assert run.code == 0, str(run)
    head = shared.git("rev-parse", "refs/heads/main").strip()
    assert f"pushed {head[:12]}" in run.stdout
    assert f"reverts {v2[:7]} Paint it red and add extra" in run.stdout
    assert "trueup sync" in run.stderr
    assert "shop blog" in run.stderr
    assert "red broke" in shared.git("log", "-1", "--format=%B", head)
    assert shared.tree(head, "base") == shared.tree(v1, "base")


def test_the_api_answers_409_listing_the_other_apps_until_yes(shared: Shared) -> None:
    v1 = shared.commit("Base v1", BASE_V1)
    shared.sync("shop")
    shared.sync("blog")
    v2 = shared.commit("Paint it red and add extra", BASE_V2)
    shared.sync("shop")
    shared.sync("blog")
    served = Served(shared)  # type: ignore[arg-type]  # Served needs spawn and kill only
    try:
        url = f"{served.url}/api/apps/shop/rollback"
        body = {"revision": v1, "revert": True}

        refused = httpx.post(url, json=body, timeout=60)

        assert refused.status_code == 409, refused.text
        assert "App/blog" in refused.text
        assert shared.git("rev-parse", "refs/heads/main").strip() == v2

        done = httpx.post(url, json={**body, "yes": True}, timeout=60)

        assert done.status_code == 200, done.text
        answer = done.json()
        head = shared.git("rev-parse", "refs/heads/main").strip()
        assert (answer["pushed"], answer["commit"], answer["others"]) == (True, head, ["blog"])
    finally:
        served.stop()

"""Three Apps on one served repository, and branches of it to preview.

The repository holds ``apps/web``, ``apps/api`` and ``apps/docs``; a configuration names
them as Apps ``web``, ``api`` and ``docs`` of one GitSource. ``trueup`` runs in a
subprocess without any kubeconfig unless the test gives the dev-cluster's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.integration.engine.helpers import (
    Run,
    configmap,
    deployment,
    https_secret,
    manifest,
    run_trueup,
    service,
    trueup_argv,
    trueup_env,
)
from tests.servers.fixtures import ServedRepo
from tests.servers.git_http import GitHttpServer
from tests.servers.gitrepo import git

APPS = ("api", "docs", "web")

FILES: dict[str, str] = {
    "apps/web/deployment.yaml": manifest(deployment("web")),
    "apps/web/settings.yaml": manifest(configmap("web-settings", {"color": "blue"})),
    "apps/api/deployment.yaml": manifest(deployment("api")),
    "apps/api/service.yaml": manifest(service("api")),
    "apps/docs/settings.yaml": manifest(configmap("docs-settings", {"title": "Docs"})),
}


@dataclass
class Repo:
    """A served repository with the three Apps, a config naming them, a home for trueup."""

    served: ServedRepo
    url: str
    secret: dict[str, str]
    home: Path
    git_cache: Path
    kubeconfig: Path | None = None

    @property
    def config(self) -> Path:
        return self.home / "trueup.yaml"

    def write_config(
        self,
        apps: Mapping[str, Mapping[str, Any]] | None = None,
        extra: list[dict[str, Any]] | None = None,
        namespace: str = "shop",
    ) -> None:
        """GitSource ``deploy`` (branch main), its Secret, and the three Apps (each spec
        updated from ``apps``), plus ``extra`` documents."""
        docs: list[dict[str, Any]] = [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "git-credentials"},
                "stringData": self.secret,
            },
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "GitSource",
                "metadata": {"name": "deploy"},
                "spec": {
                    "url": self.url,
                    "ref": {"branch": "main"},
                    "secretRef": {"name": "git-credentials"},
                },
            },
        ]
        for name in APPS:
            spec = {"source": "deploy", "path": f"apps/{name}", "namespace": namespace}
            spec.update((apps or {}).get(name, {}))
            docs.append(
                {
                    "apiVersion": "trueup.dev/v1alpha1",
                    "kind": "App",
                    "metadata": {"name": name},
                    "spec": spec,
                }
            )
        self.config.write_text(yaml.safe_dump_all([*docs, *(extra or [])]))

    def branch(self, name: str, files: Mapping[str, str | None], message: str = "Change") -> str:
        """Commit ``files`` (None deletes one) on a new branch ``name`` from ``main``, push
        it, go back to ``main``; the branch's commit id."""
        work = self.served.work.path
        git(["checkout", "--quiet", "-b", name, "main"], cwd=work)
        try:
            for path, content in files.items():
                if content is None:
                    (work / path).unlink()
            written = {path: text for path, text in files.items() if text is not None}
            commit = self.served.work.commit(message, written)
            self.served.work.push(self.served.bare, f"+{name}:{name}")
        finally:
            git(["checkout", "--quiet", "main"], cwd=work)
        return commit

    def cli(self, *args: str, env: Mapping[str, str] | None = None) -> Run:
        """``trueup ARGS`` with this config and a store path that must never be written;
        the dev-cluster's kubeconfig only when ``kubeconfig`` is set."""
        cluster = ("--kubeconfig", str(self.kubeconfig)) if self.kubeconfig else ()
        argv = trueup_argv(
            "--config", str(self.config), "--store", str(self.home / "trueup.db"), *cluster, *args
        )
        environment = trueup_env(self.git_cache)
        # No kubeconfig to be found by default: a CI runner for pull requests has none.
        environment["HOME"] = str(self.home)
        environment["KUBECONFIG"] = str(self.home / "no-kubeconfig")
        environment.update(env or {})
        return run_trueup(argv, environment)


def make_repo(
    git_https: GitHttpServer, git_repo: ServedRepo, git_cache: Path, tmp_path: Path
) -> Repo:
    """The three Apps committed on ``main`` and a config naming them."""
    home = tmp_path / "home"
    home.mkdir()
    repo = Repo(git_repo, git_https.url(git_repo.name), https_secret(git_https), home, git_cache)
    git_repo.commit_and_push("Add three apps", FILES)
    repo.write_config()
    return repo

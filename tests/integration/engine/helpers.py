"""Drive trueup as a user does: a config file, a Git repository behind a real server, the
dev-cluster, and the ``trueup`` command in a subprocess (or the ``Engine`` in-process).

:class:`World` is one user's world in one test: a served repository, an App whose
``spec.namespace`` is the test's own namespace, a config file and a store file of its own.
The fixtures at the bottom are imported by the conftest files of the engine and CLI tests.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tests.servers.cluster import Kube
from tests.servers.fixtures import HTTP_PASSWORD, HTTP_USER, ServedRepo
from tests.servers.git_http import GitHttpServer
from trueup.config import load_config
from trueup.engine import Engine, SyncOptions, SyncReport
from trueup.source import GitFetcher
from trueup.store import SqliteStore
from trueup.targets.kubernetes.pool import KubernetesTargets

APP = "web"
SOURCE = "deploy"
SECRET = "git-credentials"
PATH = "deploy"
"""The App's path in the repository."""

CLI_TIMEOUT = 120


@dataclass(frozen=True)
class Run:
    """How one ``trueup`` command ended."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr together, for "never shown anywhere" checks."""
        return self.stdout + self.stderr

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return orjson.loads(self.stdout)

    def __str__(self) -> str:
        return (
            f"trueup {' '.join(self.args)} → exit {self.code}\n"
            f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


def trueup_env(cache: Path) -> dict[str, str]:
    """The environment of a ``trueup`` subprocess: no inherited trueup or kube settings, and
    a cache folder of the test session's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRUEUP_", "KUBE"))}
    env["TRUEUP_CACHE_DIR"] = str(cache)
    return env


def trueup_argv(*args: str) -> list[str]:
    """The command line of ``trueup ARGS`` run by this Python."""
    return [sys.executable, "-m", "trueup", *args]


def run_trueup(argv: list[str], env: Mapping[str, str]) -> Run:
    """Run a ``trueup`` command line to completion."""
    done = subprocess.run(
        argv, env=dict(env), capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False
    )
    return Run(tuple(argv[3:]), done.returncode, done.stdout, done.stderr)


def configmap(name: str, data: Mapping[str, str]) -> dict[str, Any]:
    """A ConfigMap manifest without namespace (the App's namespace applies)."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": dict(data)}


def deployment(
    name: str = "web", replicas: int = 1, image: str = "example.invalid/web:1"
) -> dict[str, Any]:
    """A Deployment manifest whose pods kwok makes Ready."""
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }


def service(name: str = "web", port: int = 80) -> dict[str, Any]:
    """A ClusterIP Service manifest."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"port": port, "protocol": "TCP"}]},
    }


def manifest(*objects: Mapping[str, Any]) -> str:
    """Objects as one multi-document YAML file."""
    return yaml.safe_dump_all([dict(o) for o in objects], sort_keys=False)


WEB_FILES: dict[str, str | None] = {
    f"{PATH}/deployment.yaml": manifest(deployment()),
    f"{PATH}/service.yaml": manifest(service()),
    f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "blue"})),
}
"""The app most tests start from: a Deployment, a Service and a ConfigMap."""


@dataclass
class World:
    """One user's world: a served repository, a config and store of their own, a namespace."""

    kube: Kube
    repo: ServedRepo
    namespace: str
    home: Path
    git_cache: Path
    url: str
    secret: dict[str, str] = field(default_factory=dict)
    """The ``stringData`` of the GitSource's Secret ({} for no secretRef)."""

    @property
    def config(self) -> Path:
        """The configuration file trueup reads."""
        return self.home / "trueup.yaml"

    @property
    def store(self) -> Path:
        """The SQLite store of this test."""
        return self.home / "trueup.db"

    def documents(
        self,
        *,
        app: Mapping[str, Any] | None = None,
        ref: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """GitSource, App (spec overridden by ``app``) and Secret, as plain data."""
        source_spec: dict[str, Any] = {"url": self.url, "ref": dict(ref or {"branch": "main"})}
        docs: list[dict[str, Any]] = []
        if self.secret:
            source_spec["secretRef"] = {"name": SECRET}
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": SECRET},
                    "stringData": dict(self.secret),
                }
            )
        app_spec = {"source": SOURCE, "path": PATH, "namespace": self.namespace, "prune": True}
        app_spec.update(app or {})
        docs += [
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "GitSource",
                "metadata": {"name": SOURCE},
                "spec": source_spec,
            },
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "App",
                "metadata": {"name": APP},
                "spec": app_spec,
            },
        ]
        return docs

    def write_config(
        self, *, app: Mapping[str, Any] | None = None, ref: Mapping[str, str] | None = None
    ) -> Path:
        """Write the configuration file; see :meth:`documents`."""
        self.config.write_text(yaml.safe_dump_all(self.documents(app=app, ref=ref)))
        return self.config

    def commit(self, message: str, files: Mapping[str, str | None]) -> str:
        """Write files (None deletes one), commit everything on ``main``, push, return the sha."""
        for name, content in files.items():
            if content is None:
                (self.repo.work.path / name).unlink()
        written = {name: content for name, content in files.items() if content is not None}
        return self.repo.commit_and_push(message, written)

    def revision(self, sha: str) -> str:
        """The revision trueup records for commit ``sha`` of ``main``."""
        return f"main@sha1:{sha}"

    def env(self) -> dict[str, str]:
        """The environment of a ``trueup`` subprocess: a Git cache of the test session's own."""
        return trueup_env(self.git_cache)

    def argv(self, *args: str) -> list[str]:
        """The full command line of ``trueup ARGS`` with this world's global options."""
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
        """Run ``trueup ARGS`` to completion."""
        return run_trueup(self.argv(*args), self.env())

    def sync(self, *args: str) -> Run:
        """``trueup sync web ARGS``, which must succeed."""
        run = self.cli("sync", APP, *args)
        assert run.code == 0, str(run)
        return run

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start ``trueup ARGS`` without waiting; stderr is a pipe read line by line."""
        return subprocess.Popen(
            self.argv(*args),
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def kill(self, process: subprocess.Popen[str]) -> None:
        """SIGKILL a process started by :meth:`spawn` (by its own pid) and reap it."""
        process.send_signal(signal.SIGKILL)  # a no-op if it already ended and was reaped
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()

    def kubectl(self, *args: str) -> str:
        """kubectl in the test's namespace."""
        return self.kube.kubectl("-n", self.namespace, *args)

    def live(self, kind: str, name: str) -> dict[str, Any] | None:
        """The live object, or None when it does not exist."""
        text = self.kube.kubectl(
            "-n",
            self.namespace,
            "get",
            kind,
            name,
            "-o",
            "json",
            "--ignore-not-found",
            "--show-managed-fields",
        )
        return orjson.loads(text) if text.strip() else None

    def names(self, kind: str) -> set[str]:
        """The names of the live objects of ``kind`` in the namespace."""
        text = self.kubectl("get", kind, "-o", "jsonpath={.items[*].metadata.name}")
        return set(text.split())

    @asynccontextmanager
    async def engine(self) -> AsyncIterator[Engine]:
        """The engine over this world's config and store, in this process."""
        config = load_config(self.config)
        config.raise_if_invalid()
        store = await SqliteStore.open(self.store)
        targets = KubernetesTargets(str(self.kube.kubeconfig))
        try:
            yield Engine(config, store, GitFetcher(self.git_cache / "git"), targets)
        finally:
            await targets.aclose()
            await store.close()

    async def engine_sync(self, options: SyncOptions | None = None) -> SyncReport:
        """One in-process sync of the App, with progress discarded."""
        async with self.engine() as engine:
            return await engine.sync(APP, options or SyncOptions(), lambda _line: None)


def https_secret(server: GitHttpServer, password: str = HTTP_PASSWORD) -> dict[str, str]:
    """Basic credentials and the CA of the HTTPS test server, as Secret ``stringData``."""
    assert server.tls is not None
    return {"username": HTTP_USER, "password": password, "ca.crt": server.tls.ca_pem}


@pytest.fixture(scope="session")
def git_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """trueup's cache folder for the session (never the developer's ``~/.cache``)."""
    return tmp_path_factory.mktemp("trueup-cache")


@pytest.fixture
def world(
    kube: Kube,
    namespace: str,
    git_https: GitHttpServer,
    git_repo: ServedRepo,
    git_cache: Path,
    tmp_path: Path,
) -> World:
    """The web app's files committed to a repository served over HTTPS with basic auth, and
    a config (GitSource + App + Secret) naming it; nothing synced yet."""
    home = tmp_path / "home"
    home.mkdir()
    world = World(
        kube=kube,
        repo=git_repo,
        namespace=namespace,
        home=home,
        git_cache=git_cache,
        url=git_https.url(git_repo.name),
        secret=https_secret(git_https),
    )
    world.commit("Add the web app", WEB_FILES)
    world.write_config()
    return world


def assert_nowhere(world: World, canaries: Iterable[str], runs: Iterable[Run]) -> None:
    """Each canary, as written and in base64, is in no command's stdout or stderr and in no
    file of the world's store."""
    runs = list(runs)
    files = [f for f in world.home.glob(f"{world.store.name}*") if f.is_file()]
    for canary in canaries:
        for form in (canary, base64.b64encode(canary.encode()).decode()):
            for run in runs:
                assert form not in run.output, f"a secret value leaked into: {run}"
            for file in files:
                assert form.encode() not in file.read_bytes(), f"a secret value is in {file.name}"

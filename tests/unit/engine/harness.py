"""A harness for unit tests of ``Engine.sync``: no cluster, no git, no files but a tmp dir.

One :class:`Harness` is one user's world, built from the in-package fakes:

- ``source``: a :class:`~trueup.source.MemorySource`; :meth:`Harness.commit` puts a new
  tree on branch ``main`` of the GitSource ``shop`` (URL :data:`URL`).
- ``store``: a :class:`~trueup.store.MemoryStore` (history and inventories).
- ``targets``: :class:`MemoryTargets`, one :class:`~trueup.targets.memory.MemoryTarget`
  per (kubeconfig, context); ``harness.target`` is the default one, where Apps without
  ``spec.kubeconfig``/``spec.context`` are applied.
- the configuration: a ``trueup.yaml`` written from :meth:`Harness.app` declarations and
  loaded with the real loader, so an App is exactly what a user would write.

A test reads like a user's session::

    async def test_something(harness: Harness) -> None:
        harness.app("web", namespace="shop", prune=True)   # spec fields as in YAML
        harness.commit({"web/cm.yaml": [configmap("settings", color="blue")]})

        report = await harness.sync("web")                  # SyncOptions as keywords

        assert report.ok, report.error
        assert actions(report) == {ObjectId("", "ConfigMap", "shop", "settings"): Action.CREATED}
        assert harness.live("ConfigMap", "shop", "settings") is not None
        assert [a.result for a in await harness.history("web")] == [AttemptResult.SUCCEEDED]

An App's ``path`` defaults to its name. Manifests given as a dict or a list of dicts are
written as YAML documents; a string is written as it is. ``harness.progress`` collects the
progress lines of every sync. The ``harness`` fixture lives in this folder's conftest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trueup.changeset import Action
from trueup.config import load_config
from trueup.engine import Engine, SyncOptions, SyncReport
from trueup.objects import Object, ObjectId
from trueup.source import MemorySource
from trueup.store import Attempt, InventoryEntry, MemoryStore
from trueup.targets.memory import MemoryTarget

URL = "https://git.example.test/shop.git"
"""The URL of the one Git repository (it exists only in the MemorySource)."""
SOURCE = "shop"
"""The name of the GitSource every App renders from."""

Manifest = str | Mapping[str, Any] | Sequence[Mapping[str, Any]]


def configmap(name: str, namespace: str | None = None, **data: str) -> dict[str, Any]:
    """A ConfigMap manifest (without namespace unless given: the App's namespace applies)."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def actions(report: SyncReport) -> dict[ObjectId, Action]:
    """Each object's action in the report's change set."""
    return {change.id: change.action for change in report.changes.changes}


def namespace(name: str) -> dict[str, Any]:
    """A Namespace manifest."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


class MemoryTargets:
    """Implements the engine's ``Targets``: one MemoryTarget per (kubeconfig, context, user).

    Each target's identity is ``CONTEXT@KUBECONFIG`` (``default@memory`` for the default),
    whoever it impersonates.
    """

    def __init__(self) -> None:
        self.targets: dict[tuple[str | None, str | None, str | None], MemoryTarget] = {}

    def get(
        self,
        kubeconfig: str | None = None,
        context: str | None = None,
        *,
        impersonate: str | None = None,
    ) -> MemoryTarget:
        """The target for that kubeconfig, context and impersonated user, made on first use."""
        key = (kubeconfig, context, impersonate)
        if key not in self.targets:
            identity = f"{context or 'default'}@{kubeconfig or 'memory'}"
            self.targets[key] = MemoryTarget(identity=identity)
        return self.targets[key]


@dataclass
class Harness:
    """Fakes, a configuration, and shortcuts to sync and look; see the module docstring."""

    root: Path
    source: MemorySource
    store: MemoryStore = field(default_factory=MemoryStore)
    targets: MemoryTargets = field(default_factory=MemoryTargets)
    progress: list[str] = field(default_factory=list)
    source_spec: dict[str, Any] = field(default_factory=dict)
    """Extra ``spec`` fields of the GitSource (``ref`` defaults to branch main)."""
    config_secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    """Secrets of the configuration: name → ``stringData``."""
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each App's ``spec`` as written in YAML, by name."""

    @property
    def target(self) -> MemoryTarget:
        """The default target (no kubeconfig, no context)."""
        return self.targets.get()

    def app(self, name: str = "web", **spec: Any) -> None:
        """Declare (or redeclare) App ``name``; ``spec`` uses the YAML's camelCase names."""
        self.apps[name] = {"source": SOURCE, "path": name, **spec}

    def commit(self, files: Mapping[str, Manifest], *, branch: str = "main") -> str:
        """Make ``files`` the whole tree of a new commit on ``branch``; returns its id."""
        return self.source.commit(URL, {path: _text(m) for path, m in files.items()}, branch=branch)

    def config_file(self) -> Path:
        """Write ``trueup.yaml`` from the declarations and return its path."""
        docs: list[dict[str, Any]] = [
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "GitSource",
                "metadata": {"name": SOURCE},
                "spec": {"url": URL, **self.source_spec},
            }
        ]
        docs += [
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "App",
                "metadata": {"name": name},
                "spec": spec,
            }
            for name, spec in self.apps.items()
        ]
        docs += [
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": data}
            for name, data in self.config_secrets.items()
        ]
        path = self.root / "trueup.yaml"
        path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
        return path

    def engine(self) -> Engine:
        """An Engine over the current declarations (refused if any is invalid)."""
        config = load_config(self.config_file())
        config.raise_if_invalid()
        return Engine(config, self.store, self.source, self.targets)

    async def sync(self, app: str = "web", **options: Any) -> SyncReport:
        """``Engine.sync`` of ``app`` with ``SyncOptions(**options)``, on a fresh Engine."""
        return await self.engine().sync(app, SyncOptions(**options), self.progress.append)

    def live(self, kind: str, namespace: str, name: str, group: str = "") -> Object | None:
        """The live object in the default target, or None."""
        for obj in self.target.objects():
            meta = obj["metadata"]
            api_group = str(obj["apiVersion"]).rpartition("/")[0]
            if (obj["kind"], meta.get("namespace", ""), meta["name"], api_group) == (
                kind,
                namespace,
                name,
                group,
            ):
                return obj
        return None

    async def history(self, app: str = "web") -> list[Attempt]:
        """The recorded attempts of ``app``, newest first."""
        return await self.store.history(app)

    async def inventory(self, app: str = "web") -> tuple[InventoryEntry, ...]:
        """What ``app`` owns according to the store."""
        return await self.store.inventory(app)


def _text(manifest: Manifest) -> str:
    if isinstance(manifest, str):
        return manifest
    docs = [manifest] if isinstance(manifest, Mapping) else list(manifest)
    return yaml.safe_dump_all([dict(d) for d in docs], sort_keys=False)

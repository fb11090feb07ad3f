"""Renders that cannot change, kept: warm syncs skip rendering what they rendered before.

A render reads the App's tree at one commit and what ``render_setup`` gathered for it.
``render_key`` hashes the latter: the App's render-relevant spec (path, namespace,
``helm``, ``kustomize``, substitution, ``decryption``), the GitSource's ignore patterns,
the render limits, the content digest of every ``valuesFrom``/``substituteFrom`` object,
a digest of the decryption keys, and, for Helm, the target's version and API set.
``RenderCache`` keeps each App's last ``Rendered`` with its repository, commit and key, in
memory only: the Secret values a cached render carries never reach the disk.

Some renders read what neither the commit nor the key pins down, and are never cached
(``render_key`` returns None): a chart from a repository at a version range or at no
version (a new chart version can appear without a new commit; resolving the range again
would cost the index or registry request the cache is meant to save), a chart allowed
Helm's ``lookup`` (what it reads from the cluster can change at any time), and a
kustomization allowed remote bases (fetched again at every render).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from trueup.config import App
from trueup.gitspec.semver import parse_version
from trueup.render import Rendered, RenderOptions
from trueup.source import Artifact

RENDER_FIELDS = frozenset(
    {
        "path",
        "namespace",
        "helm",
        "kustomize",
        "substitute",
        "substitute_from",
        "substitute_strict",
        "decryption",
    }
)
"""The fields of an App's spec that change what its render returns."""


def render_key(app: App, options: RenderOptions, input_digests: Sequence[str]) -> str | None:
    """A digest of everything but the tree that ``app``'s render with ``options`` reads.

    ``input_digests`` are the digests of the ConfigMaps and Secrets read for it (see
    ``InputData.digest``). None: this render must not be cached (see the module docstring).
    """
    helm = app.spec.helm
    if helm is not None and helm.repository is not None and not _exact(helm.version):
        return None
    if helm is not None and helm.lookup:
        return None
    if options.allow_remote_bases:
        return None
    keys = options.decryption
    parts: dict[str, Any] = {
        "app": str(app.id),
        "spec": app.spec.model_dump(mode="json", include=set(RENDER_FIELDS), by_alias=True),
        "ignore": options.ignore,
        "limits": asdict(options.limits),
        "inputs": list(input_digests),
        "keys": None if keys is None else _digest([*keys.age_identities, *keys.pgp_keys]),
        "capabilities": None
        if options.helm is None
        else [options.helm.kube_version, *options.helm.api_versions],
    }
    return _digest(parts)


class RenderCache:
    """The last render of each App, kept while the total stays within ``max_objects``.

    One entry per App (a new commit or key replaces its previous render), the least
    recently used dropped first; a render of more than ``max_objects`` objects is not kept.
    Counting objects rather than renders keeps a daemon of a thousand small Apps cached
    whole, and its memory bounded. ``hits`` and ``misses`` count lookups.
    """

    def __init__(self, max_objects: int = 20_000) -> None:
        self._max_objects = max_objects
        self._entries: OrderedDict[str, tuple[tuple[str, str, str], Rendered]] = OrderedDict()
        self._objects = 0
        self.hits = 0
        self.misses = 0

    def get(self, app: str, key: str | None, artifact: Artifact) -> Rendered | None:
        """App ``app``'s render kept for ``key`` at ``artifact``'s commit, or None."""
        if key is None:
            return None
        entry = self._entries.get(app)
        if entry is None or entry[0] != (artifact.url, artifact.commit, key):
            self.misses += 1
            return None
        self._entries.move_to_end(app)
        self.hits += 1
        return entry[1]

    def put(self, app: str, key: str | None, artifact: Artifact, rendered: Rendered) -> None:
        """Keep ``rendered`` as App ``app``'s render for ``key`` at ``artifact``'s commit."""
        self._drop(app)
        size = _size(rendered)
        if key is None or size > self._max_objects:
            return
        self._entries[app] = ((artifact.url, artifact.commit, key), rendered)
        self._objects += size
        while self._objects > self._max_objects:
            self._drop(next(iter(self._entries)))

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, app: str) -> None:
        entry = self._entries.pop(app, None)
        if entry is not None:
            self._objects -= _size(entry[1])


def _size(rendered: Rendered) -> int:
    """What a render counts against the budget: its objects, and at least one."""
    return max(1, len(rendered.objects))


def _exact(version: str | None) -> bool:
    """Whether ``version`` names one chart version (``1.2.3``), not a range or the latest."""
    return version is not None and parse_version(version) is not None


def _digest(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()

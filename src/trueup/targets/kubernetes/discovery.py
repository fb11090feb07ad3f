"""A REST mapper: which kinds the API server serves, under which plural, and in which scope.

Discovery asks for the aggregated form first (two requests: ``/api`` and ``/apis``) and
falls back to one request per group-version on servers without it. The table is cached;
a miss re-discovers (a CustomResourceDefinition may have just been created), at most once
per ``miss_refresh_interval`` so that a manifest with a typo in its kind cannot make every
lookup re-read the whole API. :meth:`RestMapper.invalidate` forces the next lookup to
re-discover.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from trueup.errors import TargetUnavailableError
from trueup.objects import Object
from trueup.targets.base import ResourceInfo
from trueup.targets.kubernetes.paths import group_version_path

AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
"""Asks for aggregated discovery and accepts the legacy lists from older servers."""

Fetch = Callable[[str, str], Awaitable[Object]]
"""``fetch(path, accept)``: GET a path from the API server and return the decoded JSON."""


@dataclass(slots=True)
class _Table:
    by_gvk: dict[tuple[str, str, str], ResourceInfo] = field(default_factory=dict)
    preferred: dict[tuple[str, str], ResourceInfo] = field(default_factory=dict)

    def add_group(self, group: str, versions: Iterable[tuple[str, Iterable[ResourceInfo]]]) -> None:
        """Add one group's versions, most preferred first."""
        for _version, resources in versions:
            for info in resources:
                self.by_gvk.setdefault((group, info.version, info.kind), info)
                self.preferred.setdefault((group, info.kind), info)


def _aggregated_versions(group: str, entry: dict[str, Any]) -> list[tuple[str, list[ResourceInfo]]]:
    versions = []
    for version_entry in entry.get("versions") or []:
        version = str(version_entry.get("version") or "")
        resources = []
        for res in version_entry.get("resources") or []:
            kind = str((res.get("responseKind") or {}).get("kind") or "")
            if not kind or not version:
                continue
            resources.append(
                ResourceInfo(
                    group=group,
                    version=version,
                    kind=kind,
                    plural=str(res.get("resource") or ""),
                    namespaced=res.get("scope") == "Namespaced",
                )
            )
        versions.append((version, resources))
    return versions


def _legacy_resources(group: str, version: str, resource_list: Object) -> list[ResourceInfo]:
    return [
        ResourceInfo(
            group=group,
            version=version,
            kind=str(res.get("kind") or ""),
            plural=str(res["name"]),
            namespaced=bool(res.get("namespaced")),
        )
        # Subresources ("deployments/scale") are not kinds of their own.
        for res in resource_list.get("resources") or []
        if res.get("name") and "/" not in res["name"] and res.get("kind")
    ]


class RestMapper:
    """Maps (apiVersion, kind) to how the API server serves it; cached, refreshed on a miss."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        miss_refresh_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._miss_refresh_interval = miss_refresh_interval
        self._clock = clock
        self._table: _Table | None = None
        self._fetched_at = 0.0
        self._generation = 0
        self._lock = asyncio.Lock()
        self.unavailable: tuple[str, ...] = ()
        """Group-versions the last discovery could not read (an aggregated API is down)."""

    def invalidate(self) -> None:
        """Forget the table; the next lookup discovers again."""
        self._table = None

    async def resolve(self, api_version: str, kind: str) -> ResourceInfo | None:
        """How ``kind`` in ``api_version`` is served, or None if it is not."""
        group, _, version = api_version.rpartition("/")
        return await self._lookup(lambda table: table.by_gvk.get((group, version, kind)))

    async def resolve_group_kind(self, group: str, kind: str) -> ResourceInfo | None:
        """How ``kind`` of ``group`` is served in the server's preferred version, or None."""
        return await self._lookup(lambda table: table.preferred.get((group, kind)))

    async def resources(self) -> list[ResourceInfo]:
        """Every kind served, each in its preferred version."""
        return list((await self._current(stale=False)).preferred.values())

    async def served(self) -> list[ResourceInfo]:
        """Every kind served, in every version it is served in."""
        return list((await self._current(stale=False)).by_gvk.values())

    async def _lookup(self, find: Callable[[_Table], ResourceInfo | None]) -> ResourceInfo | None:
        table = await self._current(stale=False)
        found = find(table)
        if found is None and self._clock() - self._fetched_at >= self._miss_refresh_interval:
            found = find(await self._current(stale=True))
        return found

    async def _current(self, *, stale: bool) -> _Table:
        generation = self._generation
        async with self._lock:
            # Another task may have discovered while this one waited for the lock.
            if self._table is not None and (not stale or self._generation != generation):
                return self._table
            self._table = await self._discover()
            self._fetched_at = self._clock()
            self._generation += 1
            return self._table

    async def _discover(self) -> _Table:
        core, groups = await asyncio.gather(
            self._fetch("/api", AGGREGATED_ACCEPT), self._fetch("/apis", AGGREGATED_ACCEPT)
        )
        table = _Table()
        if core.get("kind") == "APIGroupDiscoveryList" == groups.get("kind"):
            for entry in [*(core.get("items") or []), *(groups.get("items") or [])]:
                group = str((entry.get("metadata") or {}).get("name") or "")
                table.add_group(group, _aggregated_versions(group, entry))
            self.unavailable = ()
            return table
        return await self._discover_legacy(core, groups, table)

    async def _discover_legacy(self, core: Object, groups: Object, table: _Table) -> _Table:
        # Preference order per group: the preferred version first, then as listed.
        wanted: list[tuple[str, list[str]]] = [("", [str(v) for v in core.get("versions") or []])]
        for group in groups.get("groups") or []:
            preferred = str((group.get("preferredVersion") or {}).get("version") or "")
            listed = [str(v.get("version")) for v in group.get("versions") or []]
            ordered = [preferred] if preferred in listed else []
            wanted.append((str(group["name"]), ordered + [v for v in listed if v != preferred]))
        pairs = [(group, version) for group, versions in wanted for version in versions]
        lists = await asyncio.gather(
            *(self._fetch(group_version_path(g, v), "application/json") for g, v in pairs),
            return_exceptions=True,
        )
        fetched: dict[tuple[str, str], list[ResourceInfo]] = {}
        unavailable = []
        for (group, version), result in zip(pairs, lists, strict=True):
            if isinstance(result, TargetUnavailableError):
                # Like kubectl: one broken aggregated API must not hide all the others.
                unavailable.append(f"{group}/{version}" if group else version)
            elif isinstance(result, BaseException):
                raise result
            else:
                fetched[(group, version)] = _legacy_resources(group, version, result)
        for group, versions in wanted:
            table.add_group(group, [(v, fetched.get((group, v), [])) for v in versions])
        self.unavailable = tuple(unavailable)
        return table

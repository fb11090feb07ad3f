"""The objects, versions and change history behind :class:`~trueup.targets.memory.MemoryTarget`.

Every stored change advances one cluster-wide version (like etcd's revision), becomes the
object's ``resourceVersion``, and is sent to every open watch. A change that changes
nothing stores nothing, as on a real API server. The history of changes is bounded;
resuming a watch from before it raises :class:`~trueup.errors.WatchExpiredError`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from trueup.errors import WatchExpiredError
from trueup.objects import Object, ObjectId
from trueup.targets.base import ResourceInfo, WatchEventType

CREATION_TIMESTAMP = "2024-01-01T00:00:00Z"
"""Every object's creationTimestamp: fixed, so that test output is deterministic."""

_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")
_SERVER_FIELDS = ("uid", "creationTimestamp", "generation", "resourceVersion", "managedFields")

Change = tuple[int, WatchEventType, ObjectId, Object]
"""(version, type, id, object) of one stored change."""


def _spec(obj: Object) -> Object:
    # What counts for metadata.generation: everything but metadata and status.
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


class MemoryState:
    """Objects by id, the kinds served, the version counter and the change history."""

    def __init__(self, resources: Iterable[ResourceInfo], *, history: int) -> None:
        self._resources: dict[tuple[str, str, str], ResourceInfo] = {}
        self._objects: dict[ObjectId, Object] = {}
        self._applied: dict[ObjectId, Object] = {}
        self._version = 0
        self._uids = 0
        self._history: deque[Change] = deque()
        self._history_limit = history
        self._forgotten_through = 0
        self._watchers: set[asyncio.Queue[Change | None]] = set()
        for info in resources:
            self.register(info)

    def register(self, info: ResourceInfo) -> None:
        """Serve ``info`` from now on (what installing a CRD does)."""
        self._resources[(info.group, info.version, info.kind)] = info

    def close_watches(self) -> None:
        """End every open watch normally, as the server does when its timeout passes."""
        for queue in self._watchers:
            queue.put_nowait(None)

    def compact(self) -> None:
        """Forget the change history: resuming a watch from an old version now fails."""
        self._forgotten_through = self._version
        self._history.clear()

    def _namespace_exists(self, name: str) -> bool:
        return ObjectId("", "Namespace", "", name) in self._objects

    def _stamped(self, key: ObjectId, obj: Object, live: Object | None, *, advance: bool) -> Object:
        """``obj`` with the metadata the server sets; ``advance`` consumes a new uid."""
        metadata = dict(obj.get("metadata") or {})
        if live is None:
            if advance:
                self._uids += 1
            metadata["uid"] = f"00000000-0000-4000-8000-{self._uids + (not advance):012d}"
            metadata["creationTimestamp"] = CREATION_TIMESTAMP
            metadata["generation"] = 1
        else:
            live_metadata = live.get("metadata") or {}
            for field in _SERVER_FIELDS:
                if field in live_metadata and field not in metadata:
                    metadata[field] = live_metadata[field]
            generation = int(live_metadata.get("generation") or 1)
            metadata["generation"] = generation + (_spec(obj) != _spec(live))
        stamped = {**obj, "metadata": metadata}
        if (key.group, key.kind) == _CRD or (key.group, key.kind) == ("", "Namespace"):
            stamped["status"] = _served_status(stamped)
        return stamped

    def _store(self, key: ObjectId, obj: Object, live: Object | None) -> Object:
        """Store ``obj`` as the new live object unless nothing changed; returns the live one."""
        candidate = self._stamped(key, obj, live, advance=True)
        if live is not None and candidate == live:
            return live
        self._version += 1
        candidate["metadata"]["resourceVersion"] = str(self._version)
        self._objects[key] = candidate
        if (key.group, key.kind) == _CRD:
            self._serve_crd(candidate)
        kind = WatchEventType.ADDED if live is None else WatchEventType.MODIFIED
        self._record(kind, key, candidate)
        return candidate

    def _remove(self, key: ObjectId) -> None:
        live = self._objects.pop(key)
        self._applied.pop(key, None)
        self._version += 1
        gone = {**live, "metadata": {**live["metadata"], "resourceVersion": str(self._version)}}
        self._record(WatchEventType.DELETED, key, gone)
        if key.kind == "Namespace" and not key.group:
            for other in [k for k in self._objects if k.namespace == key.name]:
                self._remove(other)
        if (key.group, key.kind) == _CRD:
            spec = live.get("spec") or {}
            group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
            for gvk in [gvk for gvk in self._resources if (gvk[0], gvk[2]) == (group, kind)]:
                del self._resources[gvk]
            for other in [k for k in self._objects if (k.group, k.kind) == (group, kind)]:
                self._remove(other)

    def _serve_crd(self, crd: Object) -> None:
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        for version in spec.get("versions") or []:
            if version.get("served", True):
                self.register(
                    ResourceInfo(
                        group=str(spec.get("group") or ""),
                        version=str(version.get("name") or ""),
                        kind=str(names.get("kind") or ""),
                        plural=str(names.get("plural") or ""),
                        namespaced=spec.get("scope") == "Namespaced",
                    )
                )

    def _record(self, kind: WatchEventType, key: ObjectId, obj: Object) -> None:
        change = (self._version, kind, key, obj)
        self._history.append(change)
        while len(self._history) > self._history_limit:
            self._forgotten_through = self._history.popleft()[0]
        for queue in self._watchers:
            queue.put_nowait(change)

    def _since(self, version: int, what: str) -> list[Change]:
        """The changes after ``version``; raises if some of them were forgotten."""
        if version < self._forgotten_through:
            raise WatchExpiredError(
                f"{what}: Expired: too old resource version: {version} "
                f"({self._forgotten_through}); list again and resume from the new version",
                reason="Expired",
                status=410,
            )
        return [change for change in self._history if change[0] > version]


def _served_status(obj: Object) -> Object:
    if obj.get("kind") == "Namespace":
        return {"phase": "Active"}
    return {
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"},
        ]
    }

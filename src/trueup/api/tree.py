"""``GET /api/apps/{name}/tree``: the App's objects and what they own, with health.

The objects the App applied (its inventory) are the roots, read from the daemon's watch
cache where it has them and otherwise from the target; what they own is found by listing
the kinds controllers make for them (ReplicaSets, Pods, Jobs, ControllerRevisions,
EndpointSlices) in the App's namespaces and following ``ownerReferences`` (Deployment →
ReplicaSet → Pod). Every read goes to the App's own target, with its rights (its
service account when it names one); a kind it may not list is left out. Bounded: at most
:data:`MAX_NAMESPACES` namespaces are looked into and :data:`MAX_NODES` objects shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from trueup.api.context import Call
from trueup.api.models import AppTree, TreeNode
from trueup.errors import TrueupError
from trueup.health import HealthResult, HealthStatus, health_of
from trueup.objects import Object, ObjectId, object_id
from trueup.store import InventoryEntry
from trueup.targets import ResourceInfo, Target

OWNED_KINDS = (
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "ControllerRevision"),
    ("v1", "Pod"),
    ("batch/v1", "Job"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
)
"""Kinds that controllers create for the objects an App applies."""

MAX_NAMESPACES = 20
MAX_NODES = 2000

_ABSENT = HealthResult(HealthStatus.MISSING, "not found on the target")


async def app_tree(call: Call) -> AppTree:
    """The tree of the App named in the path."""
    app = call.app()
    name = app.metadata.name
    target = call.daemon.engine.target(app)
    inventory = await call.daemon.store.inventory(name)
    cached = call.daemon.drift.live(name)
    roots = await asyncio.gather(*(_root(target, entry, cached) for entry in inventory))
    namespaces = sorted({e.id.namespace for e in inventory if e.id.namespace})
    owned = await _owned(target, namespaces[:MAX_NAMESPACES])
    tree = _Builder(owned)
    nodes = [tree.node(entry, obj) for entry, obj in roots]
    return AppTree(name, nodes, truncated=tree.truncated or len(namespaces) > MAX_NAMESPACES)


async def _root(
    target: Target, entry: InventoryEntry, cached: Mapping[ObjectId, Object | None]
) -> tuple[InventoryEntry, Object | None]:
    if cached.get(entry.id) is not None:
        return entry, cached[entry.id]
    try:
        return entry, await target.get(entry.ref())
    except TrueupError:
        return entry, None


async def _owned(target: Target, namespaces: list[str]) -> dict[str, list[Object]]:
    """Objects of :data:`OWNED_KINDS` in ``namespaces``, by the uid of each of their owners."""
    infos = [await target.resolve(api_version, kind) for api_version, kind in OWNED_KINDS]
    lists = [
        _list(target, info, namespace)
        for info in infos
        if info is not None
        for namespace in namespaces
    ]
    by_owner: dict[str, list[Object]] = {}
    for objects in await asyncio.gather(*lists):
        for obj in objects:
            for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
                if isinstance(ref, dict) and isinstance(ref.get("uid"), str):
                    by_owner.setdefault(ref["uid"], []).append(obj)
    return by_owner


async def _list(target: Target, info: ResourceInfo, namespace: str) -> list[Object]:
    try:
        return list(await target.list(info, namespace))
    except TrueupError:
        return []  # not served, or not the App's to read: shown without


class _Builder:
    def __init__(self, owned: dict[str, list[Object]]) -> None:
        self._owned = owned
        self._seen: set[str] = set()
        self.count = 0
        self.truncated = False

    def node(self, entry: InventoryEntry, obj: Object | None) -> TreeNode:
        health = health_of(obj) if obj is not None else _ABSENT
        return TreeNode(
            object=str(entry.id),
            api_version=entry.api_version,
            uid=_uid(obj),
            health=health.status,
            health_message=health.message,
            managed=True,
            children=self._children(obj),
        )

    def _children(self, obj: Object | None) -> list[TreeNode]:
        uid = _uid(obj)
        if not uid or uid in self._seen:
            return []
        self._seen.add(uid)
        nodes = []
        for child in sorted(self._owned.get(uid, ()), key=lambda o: str(object_id(o))):
            if self.count >= MAX_NODES:
                self.truncated = True
                break
            self.count += 1
            health = health_of(child)
            nodes.append(
                TreeNode(
                    object=str(object_id(child)),
                    api_version=str(child.get("apiVersion", "")),
                    uid=_uid(child),
                    health=health.status,
                    health_message=health.message,
                    managed=False,
                    children=self._children(child),
                )
            )
        return nodes


def _uid(obj: Object | None) -> str:
    if obj is None:
        return ""
    return str((obj.get("metadata") or {}).get("uid") or "")

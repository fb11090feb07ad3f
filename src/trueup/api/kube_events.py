"""``GET /api/apps/{name}/kube-events``: the Kubernetes Events of an App's objects.

A Degraded App is diagnosed from what the controllers and the kubelet said about its
objects (a failed pull, a crash loop, a failed schedule), so the API reads the core/v1
Events of the App's namespaces from its own target, with its rights, and keeps those about
an object of the App's tree (:func:`trueup.api.tree.app_tree`: what it applied and what
that owns, matched by uid). ``events.k8s.io/v1`` serves the same objects under another
shape, so reading core/v1 alone misses none. Bounded like the tree: at most
:data:`~trueup.api.tree.MAX_NAMESPACES` namespaces are read.
"""

from __future__ import annotations

import asyncio

from trueup.api.context import Call
from trueup.api.listing import limit_of
from trueup.api.models import KubeEvent, KubeEventList, TreeNode
from trueup.api.problems import Code, Problem
from trueup.api.tree import MAX_NAMESPACES, app_tree
from trueup.errors import TrueupError
from trueup.objects import Object
from trueup.targets import ResourceInfo, Target


async def app_kube_events(call: Call) -> KubeEventList:
    """The Events of the App's tree (of one object with ``object``), newest first."""
    app = call.app()
    query = call.request.query
    wanted = query.get("object")
    tree = await app_tree(call)
    nodes = _flatten(tree.nodes)
    if wanted is not None and wanted not in {node.object for node in nodes}:
        raise Problem(
            Code.NOT_FOUND,
            f"object {wanted!r}: not among the App's objects; write Kind/namespace/name as "
            "the App's tree lists it",
        )
    uids = {node.uid: node.object for node in nodes if node.uid}
    namespaces = sorted({_namespace(node.object) for node in nodes} - {""})
    target = call.daemon.engine.target(app)
    info = await target.resolve("v1", "Event")
    events: list[Object] = []
    if info is not None:
        for listed in await asyncio.gather(
            *(_list(target, info, namespace) for namespace in namespaces[:MAX_NAMESPACES])
        ):
            events += listed
    items = []
    for event in events:
        about = _involved(event, uids)
        if about is None or (wanted is not None and about != wanted):
            continue
        items.append(_event(event, about))
    items.sort(key=lambda e: e.last_time, reverse=True)
    limit = limit_of(query)
    return KubeEventList(
        items[:limit], truncated=len(items) > limit or len(namespaces) > MAX_NAMESPACES
    )


def _flatten(nodes: list[TreeNode]) -> list[TreeNode]:
    found: list[TreeNode] = []
    for node in nodes:
        found.append(node)
        found += _flatten(node.children)
    return found


def _namespace(object_text: str) -> str:
    parts = object_text.split("/")
    return parts[1] if len(parts) == 3 else ""


async def _list(target: Target, info: ResourceInfo, namespace: str) -> list[Object]:
    try:
        return list(await target.list(info, namespace))
    except TrueupError:
        return []  # not the App's to read: shown without


def _involved(event: Object, uids: dict[str, str]) -> str | None:
    """The tree's name of the object ``event`` is about, None for none of the App's."""
    involved = event.get("involvedObject")
    if not isinstance(involved, dict):
        return None
    uid = involved.get("uid")
    if isinstance(uid, str) and uid in uids:
        return uids[uid]
    return None


def _event(event: Object, about: str) -> KubeEvent:
    source = event.get("source") if isinstance(event.get("source"), dict) else {}
    metadata = event.get("metadata") or {}
    first = event.get("firstTimestamp") or event.get("eventTime") or ""
    last = event.get("lastTimestamp") or event.get("eventTime") or first
    series = event.get("series") if isinstance(event.get("series"), dict) else {}
    count = event.get("count") or (series or {}).get("count") or 1
    return KubeEvent(
        object=about,
        type=str(event.get("type") or ""),
        reason=str(event.get("reason") or ""),
        message=str(event.get("message") or ""),
        count=count if isinstance(count, int) else 1,
        first_time=str(first or metadata.get("creationTimestamp") or ""),
        last_time=str(last or metadata.get("creationTimestamp") or ""),
        source=str((source or {}).get("component") or event.get("reportingComponent") or ""),
    )

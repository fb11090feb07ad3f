"""Read the live state of many objects the way a controller does: one LIST per kind.

Each kind is resolved once, then listed once per namespace it is needed in (cluster-scoped
kinds once), ``concurrency`` lists at a time; objects are matched by namespace and name.
That is a handful of requests for an app of hundreds of objects, where a GET per object
would be hundreds.

Objects are read in their own ``apiVersion``. Ids carry no version: a target that offers
``resolve_group_kind`` (the preferred version of a group and kind) resolves them directly;
on any other target one object of the kind is read with a GET to learn its version.

The answer maps each id to its live object, to None when the target confirms it does not
exist (a kind the target does not serve included), and leaves out ids whose state could
not be read (a list refused with 403): unknown, which prune treats as "keep".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from trueup.apply.bounded import map_bounded
from trueup.errors import ObjectNotFoundError, TargetError
from trueup.objects import Object, ObjectId, object_id
from trueup.targets import ResourceInfo, Target

Live = dict[ObjectId, Object | None]
"""id → live object, None when confirmed absent; ids of unknown state are left out."""


class _Unread:
    """The kind could not be resolved because every read was refused: state unknown."""


UNREAD = _Unread()
_Resolved = ResourceInfo | _Unread | None


@runtime_checkable
class ResolvesGroupKind(Protocol):
    """A target that can say how a group and kind is served without a version."""

    async def resolve_group_kind(self, group: str, kind: str) -> ResourceInfo | None:
        """How ``kind`` of ``group`` is served in the preferred version, or None."""
        ...


async def read_live(
    target: Target,
    objects: Iterable[Object | ObjectId],
    *,
    concurrency: int = 16,
    default_namespace: str = "default",
) -> Live:
    """The live state of ``objects`` (objects, ids, or both), one LIST per kind and namespace.

    ``default_namespace`` is used for a namespaced object or id that names no namespace.
    """
    refs: list[Object | ObjectId] = list(objects)
    by_version: dict[tuple[str, str], list[ObjectId]] = defaultdict(list)
    by_group_kind: dict[tuple[str, str], list[ObjectId]] = defaultdict(list)
    for ref in refs:
        if isinstance(ref, ObjectId):
            by_group_kind[(ref.group, ref.kind)].append(ref)
        else:
            by_version[(str(ref.get("apiVersion") or ""), str(ref.get("kind") or ""))].append(
                object_id(ref)
            )

    async def by_api_version(key: tuple[str, str]) -> tuple[_Resolved, list[ObjectId]]:
        return await target.resolve(*key), by_version[key]

    async def by_id(key: tuple[str, str]) -> tuple[_Resolved, list[ObjectId]]:
        return await _resolve_ids(target, by_group_kind[key]), by_group_kind[key]

    resolved = await map_bounded(by_api_version, list(by_version), concurrency)
    resolved += await map_bounded(by_id, list(by_group_kind), concurrency)

    result: Live = {}
    wanted: dict[tuple[ResourceInfo, str | None], list[ObjectId]] = defaultdict(list)
    for info, ids in resolved:
        for oid in ids:
            if isinstance(info, _Unread):
                continue
            if info is None:
                result[oid] = None
            else:
                namespace = (oid.namespace or default_namespace) if info.namespaced else None
                wanted[(info, namespace)].append(oid)

    async def list_one(key: tuple[ResourceInfo, str | None]) -> Live:
        return await _list_and_match(target, key[0], key[1], wanted[key])

    for found in await map_bounded(list_one, list(wanted), concurrency):
        result.update(found)
    return result


def ref_of(oid: ObjectId, live: Object) -> Object:
    """A minimal object naming ``oid`` in the version ``live`` was read in.

    Reading such refs again needs no version lookup (see the module docstring).
    """
    metadata = {"name": oid.name, **({"namespace": oid.namespace} if oid.namespace else {})}
    return {"apiVersion": live.get("apiVersion"), "kind": oid.kind, "metadata": metadata}


async def _resolve_ids(target: Target, ids: list[ObjectId]) -> _Resolved:
    """How the kind of ``ids`` (one group and kind) is served, None if not at all."""
    if isinstance(target, ResolvesGroupKind):
        return await target.resolve_group_kind(ids[0].group, ids[0].kind)
    refused = False
    for oid in ids:
        try:
            found = await target.get(oid)
        except TargetError:
            refused = True
            continue
        if found is not None:
            return await target.resolve(str(found.get("apiVersion") or ""), oid.kind)
    # Every object read is absent (or its kind unserved): a list would find nothing either.
    return UNREAD if refused else None


GET_AT_MOST = 4
"""A kind needed for this few objects in one namespace is read with a GET per object: a
LIST would return every object of the kind there, however many other apps put there."""


async def _list_and_match(
    target: Target, info: ResourceInfo, namespace: str | None, ids: list[ObjectId]
) -> Live:
    """List ``info`` in ``namespace`` and look up each of ``ids`` in the answer (or GET
    each of them, when there are at most :data:`GET_AT_MOST`)."""
    if len(ids) <= GET_AT_MOST:
        return await _get_each(target, info, ids)
    try:
        listed = await target.list(info, namespace)
    except ObjectNotFoundError:
        return dict.fromkeys(ids)  # the kind went away since it was resolved
    except TargetError:
        return {}  # refused: these ids stay unknown
    index = {
        (str(meta.get("namespace") or ""), str(meta.get("name") or "")): obj
        for obj in listed
        for meta in [obj.get("metadata") or {}]
    }
    return {oid: index.get((namespace or "", oid.name)) for oid in ids}


async def _get_each(target: Target, info: ResourceInfo, ids: list[ObjectId]) -> Live:
    """GET each of ``ids`` (of kind ``info``); a refused GET leaves its id unknown."""
    found: Live = {}
    for oid in ids:
        metadata = {"name": oid.name, **({"namespace": oid.namespace} if oid.namespace else {})}
        ref = {"apiVersion": info.api_version, "kind": info.kind, "metadata": metadata}
        try:
            found[oid] = await target.get(ref)
        except ObjectNotFoundError:
            found[oid] = None
        except TargetError:
            continue
    return found

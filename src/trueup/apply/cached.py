"""Live state from a cache of trueup's own objects, with what the cache cannot know.

The daemon watches every kind its Apps own, selecting the objects that carry trueup's
owner label (see ``trueup.daemon.watches``). For an object of a watched kind, that cache
answers without a request: found, it is the live object; not found, the object is
*presumed absent*, since it either does not exist or exists without trueup's owner label
(an object made by hand, to be adopted). The dry-run of each stage tells the two apart
(a dry-run of a create carries no ``resourceVersion``), and ``apply_stages`` reads an
object that turns out to exist before anything is applied to it (see :class:`Presumed`).
Kinds the cache does not cover, and objects read in another version than the cache holds,
are read from the target as ``read_live`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import orjson

from trueup.apply.live import Live, read_live
from trueup.objects import Object, ObjectId, object_id
from trueup.plan.ownership import AppRef
from trueup.targets import Target


class LiveCache(Protocol):
    """The newest state seen of trueup's objects (those with its owner label)."""

    def cached(self, target: str, oid: ObjectId) -> tuple[bool, Object | None]:
        """(whether the cache covers ``oid``'s kind on ``target`` and has listed it, the
        object or None); the object is shared with the cache: do not modify it."""
        ...


@dataclass(frozen=True, slots=True)
class Presumed:
    """Objects taken as absent because the cache of trueup's objects lacks them.

    ``owner`` is the App being applied, to decide whether it may take one that exists.
    """

    absent: frozenset[ObjectId]
    owner: AppRef


async def read_live_cached(
    target: Target, refs: Iterable[Object], cache: LiveCache
) -> tuple[Live, frozenset[ObjectId]]:
    """The live state of ``refs`` (namespaces already defaulted) and the ids presumed absent.

    An object is taken from ``cache`` when its kind is covered and, when found, the cache
    holds it in the same ``apiVersion``; every other object is read from ``target``.
    """
    live: Live = {}
    absent: set[ObjectId] = set()
    unread: list[Object] = []
    for ref in refs:
        oid = object_id(ref)
        covered, found = cache.cached(target.identity, oid)
        if not covered or (found is not None and found.get("apiVersion") != ref.get("apiVersion")):
            unread.append(ref)
        elif found is None:
            live[oid] = None
            absent.add(oid)
        else:
            live[oid] = orjson.loads(orjson.dumps(found))  # a copy the caller may keep
    if unread:
        live.update(await read_live(target, unread))
    return live, frozenset(absent)

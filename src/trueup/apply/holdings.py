"""What a Namespace or a CustomResourceDefinition holds, read before prune decides on it.

Deleting a Namespace deletes everything in it; deleting a CRD deletes all its custom
resources. Prune (:func:`trueup.plan.plan_prune`) keeps such an object while it holds
objects the app did not apply; this module reads what it holds, cheaply:

- a Namespace: one LIST per namespaced kind the target serves, in that namespace (kinds
  the cluster derives by itself, such as events, are not listed);
- a CRD: one LIST of its custom resources across all namespaces.

A candidate whose contents cannot be read (a refused list, a target that cannot name its
kinds) is left out of the answer: its contents are unknown, and prune keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

from trueup.apply.bounded import map_bounded
from trueup.errors import ObjectNotFoundError, TargetError
from trueup.objects import Object, ObjectId
from trueup.plan import cascades
from trueup.plan.prune import DERIVED_KINDS
from trueup.targets import ResourceInfo, Target

_NOT_LISTED = DERIVED_KINDS | {
    ("", "Binding"),
    ("authorization.k8s.io", "LocalSubjectAccessReview"),
}
"""Namespaced kinds that are derived by the cluster or cannot be listed at all."""

_METHOD_NOT_ALLOWED = 405


@runtime_checkable
class ListsKinds(Protocol):
    """A target that can name every kind it serves."""

    async def kinds(self) -> tuple[ResourceInfo, ...]:
        """Every kind the target serves, in its preferred version."""
        ...


class _UnreadableError(Exception):
    """The contents could not be read."""


async def read_holdings(
    target: Target,
    candidates: Iterable[ObjectId],
    live: Mapping[ObjectId, Object | None],
    *,
    concurrency: int = 16,
) -> dict[ObjectId, list[Object]]:
    """The objects each live Namespace or CRD among ``candidates`` holds (see above)."""
    found: dict[ObjectId, list[Object]] = {}
    for oid in candidates:
        current = live.get(oid)
        if not cascades(oid) or current is None:
            continue
        try:
            if oid.kind == "Namespace":
                found[oid] = await _namespace_contents(target, oid.name, concurrency)
            else:
                found[oid] = await _custom_resources(target, current)
        except _UnreadableError:
            continue
    return found


async def _namespace_contents(target: Target, namespace: str, concurrency: int) -> list[Object]:
    if not isinstance(target, ListsKinds):
        raise _UnreadableError
    kinds = [
        info
        for info in await target.kinds()
        if info.namespaced and (info.group, info.kind) not in _NOT_LISTED
    ]

    async def one(info: ResourceInfo) -> list[Object]:
        try:
            return list(await target.list(info, namespace))
        except ObjectNotFoundError:
            return []
        except TargetError as error:
            if error.status == _METHOD_NOT_ALLOWED:
                return []
            raise _UnreadableError from error

    lists = await map_bounded(one, kinds, concurrency)
    return [obj for listed in lists for obj in listed]


async def _custom_resources(target: Target, crd: Object) -> list[Object]:
    spec = crd.get("spec") or {}
    group, kind = str(spec.get("group") or ""), str((spec.get("names") or {}).get("kind") or "")
    served = [v for v in spec.get("versions") or [] if v.get("served")]
    if not group or not kind or not served:
        return []
    info = await target.resolve(f"{group}/{served[0].get('name')}", kind)
    if info is None:
        return []
    try:
        return list(await target.list(info, None))
    except ObjectNotFoundError:
        return []
    except TargetError as error:
        raise _UnreadableError from error

"""Adoption takes over the fields, not only the object.

An object made by ``kubectl apply`` (client-side), ``kubectl create`` or ``kubectl edit``
has its fields owned by kubectl's managers, and remembers what kubectl applied in the
``kubectl.kubernetes.io/last-applied-configuration`` annotation. If trueup merely applied
over it, those managers would keep sharing every field, and a field later deleted from Git
would stay on the object forever. So, before its first apply, an adopted object gets one
JSON patch (as Flux's ``ssa`` package does): the field sets of kubectl's client-side
managers (and the ``before-first-apply`` placeholder), operation ``Update``, are merged
into trueup's own ``Apply`` entry, and the annotation is removed. Entries of every other
manager (controllers, Helm, people using server-side apply) are left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from trueup.objects import FIELD_MANAGER, LAST_APPLIED_ANNOTATION, Object, ObjectId

CLIENT_SIDE_MANAGERS = frozenset(
    {"kubectl-client-side-apply", "kubectl-create", "kubectl-edit", "kubectl", "before-first-apply"}
)
"""Managers whose ``Update`` entries an adoption moves to trueup's field manager."""


@runtime_checkable
class PatchesObjects(Protocol):
    """A target that can send a JSON patch (RFC 6902) to one object."""

    async def patch(self, ref: Object | ObjectId, operations: Sequence[Object]) -> Object:
        """Apply ``operations`` to the live object as field manager ``trueup``."""
        ...


def take_over_patch(live: Object, manager: str = FIELD_MANAGER) -> list[Object]:
    """The JSON patch that moves kubectl's fields of ``live`` to ``manager``; [] if none."""
    metadata = live.get("metadata") or {}
    kept: list[Object] = []
    own: Object | None = None
    moved: dict[str, Any] = {}
    for entry in metadata.get("managedFields") or []:
        if _client_side(entry):
            moved = _union(moved, entry.get("fieldsV1") or {})
        elif _is_own_apply(entry, manager) and own is None:
            own = entry
        else:
            kept.append(entry)
    operations: list[Object] = []
    if moved:
        entry = dict(own) if own else _new_entry(live, manager)
        entry["fieldsV1"] = _union(entry.get("fieldsV1") or {}, moved)
        operations.append(
            {"op": "replace", "path": "/metadata/managedFields", "value": [*kept, entry]}
        )
    if LAST_APPLIED_ANNOTATION in (metadata.get("annotations") or {}):
        path = "/metadata/annotations/" + _pointer_escape(LAST_APPLIED_ANNOTATION)
        operations.append({"op": "remove", "path": path})
    return operations


async def take_over_fields(target: object, live: Object) -> bool:
    """Send :func:`take_over_patch` of ``live`` when there is one; True if it was sent.

    A target that cannot patch (the in-memory one) keeps no field managers to move.
    """
    operations = take_over_patch(live)
    if not operations or not isinstance(target, PatchesObjects):
        return False
    await target.patch(live, operations)
    return True


def _client_side(entry: Object) -> bool:
    return (
        entry.get("manager") in CLIENT_SIDE_MANAGERS
        and entry.get("operation") == "Update"
        and not entry.get("subresource")
    )


def _is_own_apply(entry: Object, manager: str) -> bool:
    return (
        entry.get("manager") == manager
        and entry.get("operation") == "Apply"
        and not entry.get("subresource")
    )


def _new_entry(live: Object, manager: str) -> Object:
    return {
        "manager": manager,
        "operation": "Apply",
        "apiVersion": live.get("apiVersion"),
        "fieldsType": "FieldsV1",
    }


def _union(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """The union of two ``fieldsV1`` sets: each is a tree of path elements ending in {}."""
    merged = dict(left)
    for key, value in right.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = _union(merged[key], value)
        else:
            merged.setdefault(key, value)
    return merged


def _pointer_escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")

"""Reading a CustomResourceDefinition's state: refused names, served kinds. Pure."""

from __future__ import annotations

from trueup.errors import ObjectConflictError
from trueup.objects import Object, object_id


def crd_problem(crd: Object) -> ObjectConflictError | None:
    """The error if the API server refused the CRD's names (a clash with another CRD)."""
    for condition in (crd.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "NamesAccepted" and condition.get("status") == "False":
            oid = object_id(crd)
            return ObjectConflictError(
                f"{oid}: NamesAccepted is False: {condition.get('message', '')}; "
                "choose names no other CRD uses",
                reason=str(condition.get("reason") or "NamesNotAccepted"),
                object_id=str(oid),
            )
    return None


def is_established(crd: Object) -> bool:
    """Whether the CRD's ``Established`` condition is True."""
    return any(
        c.get("type") == "Established" and c.get("status") == "True"
        for c in (crd.get("status") or {}).get("conditions") or []
    )


def crd_served_kinds(crd: Object) -> list[tuple[str, str]]:
    """``(apiVersion, kind)`` of every version the CRD serves; empty until established."""
    if not is_established(crd):
        return []
    spec = crd.get("spec") or {}
    group = str(spec.get("group") or "")
    kind = str((spec.get("names") or {}).get("kind") or "")
    return [
        (f"{group}/{version['name']}", kind)
        for version in spec.get("versions") or []
        if version.get("served", True) and version.get("name")
    ]

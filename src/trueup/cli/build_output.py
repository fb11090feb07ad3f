"""What ``trueup build`` prints: the objects of an App in apply order, by stage and file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trueup.objects import Object, Origin, object_id
from trueup.plan import plan_stages
from trueup.render import Rendered

BUILD_COLUMNS = ("KIND", "NAMESPACE", "NAME", "STAGE", "FILE")


@dataclass(frozen=True, slots=True)
class BuiltObject:
    """One object as a sync would apply it, with its stage and the file it came from."""

    obj: Object
    stage: str
    origin: Origin | None


def in_apply_order(rendered: Rendered, prepared: Sequence[Object]) -> list[BuiltObject]:
    """``prepared`` (the render after ``Engine.desired``, one for one) in apply order."""
    origins = rendered.origins_of(prepared)
    return [
        BuiltObject(obj, stage.name, origins.get(object_id(obj)))
        for stage in plan_stages(prepared, origins)
        for obj in stage.objects
    ]


def build_rows(built: Sequence[BuiltObject]) -> list[tuple[str, ...]]:
    """Table rows under :data:`BUILD_COLUMNS`."""
    rows: list[tuple[str, ...]] = []
    for item in built:
        oid = object_id(item.obj)
        rows.append((oid.kind, oid.namespace or "-", oid.name, item.stage, str(item.origin or "-")))
    return rows

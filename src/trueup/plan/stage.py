"""One stage of a plan: objects applied together, dry-run together, and maybe waited on."""

from __future__ import annotations

from dataclasses import dataclass

from trueup.objects import Object, ObjectId, object_id
from trueup.words import counted


@dataclass(frozen=True, slots=True)
class Stage:
    """Objects that are dry-run and applied together, in order, before the next stage.

    ``wait_established`` is set on the stage of CustomResourceDefinitions, Namespaces and
    cluster-wide RBAC: the apply layer waits until its CRDs are established (and its
    namespaces active) before it starts the next stage.
    """

    name: str
    objects: tuple[Object, ...]
    wait_established: bool = False
    wave: int = 0

    @property
    def ids(self) -> tuple[ObjectId, ...]:
        """The ids of the stage's objects, in apply order."""
        return tuple(object_id(obj) for obj in self.objects)

    def __str__(self) -> str:
        wait = ", waited until established" if self.wait_established else ""
        return f"stage {self.name} ({counted(len(self.objects), 'object')}{wait})"

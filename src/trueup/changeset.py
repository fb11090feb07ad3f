"""The typed result of carrying out a plan: one entry per object, and the set of them.

These values are shared by apply (which produces them), store (which records them) and the
interfaces (which print them), so they live below all three.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from trueup.objects import ObjectId


class Action(StrEnum):
    """What happened (or, in a dry run, would happen) to one object."""

    CREATED = "created"
    CONFIGURED = "configured"
    ADOPTED = "adopted"
    """An existing object trueup did not own (or another App owned) is now this App's."""
    UNCHANGED = "unchanged"
    PRUNED = "pruned"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ObjectChange:
    """One object's outcome; ``reason`` says why for adopted, skipped and failed objects."""

    id: ObjectId
    action: Action
    reason: str = ""

    def __str__(self) -> str:
        line = f"{self.id} {self.action.value}"
        return f"{line}: {self.reason}" if self.reason else line


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Every object's outcome of one apply, in the order they were handled."""

    changes: tuple[ObjectChange, ...] = ()

    def __add__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(self.changes + other.changes)

    @property
    def failed(self) -> tuple[ObjectChange, ...]:
        """The entries whose action is ``failed``."""
        return tuple(c for c in self.changes if c.action is Action.FAILED)

    def counts(self) -> dict[Action, int]:
        """How many objects ended with each action (actions with none are left out)."""
        return dict(Counter(c.action for c in self.changes))

    def summary(self) -> str:
        """A one-line summary such as ``2 created, 1 configured, 40 unchanged``."""
        counts = self.counts()
        parts = [f"{counts[a]} {a.value}" for a in Action if counts.get(a)]
        return ", ".join(parts) if parts else "no objects"

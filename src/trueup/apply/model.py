"""The values of the apply layer: the options every verb takes and the result every verb returns.

A result always carries the change set so far: when a stage fails half-way, the objects
already handled keep their entries, the rest are ``skipped``, and ``failure`` says, typed
and in one line, which object failed first and what the server said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from trueup.changeset import Action, ChangeSet
from trueup.failure import Failure
from trueup.objects import Object, ObjectId, Origin
from trueup.targets import FieldValidation

FORCE_ANNOTATION: Final = "trueup.dev/force"
"""Annotation (value ``"true"``) that lets apply delete and re-create the object when a
field that cannot change has changed, as ``ApplyOptions.force`` does for a whole app."""

REASON_LIMIT: Final = 500
"""The longest server message kept whole in a result line."""

Origins = Mapping[ObjectId, Origin]
"""id → where the object was declared (``path/in/repo.yaml:LINE``), to name it in failures."""

Known = Mapping[ObjectId, tuple[str, str]]
"""id → (content hash of the desired object, live ``resourceVersion``) after a good apply."""


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    """How the verbs of the apply layer behave; every field has the default shown."""

    dry_run: bool = False
    """Server dry-run only: report what would happen, change nothing, prune nothing."""
    force: bool = False
    """Delete and re-create objects whose change touches an immutable field (app opt-in)."""
    concurrency: int = 16
    """Objects in flight at once within a stage (dry-runs, applies, lists)."""
    establish_timeout: float = 60
    """Seconds to wait for the CustomResourceDefinitions of a stage to be Established."""
    recreate_timeout: float = 60
    """Seconds to wait for a deleted object to be gone before it is re-created."""
    field_validation: FieldValidation = FieldValidation.STRICT
    """What the target does with an undeclared field: refuse the object (``Strict``, as
    kubectl does), drop it with a warning in the change set (``Warn``), or drop it
    silently (``Ignore``)."""


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What one verb did (or, in a dry run, would do) to every object it was given."""

    changes: ChangeSet = field(default_factory=ChangeSet)
    """Every object's outcome, in the order they were handled."""
    live: Mapping[ObjectId, Object] = field(default_factory=dict)
    """The objects as the server returned them after apply (or dry-run), by id."""
    diffs: Mapping[ObjectId, tuple[Object | None, Object]] = field(default_factory=dict)
    """(live before, server dry-run result) of each created or configured object."""
    failed_deletes: tuple[ObjectId, ...] = ()
    """Prunes that failed: they stay in the inventory and are retried next time."""
    failure: Failure | None = None
    """None on success; else the first failing object's failure: its reason class (invalid,
    forbidden, denied, conflict...) and one line naming it and the server's reason."""
    known: Known = field(default_factory=dict)
    """(content hash, resourceVersion) of every object applied or found unchanged; pass it
    back as ``apply_stages(known=...)`` to skip their dry-run while neither changes."""

    @property
    def error(self) -> str:
        """The failure's message, or '' when nothing failed."""
        return self.failure.message if self.failure else ""

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return self.failure is None and not self.changes.failed

    @property
    def applied_ids(self) -> tuple[ObjectId, ...]:
        """Ids on the target as desired (created, configured, adopted, unchanged): for the
        inventory."""
        applied = (Action.CREATED, Action.CONFIGURED, Action.ADOPTED, Action.UNCHANGED)
        return tuple(c.id for c in self.changes.changes if c.action in applied)

    @property
    def deleted_ids(self) -> tuple[ObjectId, ...]:
        """Ids prune deleted (or found already gone): they leave the inventory."""
        return tuple(c.id for c in self.changes.changes if c.action is Action.PRUNED)

    def __add__(self, other: ApplyResult) -> ApplyResult:
        """Both results, ``self`` first (apply, then prune); the first failure wins."""
        return ApplyResult(
            changes=self.changes + other.changes,
            live={**self.live, **other.live},
            diffs={**self.diffs, **other.diffs},
            failed_deletes=self.failed_deletes + other.failed_deletes,
            failure=self.failure or other.failure,
            known={**self.known, **other.known},
        )


def server_reason(error: BaseException, oid: ObjectId) -> str:
    """The error's message on one line, without the object id it starts with.

    The API server quotes whole values in some messages (an immutable pod template comes
    back as kilobytes of Go syntax); the middle of a message longer than
    ``REASON_LIMIT`` is elided, keeping the field it starts with and the verdict it ends with.
    """
    text = " ".join(str(error).split())
    prefix = f"{oid}: "
    text = text[len(prefix) :] if text.startswith(prefix) else text
    if len(text) <= REASON_LIMIT:
        return text
    head = REASON_LIMIT * 3 // 5
    return f"{text[:head]} … {text[head - REASON_LIMIT + 3 :]}"

"""The values the store keeps: reconcile attempts, who triggered them, and inventories.

Every value is frozen. Times are timezone-aware and normalised to UTC on construction, so
that what goes into the store is exactly what comes back out of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from trueup.changeset import ChangeSet
from trueup.objects import ObjectId


@dataclass(frozen=True, slots=True)
class Trigger:
    """Who or what started an attempt, written ``source:detail`` (``cli:alice``).

    Attempts keep the trigger as its string form, so that new trigger sources need no
    schema change; this class builds and reads those strings.
    """

    source: str
    detail: str = ""

    def __post_init__(self) -> None:
        if not self.source or ":" in self.source:
            raise ValueError(
                f"trigger source must be a non-empty word without ':': {self.source!r}"
            )

    def __str__(self) -> str:
        return f"{self.source}:{self.detail}" if self.detail else self.source

    @classmethod
    def cli(cls, user: str) -> Trigger:
        """A person running the CLI, such as ``cli:alice``."""
        return cls("cli", user)

    @classmethod
    def daemon(cls, reason: str) -> Trigger:
        """The daemon on its own, such as ``daemon:interval`` or ``daemon:drift``."""
        return cls("daemon", reason)

    @classmethod
    def webhook(cls, name: str) -> Trigger:
        """A webhook receiver by name, such as ``webhook:github-main``."""
        return cls("webhook", name)

    @classmethod
    def parse(cls, text: str) -> Trigger:
        """The trigger a string such as ``cli:alice`` stands for."""
        source, _, detail = text.partition(":")
        return cls(source, detail)


class AttemptResult(StrEnum):
    """How one reconcile attempt ended."""

    SUCCEEDED = "succeeded"
    """Everything planned was applied (or nothing needed applying)."""
    FAILED = "failed"
    """The attempt stopped on an error; ``Attempt.error`` says which."""
    SKIPPED = "skipped"
    """Nothing was tried: the app is suspended or a dependency is not ready."""
    CANCELLED = "cancelled"
    """Stopped part-way by a newer revision or by shutdown."""


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One reconcile of one app: what was tried, at which revision, by whom, and how it ended.

    ``revision`` is ``None`` when the source could not be read at all. ``health`` is the
    name of a health status (kept as text so the store does not depend on the health
    layer). ``id`` is ``None`` until the store has recorded the attempt.
    """

    app: str
    started_at: datetime
    finished_at: datetime
    revision: str | None
    trigger: str
    result: AttemptResult
    plan_summary: str = ""
    changes: ChangeSet = field(default_factory=ChangeSet)
    health: str = ""
    duration_s: float = 0.0
    error: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        # Normalising here means equality and ordering never depend on the caller's zone.
        object.__setattr__(self, "started_at", _utc(self.started_at, "started_at"))
        object.__setattr__(self, "finished_at", _utc(self.finished_at, "finished_at"))
        object.__setattr__(self, "result", AttemptResult(self.result))


@dataclass(frozen=True, order=True, slots=True)
class InventoryEntry:
    """One object an app applied and owns, with the ``apiVersion`` it was applied as.

    The version is kept because deleting an object during a prune needs a served version
    of its kind, and the desired manifests that named it may be gone.
    """

    id: ObjectId
    api_version: str
    content_hash: str = ""
    """Hash of the desired content at the last good apply ('' when not known)."""
    resource_version: str = ""
    """``resourceVersion`` the last good apply left the object at ('' when not known)."""

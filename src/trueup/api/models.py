"""The API's answers and request bodies, as typed frozen values.

Field names are snake_case here and camelCase in JSON (:func:`trueup.api.schema.to_data`
writes them, :func:`trueup.api.schema.json_schema` describes them); a field whose JSON
name differs otherwise (a Python keyword) says so in its metadata. Shapes the CLI already
prints as JSON (a history entry, a sync report, an event) are passed through as JSON
objects made by the CLI's own functions (see :mod:`trueup.api.views`), so that the CLI
and the API never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from trueup.health import HealthStatus

JSON_NAME = "json_name"
"""Metadata key of a field whose JSON name is not its camelCase name."""


class ObjectSync(StrEnum):
    """Whether one object matches Git, by the daemon's last comparison."""

    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    UNKNOWN = "Unknown"


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """What went wrong: a code (``not_found``, ``unauthorized``…) and a message."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The body of every answer that is not a success."""

    error: ErrorDetail


@dataclass(frozen=True, slots=True)
class AppSummary:
    """One App as ``trueup status -o json`` shows it, with its place in the configuration."""

    app: str
    namespace: str
    source: str
    labels: dict[str, str]
    target: str
    revision: str
    """The last revision applied, ``-`` when none."""
    sync: str
    """Synced, OutOfSync, Unknown, Suspended, Invalid, Removed or ``Drifted (N objects)``."""
    health: str
    last_sync: str
    confirmed_at: str
    reason: str
    next_reconcile: str
    error: str
    suspended: bool
    drifted: int
    commit_subject: str = ""
    """The subject of the commit of ``revision`` ('' when not known)."""
    commit_author: str = ""
    """Its author ('' when not known)."""


@dataclass(frozen=True, slots=True)
class AppList:
    """A page of Apps; ``continue`` is the token of the next page (null on the last)."""

    items: list[AppSummary]
    continue_: str | None = field(default=None, metadata={JSON_NAME: "continue"})


@dataclass(frozen=True, slots=True)
class LiveObject:
    """An object an App owns: its health, and whether it matches Git."""

    object: str
    api_version: str
    health: HealthStatus
    health_message: str
    sync: ObjectSync


@dataclass(frozen=True, slots=True)
class InventoryItem:
    """An object in the App's inventory (what it applied and owns)."""

    object: str
    api_version: str


@dataclass(frozen=True, slots=True)
class AppDetail:
    """One App: its status, its spec as written, its objects and its inventory."""

    app: AppSummary
    spec: dict[str, Any]
    objects: list[LiveObject]
    inventory: list[InventoryItem]


@dataclass(frozen=True, slots=True)
class TreeNode:
    """An object and what it owns (through ``ownerReferences``), with its health."""

    object: str
    api_version: str
    uid: str
    health: HealthStatus
    health_message: str
    managed: bool
    """True for an object the App applied; False for one a controller made for it."""
    children: list[TreeNode]


@dataclass(frozen=True, slots=True)
class AppTree:
    """The App's managed objects and what they own; ``truncated`` when a bound cut it."""

    app: str
    nodes: list[TreeNode]
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class DiffEntry:
    """An object a sync would change, as ``trueup diff -o json`` prints it (masked)."""

    object: str
    action: str
    """create, configure or prune."""
    live: dict[str, Any] | None
    desired: dict[str, Any] | None
    diff: str


@dataclass(frozen=True, slots=True)
class FailureData:
    """Why a comparison or sync failed: its class, whether retrying may help, the message."""

    reason: str
    temporary: bool
    message: str


@dataclass(frozen=True, slots=True)
class AppDiff:
    """What a sync of the App would change now, from a server dry-run."""

    app: str
    revision: str | None
    entries: list[DiffEntry]
    failure: FailureData | None


@dataclass(frozen=True, slots=True)
class HistoryList:
    """The App's attempts, newest first, each as ``trueup history -o json`` prints it."""

    items: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class EventList:
    """Stored events, newest first, each as ``trueup events -o json`` prints it."""

    items: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class KubeEvent:
    """A Kubernetes Event about one of the App's objects (or what they own)."""

    object: str
    """The object it is about, ``Kind/namespace/name``."""
    type: str
    """Normal or Warning."""
    reason: str
    message: str
    count: int
    first_time: str
    last_time: str
    source: str
    """The component that reported it (a controller, the kubelet…)."""


@dataclass(frozen=True, slots=True)
class KubeEventList:
    """The Kubernetes Events of the App's objects, newest first; ``truncated`` when a
    bound cut the list."""

    items: list[KubeEvent]
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class SourceState:
    """A GitSource as the daemon polls it."""

    source: str
    namespace: str
    name: str
    url: str
    revision: str | None
    """The revision its last good poll found."""
    last_fetch: str | None
    """When it was last polled (ISO 8601, UTC)."""
    error: str
    """Why the last poll failed ('' when it did not)."""
    failures: int


@dataclass(frozen=True, slots=True)
class SourceList:
    """The GitSources of the Apps the caller may see."""

    items: list[SourceState]


@dataclass(frozen=True, slots=True)
class SyncRequest:
    """How to sync: a dry run, whether to prune (null: as the App's spec says), and the
    objects to apply alone (``Kind/namespace/name``; null: the whole App). A partial sync
    never prunes and runs no hooks."""

    dry_run: bool = False
    prune: bool | None = None
    objects: list[str] | None = None


@dataclass(frozen=True, slots=True)
class SuspendRequest:
    """Why the App is suspended, for whoever reads its status."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class Suspended:
    """The suspension in force (the first one, if the App was already suspended)."""

    app: str
    suspended: bool
    by: str
    at: str
    reason: str


@dataclass(frozen=True, slots=True)
class Resumed:
    """The App follows Git again; ``resumed`` is false when it was not suspended,
    ``unpinned`` false when it was not pinned (``trueup rollback``)."""

    app: str
    suspended: bool
    resumed: bool
    unpinned: bool = False


@dataclass(frozen=True, slots=True)
class RollbackRequest:
    """Which revision to roll the App back to (as history shows it, or 7 or more hex digits
    of its commit), how, and why. ``revert: false`` pins the App there (until it is
    resumed); ``revert: true`` commits the revert to Git, ``yes`` confirming that other
    Apps reading the same files change too."""

    revision: str = ""
    revert: bool = False
    yes: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Refreshing:
    """The source is polled now; a new revision reconciles its Apps as usual."""

    source: str
    refreshing: bool

"""The values the store keeps: reconcile attempts, who triggered them, inventories, the
locks and suspensions of apps, and the events the daemon recorded.

Every value is frozen. Times are timezone-aware and normalised to UTC on construction, so
that what goes into the store is exactly what comes back out of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from trueup.changeset import ChangeSet
from trueup.eventkinds import EventKind, Severity
from trueup.failure import Reason
from trueup.gitspec import Commit
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
    def api(cls, token: str) -> Trigger:
        """A caller of the HTTP API, by the name of its token, such as ``api:ci``."""
        return cls("api", token)

    @classmethod
    def parse(cls, text: str) -> Trigger:
        """The trigger a string such as ``cli:alice`` stands for."""
        source, _, detail = text.partition(":")
        return cls(source, detail)


class AttemptResult(StrEnum):
    """How one reconcile attempt ended, or ``running`` while it has not ended yet."""

    RUNNING = "running"
    """Started and not finished: its process is working on it, or died (see ``INTERRUPTED``)."""
    SUCCEEDED = "succeeded"
    """Everything planned was applied (or nothing needed applying)."""
    FAILED = "failed"
    """The attempt stopped on an error; ``Attempt.error`` says which."""
    SKIPPED = "skipped"
    """Nothing was tried: the app is suspended or a dependency is not ready."""
    CANCELLED = "cancelled"
    """Stopped part-way by a newer revision or by shutdown."""
    INTERRUPTED = "interrupted"
    """Its process ended (killed, crashed, rebooted) before it finished; found afterwards."""

    @property
    def finished(self) -> bool:
        """Whether the attempt has ended (every result but ``running``)."""
        return self is not AttemptResult.RUNNING


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

    An attempt is recorded when it starts (result ``running``) and updated as it goes and
    when it ends; while it runs, ``finished_at`` is the last time it reported progress.
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
    reason: Reason | None = None
    """The class of the failure (``error`` says it in words); None when nothing failed."""
    target: str = ""
    """The identity of the system it ran against (for Kubernetes ``context@server``)."""
    owner: str = ""
    """The process that runs it (see ``trueup.store.owner.Owner``); '' when not known."""
    commit: Commit | None = None
    """What the revision's commit says of itself (author, subject, time); None until the
    source was read, or when git could not tell."""
    only: tuple[str, ...] = ()
    """The objects a partial sync was limited to (``trueup sync --object``), as ids
    (``ConfigMap/shop/settings``); empty for a sync of the whole App. A partial attempt
    that succeeded is not the App's last successful sync: the rest of the App may still
    differ from its revision."""
    id: int | None = None

    def __post_init__(self) -> None:
        # Normalising here means equality and ordering never depend on the caller's zone.
        object.__setattr__(self, "started_at", _utc(self.started_at, "started_at"))
        object.__setattr__(self, "finished_at", _utc(self.finished_at, "finished_at"))
        object.__setattr__(self, "result", AttemptResult(self.result))
        object.__setattr__(self, "only", tuple(self.only))
        if self.reason is not None:
            object.__setattr__(self, "reason", Reason(self.reason))

    def as_data(self) -> dict[str, object]:
        """The attempt as plain data, the one shape every JSON output of history uses
        (``trueup history -o json`` and the HTTP API)."""
        commit = self.commit
        return {
            "id": self.id,
            "app": self.app,
            "startedAt": self.started_at.isoformat(),
            "finishedAt": self.finished_at.isoformat(),
            "revision": self.revision,
            "trigger": self.trigger,
            "result": self.result.value,
            "summary": self.plan_summary,
            "health": self.health,
            "durationSeconds": round(self.duration_s, 3),
            "error": self.error,
            "reason": self.reason.value if self.reason else "",
            "target": self.target,
            "owner": self.owner,
            "commit": None
            if commit is None
            else {
                "sha": commit.sha,
                "author": commit.author,
                "email": commit.email,
                "subject": commit.subject,
                "committedAt": commit.committed_at.isoformat(),
            },
            "changes": [
                {"object": str(c.id), "action": c.action.value, "reason": c.reason}
                for c in self.changes.changes
            ],
            "only": list(self.only),
        }


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

    def ref(self) -> dict[str, object]:
        """A minimal object naming this entry in its ``apiVersion``, to read it with."""
        metadata = {"name": self.id.name}
        if self.id.namespace:
            metadata["namespace"] = self.id.namespace
        return {"apiVersion": self.api_version, "kind": self.id.kind, "metadata": metadata}


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The last time an app's state was compared with its target, and what was found.

    Written by every sync and every diff (a dry-run comparison that changes nothing), so
    that ``status`` can say how old its information is.
    """

    app: str
    target: str
    confirmed_at: datetime
    revision: str | None
    in_sync: bool
    """True when the target matched the revision (nothing to create, change or prune)."""
    health: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "confirmed_at", _utc(self.confirmed_at, "confirmed_at"))


@dataclass(frozen=True, slots=True)
class AppLock:
    """The lock of one app: a lease that one holder renews while it reconciles the app.

    ``owner`` is the holding process (``str`` of ``trueup.store.owner.Owner``), ``token``
    the one acquisition (new for each, so that coroutines of one process tell their locks
    apart), ``purpose`` what holds it, for messages (``daemon``, ``cli:alice``). The lock is
    in force until ``expires_at``; from then on anyone may take it.
    """

    app: str
    owner: str
    token: str
    purpose: str
    acquired_at: datetime
    expires_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "acquired_at", _utc(self.acquired_at, "acquired_at"))
        object.__setattr__(self, "expires_at", _utc(self.expires_at, "expires_at"))

    def in_force(self, now: datetime) -> bool:
        """Whether the lock still holds at ``now`` (it expires at ``expires_at`` exactly)."""
        return _utc(now, "now") < self.expires_at


def next_lock(held: AppLock | None, wanted: AppLock) -> AppLock:
    """The lock of an app once ``wanted``'s holder tried to take it, while ``held`` is its lock.

    ``held`` itself (the very object: nothing to write) while another holder's lock is in
    force at ``wanted.acquired_at``; otherwise ``wanted``, keeping ``held``'s ``acquired_at``
    when the same token renews its lock.
    """
    if held is None:
        return wanted
    if held.token != wanted.token:
        return held if held.in_force(wanted.acquired_at) else wanted
    return replace(wanted, acquired_at=held.acquired_at)


def lease_end(now: datetime, ttl: timedelta) -> datetime:
    """When a lock taken or renewed at ``now`` (timezone-aware) for ``ttl`` (positive) expires."""
    if ttl <= timedelta(0):
        raise ValueError(f"a lock's time to live must be positive, got {ttl}")
    return _utc(now, "now") + ttl


@dataclass(frozen=True, slots=True)
class Suspension:
    """An app suspended by hand: nothing reconciles it until it is resumed.

    ``by`` says who suspended it (``cli:alice``), ``at`` since when, ``reason`` why ('' when
    no reason was given).
    """

    app: str
    by: str
    at: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "at"))


@dataclass(frozen=True, slots=True)
class RecordedInputs:
    """What an attempt's render read besides its revision's tree, to replay it with.

    ``chart_version`` and ``chart_digest``: the chart a Helm App's ``spec.helm.version`` (a
    range, perhaps) resolved to, and the sha256 digest of its archive ('' for a chart in the
    App's source, or none). ``values_digests``: a sha256 of each ConfigMap or Secret read
    from the cluster (``valuesFrom``, ``substituteFrom``), in order; never the values.
    """

    chart_version: str = ""
    chart_digest: str = ""
    values_digests: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "values_digests", tuple(self.values_digests))


@dataclass(frozen=True, slots=True)
class Pin:
    """An app pinned at an earlier revision by ``trueup rollback`` (pin mode).

    Every reconcile of the app applies ``commit`` (its revision shown as ``revision``) with
    ``inputs`` (what that revision was applied with) instead of what its source's ref says
    now, and drift is corrected towards it, until ``trueup resume``. ``by`` says who pinned it
    (``cli:alice``, ``api:ci``), ``at`` since when, ``reason`` why ('' when not given).
    """

    app: str
    revision: str
    commit: str
    by: str
    at: datetime
    reason: str = ""
    inputs: RecordedInputs = field(default_factory=RecordedInputs)

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "at"))


@dataclass(frozen=True, slots=True)
class Schedule:
    """What a daemon plans for an app: its next reconcile (None: none planned, such as
    while it is suspended) and how many of its objects it last found drifted."""

    app: str
    owner: str
    """The daemon process (see ``trueup.store.owner.Owner``)."""
    next_at: datetime | None
    drifted: int
    updated_at: datetime

    def __post_init__(self) -> None:
        if self.next_at is not None:
            object.__setattr__(self, "next_at", _utc(self.next_at, "next_at"))
        object.__setattr__(self, "updated_at", _utc(self.updated_at, "updated_at"))


FieldValue = str | int | float | bool | None
"""The value of one detail of an event."""


def _no_fields() -> Mapping[str, FieldValue]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event as the store keeps it: when, about which app and revision, its reason and
    severity, what it says, the objects involved (ids as text, such as
    ``Deployment/shop/web``) and its other details.

    ``app`` is ``None`` for events about the daemon itself. ``id`` is ``None`` until the
    store has recorded the event; ids only ever grow, so a reader resumes after the last it saw.
    """

    at: datetime
    app: str | None
    kind: EventKind
    level: Severity
    message: str
    revision: str | None = None
    objects: tuple[str, ...] = ()
    fields: Mapping[str, FieldValue] = field(default_factory=_no_fields)
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "at"))
        object.__setattr__(self, "kind", EventKind(self.kind))
        object.__setattr__(self, "level", Severity(self.level))
        object.__setattr__(self, "objects", tuple(self.objects))
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def as_data(self) -> dict[str, object]:
        """The event as plain data, the one shape every JSON output of events uses."""
        return {
            "id": self.id,
            "time": self.at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "app": self.app,
            "revision": self.revision,
            "severity": self.level.value,
            "reason": self.kind.value,
            "message": self.message,
            "objects": list(self.objects),
            "fields": dict(self.fields),
        }


def normalised_path(path: str) -> str:
    """A repository-relative ``path`` without ``./``, empty parts or a trailing ``/``; ``.``
    for the repository root. Read-sets and reverts compare paths in this form."""
    parts = [part for part in path.strip().split("/") if part not in ("", ".")]
    return "/".join(parts) or "."


def path_under(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or inside it (both normalised; ``.`` holds all)."""
    return folder == "." or path == folder or path.startswith(folder + "/")


@dataclass(frozen=True, slots=True)
class Revert:
    """A revert trueup pushed (``trueup rollback --revert``), and whether it was applied.

    ``app`` asked for it, on ``branch`` of ``source`` (a GitSource id); ``paths`` were made
    as they were at ``revision`` by the commit ``commit``, made on ``parent`` (the head
    before it), ``by`` whom (``cli:alice``) and ``at`` when it was pushed. It is pending
    until an attempt of the App applies it (:meth:`applied_by`); then ``applied_at`` and
    ``applied_revision`` say when and at which revision. ``id`` is None until recorded.
    """

    app: str
    source: str
    branch: str
    paths: tuple[str, ...]
    revision: str
    commit: str
    parent: str
    by: str
    at: datetime
    applied_at: datetime | None = None
    applied_revision: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "at"))
        object.__setattr__(self, "paths", tuple(normalised_path(p) for p in self.paths))
        if self.applied_at is not None:
            object.__setattr__(self, "applied_at", _utc(self.applied_at, "applied_at"))

    @property
    def pending(self) -> bool:
        """Pushed and not yet applied by an attempt of the App."""
        return self.applied_at is None

    def covers(self, path: str) -> bool:
        """Whether ``path`` (repository-relative) is one of the restored paths or inside one."""
        path = normalised_path(path)
        return any(path_under(path, restored) for restored in self.paths)

    def applied_by(self, attempt: Attempt) -> bool:
        """Whether ``attempt`` applied this revert: a succeeded sync of the whole App at the
        revert commit, or at a revision of the same branch fetched after the push (trueup
        never forces a push, so a later head holds the revert), other than the head the
        revert was made on (which a Git outage can fall back to)."""
        if (
            attempt.app != self.app
            or attempt.result is not AttemptResult.SUCCEEDED
            or attempt.only
            or attempt.revision is None
        ):
            return False
        sha = attempt.revision.rpartition("sha1:")[2]
        if sha == self.commit:
            return True
        later = attempt.started_at >= self.at and sha != self.parent
        return later and attempt.revision.startswith(f"{self.branch}@sha1:")

    def as_data(self) -> dict[str, object]:
        """The revert as plain data, for JSON outputs."""
        return {
            "id": self.id,
            "app": self.app,
            "source": self.source,
            "branch": self.branch,
            "paths": list(self.paths),
            "revision": self.revision,
            "commit": self.commit,
            "parent": self.parent,
            "by": self.by,
            "at": self.at.isoformat(),
            "appliedAt": self.applied_at.isoformat() if self.applied_at else None,
            "appliedRevision": self.applied_revision,
        }

"""Conversions between the store's values and SQLite rows; pure, no connection needed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from trueup.changeset import Action, ChangeSet, ObjectChange
from trueup.eventkinds import EventKind, Severity
from trueup.failure import Reason
from trueup.gitspec import Commit
from trueup.objects import ObjectId
from trueup.store.model import (
    AppLock,
    Attempt,
    AttemptResult,
    Confirmation,
    EventRecord,
    InventoryEntry,
    Pin,
    RecordedInputs,
    Revert,
    Schedule,
    Suspension,
)

# One fixed width, always UTC: text comparison then orders times correctly in SQL.
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_TIME_WIDTH = len("2026-01-01T00:00:00.000000Z")


def format_time(value: datetime) -> str:
    """``value`` (timezone-aware) as the store's sortable UTC text."""
    return value.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """The timezone-aware UTC time that ``format_time`` wrote as ``text``.

    ``fromisoformat`` reads that one width many times faster than ``strptime`` (a list of
    1,000 Apps reads thousands of times); the shape is checked first, so other ISO forms
    are refused as ``strptime`` refused them.
    """
    if len(text) != _TIME_WIDTH or text[10] != "T" or text[19] != "." or text[-1] != "Z":
        raise ValueError(f"time data {text!r} does not match format {_TIME_FORMAT!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def attempt_row(attempt: Attempt) -> tuple[Any, ...]:
    """The values of ``attempt`` for ``INSERT`` in table order, without the id."""
    return (
        attempt.app,
        format_time(attempt.started_at),
        format_time(attempt.finished_at),
        attempt.revision,
        attempt.trigger,
        attempt.result.value,
        attempt.plan_summary,
        attempt.health,
        float(attempt.duration_s),
        attempt.error,
        attempt.reason.value if attempt.reason else "",
        attempt.target,
        attempt.owner,
        *commit_columns(attempt.commit),
        only_column(attempt.only),
    )


def only_column(only: tuple[str, ...]) -> str:
    """``only_objects`` of an attempt: a JSON list of the ids a partial sync was limited
    to, '' for a sync of the whole App (so that SQL tells the two apart by ``= ''``)."""
    return orjson.dumps(list(only)).decode() if only else ""


def only_from_column(text: str) -> tuple[str, ...]:
    """The ids :func:`only_column` wrote as ``text``."""
    return tuple(str(oid) for oid in orjson.loads(text)) if text else ()


def commit_columns(commit: Commit | None) -> tuple[str | None, ...]:
    """``commit_sha, commit_author, commit_email, commit_subject, committed_at`` of an
    attempt; '' (and NULL for the time) when there is no commit."""
    if commit is None:
        return ("", "", "", "", None)
    at = format_time(commit.committed_at)
    return (commit.sha, commit.author, commit.email, commit.subject, at)


def commit_from_columns(columns: Sequence[Any]) -> Commit | None:
    """The commit that :func:`commit_columns` wrote as ``columns``; None for none."""
    sha, author, email, subject, committed_at = columns
    if not sha or committed_at is None:
        return None
    return Commit(sha, author, email, subject, parse_time(committed_at))


def change_rows(attempt_id: int, changes: ChangeSet) -> list[tuple[Any, ...]]:
    """One row per object of ``changes``, keeping their order in ``position``."""
    return [
        (
            attempt_id,
            position,
            change.id.group,
            change.id.kind,
            change.id.namespace,
            change.id.name,
            change.action.value,
            change.reason,
        )
        for position, change in enumerate(changes.changes)
    ]


def change_from_row(row: Sequence[Any]) -> tuple[int, ObjectChange]:
    """The attempt id and the change stored in an ``attempt_changes`` row without its position."""
    attempt_id, group, kind, namespace, name, action, reason = row
    return int(attempt_id), ObjectChange(
        ObjectId(group, kind, namespace, name), Action(action), reason
    )


def attempt_from_row(row: Sequence[Any], changes: Iterable[ObjectChange]) -> Attempt:
    """The attempt in an ``attempts`` row (all columns, in table order), with its changes."""
    id_, app, started, finished, revision, trigger, result, summary, health, duration, *rest = row
    error, reason, target, owner, *commit, only = rest
    return Attempt(
        app=app,
        started_at=parse_time(started),
        finished_at=parse_time(finished),
        revision=revision,
        trigger=trigger,
        result=AttemptResult(result),
        plan_summary=summary,
        changes=ChangeSet(tuple(changes)),
        health=health,
        duration_s=float(duration),
        error=error,
        reason=_reason(reason),
        target=target,
        owner=owner,
        commit=commit_from_columns(commit),
        only=only_from_column(only),
        id=int(id_),
    )


def _reason(text: str) -> Reason | None:
    # A reason this trueup does not know (written by a newer one) reads as "not classified".
    try:
        return Reason(text) if text else None
    except ValueError:
        return None


def confirmation_row(confirmation: Confirmation) -> tuple[Any, ...]:
    """The values of ``confirmation`` for the ``confirmations`` table, in table order."""
    return (
        confirmation.app,
        confirmation.target,
        format_time(confirmation.confirmed_at),
        confirmation.revision,
        int(confirmation.in_sync),
        confirmation.health,
    )


def confirmation_from_row(row: Sequence[Any]) -> Confirmation:
    """The confirmation in a ``confirmations`` row (all columns, in table order)."""
    app, target, confirmed_at, revision, in_sync, health = row
    return Confirmation(app, target, parse_time(confirmed_at), revision, bool(in_sync), health)


def inventory_row(app: str, entry: InventoryEntry, target: str = "") -> tuple[str, ...]:
    """The values of ``entry`` for the ``inventory`` table (``app`` first, ``target`` last)."""
    oid = entry.id
    return (
        app,
        oid.group,
        oid.kind,
        oid.namespace,
        oid.name,
        entry.api_version,
        entry.content_hash,
        entry.resource_version,
        target,
    )


def inventory_from_row(row: Sequence[Any]) -> InventoryEntry:
    """The entry stored in an ``(api_group, kind, namespace, name, api_version[, content_hash,
    resource_version])`` row."""
    group, kind, namespace, name, api_version, *known = row
    content_hash, resource_version = (*known, "", "")[:2]
    return InventoryEntry(
        ObjectId(group, kind, namespace, name), api_version, content_hash, resource_version
    )


def lock_row(lock: AppLock) -> tuple[str, ...]:
    """The values of ``lock`` for the ``app_locks`` table, in table order."""
    return (
        lock.app,
        lock.owner,
        lock.token,
        lock.purpose,
        format_time(lock.acquired_at),
        format_time(lock.expires_at),
    )


def lock_from_row(row: Sequence[Any]) -> AppLock:
    """The lock in an ``app_locks`` row (all columns, in table order)."""
    app, owner, token, purpose, acquired_at, expires_at = row
    return AppLock(app, owner, token, purpose, parse_time(acquired_at), parse_time(expires_at))


def suspension_row(suspension: Suspension) -> tuple[str, ...]:
    """The values of ``suspension`` for the ``suspensions`` table, in table order."""
    return (suspension.app, suspension.by, format_time(suspension.at), suspension.reason)


def suspension_from_row(row: Sequence[Any]) -> Suspension:
    """The suspension in a ``suspensions`` row (all columns, in table order)."""
    app, by, at, reason = row
    return Suspension(app, by, parse_time(at), reason)


def inputs_columns(inputs: RecordedInputs) -> tuple[str, str, str]:
    """``chart_version, chart_digest, values_digests`` (a JSON list) of recorded inputs."""
    digests = orjson.dumps(list(inputs.values_digests)).decode()
    return (inputs.chart_version, inputs.chart_digest, digests)


def inputs_from_columns(columns: Sequence[Any]) -> RecordedInputs:
    """The inputs :func:`inputs_columns` wrote as ``columns``."""
    version, digest, digests = columns
    return RecordedInputs(version, digest, tuple(str(d) for d in orjson.loads(digests or "[]")))


def pin_row(pin: Pin) -> tuple[str, ...]:
    """The values of ``pin`` for the ``pins`` table, in table order."""
    return (
        pin.app,
        pin.revision,
        pin.commit,
        pin.by,
        format_time(pin.at),
        pin.reason,
        *inputs_columns(pin.inputs),
    )


def pin_from_row(row: Sequence[Any]) -> Pin:
    """The pin in a ``pins`` row (all columns, in table order)."""
    app, revision, commit, by, at, reason, *inputs = row
    return Pin(app, revision, commit, by, parse_time(at), reason, inputs_from_columns(inputs))


def schedule_row(schedule: Schedule) -> tuple[str | int | None, ...]:
    """The values of ``schedule`` for the ``schedules`` table, in table order."""
    next_at = format_time(schedule.next_at) if schedule.next_at is not None else None
    return (
        schedule.app,
        schedule.owner,
        next_at,
        schedule.drifted,
        format_time(schedule.updated_at),
    )


def schedule_from_row(row: Sequence[Any]) -> Schedule:
    """The schedule in a ``schedules`` row (all columns, in table order)."""
    app, owner, next_at, drifted, updated_at = row
    when = parse_time(next_at) if next_at is not None else None
    return Schedule(app, owner, when, int(drifted), parse_time(updated_at))


def event_row(event: EventRecord) -> tuple[Any, ...]:
    """The values of ``event`` for ``INSERT`` in table order, without the id."""
    return (
        format_time(event.at),
        event.app,
        event.revision,
        event.level.value,
        event.kind.value,
        event.message,
        orjson.dumps(list(event.objects)).decode(),
        orjson.dumps(dict(event.fields)).decode(),
    )


def event_from_row(row: Sequence[Any]) -> EventRecord | None:
    """The event in an ``events`` row (all columns, in table order); ``None`` for a kind this
    trueup does not know (written by a newer one), which readers leave out."""
    id_, at, app, revision, level, kind, message, objects, fields = row
    try:
        known, severity = EventKind(kind), Severity(level)
    except ValueError:
        return None
    return EventRecord(
        at=parse_time(at),
        app=app,
        kind=known,
        level=severity,
        message=message,
        revision=revision,
        objects=tuple(str(o) for o in orjson.loads(objects)),
        fields=orjson.loads(fields),
        id=int(id_),
    )


def paths_column(paths: Iterable[str]) -> str:
    """A read-set or a revert's paths as a JSON list, sorted."""
    return orjson.dumps(sorted(paths)).decode()


def paths_from_column(text: str) -> tuple[str, ...]:
    """The paths :func:`paths_column` wrote as ``text``."""
    return tuple(str(p) for p in orjson.loads(text or "[]"))


def revert_row(revert: Revert) -> tuple[Any, ...]:
    """The values of ``revert`` for the ``reverts`` table, in table order after ``id``."""
    return (
        revert.app,
        revert.source,
        revert.branch,
        paths_column(revert.paths),
        revert.revision,
        revert.commit,
        revert.parent,
        revert.by,
        format_time(revert.at),
        format_time(revert.applied_at) if revert.applied_at else None,
        revert.applied_revision,
    )


def revert_from_row(row: Sequence[Any]) -> Revert:
    """The revert in a ``reverts`` row (``id`` first, then every column in table order)."""
    revert_id, app, source, branch, paths, revision, commit, parent, by, at, applied, rev = row
    return Revert(
        app,
        source,
        branch,
        paths_from_column(paths),
        revision,
        commit,
        parent,
        by,
        parse_time(at),
        parse_time(applied) if applied else None,
        rev,
        revert_id,
    )

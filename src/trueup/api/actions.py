"""Handlers that go through the engine or change something: diff, sync, suspend, resume,
rollback, refresh.

Each takes the path the CLI and the daemon take: ``diff`` and ``sync`` run
``Engine.sync`` (through :meth:`Daemon.sync_now`, as ``trueup diff`` and ``trueup sync``
do), suspend and resume write the store (as ``trueup suspend`` and ``resume``; the daemon
sees it within a second), refresh wakes a source's poll (as a webhook does). Actions are
recorded as triggered by ``api:<token name>``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from trueup.api.bodies import read_body
from trueup.api.context import Call
from trueup.api.models import (
    AppDiff,
    DiffEntry,
    FailureData,
    Refreshing,
    Resumed,
    RollbackRequest,
    Suspended,
    SuspendRequest,
    SyncRequest,
)
from trueup.api.problems import Code, Problem
from trueup.config.meta import API_GROUP
from trueup.daemon.events import Event
from trueup.engine import SyncOptions, SyncReport
from trueup.errors import ConfigError, SourceError
from trueup.objects import ObjectId
from trueup.plan.selection import ObjectName, parse_object_name
from trueup.rollback.pin import roll_back, rollback_data
from trueup.rollback.revert import ConfirmationError, revert_app, revert_data, revert_event

LOCK_WAIT = 60.0
"""Seconds a sync waits for the App's lock while a reconcile holds it, then fails."""


async def app_diff(call: Call) -> AppDiff:
    """What a sync would change now: a server dry-run through the engine, masked."""
    app = call.app()
    options = SyncOptions(dry_run=True, trigger=call.caller.trigger, lock_wait=LOCK_WAIT)
    report = await call.daemon.sync_now(app.metadata.name, options)
    entries = [] if report.failure is not None else call.views.diff(report)
    return AppDiff(
        app=report.app,
        revision=report.revision,
        entries=[
            DiffEntry(e["object"], e["action"], e["live"], e["desired"], e["diff"]) for e in entries
        ],
        failure=_failure(report),
    )


def _failure(report: SyncReport) -> FailureData | None:
    failure = report.failure
    if failure is None:
        return None
    return FailureData(failure.reason.value, failure.temporary, failure.message)


async def sync_app(call: Call) -> dict[str, object]:
    """Sync the App now, as ``trueup sync`` does; its report as ``sync -o json`` prints it.

    ``objects`` makes it a partial sync, as ``sync --object``; a name the App does not
    render is refused in the report (reason ``config``), as the CLI refuses it.
    """
    app = call.app()
    asked = await read_body(call.request, SyncRequest)
    options = SyncOptions(
        dry_run=asked.dry_run,
        prune=asked.prune,
        trigger=call.caller.trigger,
        lock_wait=LOCK_WAIT,
        only=_named_objects(asked.objects),
    )
    report = await call.daemon.sync_now(app.metadata.name, options)
    return call.views.report(report)


def _named_objects(objects: list[str] | None) -> frozenset[ObjectName]:
    """The body's ``objects`` read; a 400 naming the field for one that names no object."""
    if objects is None:
        return frozenset()
    if not objects:
        raise Problem(
            Code.BAD_REQUEST,
            "objects: name at least one object, or leave the field out to sync the whole App",
        )
    try:
        return frozenset(parse_object_name(text) for text in objects)
    except ConfigError as e:
        raise Problem(Code.BAD_REQUEST, f"objects: {e}") from None


async def suspend_app(call: Call) -> Suspended:
    """Suspend the App (the suspension in force is returned, first one wins)."""
    app = call.app()
    asked = await read_body(call.request, SuspendRequest)
    held = await call.daemon.store.suspend(
        app.metadata.name, by=call.caller.trigger, at=datetime.now(UTC), reason=asked.reason
    )
    return Suspended(held.app, True, held.by, held.at.isoformat(timespec="seconds"), held.reason)


async def resume_app(call: Call) -> Resumed:
    """Let the App follow Git again, as ``trueup resume``: lift its suspension and its pin;
    ``resumed`` and ``unpinned`` say which there was."""
    app = call.app()
    resumed = await call.daemon.store.resume(app.metadata.name)
    unpinned = await call.daemon.store.unpin(app.metadata.name)
    return Resumed(app.metadata.name, False, resumed, unpinned)


async def rollback_app(call: Call) -> dict[str, object]:
    """Roll the App back, as ``trueup rollback``: ``revert: false`` pins it at the revision
    and syncs it now (the answer: the pin and the sync's report); a revision the App never
    applied, or a suspended App, is a 400 saying what to give instead."""
    app = call.app()
    asked = await read_body(call.request, RollbackRequest)
    if not asked.revision.strip():
        raise Problem(
            Code.BAD_REQUEST,
            "revision: give a revision the App applied, as its history lists them",
        )
    if asked.revert:
        return await _revert(call, asked)
    options = SyncOptions(lock_wait=LOCK_WAIT)
    try:
        done = await roll_back(
            call.daemon.store,
            call.daemon.sync_now,
            app.metadata.name,
            asked.revision,
            trigger=call.caller.trigger,
            at=datetime.now(UTC),
            reason=asked.reason,
            options=options,
            announce=call.daemon.expect_pin,
        )
    except ConfigError as e:
        raise Problem(Code.BAD_REQUEST, str(e)) from None
    return rollback_data(done, call.views.report(done.report))


async def _revert(call: Call, asked: RollbackRequest) -> dict[str, object]:
    """Rollback by revert, as ``trueup rollback --revert``: a commit pushed to the source's
    branch, which the source's next poll (started now) brings to every App reading it. A
    409 when other Apps read the restored files and ``yes`` is not true (it lists them), or
    when the repository refuses (no branch, a rewritten one, a protected one)."""
    app = call.app()
    daemon = call.daemon
    try:
        outcome = await revert_app(
            daemon.config,
            daemon.store,
            app.metadata.name,
            asked.revision,
            by=call.caller.trigger,
            yes=asked.yes,
            reason=asked.reason,
        )
    except (ConfirmationError, SourceError) as e:
        raise Problem(Code.CONFLICT, str(e)) from None
    if outcome.pushed:
        record = revert_event(outcome)
        daemon.bus.publish(
            Event(
                record.kind,
                record.message,
                app=record.app,
                level=record.level,
                fields=record.fields,
                at=record.at,
                revision=record.revision,
            )
        )
        daemon.refresh(daemon.config.source_of(app).id, call.caller.trigger)
    return revert_data(outcome)


async def refresh_source(call: Call) -> Refreshing:
    """Poll the GitSource now, if it serves an App the caller may see (else 404)."""
    info = call.request.match_info
    namespace = "" if info["namespace"] == "-" else info["namespace"]
    source = ObjectId(API_GROUP, "GitSource", namespace, info["name"])
    config = call.daemon.config
    visible = any(
        config.source_of(app).id == source and call.caller.may_see(app.metadata.name)
        for app in config.apps
    )
    if not visible or not call.daemon.refresh(source, call.caller.trigger):
        raise Problem(Code.NOT_FOUND, f"{source} not found")
    return Refreshing(str(source), True)

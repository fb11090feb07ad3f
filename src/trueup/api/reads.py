"""``GET`` handlers: the App list and one App, its history and events, the sources.

Everything here is read from the daemon's memory (configuration, watch cache, polls) and
the store; nothing asks a cluster (the tree and the diff do: :mod:`trueup.api.tree`,
:mod:`trueup.api.actions`).
"""

from __future__ import annotations

from collections.abc import Mapping

from trueup.api.context import Call
from trueup.api.listing import continue_token, limit_of, parse_query
from trueup.api.models import (
    AppDetail,
    AppList,
    AppSummary,
    EventList,
    HistoryList,
    InventoryItem,
    LiveObject,
    ObjectSync,
    SourceList,
    SourceState,
)
from trueup.api.problems import Code, Problem
from trueup.config import App
from trueup.gitspec import Commit
from trueup.health import HealthResult, HealthStatus, health_of
from trueup.source.redact import redact_url
from trueup.store import Schedule

_NOT_WATCHED = HealthResult(HealthStatus.UNKNOWN, "not watched yet")
_ABSENT = HealthResult(HealthStatus.MISSING, "not found on the target")


async def list_apps(call: Call) -> AppList:
    """A page of the Apps the caller may see, filtered as asked, in name order."""
    query = parse_query(call.request.query)
    config = call.daemon.config
    configured = call.views.configured(config)
    apps = {app.metadata.name: app for app in config.apps}
    names = [
        name
        for name in sorted(configured)
        if call.caller.may_see(name)
        and (query.after is None or name > query.after)
        and query.matches(name, apps.get(name))
    ]
    schedules = await call.daemon.store.schedules()
    items: list[AppSummary] = []
    # Status is read a page at a time: without a status filter, one page is all it costs.
    for start in range(0, len(names), query.limit):
        chunk = names[start : start + query.limit]
        for summary in await _summaries(call, chunk, configured, apps, schedules):
            if query.matches_status(summary.sync):
                items.append(summary)
                if len(items) > query.limit:
                    break
        if len(items) > query.limit:
            break
    more = len(items) > query.limit
    items = items[: query.limit]
    return AppList(items, continue_token(items[-1].app) if more and items else None)


async def _summaries(
    call: Call,
    names: list[str],
    configured: Mapping[str, str],
    apps: Mapping[str, App],
    schedules: Mapping[str, Schedule],
) -> list[AppSummary]:
    # Only the Apps of this page: the rest of the configuration costs nothing here.
    listed = [apps[name] for name in names if name in apps]
    suspended = [app.metadata.name for app in listed if app.spec.suspend]
    config, poller = call.daemon.config, call.daemon.poller
    heads = {app.metadata.name: poller.revision(config.source_of(app).id) for app in listed}
    rows = await call.views.status(
        call.daemon.store, names, invalid=configured, suspended=suspended, heads=heads
    )
    applied_of = await call.daemon.store.last_successful_attempts(names)
    summaries = []
    for row in rows:
        applied = applied_of.get(row["app"])
        commit = applied.commit if applied and applied.revision == row["revision"] else None
        summaries.append(_summary(row, apps.get(row["app"]), schedules.get(row["app"]), commit))
    return summaries


def _summary(
    row: Mapping[str, str], app: App | None, schedule: Schedule | None, commit: Commit | None
) -> AppSummary:
    sync = row["sync"]
    return AppSummary(
        app=row["app"],
        namespace=app.namespace if app else "",
        source=app.spec.source if app else "",
        labels=dict(app.metadata.labels) if app else {},
        target=row["target"],
        revision=row["revision"],
        sync=sync,
        health=row["health"],
        last_sync=row["lastSync"],
        confirmed_at=row["confirmedAt"],
        reason=row["reason"],
        next_reconcile=row["nextReconcile"],
        error=row["error"],
        suspended=sync == "Suspended",
        drifted=schedule.drifted if schedule is not None and sync.startswith("Drifted") else 0,
        commit_subject=commit.subject if commit is not None else "",
        commit_author=commit.author if commit is not None else "",
    )


async def get_app(call: Call) -> AppDetail:
    """One App: its status, spec, the objects it owns with health and sync, its inventory."""
    app = call.app()
    name = app.metadata.name
    daemon = call.daemon
    summaries = await _summaries(
        call, [name], call.views.configured(daemon.config), {name: app}, await _schedule(call, name)
    )
    inventory = await daemon.store.inventory(name)
    live = daemon.drift.live(name)
    differing = daemon.differing(name)
    objects = []
    for entry in inventory:
        if entry.id not in live:
            health = _NOT_WATCHED
        else:
            found = live[entry.id]
            health = health_of(found) if found is not None else _ABSENT
        sync = _object_sync(entry.id in differing if differing is not None else None, health)
        objects.append(
            LiveObject(str(entry.id), entry.api_version, health.status, health.message, sync)
        )
    return AppDetail(
        app=summaries[0],
        spec=app.spec.model_dump(mode="json", by_alias=True, exclude_none=True),
        objects=objects,
        inventory=[InventoryItem(str(e.id), e.api_version) for e in inventory],
    )


def _object_sync(differs: bool | None, health: HealthResult) -> ObjectSync:
    if differs is None:
        return ObjectSync.UNKNOWN
    if differs or health.status is HealthStatus.MISSING:
        return ObjectSync.OUT_OF_SYNC
    return ObjectSync.SYNCED


async def _schedule(call: Call, name: str) -> dict[str, Schedule]:
    schedule = (await call.daemon.store.schedules()).get(name)
    return {name: schedule} if schedule is not None else {}


async def app_history(call: Call) -> HistoryList:
    """The App's attempts, newest first (``limit``, 50 by default)."""
    app = call.app()
    limit = limit_of(call.request.query, default=50)
    attempts = await call.daemon.store.history(app.metadata.name, limit)
    return HistoryList([attempt.as_data() for attempt in attempts])


async def app_events(call: Call) -> EventList:
    """The App's stored events, newest first (``limit``; ``after`` an id)."""
    app = call.app()
    query = call.request.query
    after = query.get("after")
    if after is not None and not after.isdigit():
        raise Problem(Code.BAD_REQUEST, f"after {after!r}: write an event id")
    events = await call.daemon.store.events(
        app=app.metadata.name,
        after_id=int(after) if after is not None else None,
        limit=limit_of(query),
        newest_first=True,
    )
    return EventList([event.as_data() for event in events])


async def list_sources(call: Call) -> SourceList:
    """The GitSources of the Apps the caller may see, with what their last poll found."""
    daemon = call.daemon
    config = daemon.config
    visible = {
        config.source_of(app).id for app in config.apps if call.caller.may_see(app.metadata.name)
    }
    items = []
    for source in config.sources:
        if source.id not in visible:
            continue
        polled = daemon.last_poll(source.id)
        items.append(
            SourceState(
                source=str(source.id),
                namespace=source.namespace,
                name=source.metadata.name,
                url=redact_url(source.spec.url),
                revision=daemon.poller.revision(source.id),
                last_fetch=polled[0].isoformat(timespec="seconds") if polled else None,
                error=polled[1].error if polled else "",
                failures=polled[1].failures if polled else 0,
            )
        )
    return SourceList(items)

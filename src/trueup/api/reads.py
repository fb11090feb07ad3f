"""``GET`` handlers: the App list and one App, its history and events, the sources.

Everything here is read from the daemon's memory (configuration, watch cache, polls) and
the store; nothing asks a cluster (the tree and the diff do: :mod:`trueup.api.tree`,
:mod:`trueup.api.actions`).
"""

from __future__ import annotations

import orjson
from aiohttp import web

from trueup.api.context import Call
from trueup.api.listing import limit_of, parse_query, select
from trueup.api.models import (
    AppDetail,
    EventList,
    HistoryList,
    InventoryItem,
    LiveObject,
    ObjectSync,
    SourceList,
    SourceState,
)
from trueup.api.problems import Code, Problem
from trueup.api.summaries import summaries_of
from trueup.health import HealthResult, HealthStatus, health_of
from trueup.source.redact import redact_url

_NOT_WATCHED = HealthResult(HealthStatus.UNKNOWN, "not watched yet")
_ABSENT = HealthResult(HealthStatus.MISSING, "not found on the target")


async def list_apps(call: Call) -> web.Response:
    """A page of the Apps the caller may see, filtered as asked, in name order (with those
    removed from the configuration that still own objects, as ``trueup status`` lists
    them), as an :class:`~trueup.api.models.AppList`; from the summaries kept ready
    (:mod:`trueup.api.summaries`), each summary's JSON made once."""
    query = parse_query(call.request.query)
    ready = await call.summaries.ready()
    page = select(ready, query, call.caller)
    body = {
        "items": [ready.data[name] for name in page.names],
        "continue": page.continue_token,
    }
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def get_app(call: Call) -> AppDetail:
    """One App: its status, spec, the objects it owns with health and sync, its inventory."""
    app = call.app()
    name = app.metadata.name
    daemon = call.daemon
    summary = (await call.summaries.ready()).summaries.get(name)
    if summary is None:  # in a configuration newer than the summaries
        summary = (await summaries_of(daemon, call.views, [name]))[name]
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
        app=summary,
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

"""``GET /api/events``: recorded events as server-sent events, live.

Each event is written as ``id: <store id>``, ``event: <kind>`` and ``data: <JSON>`` (the
shape of ``trueup events -o json``). A client that reconnects with ``Last-Event-ID`` gets
every event recorded after that one first (from the store), then the live ones, without
gap or repeat (:class:`trueup.daemon.feed.EventFeed` guarantees it). A comment line is
sent at once and then every :data:`HEARTBEAT` seconds of silence, so that proxies keep
the connection open and a client sees a dead one. Only events of Apps the caller may see
are sent; daemon-wide ones (without an App) only to a caller that covers every App.

What the feed has waiting is written at once, in one write, each event's JSON made once
for every subscriber; a client that reads slowly only fills its own buffer (the feed then
lets it catch up from the store), never holding up the daemon or the other streams.
A stream lives as long as what let it in: once the configuration is re-read, a stream
whose token was removed, or whose role or Apps changed, is closed (the client reconnects
with ``Last-Event-ID`` and is let in again, or not, by the configuration now).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from trueup.api.auth import Caller
from trueup.api.context import Call
from trueup.api.problems import Code, Problem
from trueup.daemon.feed import EventFeed
from trueup.store import EventRecord

HEARTBEAT = 15.0
"""Seconds of silence after which a comment is sent."""
RECHECK = 1.0
"""Seconds between looks, in a silent stream, at whether the configuration changed."""


async def event_stream(call: Call) -> web.StreamResponse:
    """Stream the events (of the App in ``?app=``, if given) until the client leaves, the
    daemon stops or the caller's grant changes."""
    app = call.request.query.get("app")
    if app is not None:
        call.app(app)  # 404 for an App that is missing or not the caller's
    after = _last_event_id(call.request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(call.request)
    await response.write(b": trueup events\n\n")
    feed = call.daemon.feed
    subscription = feed.open(after_id=after, app=app)
    loop = asyncio.get_running_loop()
    config = call.daemon.config
    written = loop.time()
    try:
        while (batch := await subscription.next(within=RECHECK)) is not None:
            if call.daemon.config is not config:
                config = call.daemon.config
                if not _still_let_in(call):
                    break
            chunk = b"".join(sse(record, feed) for record in batch if _visible(record, call))
            if chunk:
                await response.write(chunk)
                written = loop.time()
            elif loop.time() - written >= HEARTBEAT:
                await response.write(b": keepalive\n\n")
                written = loop.time()
    except ConnectionResetError:
        pass  # the client left
    finally:
        subscription.close()
    return response


def _still_let_in(call: Call) -> bool:
    """Whether the request would be let in now with the same grant (same token, role and
    Apps); False for a token removed from the configuration."""
    try:
        now: Caller = call.authorize()
    except Problem:
        return False
    return now == call.caller


def _visible(record: EventRecord, call: Call) -> bool:
    if record.app is None:
        return call.caller.sees_all
    return call.caller.may_see(record.app)


def sse(record: EventRecord, feed: EventFeed) -> bytes:
    """One event in the ``text/event-stream`` format (its JSON made once by ``feed``)."""
    data = feed.encoded(record)
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (record.id or 0, record.kind.value.encode(), data)


def _last_event_id(request: web.Request) -> int | None:
    text = request.headers.get("Last-Event-ID")
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit():
        raise Problem(Code.BAD_REQUEST, f"Last-Event-ID {text!r}: send the id of an event")
    return int(text.strip())

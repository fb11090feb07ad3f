"""``GET /api/events``: recorded events as server-sent events, live.

Each event is written as ``id: <store id>``, ``event: <kind>`` and ``data: <JSON>`` (the
shape of ``trueup events -o json``). A client that reconnects with ``Last-Event-ID`` gets
every event recorded after that one first (from the store), then the live ones, without
gap or repeat (:class:`trueup.daemon.feed.EventFeed` guarantees it). A comment line is
sent at once and then every :data:`HEARTBEAT` seconds of silence, so that proxies keep
the connection open and a client sees a dead one. Only events of Apps the caller may see
are sent; daemon-wide ones (without an App) only to a caller that covers every App.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import orjson
from aiohttp import web

from trueup.api.context import Call
from trueup.api.problems import Code, Problem
from trueup.store import EventRecord

HEARTBEAT = 15.0
"""Seconds of silence after which a comment is sent."""


async def event_stream(call: Call) -> web.StreamResponse:
    """Stream the events (of the App in ``?app=``, if given) until the client leaves or
    the daemon stops."""
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
    events = call.daemon.feed.subscribe(after_id=after, app=app)
    pending: asyncio.Task[EventRecord] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait({pending}, timeout=HEARTBEAT)
            if not done:
                await response.write(b": keepalive\n\n")
                continue
            try:
                record = pending.result()
            except StopAsyncIteration:
                break
            finally:
                pending = None
            if _visible(record, call):
                await response.write(sse(record))
    except ConnectionResetError:
        pass  # the client left
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        if isinstance(events, AsyncGenerator):
            await events.aclose()
    return response


def _visible(record: EventRecord, call: Call) -> bool:
    if record.app is None:
        return call.caller.sees_all
    return call.caller.may_see(record.app)


def sse(record: EventRecord) -> bytes:
    """One event in the ``text/event-stream`` format."""
    data = orjson.dumps(record.as_data())
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (record.id or 0, record.kind.value.encode(), data)


def _last_event_id(request: web.Request) -> int | None:
    text = request.headers.get("Last-Event-ID")
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit():
        raise Problem(Code.BAD_REQUEST, f"Last-Event-ID {text!r}: send the id of an event")
    return int(text.strip())

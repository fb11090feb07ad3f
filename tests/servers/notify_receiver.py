"""A notification endpoint on loopback: aiohttp in a thread of its own, recording every request.

Paths choose the behaviour: ``/ok/<name>`` answers 204, ``/slow/<name>`` answers 200
after ``slow_seconds`` (10 s unless told), ``/fail/<name>`` answers 500, and
``/redirect/<name>`` answers 302 to ``/ok/<name>-redirected``. Tests read
:attr:`NotifyReceiver.received` (every request, the slow ones as they arrive) and wait
with :meth:`NotifyReceiver.wait_for`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

SLOW_SECONDS = 10.0


@dataclass(frozen=True)
class Received:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes


class NotifyReceiver:
    """The endpoint; use as a context manager, then :meth:`url` for a path."""

    def __init__(self, slow_seconds: float = SLOW_SECONDS) -> None:
        self.slow_seconds = slow_seconds
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, path: str) -> str:
        """``http://127.0.0.1:<port><path>``."""
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> NotifyReceiver:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def requests(self, prefix: str) -> list[Received]:
        """The requests so far whose path starts with ``prefix``."""
        with self._lock:
            return [r for r in self.received if r.path.startswith(prefix)]

    def wait_for(
        self, prefix: str, what: str, match: Callable[[Received], bool] = lambda r: True
    ) -> Received:
        """The first request under ``prefix`` that ``match``es; fail after 60 s."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for request in self.requests(prefix):
                if match(request):
                    return request
            time.sleep(0.05)
        raise AssertionError(f"no {what} arrived; received: {[r.path for r in self.received]}")

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/{mode}/{name}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        with self._lock:
            self.received.append(Received(request.path, dict(request.headers), body))
        mode, name = request.match_info["mode"], request.match_info["name"]
        if mode == "slow":
            await asyncio.sleep(self.slow_seconds)
            return web.Response(status=200)
        if mode == "fail":
            return web.Response(status=500, text="broken on purpose")
        if mode == "redirect":
            raise web.HTTPFound(f"/ok/{name}-redirected")
        return web.Response(status=204)

"""The login form in a real browser: Chromium's own login is let in, and a login posted by
a page of another origin on the same host (same-site, so a SameSite=Strict cookie would
travel with it) is refused.

The dashboard is served on its own (a started stand-in daemon, no cluster) from a thread,
since Selenium's calls block.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from aiohttp import web

from tests.integration.dashboard.browser import Browser
from trueup.config import load_config
from trueup.dashboard import Dashboard

TOKEN = "operator-token-browser-login-5e6f"


class Served:
    """aiohttp applications served on loopback by an event loop in a thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runners: list[web.AppRunner] = []
        self._thread.start()

    def serve(self, app: web.Application) -> str:
        """Serve ``app`` on a free port; its URL."""

        async def start() -> str:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._runners.append(runner)
            host, port = runner.addresses[0][:2]
            return f"http://{host}:{port}"

        return asyncio.run_coroutine_threadsafe(start(), self._loop).result(30)

    def close(self) -> None:
        async def stop() -> None:
            for runner in self._runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def served() -> Iterator[Served]:
    servers = Served()
    try:
        yield servers
    finally:
        servers.close()


def dashboard(tmp_path: Path) -> Dashboard:
    path = tmp_path / "trueup.yaml"
    path.write_text(
        yaml.safe_dump_all(
            [
                {"apiVersion": "trueup.dev/v1alpha1", "kind": "ApiToken",
                 "metadata": {"name": "ops"},
                 "spec": {"role": "operator", "secretRef": {"name": "ops-token"}}},
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ops-token"},
                 "stringData": {"token": TOKEN}},
            ]
        )
    )  # fmt: skip
    config = load_config(path)
    assert config.ok, config.errors
    daemon: Any = SimpleNamespace(started=True, config=config)
    return Dashboard(daemon)


def test_the_login_page_logs_in_and_another_origins_page_cannot(
    tmp_path: Path, served: Served, browser: Browser
) -> None:
    board = dashboard(tmp_path)
    app = web.Application()
    app.add_routes(board.routes())
    url = served.serve(app)

    # Another origin on the same host (another port): same-site for the browser.
    forged = (
        f'<form id="f" method="post" action="{url}/login">'
        f'<input name="token" value="{TOKEN}"><input name="next" value="/"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )

    async def evil(_request: web.Request) -> web.StreamResponse:
        return web.Response(text=forged, content_type="text/html")

    other = web.Application()
    other.add_routes([web.get("/", evil)])
    other_url = served.serve(other)
    assert other_url != url

    browser.get(other_url + "/")
    browser.wait(lambda: browser.url.startswith(url), "the forged post sent")
    browser.wait(lambda: "Refused" in browser.text("body"), "the refusal")
    assert "login page" in browser.text("body")
    assert len(board.sessions) == 0

    browser.get(url + "/login")
    browser.find("#token").send_keys(TOKEN)
    browser.click("#login")
    browser.wait(lambda: "/login" not in browser.url, "the page after login")
    assert len(board.sessions) == 1
    cookie = browser.driver.get_cookie("trueup_session")
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain HTTP on loopback

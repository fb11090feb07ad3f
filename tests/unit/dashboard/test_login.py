"""The login's defences: where a login may come from, the cookie's Secure flag over HTTPS
(directly or behind a TLS-terminating proxy), and the end of an expired session."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.servers.git_http import make_tls
from tests.unit.dashboard.test_sessions import Clock
from tests.unit.dashboard.test_web import TOKEN, Site, client, config_file, log_in, serve
from trueup.config import load_config
from trueup.dashboard import Dashboard
from trueup.dashboard.sessions import COOKIE, IDLE, SWEEP_EVERY, Sessions

pytestmark = pytest.mark.anyio


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    served, server = await serve(tmp_path)
    try:
        yield served
    finally:
        await server.close()


@pytest.mark.parametrize(
    "headers",
    [{}, {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site"},
     {"Sec-Fetch-Site": "none"}, {"Origin": "null"}, {"Origin": "http://127.0.0.1:1"},
     {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"}],
)  # fmt: skip
async def test_a_login_that_does_not_show_it_comes_from_this_page_is_refused(
    site: Site, headers: dict[str, str]
) -> None:
    async with client(site) as http:
        answer = await http.post("/login", data={"token": TOKEN}, headers=headers)
    assert answer.status_code == 403, headers
    assert "login page" in answer.text
    assert "Origin" in answer.text
    assert COOKIE not in answer.headers.get("set-cookie", "")
    assert len(site.dashboard.sessions) == 0


async def test_a_login_from_this_page_is_let_in_by_its_origin_or_sec_fetch_site(
    site: Site,
) -> None:
    async with client(site) as http:
        by_origin = await log_in(http)
        assert by_origin.status_code == 303
        # A browser that sends no Origin but says the post is its own page's.
        by_fetch_site = await http.post(
            "/login", data={"token": TOKEN}, headers={"Sec-Fetch-Site": "same-origin"}
        )
        assert by_fetch_site.status_code == 303
    assert len(site.dashboard.sessions) == 2


async def test_a_token_pasted_with_surrounding_spaces_logs_in_as_its_apitoken(
    site: Site,
) -> None:
    async with client(site) as http:
        answer = await log_in(http, f"  {TOKEN}\n")
        assert answer.status_code == 303
        page = await http.get("/")
    assert 'content="ops"' in page.text


@pytest.mark.parametrize(
    ("headers", "secure"),
    [({}, False), ({"X-Forwarded-Proto": "http"}, False),
     ({"X-Forwarded-Proto": "https"}, True), ({"X-Forwarded-Proto": "HTTPS, http"}, True),
     ({"X-Forwarded-Proto": "http, https"}, False),
     ({"Forwarded": "for=192.0.2.1;proto=https"}, True),
     ({"Forwarded": "proto=http"}, False)],
)  # fmt: skip
async def test_behind_a_tls_terminating_proxy_the_cookie_is_secure(
    site: Site, headers: dict[str, str], secure: bool
) -> None:
    async with client(site) as http:
        answer = await log_in(http, **headers)
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert ("; Secure" in cookie) is secure, cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        (session,) = site.dashboard.sessions._table.values()
        # httpx keeps a Secure cookie from plain HTTP: the browser behind the proxy sends it.
        cookie_header = {"Cookie": f"{COOKIE}={answer.cookies[COOKIE]}"}
        out = await http.post(
            "/logout", data={"csrf": session.csrf}, headers={**headers, **cookie_header}
        )
        assert out.status_code == 303
        assert ("; Secure" in out.headers["set-cookie"]) is secure


async def test_over_tls_the_cookie_is_secure(tmp_path: Path) -> None:
    tls = make_tls(tmp_path / "tls")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    config = load_config(config_file(tmp_path))
    daemon: Any = SimpleNamespace(started=True, config=config)
    app = web.Application()
    app.add_routes(Dashboard(daemon).routes())
    server = TestServer(app, host="127.0.0.1", scheme="https")
    await server.start_server(ssl=context)
    try:
        url = str(server.make_url("")).rstrip("/")
        assert url.startswith("https://")
        trust = ssl.create_default_context(cadata=tls.ca_pem)
        async with httpx.AsyncClient(base_url=url, verify=trust, timeout=10) as http:
            answer = await log_in(http)
        assert answer.status_code == 303
        assert "; Secure" in answer.headers["set-cookie"]
    finally:
        await server.close()


async def test_an_expired_session_is_refused_and_removed(site: Site) -> None:
    clock = Clock()
    site.dashboard.sessions = Sessions(clock)
    async with client(site) as http:
        await log_in(http)
        await log_in(http)  # a second browser, idle as long
        assert (await http.get("/apps/web")).status_code == 200
        assert len(site.dashboard.sessions) == 2
        clock.now += IDLE + SWEEP_EVERY
        answer = await http.get("/apps/web")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login")
    assert len(site.dashboard.sessions) == 0

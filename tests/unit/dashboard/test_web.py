"""The dashboard's pages, login and logout over HTTP, without a browser or a cluster.

The daemon is a stand-in that has started and holds a configuration with one operator
ApiToken (or none); the API's side of a session is checked with mocked requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import unquote

import httpx
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer, make_mocked_request

from trueup.api.auth import Tokens
from trueup.api.problems import Problem
from trueup.api.server import Api
from trueup.api.views import Views
from trueup.config import load_config
from trueup.daemon.events import EventBus
from trueup.dashboard import Dashboard
from trueup.dashboard.sessions import COOKIE, CSRF_HEADER
from trueup.dashboard.web import local_path

pytestmark = pytest.mark.anyio

TOKEN = "operator-token-for-the-dashboard"


def config_file(tmp_path: Path, *, with_token: bool = True) -> Path:
    docs: list[dict[str, Any]] = []
    if with_token:
        docs = [
            {"apiVersion": "trueup.dev/v1alpha1", "kind": "ApiToken", "metadata": {"name": "ops"},
             "spec": {"role": "operator", "secretRef": {"name": "ops-token"}}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ops-token"},
             "stringData": {"token": TOKEN}},
        ]  # fmt: skip
    path = tmp_path / "trueup.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return path


@dataclass
class Site:
    dashboard: Dashboard
    url: str
    tokens: Tokens


async def serve(tmp_path: Path, *, with_token: bool = True) -> tuple[Site, TestServer]:
    config = load_config(config_file(tmp_path, with_token=with_token))
    daemon: Any = SimpleNamespace(started=True, config=config)
    dashboard = Dashboard(daemon)
    app = web.Application()
    app.add_routes(dashboard.routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return Site(dashboard, str(server.make_url("")), Tokens(config)), server


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    served, server = await serve(tmp_path)
    try:
        yield served
    finally:
        await server.close()


def client(site: Site) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=site.url, timeout=10)


async def log_in(http: httpx.AsyncClient, token: str = TOKEN, **headers: str) -> httpx.Response:
    """Post the login form as a browser does from the login page (its Origin)."""
    origin = str(http.base_url).rstrip("/")
    return await http.post(
        "/login",
        data={"token": token, "next": "/apps/web"},
        headers={"Origin": origin, **{k.replace("_", "-"): v for k, v in headers.items()}},
    )


async def test_a_page_without_a_session_sends_to_the_login(site: Site) -> None:
    async with client(site) as http:
        answer = await http.get("/apps/web")
        assert answer.status_code == 303
        assert unquote(answer.headers["location"]) == "/login?next=/apps/web"
        login = await http.get("/login?next=%2Fapps%2Fweb")
        assert login.status_code == 200
        assert 'name="next" value="/apps/web"' in login.text


async def test_login_sets_a_strict_httponly_cookie_and_the_page_carries_csrf(site: Site) -> None:
    async with client(site) as http:
        bad = await log_in(http, "not-the-token")
        assert bad.status_code == 401
        assert "That token is not valid." in bad.text
        assert COOKIE not in bad.cookies
        answer = await log_in(http)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/apps/web"
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Secure" not in cookie  # plain HTTP here; Secure when served over TLS
        assert TOKEN not in cookie
        page = await http.get("/apps/web")
        assert page.status_code == 200
        assert 'content="ops"' in page.text
        assert 'content="operator"' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        (session,) = site.dashboard.sessions._table.values()
        assert f'name="trueup-csrf" content="{session.csrf}"' in page.text


async def test_logout_needs_the_csrf_token_and_ends_the_session(site: Site) -> None:
    async with client(site) as http:
        await log_in(http)
        forged = await http.post("/logout", data={})
        assert forged.status_code == 403
        assert (await http.get("/")).status_code == 200
        (session,) = site.dashboard.sessions._table.values()
        out = await http.post("/logout", data={"csrf": session.csrf})
        assert out.status_code == 303
        assert len(site.dashboard.sessions) == 0
        assert (await http.get("/")).status_code == 303


async def test_a_login_posted_from_another_site_is_refused(site: Site) -> None:
    async with client(site) as http:
        answer = await http.post(
            "/login", data={"token": TOKEN}, headers={"Origin": "https://evil.example"}
        )
        assert answer.status_code == 403
        assert len(site.dashboard.sessions) == 0


async def test_values_in_pages_are_escaped(site: Site) -> None:
    async with client(site) as http:
        await log_in(http)
        page = await http.get("/apps/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        login = await http.get('/login?next=/"><script>x</script>')
        assert "<script>x</script>" not in login.text


def test_after_login_only_a_path_of_this_listener_is_followed() -> None:
    assert local_path("/apps/web?x=1") == "/apps/web?x=1"
    for outside in ("//evil.example/", "https://evil.example/", "/\\evil.example", "", None,
                    "javascript:alert(1)"):  # fmt: skip
        assert local_path(outside) == "/"


async def test_the_api_side_needs_the_csrf_header_for_an_action(site: Site) -> None:
    async with client(site) as http:
        answer = await log_in(http)
        session_id = answer.cookies[COOKIE]
    (session,) = site.dashboard.sessions._table.values()
    cookie = {"Cookie": f"{COOKIE}={session_id}"}
    read = make_mocked_request("GET", "/api/apps", headers=cookie)
    caller = site.dashboard.caller(read, site.tokens)
    assert caller is not None
    assert caller.name == "ops"
    forged = make_mocked_request("POST", "/api/apps/web/sync", headers=cookie)
    with pytest.raises(Problem) as refused:
        site.dashboard.caller(forged, site.tokens)
    assert refused.value.code.status == 403
    wrong = make_mocked_request(
        "POST", "/api/apps/web/sync", headers={**cookie, CSRF_HEADER: "guessed"}
    )
    with pytest.raises(Problem):
        site.dashboard.caller(wrong, site.tokens)
    signed = make_mocked_request(
        "POST", "/api/apps/web/sync", headers={**cookie, CSRF_HEADER: session.csrf}
    )
    assert site.dashboard.caller(signed, site.tokens) == caller
    stranger = make_mocked_request("GET", "/api/apps", headers={"Cookie": f"{COOKIE}=made-up"})
    assert site.dashboard.caller(stranger, site.tokens) is None


async def test_without_apitokens_loopback_needs_no_login(tmp_path: Path) -> None:
    served, server = await serve(tmp_path, with_token=False)
    try:
        async with client(served) as http:
            page = await http.get("/")
            assert page.status_code == 200
            assert 'content="anonymous"' in page.text
            assert (await http.get("/login")).status_code == 303
    finally:
        await server.close()


async def test_without_apitokens_an_action_posted_by_another_sites_page_is_refused(
    tmp_path: Path,
) -> None:
    config = load_config(config_file(tmp_path, with_token=False))
    daemon: Any = SimpleNamespace(
        started=True, config=config, bus=EventBus(), on_change=lambda _listener: None
    )
    app = web.Application()
    app.add_routes(Api(daemon, cast(Views, None)).routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url(""))
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                            {"Sec-Fetch-Site": "cross-site"}):  # fmt: skip
                forged = await http.post("/api/apps/web/suspend", headers=headers)
                assert forged.status_code == 403, headers
                assert "another site" in forged.json()["error"]["message"]
            # From this listener's own page, or from a program: on to the handler (which
            # knows no App web here).
            own = await http.post("/api/apps/web/suspend", headers={"Origin": url.rstrip("/")})
            assert own.status_code == 404
            assert (await http.post("/api/apps/web/suspend")).status_code == 404
    finally:
        await server.close()

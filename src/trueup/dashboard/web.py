"""The dashboard's routes on the daemon's listener: the pages, login and logout, assets.

The pages are shells: who is logged in, the role, the CSRF token, and the page's script.
Every piece of data is fetched by that script from the HTTP API (``/api/*``), authorised
by the browser's session cookie (:meth:`Dashboard.caller`, which :class:`trueup.api.server.Api`
consults for a request without a bearer token); there is no other way in. The server
writes no value from Git or a cluster into HTML, and the script writes them as text only.

A login exchanges an ApiToken, posted from the login page itself (:func:`from_own_page`),
for a session cookie: HttpOnly, SameSite=Strict, and Secure whenever the browser came over
HTTPS, directly or through a TLS-terminating proxy (:func:`over_https`).

Without ApiTokens the API is open on loopback (see :mod:`trueup.api.auth`); the dashboard
then needs no login either, and shows the anonymous operator, on the same listeners the
API would answer on.
"""

from __future__ import annotations

import html
from importlib import resources
from string import Template
from urllib.parse import quote, urlsplit

from aiohttp import web

from trueup.api.auth import ANONYMOUS, Caller, Tokens
from trueup.api.problems import Code, Problem
from trueup.api.server import SAFE_METHODS, cross_site, open_on
from trueup.config import LoadedConfig
from trueup.daemon.daemon import Daemon
from trueup.dashboard.sessions import (
    COOKIE,
    CSRF_HEADER,
    LIFETIME,
    Identity,
    Session,
    Sessions,
    caller_of,
    csrf_matches,
)
from trueup.eventkinds import EventKind

ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
"""The files under ``static/`` served at ``/static/<name>``."""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
"""Sent with every page: scripts only from the listener itself, no framing."""

MAX_TOKEN_CHARS = 4096


def _template(name: str) -> Template:
    return Template((resources.files(__package__) / "templates" / name).read_text("utf-8"))


def _asset(name: str) -> bytes:
    return (resources.files(__package__) / "static" / name).read_bytes()


def _escaped(**values: str) -> dict[str, str]:
    return {key: html.escape(value, quote=True) for key, value in values.items()}


def local_path(text: str | None) -> str:
    """``text`` if it is a path on this listener (to go back to after login), else ``/``."""
    if not text or not text.startswith("/") or text.startswith("//") or "\\" in text:
        return "/"
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return "/"
    return text


def from_own_page(request: web.Request) -> bool:
    """Whether a form posted to the dashboard (the login) came from one of its own pages.

    Its ``Origin`` must be this listener. Without ``Origin``, only ``Sec-Fetch-Site:
    same-origin`` will do: every browser in use sends ``Origin`` with a POST, so a post
    with neither came from a program (which calls the API with its bearer token instead)
    or from something that cannot be told apart from a forged login.
    """
    if request.headers.get("Origin") is not None:
        return not cross_site(request)
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


def over_https(request: web.Request) -> bool:
    """Whether the browser reached this listener over HTTPS, and so the session cookie is
    marked ``Secure``: the connection is TLS, or a TLS-terminating proxy in front says so
    in ``X-Forwarded-Proto: https`` or ``Forwarded: proto=https`` (the hop nearest the
    browser, the first one, counts).

    The headers are believed from anyone: they can only make the cookie ``Secure``, which
    narrows where a browser sends it and never widens it.
    """
    if request.secure:
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0]
    if proto.strip().lower() == "https":
        return True
    forwarded = request.forwarded
    return bool(forwarded) and str(forwarded[0].get("proto", "")).lower() == "https"


class Dashboard:
    """The dashboard of one daemon: its routes, and its sessions for the API."""

    def __init__(self, daemon: Daemon, *, insecure: bool = False) -> None:
        self._daemon = daemon
        self._insecure = insecure
        self.sessions = Sessions()
        self._tokens: tuple[LoadedConfig, Tokens] | None = None
        self._page = _template("page.html")
        self._login = _template("login.html")
        self._message = _template("message.html")
        self._assets = {name: _asset(name) for name in ASSETS}

    def routes(self) -> list[web.RouteDef]:
        """The pages, ``/login``, ``/logout`` and ``/static/…``."""
        return [
            web.get("/", self._overview),
            web.get("/apps/{name}", self._app_page),
            web.get("/login", self._login_page),
            web.post("/login", self._log_in),
            web.post("/logout", self._log_out),
            web.get("/static/{file}", self._static),
            web.get("/favicon.ico", _no_icon),
        ]

    # The API's side (trueup.api.server.Sessions).

    def caller(self, request: web.Request, tokens: Tokens) -> Caller | None:
        """The caller of the request's session; an action needs the session's CSRF token
        in the :data:`~trueup.dashboard.sessions.CSRF_HEADER` header (a 403 without)."""
        session = self.sessions.find(request.cookies.get(COOKIE))
        if session is None:
            return None
        caller = caller_of(session, tokens)
        if caller is None:
            return None
        if request.method not in SAFE_METHODS and not csrf_matches(
            session, request.headers.get(CSRF_HEADER)
        ):
            raise Problem(
                Code.FORBIDDEN,
                f"an action from a dashboard session needs the {CSRF_HEADER} header of its "
                "page: reload the page and try again",
            )
        return caller

    # Pages.

    async def _overview(self, request: web.Request) -> web.StreamResponse:
        return self._shell(request, "overview", "Apps", "")

    async def _app_page(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        return self._shell(request, "app", name, name)

    def _shell(self, request: web.Request, page: str, title: str, app: str) -> web.Response:
        who = self._who(request)
        if isinstance(who, web.Response):
            return who
        caller, session = who
        logout = ""
        if session is not None:
            logout = (
                '<form method="post" action="/logout" class="logout">'
                f'<input type="hidden" name="csrf" value="{html.escape(session.csrf)}">'
                '<button type="submit" id="logout">Log out</button></form>'
            )
        text = self._page.substitute(
            _escaped(
                page=page,
                app=app,
                title=title,
                user=caller.name,
                role=caller.role.value,
                csrf=session.csrf if session is not None else "",
                kinds=",".join(kind.value for kind in EventKind),
            ),
            logout=logout,
        )
        return _html(text)

    def _who(self, request: web.Request) -> tuple[Caller, Session | None] | web.Response:
        """The page's caller and session; else the answer to give instead (login, 503)."""
        if not self._daemon.started:
            return self._say(
                "Starting", "The daemon is starting or waits to lead; reload shortly.", 503
            )
        tokens = self._tokens_now()
        if not tokens:
            if open_on(request, insecure=self._insecure):
                return ANONYMOUS, None
            return self._say(
                "Not open here",
                "Beyond loopback the dashboard needs an ApiToken: declare one in the "
                "configuration (see the README, HTTP API).",
                403,
            )
        session = self.sessions.find(request.cookies.get(COOKIE))
        caller = caller_of(session, tokens) if session is not None else None
        if session is None or caller is None:
            raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")
        return caller, session

    def _tokens_now(self) -> Tokens:
        config = self._daemon.config
        if self._tokens is None or self._tokens[0] is not config:
            self._tokens = (config, Tokens(config))
        return self._tokens[1]

    def _say(self, title: str, message: str, status: int) -> web.Response:
        text = self._message.substitute(_escaped(title=title, message=message))
        return _html(text, status)

    # Login and logout.

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        if self._daemon.started and not self._tokens_now():
            raise web.HTTPSeeOther("/")
        return self._login_form(local_path(request.query.get("next")), "", 200)

    def _login_form(self, next_path: str, error: str, status: int) -> web.Response:
        return _html(self._login.substitute(_escaped(next=next_path, error=error)), status)

    async def _log_in(self, request: web.Request) -> web.StreamResponse:
        if not from_own_page(request):
            return self._say(
                "Refused",
                "A login must come from this dashboard's own login page, in a browser that "
                "sends the Origin header: open /login on this address and log in there.",
                403,
            )
        form = await request.post()
        token = form.get("token")
        next_path = local_path(str(form.get("next") or "/"))
        if not self._daemon.started:
            return self._say("Starting", "The daemon is starting; try again shortly.", 503)
        if not isinstance(token, str) or not token.strip() or len(token) > MAX_TOKEN_CHARS:
            return self._login_form(next_path, "Type an API token.", 400)
        found = self._tokens_now().find(token)
        if found is None:
            return self._login_form(next_path, "That token is not valid.", 401)
        session_id, _ = self.sessions.open(Identity("token", found.digest))
        answer = web.HTTPSeeOther(next_path)
        answer.set_cookie(
            COOKIE,
            session_id,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=over_https(request),
            max_age=int(LIFETIME.total_seconds()),
        )
        raise answer

    async def _log_out(self, request: web.Request) -> web.StreamResponse:
        session_id = request.cookies.get(COOKIE)
        session = self.sessions.find(session_id)
        if session is not None:
            form = await request.post()
            presented = form.get("csrf")
            if not csrf_matches(session, presented if isinstance(presented, str) else None):
                return self._say("Refused", "Log out from the dashboard's own page.", 403)
            self.sessions.close(session_id)
        answer = web.HTTPSeeOther("/login")
        answer.del_cookie(
            COOKIE, path="/", secure=over_https(request), httponly=True, samesite="Strict"
        )
        raise answer

    # Assets.

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["file"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        return web.Response(
            body=self._assets[name],
            content_type=ASSETS[name],
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )


async def _no_icon(_request: web.Request) -> web.StreamResponse:
    return web.Response(status=204)


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", headers=SECURITY_HEADERS
    )

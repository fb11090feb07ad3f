"""The API on the daemon's aiohttp listener: one handler per row of the route table.

Every request is answered in the same steps: the OpenAPI document to anyone; otherwise
503 until the daemon has loaded its configuration, then the caller from the bearer token
(:mod:`trueup.api.auth`; 401) or the dashboard's session (:class:`Sessions`), without
tokens an action posted by another site's page refused (403: a page on the web must not
drive a loopback daemon), an action refused to a viewer (403), the handler, and its
typed answer as JSON (orjson). A :class:`~trueup.api.problems.Problem` becomes
``{"error": {"code", "message"}}``; a temporary failure of the store or a target a 503,
any other failure of trueup a 500 with its (masked) message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
from aiohttp import web

from trueup.api import actions, images, kube_events, reads, stream, tree
from trueup.api.auth import Caller, Tokens
from trueup.api.context import Call
from trueup.api.models import ErrorBody, ErrorDetail
from trueup.api.openapi import document
from trueup.api.problems import Code, Problem
from trueup.api.schema import to_data
from trueup.api.summaries import Summaries
from trueup.api.table import ROUTES, Access, Route
from trueup.api.views import Views
from trueup.config import LoadedConfig
from trueup.daemon.daemon import Daemon
from trueup.daemon.http import is_loopback
from trueup.errors import ConfigError, TemporaryError, TrueupError
from trueup.masking import Masker

Handler = Callable[[Call], Awaitable[Any]]

HANDLERS: dict[str, Handler] = {
    "list_apps": reads.list_apps,
    "get_app": reads.get_app,
    "app_tree": tree.app_tree,
    "app_diff": actions.app_diff,
    "app_history": reads.app_history,
    "app_events": reads.app_events,
    "app_kube_events": kube_events.app_kube_events,
    "event_stream": stream.event_stream,
    "list_sources": reads.list_sources,
    "list_images": images.list_images,
    "sync_app": actions.sync_app,
    "suspend_app": actions.suspend_app,
    "resume_app": actions.resume_app,
    "rollback_app": actions.rollback_app,
    "refresh_source": actions.refresh_source,
}
"""The handler of each operation of :data:`~trueup.api.table.ROUTES` but the document."""


def problem_response(problem: Problem) -> web.Response:
    """The JSON answer for ``problem``."""
    body = ErrorBody(ErrorDetail(problem.code.text, problem.message))
    return _json(to_data(body), problem.code.status)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


class Sessions(Protocol):
    """Callers known by something else than a bearer token (the dashboard's browser
    sessions): consulted for a request without an ``Authorization`` header."""

    def caller(self, request: web.Request, tokens: Tokens) -> Caller | None:
        """The caller the request's session stands for, None for no session; a 403
        Problem for an action without the session's CSRF token."""
        ...


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing."""


def cross_site(request: web.Request) -> bool:
    """Whether a browser sent ``request`` from a page of another site (its ``Origin``, sent
    with every POST from a page, is not this listener). A request without ``Origin`` comes
    from a program, not from a page."""
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site") == "cross-site"
    return origin == "null" or urlsplit(origin).netloc != request.host


def open_on(request: web.Request, *, insecure: bool) -> bool:
    """Whether a request may be answered without tokens configured: on loopback, or
    anywhere with ``--insecure-no-auth-on-network`` (``insecure``)."""
    if insecure:
        return True
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    return isinstance(sockname, tuple) and is_loopback(str(sockname[0]))


class Api:
    """The API of one daemon; :meth:`routes` are added to its listener's application."""

    def __init__(
        self,
        daemon: Daemon,
        views: Views,
        *,
        insecure: bool = False,
        sessions: Sessions | None = None,
    ) -> None:
        self._daemon, self._views = daemon, views
        self._insecure = insecure
        """Without ApiTokens, serve beyond loopback too (``--insecure-no-auth-on-network``)."""
        self._sessions = sessions
        self._tokens: tuple[LoadedConfig, Tokens] | None = None
        self._document = orjson.dumps(document())
        self._summaries = Summaries(daemon, views)
        """Every App's summary, kept ready for the list and one App (and status)."""

    def routes(self) -> list[web.RouteDef]:
        """One aiohttp route per row of the table, then a JSON 404 for any other /api/ path."""

        async def unknown(request: web.Request) -> web.StreamResponse:
            return problem_response(
                Problem(Code.NOT_FOUND, f"{request.method} {request.path}: no such operation")
            )

        table = [web.route(r.method, r.path, self._handler(r)) for r in ROUTES]
        return [*table, web.route("*", "/api/{rest:.*}", unknown)]

    def _handler(self, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        if route.access is Access.PUBLIC:

            async def public(_request: web.Request) -> web.StreamResponse:
                return web.Response(body=self._document, content_type="application/json")

            return public
        handler = HANDLERS[route.operation]

        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                call = self._call(request, route)
                answer = await handler(call)
            except Problem as problem:
                return problem_response(problem)
            except ConfigError as e:
                return problem_response(Problem(Code.BAD_REQUEST, str(e)))
            except TemporaryError as e:
                return problem_response(Problem(Code.UNAVAILABLE, str(e)))
            except TrueupError as e:
                masked = Masker(self._daemon.config.secret_values())(str(e))
                return problem_response(Problem(Code.INTERNAL, masked))
            if isinstance(answer, web.StreamResponse):
                return answer
            return _json(to_data(answer), route.status)

        return handle

    def _call(self, request: web.Request, route: Route) -> Call:
        daemon = self._daemon
        if not daemon.started:
            raise Problem(
                Code.UNAVAILABLE, "the daemon is starting or waits to lead; try again shortly"
            )
        caller = self._caller(request, route)
        return Call(
            daemon,
            self._views,
            caller,
            request,
            self._summaries,
            lambda: self._caller(request, route),
        )

    def _caller(self, request: web.Request, route: Route) -> Caller:
        """Who sends ``request`` under the configuration running now; a Problem (401, 403)
        when it may not call ``route``."""
        tokens = self._tokens_of(self._daemon.config)
        authorization = request.headers.get("Authorization")
        caller = None
        if authorization is None and self._sessions is not None:
            caller = self._sessions.caller(request, tokens)
        if caller is None:
            caller = tokens.caller(authorization, open_here=self._open_here(request))
            if not tokens and request.method not in SAFE_METHODS and cross_site(request):
                raise Problem(
                    Code.FORBIDDEN,
                    "an action from another site's page is refused: call the API directly, "
                    "or use the dashboard on this listener",
                )
        if route.access is Access.OPERATOR and not caller.may_act:
            raise Problem(
                Code.FORBIDDEN, f"ApiToken {caller.name} is a viewer: this needs an operator"
            )
        return caller

    def _tokens_of(self, config: LoadedConfig) -> Tokens:
        if self._tokens is None or self._tokens[0] is not config:
            self._tokens = (config, Tokens(config))
        return self._tokens[1]

    def _open_here(self, request: web.Request) -> bool:
        """Whether a request without tokens configured may be answered: on loopback."""
        return open_on(request, insecure=self._insecure)

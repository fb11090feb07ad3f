"""The local forge stub's HTTP server: three forges' APIs on one loopback port.

Each forge keeps its usual API root, so one stub serves all three and a Provider's API
URL follows from its ``address`` as it would on a self-hosted forge:
``/api/v3`` is GitHub (Enterprise), ``/api/v4`` GitLab, ``/api/v1`` Gitea. Every request
must carry the stub's token the way that forge expects it (``Authorization: Bearer`` or
``token`` for GitHub, ``PRIVATE-TOKEN`` or ``Authorization: Bearer`` for GitLab,
``Authorization: token`` or ``Bearer`` for Gitea); a missing or wrong one is answered
401. ``POST /_trueup/pulls`` (same token, as a Bearer) opens a pull request for a head
branch, for seeding. Each request is reported through ``log`` in one line. It listens on
loopback only: it holds no real data, and anyone who can reach it may read it all.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from aiohttp import web

from trueup.devforge import gitlab_api, repos_api
from trueup.devforge.calls import Call, Handler, Refused, Route, text
from trueup.devforge.state import ForgeState, Pull
from trueup.errors import ConfigError
from trueup.forge.address import is_loopback

ROOTS: Final = {"/api/v3/": "github", "/api/v4/": "gitlab", "/api/v1/": "gitea"}
"""The API root of each forge on the stub."""
FORGES: Final = frozenset(ROOTS.values())
_ADMIN: Final = "/_trueup/pulls"


class DevForge:
    """The stub: its state, its routes and, once started, its listening socket."""

    def __init__(self, token: str, log: Callable[[str], None] = lambda _line: None) -> None:
        if not token:
            raise ConfigError("dev-forge needs a token to check")
        self.state = ForgeState()
        self._token, self._log = token, log
        self._routes: dict[str, list[Route]] = {
            "github": repos_api.routes("github"),
            "gitea": repos_api.routes("gitea"),
            "gitlab": gitlab_api.routes(),
        }
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (a loopback address; port 0 picks a free one) and
        return the port."""
        if not is_loopback(host):
            raise ConfigError(
                f"dev-forge listens on loopback only, not {host}: use 127.0.0.1 or ::1"
            )
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as e:
            await self._runner.cleanup()
            raise ConfigError(f"dev-forge cannot listen on {host}:{port}: {e.strerror}") from e
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        return self.port

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def seed_pull(
        self, forge: str, repo: str, head: str, base: str = "main", title: str = ""
    ) -> Pull:
        """Open a pull request from ``head`` into ``base`` (the admin call's work)."""
        if forge not in FORGES:
            raise ValueError(f"unknown forge {forge!r}: use one of {sorted(FORGES)}")
        if repo.count("/") < 1 or any(not part for part in repo.split("/")):
            raise ValueError(f"repository {repo!r} must be owner/name (GitLab: group/project)")
        pull = self.state.open_pull(forge, repo, head, base, title or f"Changes from {head}", "")
        self._log(f"pull {forge} {repo} #{pull.number} opened: {head} -> {base}")
        return pull

    async def _handle(self, request: web.Request) -> web.Response:
        raw = request.raw_path.split("?", 1)[0]
        forge = next((f for root, f in ROOTS.items() if raw.startswith(root)), None)
        try:
            if raw == _ADMIN and request.method == "POST":
                self._authorize(request, "admin")
                return await self._admin(request)
            if forge is None:
                raise Refused(404, "Not Found")
            self._authorize(request, forge)
            call = self._match(request, forge, raw[len(_root(forge)) :])
            response = await call.handler(call.call)
            self._log(call.call.line or f"{request.method} {forge} {raw}")
            return response
        except Refused as e:
            self._log(f"{request.method} {forge or 'stub'} {raw}: {e.status} {e.message}")
            return web.json_response({"message": e.message}, status=e.status)

    def _authorize(self, request: web.Request, forge: str) -> None:
        given = _token_of(request, forge)
        if given is None or not hmac.compare_digest(given.encode(), self._token.encode()):
            raise Refused(401, "Bad credentials" if forge != "gitlab" else "401 Unauthorized")

    def _match(self, request: web.Request, forge: str, rest: str) -> _Matched:
        for candidate in self._routes[forge]:
            found = candidate.pattern.fullmatch(rest)
            if found is None or candidate.method != request.method:
                continue
            parts = {k: unquote(v) for k, v in found.groupdict().items()}
            repo = parts.get("project") or f"{parts.get('owner')}/{parts.get('name')}"
            if forge == "gitlab" and parts["project"].isdigit():
                raise Refused(404, "404 Project Not Found")
            return _Matched(Call(request, forge, repo, parts, self.state), candidate.handler)
        raise Refused(404, "Not Found")

    async def _admin(self, request: web.Request) -> web.Response:
        call = Call(request, "admin", "", {}, self.state)
        body = await call.body()
        try:
            pull = self.seed_pull(
                text(body, "forge", required=True),
                text(body, "repo", required=True),
                text(body, "head", required=True),
                text(body, "base") or "main",
                text(body, "title"),
            )
        except ValueError as e:
            raise Refused(422, str(e)) from e
        data: dict[str, Any] = {"number": pull.number, "head": pull.head, "base": pull.base}
        return web.json_response(data, status=201)


@dataclass(frozen=True, slots=True)
class _Matched:
    call: Call
    handler: Handler


def _root(forge: str) -> str:
    return next(root for root, f in ROOTS.items() if f == forge)


_SCHEME: Final = re.compile(r"(?i)(bearer|token)\s+(\S+)")


def _token_of(request: web.Request, forge: str) -> str | None:
    """The token the request carries the way ``forge`` takes it (admin: Bearer)."""
    if forge == "gitlab" and "PRIVATE-TOKEN" in request.headers:
        return request.headers["PRIVATE-TOKEN"]
    found = _SCHEME.fullmatch(request.headers.get("Authorization", "").strip())
    if found is None:
        return None
    scheme = found.group(1).lower()
    allowed = {"github": {"bearer", "token"}, "gitea": {"bearer", "token"}}.get(forge, {"bearer"})
    return found.group(2) if scheme in allowed else None

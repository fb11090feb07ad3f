"""The pieces every route of the stub uses: the parsed call, JSON answers, pages, errors.

Routes match the *raw* path, because GitLab addresses a project by its URL-encoded path
(``group%2Fproject``), which decoding would split. Lists are paged like the forges page
them: ``page`` and ``per_page`` (GitLab, GitHub) or ``limit`` (Gitea), with a
``Link: <…>; rel="next"`` header while there is more, and GitLab's ``X-Next-Page``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web

from trueup.devforge.state import ForgeState

MAX_PER_PAGE: Final = 100


class Refused(Exception):  # noqa: N818 - an answer, not a failure of the stub
    """A request the stub answers with an error status and a forge-like JSON message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class Call:
    """One request, matched: which forge, which repository, and the path's parts."""

    request: web.Request
    forge: str
    repo: str
    parts: dict[str, str]
    state: ForgeState
    line: str = ""
    """What the stub prints for this request (set by the route; a default otherwise)."""

    async def body(self) -> dict[str, Any]:
        """The JSON object the request carries (a form, for GitLab clients that post one)."""
        if self.request.content_type == "application/x-www-form-urlencoded":
            return dict(await self.request.post())
        try:
            data = await self.request.json()
        except ValueError as e:
            raise Refused(400, "Problems parsing JSON") from e
        if not isinstance(data, dict):
            raise Refused(400, "the body must be a JSON object")
        return data

    def number(self, name: str) -> int:
        """The path part ``name`` as a positive number (404 otherwise)."""
        value = self.parts[name]
        if not value.isdigit():
            raise Refused(404, "Not Found")
        return int(value)


Handler = Callable[[Call], Awaitable[web.Response]]


@dataclass(frozen=True, slots=True)
class Route:
    """A method and a raw-path pattern under one forge's API root."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, pattern: str, handler: Handler) -> Route:
    """A route; ``pattern`` is a regular expression with named groups, matched whole."""
    return Route(method, re.compile(pattern), handler)


def text(body: dict[str, Any], key: str, *, required: bool = False) -> str:
    """The string field ``key`` of a request body (422 when required and missing)."""
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise Refused(422, f"Validation Failed: {key} is missing")
        return ""
    if not isinstance(value, str):
        raise Refused(422, f"Validation Failed: {key} must be a string")
    return value


def paged(call: Call, items: Sequence[Any], size_param: str, default: int) -> web.Response:
    """One page of ``items`` as the forges answer it, with the links to the next one."""
    query = call.request.query
    try:
        page = int(query.get("page", "1"))
        size = int(query.get(size_param, str(default)))
    except ValueError as e:
        raise Refused(400, "page and page size must be numbers") from e
    page, size = max(page, 1), min(max(size, 1), MAX_PER_PAGE)
    chunk = list(items[(page - 1) * size : page * size])
    response = web.json_response(chunk)
    last = max((len(items) + size - 1) // size, 1)
    links = []
    if page < last:
        links.append(f'<{call.request.url.update_query(page=page + 1)}>; rel="next"')
        response.headers["X-Next-Page"] = str(page + 1)
    links.append(f'<{call.request.url.update_query(page=last)}>; rel="last"')
    response.headers["Link"] = ", ".join(links)
    response.headers["X-Total"] = str(len(items))
    response.headers["X-Total-Count"] = str(len(items))
    return response

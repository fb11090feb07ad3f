"""The HTTP layer the three forge clients share: auth, limits, errors, pagination.

One httpx client per repository, rooted at its API URL, with the forge's auth header set
once (so no call site handles the token), a timeout on every request, and no redirect
followed: a 3xx is an error, so the token never reaches a host the configuration does not
name. Every answer that is not 2xx becomes a typed error at once (:func:`error_of`);
messages name the repository and the call, never the token. Lists are followed through
their ``Link: <…>; rel="next"`` headers (all three forges send them), within the API's
origin and up to :data:`MAX_PAGES` pages.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from trueup import __version__
from trueup.errors import ForgeError, ForgeUnavailableError
from trueup.forge.model import Repository

USER_AGENT: Final = f"trueup/{__version__}"
PER_PAGE: Final = 50
"""Items asked for per page of a list."""
MAX_PAGES: Final = 100
"""Pages of one list followed at most: a pull request with more comments than this reads
as if it had no more."""
MAX_RETRY_AFTER: Final = 300.0
MAX_MESSAGE: Final = 200
"""Characters of a forge's own error message kept in ours."""


class ForgeHttp:
    """Requests to one repository's forge API, answered or raised. ``auth`` are the
    headers that carry ``token`` (masked in every message)."""

    def __init__(
        self,
        repository: Repository,
        auth: Mapping[str, str],
        *,
        token: str,
        timeout: float,
        verify: ssl.SSLContext | bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.repository = repository
        self._timeout = timeout
        self._masker = _Hider([token, *(v for v in auth.values() if token in v)])
        self._client = httpx.AsyncClient(
            base_url=repository.api_url + "/",
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **auth},
            follow_redirects=False,
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

    async def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        json: object = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """The decoded JSON answer of one request; ``what`` names the call in errors
        (``post the status of abc123``)."""
        response = await self._send(method, path.lstrip("/"), what, json=json, params=params)
        return _decoded(response, self.repository, what)

    async def pages(
        self, path: str, what: str, params: Mapping[str, str | int]
    ) -> AsyncIterator[list[Any]]:
        """Each page of a list, following ``rel="next"`` links within the API's origin."""
        url: str | None = path.lstrip("/")
        query: Mapping[str, str | int] | None = params
        for _ in range(MAX_PAGES):
            assert url is not None
            response = await self._send("GET", url, what, params=query)
            page = _decoded(response, self.repository, what)
            if not isinstance(page, list):
                raise ForgeError(f"{self.repository}: {what}: the forge answered no list")
            yield page
            url = response.links.get("next", {}).get("url")
            if not url or not page:
                return
            if not _same_origin(url, self.repository.api_url):
                raise ForgeError(
                    f"{self.repository}: {what}: the next page is on another host; "
                    "not followed (the token stays with the configured API URL)"
                )
            query = None

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def _send(
        self,
        method: str,
        url: str,
        what: str,
        *,
        json: object = None,
        params: Mapping[str, str | int] | None = None,
    ) -> httpx.Response:
        try:
            response = await self._client.request(method, url, json=json, params=params)
        except httpx.TimeoutException as e:
            raise ForgeUnavailableError(
                f"{self.repository}: {what}: no answer within {self._timeout:g} s"
            ) from e
        except httpx.HTTPError as e:
            shown = self._masker.whole(str(e)) or type(e).__name__
            raise ForgeUnavailableError(
                f"{self.repository}: {what}: {type(e).__name__}: {shown}"
            ) from e
        error = error_of(response, self.repository, what, self._masker)
        if error is not None:
            raise error
        return response


def error_of(
    response: httpx.Response, repository: Repository, what: str, masker: _Hider
) -> ForgeError | ForgeUnavailableError | None:
    """What a forge's answer means: None for 2xx, else the error to raise."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    where = f"{repository}: {what}"
    said = _forge_message(response, masker)
    if 300 <= status < 400:
        return ForgeError(
            f"{where}: the forge answered {status}, a redirect, which is not followed: "
            "configure the API URL it redirects to (apiURL)",
            status=status,
        )
    limited = status == 403 and response.headers.get("x-ratelimit-remaining") == "0"
    if status in (408, 429) or status >= 500 or limited:
        return ForgeUnavailableError(
            f"{where}: the forge answered {status}{said}",
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )
    hint = {
        401: "the token was refused: check the token in the Secret",
        403: "the token lacks a permission for this repository",
        404: "not found: check the repository, the commit or the API URL "
        "(a token that cannot see a repository also gets 404)",
        422: "the forge refused the request's fields",
    }.get(status, "the forge refused the request")
    return ForgeError(f"{where}: {status}, {hint}{said}", status=status)


def _forge_message(response: httpx.Response, masker: _Hider) -> str:
    """``: <the forge's own message>``, shortened and masked, or ''."""
    try:
        data = response.json()
    except ValueError:
        return ""
    message = data.get("message") or data.get("error") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return ": " + masker.whole(" ".join(message.split()))[:MAX_MESSAGE]


class _Hider:
    """Replaces the token (and the headers that carry it) in text a forge or httpx wrote.

    Kept here rather than using :class:`trueup.masking.Masker`: the configuration checks
    forge addresses with :mod:`trueup.forge.address`, so this package sits below it."""

    def __init__(self, values: list[str]) -> None:
        self._values = sorted({v for v in values if v}, key=len, reverse=True)

    def whole(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, "********")
        return text


def _decoded(response: httpx.Response, repository: Repository, what: str) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as e:
        raise ForgeUnavailableError(
            f"{repository}: {what}: the forge answered {response.status_code} with no JSON "
            "(an HTML error page?)"
        ) from e


def _same_origin(url: str, api_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(api_url)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` in seconds, at most :data:`MAX_RETRY_AFTER`; None when absent or
    not a number (its date form is not used by forges or chat services)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)

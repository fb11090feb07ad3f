"""Sending one request to a Provider's URL, and what the answer means for a retry.

:class:`HttpSender` posts with httpx, one client for every Provider, within the
Provider's timeout, and follows no redirect: a 3xx is a failure, so the URL (which may be
a credential) and the signature are never sent to a host the configuration does not name.
Every answer becomes an :class:`Outcome`: delivered, worth retrying (a timeout, a broken
connection, 408, 429, 5xx; ``Retry-After`` kept) or not (any other status). Outcome
messages never contain the URL.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import httpx

from trueup.forge.http import retry_after_seconds
from trueup.masking import Masker
from trueup.notify.payloads import Request


class Result(StrEnum):
    """How one attempt ended."""

    DELIVERED = "delivered"
    TEMPORARY = "temporary"
    """Worth another attempt after a while."""
    PERMANENT = "permanent"
    """The same request would fail again: given up at once."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt's result, why (never the URL), and how long the server asked to wait."""

    result: Result
    message: str = ""
    retry_after: float | None = None


class Sender(Protocol):
    """Posts a request to a URL."""

    async def send(self, url: str, request: Request, within: float) -> Outcome:
        """Post ``request`` to ``url`` within ``within`` seconds and say how it went; never
        raises for the answer."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class HttpSender:
    """The real :class:`Sender`: httpx, no redirects followed."""

    def __init__(self) -> None:
        self._client = httpx.AsyncClient(follow_redirects=False)

    async def send(self, url: str, request: Request, within: float) -> Outcome:
        """Post once; see :func:`outcome_of` for what each answer means."""
        try:
            # httpx's timeout bounds each phase; this one the whole attempt, so that an
            # endpoint trickling its answer cannot hold the Provider's queue.
            async with asyncio.timeout(within):
                response = await self._client.post(
                    url, content=request.body, headers=dict(request.headers), timeout=within
                )
        except (httpx.TimeoutException, TimeoutError):
            return Outcome(Result.TEMPORARY, f"no answer within {within:g} s")
        except httpx.HTTPError as e:
            # httpx names the URL in some messages: it may be a credential.
            shown = Masker([url]).whole(str(e)) or type(e).__name__
            return Outcome(Result.TEMPORARY, f"{type(e).__name__}: {shown}")
        return outcome_of(response.status_code, response.headers.get("retry-after"))

    async def aclose(self) -> None:
        """Close the client."""
        await self._client.aclose()


def outcome_of(status: int, retry_after: str | None = None) -> Outcome:
    """What an HTTP status means for a notification."""
    if 200 <= status < 300:
        return Outcome(Result.DELIVERED)
    if 300 <= status < 400:
        return Outcome(
            Result.PERMANENT,
            f"the endpoint answered {status}, a redirect, which is not followed: "
            "configure the URL it redirects to",
        )
    if status in (408, 429) or status >= 500:
        return Outcome(
            Result.TEMPORARY, f"the endpoint answered {status}", retry_after_seconds(retry_after)
        )
    return Outcome(Result.PERMANENT, f"the endpoint refused the notification with {status}")

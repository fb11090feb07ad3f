"""The HTTP transport to an API server: HTTP/2, and HTTP/1.1 for answers HTTP/2 loses.

The API server answers a request whose credentials it rejects with 401 and closes that
HTTP/2 connection at once (a GOAWAY that may arrive before the answer). httpcore (1.0)
then raises ``RemoteProtocolError(ConnectionTerminated)`` for the request instead of
reading the answer, so an expired token would look like an unreachable server and never
be refreshed. A request that meets this is sent once more over HTTP/1.1, whose answer
(usually that 401) reaches the caller and the auth that refreshes the token.
"""

from __future__ import annotations

import ssl

import httpx


class Http2WithFallback(httpx.AsyncBaseTransport):
    """HTTP/2 connections, and one HTTP/1.1 retry of a request whose connection was closed."""

    def __init__(self, verify: ssl.SSLContext, limits: httpx.Limits) -> None:
        self._http2 = httpx.AsyncHTTPTransport(
            verify=verify, http2=True, limits=limits, trust_env=False
        )
        self._http1 = httpx.AsyncHTTPTransport(verify=verify, limits=limits, trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send over HTTP/2; over HTTP/1.1 once the server closed the connection under it."""
        try:
            return await self._http2.handle_async_request(request)
        except httpx.RemoteProtocolError as error:
            if "ConnectionTerminated" not in str(error):
                raise
        return await self._http1.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the connections of both protocols."""
        await self._http2.aclose()
        await self._http1.aclose()

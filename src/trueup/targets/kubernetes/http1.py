"""HTTP/1.1 to the API server over a pool of keep-alive connections on asyncio streams.

This is the transport under trueup's httpx client. It does what the API server needs and
no more: one request per connection at a time, bodies framed by ``Content-Length`` or
chunked, keep-alive unless the server says ``Connection: close``, TLS from the
kubeconfig's :class:`ssl.SSLContext` (with the ``sni_hostname`` request extension for
``tls-server-name``) and httpx's connect, read and write timeouts. A body with a length is
read whole before the answer is returned; a chunked body (lists, watches) is streamed.

Measured against httpx's own HTTP/2 and HTTP/1.1 transports (``benchmarks/client_stack.py``),
it costs a fraction of their CPU per request: h2 framing, hpack and httpcore's locks are
most of a request's cost in Python, and the API server is as fast over a pool of HTTP/1.1
connections. HTTP/1.1 also reads the 401 the API server answers before closing an HTTP/2
connection, so an expired token is refreshed instead of looking like a lost connection.

Failures are httpx's exceptions (``ConnectError``, ``ReadTimeout``, …), with the OS or TLS
error as their cause, so callers translate them as they translate httpx's.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx

_MAX_HEAD = 1 << 20
"""The largest response head (status line and headers) accepted, in bytes."""

_READ_SIZE = 1 << 16

_NO_BODY = frozenset((204, 304))

_Key = tuple[str, str, int, str | None]


class Http1Transport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections, at most ``keepalive`` idle ones kept per server."""

    def __init__(self, verify: ssl.SSLContext | None, *, keepalive: int = 32) -> None:
        self._tls = verify
        self._keepalive = keepalive
        self._idle: dict[_Key, list[_Connection]] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read the answer's head (and its body if it has a length)."""
        url = request.url
        https = url.scheme == "https"
        if not https and url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"{url.scheme!r} is not http or https")
        key: _Key = (url.scheme, url.host, url.port or (443 if https else 80), None)
        if https:
            key = (*key[:3], request.extensions.get("sni_hostname"))
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
        body = await request.aread()
        head = _request_head(request, len(body))
        while True:
            connection, reused = self._checkout(key), True
            if connection is None:
                connection, reused = await self._connect(key, timeouts.get("connect")), False
            try:
                return await connection.exchange(
                    self, key, request.method, head + body, timeouts, reused=reused
                )
            except _StaleConnectionError:
                continue  # the server closed an idle connection: send on a new one

    def _checkout(self, key: _Key) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.usable():
                return connection
            connection.close()
        return None

    def release(self, key: _Key, connection: _Connection) -> None:
        """Keep ``connection`` for the next request, or close it when enough are kept."""
        idle = self._idle.setdefault(key, [])
        if self._closed or len(idle) >= self._keepalive:
            connection.close()
        else:
            idle.append(connection)

    async def _connect(self, key: _Key, connect_timeout: float | None) -> _Connection:
        scheme, host, port, sni = key
        tls = self._tls if scheme == "https" else None
        if scheme == "https" and tls is None:
            tls = ssl.create_default_context()
        server_hostname = (sni or host) if tls is not None else None
        try:
            async with asyncio.timeout(connect_timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=server_hostname, limit=_MAX_HEAD
                )
        except TimeoutError as error:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from error
        except (OSError, ssl.SSLError) as error:
            raise httpx.ConnectError(f"{type(error).__name__}: {error}") from error
        return _Connection(reader, writer)

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when their answer is read."""
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


class _StaleConnectionError(Exception):
    """A kept connection the server had closed before the request reached it."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def usable(self) -> bool:
        return not (self.writer.is_closing() or self.reader.at_eof())

    def close(self) -> None:
        self.writer.close()

    async def exchange(
        self,
        pool: Http1Transport,
        key: _Key,
        method: str,
        data: bytes,
        timeouts: dict[str, float | None],
        *,
        reused: bool,
    ) -> httpx.Response:
        """Write the request and read the answer's head, and its body if it has a length."""
        received = False
        try:
            try:
                self.writer.write(data)
                async with asyncio.timeout(timeouts.get("write")):
                    await self.writer.drain()
            except TimeoutError as error:
                raise httpx.WriteTimeout("writing the request timed out") from error
            except OSError as error:
                if reused:
                    raise _StaleConnectionError from error
                raise httpx.WriteError(f"{type(error).__name__}: {error}") from error
            try:
                async with asyncio.timeout(timeouts.get("read")):
                    status, headers, received = await self._read_head(reused=reused)
                    length = _content_length(headers)
                    chunked = _is_chunked(headers)
                    if method == "HEAD" or status in _NO_BODY:
                        length, chunked = 0, False
                    keep = not _closes(headers) and (length is not None or chunked)
                    if not chunked and length is not None:
                        content = await self.reader.readexactly(length) if length else b""
                        if keep:
                            pool.release(key, self)
                        else:
                            self.close()
                        return httpx.Response(
                            status,
                            headers=headers,
                            content=content,
                            extensions={"http_version": b"HTTP/1.1"},
                        )
            except TimeoutError as error:
                raise httpx.ReadTimeout("reading the answer timed out") from error
            except asyncio.IncompleteReadError as error:
                raise httpx.RemoteProtocolError("the server closed the connection early") from error
            except asyncio.LimitOverrunError as error:
                raise httpx.RemoteProtocolError("the answer's head is too large") from error
            except (OSError, ssl.SSLError) as error:
                if reused and not received:
                    raise _StaleConnectionError from error
                raise httpx.ReadError(f"{type(error).__name__}: {error}") from error
            stream = _BodyStream(self, pool, key, chunked=chunked, keep=keep, timeouts=timeouts)
            return httpx.Response(
                status, headers=headers, stream=stream, extensions={"http_version": b"HTTP/1.1"}
            )
        except BaseException:
            self.close()
            raise

    async def _read_head(self, *, reused: bool) -> tuple[int, list[tuple[bytes, bytes]], bool]:
        """The status and headers of the answer, skipping informational (1xx) answers."""
        while True:
            try:
                head = await self.reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as error:
                if reused and not error.partial:
                    raise _StaleConnectionError from error
                raise
            lines = head[:-4].split(b"\r\n")
            parts = lines[0].split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
                raise httpx.RemoteProtocolError(f"not an HTTP/1.1 answer: {lines[0][:80]!r}")
            status = int(parts[1])
            headers = []
            for line in lines[1:]:
                name, colon, value = line.partition(b":")
                if not colon:
                    raise httpx.RemoteProtocolError(f"malformed header line {line[:80]!r}")
                headers.append((name.strip(), value.strip()))
            if status >= 200 or status == 101:
                return status, headers, True


class _BodyStream(httpx.AsyncByteStream):
    """A chunked body, or one that ends with the connection, read as it arrives."""

    def __init__(
        self,
        connection: _Connection,
        pool: Http1Transport,
        key: _Key,
        *,
        chunked: bool,
        keep: bool,
        timeouts: dict[str, float | None],
    ) -> None:
        self._connection: _Connection | None = connection
        self._pool = pool
        self._key = key
        self._chunked = chunked
        self._keep = keep
        self._read_timeout = timeouts.get("read")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            return
        reader = connection.reader
        try:
            if self._chunked:
                while True:
                    size_line = await self._read(reader.readuntil(b"\r\n"))
                    size = _chunk_size(size_line)
                    if size == 0:
                        # Trailers, if any, end with an empty line.
                        while await self._read(reader.readuntil(b"\r\n")) != b"\r\n":
                            pass
                        break
                    chunk = await self._read(reader.readexactly(size + 2))
                    yield chunk[:-2]
            else:
                while chunk := await self._read(reader.read(_READ_SIZE)):
                    yield chunk
        except BaseException:
            self._connection = None
            connection.close()
            raise
        self._connection = None
        if self._keep:
            self._pool.release(self._key, connection)
        else:
            connection.close()

    async def _read(self, operation: Any) -> Any:
        try:
            async with asyncio.timeout(self._read_timeout):
                return await operation
        except TimeoutError as error:
            raise httpx.ReadTimeout("reading the answer timed out") from error
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            raise httpx.RemoteProtocolError("the server closed the connection early") from error
        except (OSError, ssl.SSLError) as error:
            raise httpx.ReadError(f"{type(error).__name__}: {error}") from error

    async def aclose(self) -> None:
        """Close the connection if the body was not read to its end."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _request_head(request: httpx.Request, length: int) -> bytes:
    url = request.url
    target = url.raw_path  # path and query, already encoded
    lines = [request.method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    has_length = False
    for name, value in request.headers.raw:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            continue  # the body is always sent whole, with its length
        if lowered == b"content-length":
            has_length = True
            value = str(length).encode("ascii")
        lines.append(name + b": " + value)
    if not has_length and (length or request.method in ("POST", "PUT", "PATCH")):
        lines.append(b"Content-Length: " + str(length).encode("ascii"))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    value = _header(headers, b"content-length")
    if value is None:
        return None
    if not value.isdigit():
        raise httpx.RemoteProtocolError(f"malformed Content-Length {value[:40]!r}")
    return int(value)


def _is_chunked(headers: list[tuple[bytes, bytes]]) -> bool:
    value = _header(headers, b"transfer-encoding")
    return value is not None and value.lower().rstrip().endswith(b"chunked")


def _closes(headers: list[tuple[bytes, bytes]]) -> bool:
    value = _header(headers, b"connection")
    return value is not None and b"close" in value.lower()


def _chunk_size(line: bytes) -> int:
    size = line.split(b";", 1)[0].strip()
    try:
        return int(size, 16)
    except ValueError:
        raise httpx.RemoteProtocolError(f"malformed chunk size {size[:40]!r}") from None

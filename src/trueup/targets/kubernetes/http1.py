"""HTTP/1.1 to the API server over a pool of keep-alive connections on asyncio streams.

This is the transport under trueup's Kubernetes target. It does what the API server needs
and no more: one request per connection at a time, bodies framed by ``Content-Length`` or
chunked, keep-alive unless the server says ``Connection: close``, gzip-encoded answers,
TLS from the kubeconfig's :class:`ssl.SSLContext` (with ``tls-server-name`` as SNI) and
connect, read and write timeouts.

The target calls it directly (:meth:`Http1Transport.exchange`, :meth:`Http1Transport.stream`):
the request head is written from bytes the caller prepared once, and the answer comes
back as an :class:`Answer`, with no request or response objects of an HTTP library in
between. Building httpx's ``Request`` and ``Response`` (URL parsing, header objects,
content encoders) cost more CPU per request than the exchange itself. It is also an httpx
transport (:meth:`Http1Transport.handle_async_request`), for the benchmarks that compare
stacks (``benchmarks/client_stack.py``) and for tools that want an httpx client.

Measured against httpx's own HTTP/2 and HTTP/1.1 transports, it costs a fraction of their
CPU per request: h2 framing, hpack and httpcore's locks are most of a request's cost in
Python, and the API server is as fast over a pool of HTTP/1.1 connections. HTTP/1.1 also
reads the 401 the API server answers before closing an HTTP/2 connection, so an expired
token is refreshed instead of looking like a lost connection.

Failures are httpx's exceptions (``ConnectError``, ``ReadTimeout``, …), with the OS or TLS
error as their cause, so callers translate them as they translate httpx's.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

_MAX_HEAD = 1 << 20
"""The largest response head (status line and headers) accepted, in bytes."""

_READ_SIZE = 1 << 16

_NO_BODY = frozenset((204, 304))

_GZIP = 16 + zlib.MAX_WBITS
"""zlib's window bits for a gzip stream."""

Origin = tuple[str, str, int, str | None]
"""Where requests go: scheme, host, port and the TLS server name (None for the host)."""

Timeouts = Mapping[str, float | None]
"""Seconds for ``connect``, ``read`` (between bytes of the answer) and ``write``; None waits."""

Headers = list[tuple[bytes, bytes]]
"""An answer's header fields, names lowercased, in the order sent."""


def origin_of(server: str, tls_server_name: str | None = None) -> Origin:
    """The origin of the URL ``server`` (``https://host:port``)."""
    url = urlsplit(server)
    https = url.scheme == "https"
    if not https and url.scheme != "http":
        raise httpx.UnsupportedProtocol(f"{url.scheme!r} is not http or https")
    return (
        url.scheme,
        url.hostname or "",
        url.port or (443 if https else 80),
        tls_server_name if https else None,
    )


def header_fields(headers: Mapping[str, str]) -> bytes:
    """``headers`` as the lines of a request head, each ended by CRLF."""
    lines = []
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError(f"header {name!r} holds a line break")
        lines.append(f"{name}: {value}\r\n".encode("latin-1"))
    return b"".join(lines)


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of the server, its body read whole (empty when streamed)."""

    method: str
    path: str
    """The request's path, without its query (for messages)."""
    status_code: int
    headers: Headers
    content: bytes = b""

    @property
    def is_success(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status_code < 300

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        value = _header(self.headers, name.lower().encode("ascii"))
        return None if value is None else value.decode("latin-1")

    def header_list(self, name: str) -> list[str]:
        """Every value of header ``name`` (any case), in order."""
        wanted = name.lower().encode("ascii")
        return [value.decode("latin-1") for key, value in self.headers if key == wanted]

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        """The answer in an httpx response whose body has been read."""
        return cls(
            response.request.method,
            response.request.url.path,
            response.status_code,
            [(name.lower(), value) for name, value in response.headers.raw],
            response.content,
        )


class Http1Transport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections, at most ``keepalive`` idle ones kept per server."""

    def __init__(self, verify: ssl.SSLContext | None, *, keepalive: int = 32) -> None:
        self._tls = verify
        self._keepalive = keepalive
        self._idle: dict[Origin, list[_Connection]] = {}
        self._closed = False

    async def exchange(
        self,
        origin: Origin,
        method: str,
        target: str,
        fields: bytes,
        body: bytes,
        timeouts: Timeouts,
    ) -> Answer:
        """Send a request and read its whole answer.

        ``target`` is the path and query, already encoded; ``fields`` the header lines
        (:func:`header_fields`), ``Host`` among them; ``Content-Length`` is added here.
        """
        head = _head(method, target, fields, len(body))
        status, headers, content, stream = await self._roundtrip(
            origin, method, head + body, timeouts
        )
        if stream is not None:
            content = b"".join([chunk async for chunk in stream])
        if _is_gzip(headers):
            try:
                content = zlib.decompress(content, _GZIP)
            except zlib.error as error:
                raise httpx.RemoteProtocolError("the answer's gzip body is corrupt") from error
        return Answer(method, target.partition("?")[0], status, headers, content)

    @asynccontextmanager
    async def stream(
        self, origin: Origin, method: str, target: str, fields: bytes, timeouts: Timeouts
    ) -> AsyncIterator[tuple[Answer, AsyncIterator[bytes]]]:
        """Send a request without a body; yield its answer's head and its body as it arrives.

        The body's connection is kept for the next request if it is read to its end, and
        closed otherwise.
        """
        head = _head(method, target, fields, 0)
        status, headers, content, stream = await self._roundtrip(origin, method, head, timeouts)
        answer = Answer(method, target.partition("?")[0], status, headers)
        try:
            chunks = _chunks(content, stream, gzip=_is_gzip(headers))
            yield answer, chunks
        finally:
            if stream is not None:
                await stream.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read the answer's head (and its body if it has a length)."""
        url = request.url
        https = url.scheme == "https"
        if not https and url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"{url.scheme!r} is not http or https")
        origin: Origin = (url.scheme, url.host, url.port or (443 if https else 80), None)
        if https:
            origin = (*origin[:3], request.extensions.get("sni_hostname"))
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
        body = await request.aread()
        head = _request_head(request, len(body))
        status, headers, content, stream = await self._roundtrip(
            origin, request.method, head + body, timeouts
        )
        extensions = {"http_version": b"HTTP/1.1"}
        if stream is None:
            return httpx.Response(status, headers=headers, content=content, extensions=extensions)
        return httpx.Response(status, headers=headers, stream=stream, extensions=extensions)

    async def _roundtrip(
        self, origin: Origin, method: str, data: bytes, timeouts: Timeouts
    ) -> tuple[int, Headers, bytes, _BodyStream | None]:
        """Send ``data`` on a kept connection, or a new one when the kept one went stale."""
        while True:
            connection, reused = self._checkout(origin), True
            if connection is None:
                connection, reused = await self._connect(origin, timeouts.get("connect")), False
            try:
                return await connection.exchange(
                    self, origin, method, data, timeouts, reused=reused
                )
            except _StaleConnectionError:
                continue  # the server closed an idle connection: send on a new one

    def _checkout(self, key: Origin) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.usable():
                return connection
            connection.close()
        return None

    def release(self, key: Origin, connection: _Connection) -> None:
        """Keep ``connection`` for the next request, or close it when enough are kept."""
        idle = self._idle.setdefault(key, [])
        if self._closed or len(idle) >= self._keepalive:
            connection.close()
        else:
            idle.append(connection)

    async def _connect(self, key: Origin, connect_timeout: float | None) -> _Connection:
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
        key: Origin,
        method: str,
        data: bytes,
        timeouts: Timeouts,
        *,
        reused: bool,
    ) -> tuple[int, Headers, bytes, _BodyStream | None]:
        """Write the request and read the answer's head, and its body if it has a length.

        Answers the status, the headers, and the body when it had a length, else a stream.
        """
        received = False
        try:
            try:
                self.writer.write(data)
                if self.writer.transport.get_write_buffer_size():
                    # Only a request the socket did not take at once waits (with a
                    # timeout); a lost connection shows when the answer is read.
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
                        return status, headers, content, None
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
            return status, headers, b"", stream
        except BaseException:
            self.close()
            raise

    async def _read_head(self, *, reused: bool) -> tuple[int, Headers, bool]:
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
                headers.append((name.strip().lower(), value.strip()))
            if status >= 200 or status == 101:
                return status, headers, True


class _BodyStream(httpx.AsyncByteStream):
    """A chunked body, or one that ends with the connection, read as it arrives."""

    def __init__(
        self,
        connection: _Connection,
        pool: Http1Transport,
        key: Origin,
        *,
        chunked: bool,
        keep: bool,
        timeouts: Timeouts,
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


def _head(method: str, target: str, fields: bytes, length: int) -> bytes:
    line = f"{method} {target} HTTP/1.1\r\n".encode("ascii")
    if length or method in ("POST", "PUT", "PATCH"):
        fields += b"Content-Length: " + str(length).encode("ascii") + b"\r\n"
    return line + fields + b"\r\n"


async def _chunks(
    content: bytes, stream: _BodyStream | None, *, gzip: bool
) -> AsyncIterator[bytes]:
    """The body's bytes as they arrive, gzip decoded."""
    decoder = zlib.decompressobj(_GZIP) if gzip else None
    parts: AsyncIterator[bytes] = stream.__aiter__() if stream is not None else _one(content)
    async for part in parts:
        if decoder is not None:
            try:
                part = decoder.decompress(part)
            except zlib.error as error:
                raise httpx.RemoteProtocolError("the answer's gzip body is corrupt") from error
        if part:
            yield part


async def _one(content: bytes) -> AsyncIterator[bytes]:
    yield content


def _is_gzip(headers: Headers) -> bool:
    value = _header(headers, b"content-encoding")
    return value is not None and value.strip().lower() == b"gzip"


def _header(headers: Headers, name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _content_length(headers: Headers) -> int | None:
    value = _header(headers, b"content-length")
    if value is None:
        return None
    if not value.isdigit():
        raise httpx.RemoteProtocolError(f"malformed Content-Length {value[:40]!r}")
    return int(value)


def _is_chunked(headers: Headers) -> bool:
    value = _header(headers, b"transfer-encoding")
    return value is not None and value.lower().rstrip().endswith(b"chunked")


def _closes(headers: Headers) -> bool:
    value = _header(headers, b"connection")
    return value is not None and b"close" in value.lower()


def _chunk_size(line: bytes) -> int:
    size = line.split(b";", 1)[0].strip()
    try:
        return int(size, 16)
    except ValueError:
        raise httpx.RemoteProtocolError(f"malformed chunk size {size[:40]!r}") from None


class Wire(Protocol):
    """What the Kubernetes target sends through: :class:`Http1Transport` or an adapter."""

    async def exchange(
        self,
        origin: Origin,
        method: str,
        target: str,
        fields: bytes,
        body: bytes,
        timeouts: Timeouts,
    ) -> Answer:
        """Send a request and read its whole answer."""
        ...

    def stream(
        self, origin: Origin, method: str, target: str, fields: bytes, timeouts: Timeouts
    ) -> AbstractAsyncContextManager[tuple[Answer, AsyncIterator[bytes]]]:
        """Send a request without a body; yield its answer's head and body as it arrives."""
        ...

    async def aclose(self) -> None:
        """Close every connection."""
        ...


class HttpxWire:
    """Any httpx transport as a :class:`Wire` (tests give the target an in-memory API)."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def exchange(
        self,
        origin: Origin,
        method: str,
        target: str,
        fields: bytes,
        body: bytes,
        timeouts: Timeouts,
    ) -> Answer:
        """Send a request through the transport and read its whole answer."""
        request = _httpx_request(origin, method, target, fields, body, timeouts)
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return Answer.of(response)

    @asynccontextmanager
    async def stream(
        self, origin: Origin, method: str, target: str, fields: bytes, timeouts: Timeouts
    ) -> AsyncIterator[tuple[Answer, AsyncIterator[bytes]]]:
        """Send a request through the transport; yield its answer as it arrives."""
        request = _httpx_request(origin, method, target, fields, b"", timeouts)
        response = await self._transport.handle_async_request(request)
        response.request = request
        headers = [(name.lower(), value) for name, value in response.headers.raw]
        try:
            yield (
                Answer(method, request.url.path, response.status_code, headers),
                response.aiter_bytes(),
            )
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        """Close the transport."""
        await self._transport.aclose()


def _httpx_request(
    origin: Origin, method: str, target: str, fields: bytes, body: bytes, timeouts: Timeouts
) -> httpx.Request:
    scheme, host, port, sni = origin
    host = f"[{host}]" if ":" in host else host
    headers = []
    for line in fields.split(b"\r\n"):
        name, _, value = line.partition(b": ")
        if name and name.lower() != b"host":
            headers.append((name, value))
    extensions: dict[str, Any] = {"timeout": {"pool": None, **timeouts}}
    if sni:
        extensions["sni_hostname"] = sni
    return httpx.Request(
        method,
        f"{scheme}://{host}:{port}{target}",
        headers=headers,
        content=body if body or method in ("POST", "PUT", "PATCH") else None,
        extensions=extensions,
    )

"""The HTTP/1.1 transport frames bodies, keeps connections alive and maps failures to httpx's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from trueup.targets.kubernetes.http1 import Http1Transport

pytestmark = pytest.mark.anyio

Answer = Callable[[bytes, bytes], bytes]
"""Builds the raw answer from a request's head and body."""


@dataclass
class Server:
    """A loopback HTTP server answering each request with the next scripted answer."""

    answers: list[Answer | None]
    """None closes the connection without answering."""
    connections: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                answer = self.answers.pop(0)
                if answer is None:
                    break
                writer.write(answer(head, body))
                await writer.drain()
                if b"Connection: close" in answer(head, body):
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()


@asynccontextmanager
async def serving(*answers: Answer | None) -> AsyncIterator[tuple[Server, httpx.AsyncClient]]:
    server = Server(list(answers))
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    client = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{server.port}",
        transport=Http1Transport(None),
        timeout=httpx.Timeout(2.0),
    )
    try:
        yield server, client
    finally:
        await client.aclose()
        listener.close()


def sized(body: bytes, *extra: str) -> Answer:
    head = "".join(f"{line}\r\n" for line in extra)
    return lambda _head, _body: (
        f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode() + body
    )


def chunked(*chunks: bytes) -> Answer:
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    return lambda _head, _body: (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + framed + b"0\r\n\r\n"
    )


async def test_a_sized_answer_is_read_and_its_connection_kept_for_the_next_request() -> None:
    async with serving(sized(b'{"a":1}'), sized(b'{"b":2}')) as (server, client):
        assert (await client.get("/one")).json() == {"a": 1}
        assert (await client.get("/two")).json() == {"b": 2}
    assert server.connections == 1


async def test_a_request_body_is_sent_with_its_length_and_headers() -> None:
    async with serving(sized(b"{}")) as (server, client):
        response = await client.patch(
            "/api/v1/x?dryRun=All", content=b'{"k":"v"}', headers={"X-Test": "yes"}
        )
    assert response.status_code == 200
    head, body = server.requests[0]
    assert head.startswith(b"PATCH /api/v1/x?dryRun=All HTTP/1.1\r\n")
    assert b"Content-Length: 9\r\n" in head
    assert b"X-Test: yes\r\n" in head
    assert body == b'{"k":"v"}'


async def test_a_chunked_answer_streams_lines_across_chunks() -> None:
    async with serving(chunked(b'{"type":"ADDED"}\n{"ty', b'pe":"DELETED"}\n'), sized(b"ok")) as (
        server,
        client,
    ):
        async with client.stream("GET", "/watch") as response:
            lines = [line async for line in response.aiter_lines()]
        assert lines == ['{"type":"ADDED"}', '{"type":"DELETED"}']
        assert (await client.get("/after")).text == "ok"
    assert server.connections == 1


async def test_connection_close_opens_a_new_connection_for_the_next_request() -> None:
    async with serving(sized(b"1", "Connection: close"), sized(b"2")) as (server, client):
        assert (await client.get("/one")).text == "1"
        assert (await client.get("/two")).text == "2"
    assert server.connections == 2


async def test_a_body_without_length_ends_with_the_connection() -> None:
    def answer(_head: bytes, _body: bytes) -> bytes:
        return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"

    async with serving(answer, sized(b"next")) as (server, client):
        assert (await client.get("/one")).text == "all of it"
        assert (await client.get("/two")).text == "next"
    assert server.connections == 2


async def test_a_kept_connection_the_server_dropped_is_replaced_and_the_request_sent_again() -> (
    None
):
    async with serving(sized(b"1"), None, sized(b"2")) as (server, client):
        assert (await client.get("/one")).text == "1"
        assert (await client.get("/two")).text == "2"
    assert server.connections == 2


async def test_an_answer_without_a_head_is_a_protocol_error() -> None:
    def garbage(_head: bytes, _body: bytes) -> bytes:
        return b"SSH-2.0-OpenSSH\r\n\r\n"

    async with serving(garbage) as (_server, client):
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/")


async def test_a_server_that_does_not_answer_in_time_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(5)

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with httpx.AsyncClient(transport=Http1Transport(None)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"http://127.0.0.1:{port}/", timeout=httpx.Timeout(0.05))
    listener.close()


async def test_a_refused_connection_is_a_connect_error() -> None:
    listener = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    async with httpx.AsyncClient(transport=Http1Transport(None)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")

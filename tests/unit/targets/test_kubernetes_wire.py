"""The Kubernetes target on its own HTTP/1.1 transport, against real loopback servers.

The target writes its requests itself (no HTTP library's client in between), so these
check what goes over the socket: the head, the query, the token and its refresh on a 401,
gzip answers, timeouts, and a watch streamed across chunks.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
import pytest

from trueup import __version__
from trueup.errors import ConfigError, TargetUnavailableError, WatchExpiredError
from trueup.targets import ResourceInfo, WatchEventType
from trueup.targets.kubernetes import KubernetesTarget
from trueup.targets.kubernetes.connection import ClusterConnection
from trueup.targets.retry import Backoff

from .test_http1 import Answer, Server, chunked, sized

pytestmark = pytest.mark.anyio

CONFIGMAPS = ResourceInfo("", "v1", "ConfigMap", "configmaps", namespaced=True)
CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "settings", "namespace": "team"},
    "data": {"mode": "a"},
}
CORE = orjson.dumps(
    {
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {"name": ""},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [
                            {
                                "resource": "configmaps",
                                "responseKind": {"kind": "ConfigMap"},
                                "scope": "Namespaced",
                            }
                        ],
                    }
                ],
            }
        ],
    }
)
GROUPS = orjson.dumps({"kind": "APIGroupDiscoveryList", "items": []})


def discovery(head: bytes, body: bytes) -> bytes:
    """Aggregated discovery: ConfigMaps in the core group, and no other group."""
    core = head.startswith(b"GET /api HTTP/1.1")
    return sized(CORE if core else GROUPS)(head, body)


def status(code: int, reason: str) -> Answer:
    body = orjson.dumps({"kind": "Status", "code": code, "reason": reason, "message": reason})
    return lambda _head, _body: (
        f"HTTP/1.1 {code} {reason}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    )


def gzipped(body: bytes) -> Answer:
    packed = gzip.compress(body)
    return lambda _head, _body: (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
        + f"Content-Length: {len(packed)}\r\n\r\n".encode()
        + packed
    )


@asynccontextmanager
async def api(
    *answers: Answer | None, token: str | None = None, token_file: str | None = None
) -> AsyncIterator[tuple[Server, KubernetesTarget]]:
    """A scripted API server on loopback and a target talking to it (no retries)."""
    server = Server(list(answers))
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    target = KubernetesTarget(
        ClusterConnection(
            server=f"http://127.0.0.1:{server.port}",
            namespace="team",
            token=token,
            token_file=token_file,
        ),
        backoff=Backoff(attempts=1),
        timeout=2.0,
    )
    try:
        yield server, target
    finally:
        await target.aclose()
        listener.close()


async def test_a_request_carries_its_head_query_and_body() -> None:
    async with api(discovery, discovery, sized(orjson.dumps(CONFIGMAP)), token="s3cret") as (
        server,
        target,
    ):
        applied = await target.apply(CONFIGMAP, dry_run=True)
    assert applied == CONFIGMAP
    head, body = server.requests[-1]
    lines = head.decode().split("\r\n")
    assert lines[0] == (
        "PATCH /api/v1/namespaces/team/configmaps/settings?fieldManager=trueup"
        "&fieldValidation=Strict&force=true&dryRun=All HTTP/1.1"
    )
    assert f"Host: 127.0.0.1:{server.port}" in lines
    assert "Authorization: Bearer s3cret" in lines
    assert "Content-Type: application/apply-patch+yaml" in lines
    assert f"User-Agent: trueup/{__version__}" in lines
    assert "Accept-Encoding: gzip" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert orjson.loads(body) == CONFIGMAP


async def test_query_values_that_need_it_are_percent_encoded() -> None:
    page = orjson.dumps({"kind": "ConfigMapList", "metadata": {"continue": "a=b/c+"}, "items": []})
    last = orjson.dumps({"kind": "ConfigMapList", "metadata": {}, "items": []})
    async with api(sized(page), sized(last)) as (server, target):
        await target.list(CONFIGMAPS, "team", label_selector="tier in (web,db),!canary")
    first = server.requests[0][0].split(b"\r\n")[0].decode()
    second = server.requests[1][0].split(b"\r\n")[0].decode()
    assert "labelSelector=tier%20in%20%28web%2Cdb%29%2C%21canary" in first
    assert "continue=a%3Db%2Fc%2B" in second


async def test_a_gzip_answer_is_decoded() -> None:
    async with api(discovery, discovery, gzipped(orjson.dumps(CONFIGMAP))) as (_server, target):
        assert await target.get(CONFIGMAP) == CONFIGMAP


async def test_a_rotated_token_file_is_read_again_after_a_401_and_both_answers_are_counted(
    tmp_path: Path,
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("old-token\n")
    heard: list[tuple[str, int]] = []

    def unauthorized(head: bytes, body: bytes) -> bytes:
        token_file.write_text("new-token\n")  # rotated while the request was in flight
        return status(401, "Unauthorized")(head, body)

    async with api(
        discovery,
        discovery,
        unauthorized,
        sized(orjson.dumps(CONFIGMAP)),
        token_file=str(token_file),
    ) as (server, target):
        target._on_response = lambda method, code: heard.append((method, code))
        assert await target.get(CONFIGMAP) == CONFIGMAP
    tokens = [
        line for head, _ in server.requests for line in head.split(b"\r\n") if b"Bearer" in line
    ]
    assert tokens == [
        b"Authorization: Bearer old-token",
        b"Authorization: Bearer old-token",
        b"Authorization: Bearer old-token",
        b"Authorization: Bearer new-token",
    ]
    assert heard == [("GET", 200), ("GET", 200), ("GET", 401), ("GET", 200)]


async def test_a_token_with_a_line_break_is_refused_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("abc\r\nX-Injected: yes")
    async with api(discovery, discovery, token_file=str(token_file)) as (server, target):
        with pytest.raises(ConfigError, match="line break"):
            await target.kinds()
    assert server.requests == []


async def test_a_server_that_does_not_answer_in_time_is_unavailable() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(5)
        writer.close()

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    connection = ClusterConnection(server=f"http://127.0.0.1:{port}")
    target = KubernetesTarget(connection, backoff=Backoff(attempts=1), timeout=0.1)
    try:
        with pytest.raises(TargetUnavailableError, match="did not answer in time"):
            await target.kinds()
    finally:
        await target.aclose()
        listener.close()


async def test_a_watch_streams_events_split_across_chunks_then_reuses_the_connection() -> None:
    added = orjson.dumps({"type": "ADDED", "object": CONFIGMAP})
    deleted = orjson.dumps({"type": "DELETED", "object": CONFIGMAP})
    stream = added + b"\n" + deleted + b"\n"
    async with api(
        chunked(stream[:7], stream[7 : len(added) + 3], stream[len(added) + 3 :]),
        sized(orjson.dumps({"kind": "ConfigMapList", "metadata": {}, "items": []})),
    ) as (server, target):
        events = [event async for event in target.watch(CONFIGMAPS, "team", timeout_seconds=5)]
        await target.list(CONFIGMAPS, "team")
    assert [(event.type, event.object) for event in events] == [
        (WatchEventType.ADDED, CONFIGMAP),
        (WatchEventType.DELETED, CONFIGMAP),
    ]
    assert server.connections == 1
    assert b"timeoutSeconds=5" in server.requests[0][0]


async def test_a_watch_answered_410_gone_is_expired() -> None:
    async with api(status(410, "Gone")) as (_server, target):
        with pytest.raises(WatchExpiredError):
            async for _event in target.watch(CONFIGMAPS, "team", resource_version="7"):
                pass


async def test_a_gzip_watch_is_decoded_as_it_arrives() -> None:
    packed = gzip.compress(orjson.dumps({"type": "ADDED", "object": CONFIGMAP}) + b"\n")
    middle = len(packed) // 2
    framed = b"".join(
        b"%x\r\n%s\r\n" % (len(part), part) for part in (packed[:middle], packed[middle:])
    )

    def answer(_head: bytes, _body: bytes) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
            + framed
            + b"0\r\n\r\n"
        )

    async with api(answer) as (_server, target):
        events = [event async for event in target.watch(CONFIGMAPS, "team")]
    assert [(event.type, event.object) for event in events] == [(WatchEventType.ADDED, CONFIGMAP)]

"""What one server-side apply costs the client, per HTTP stack, against a real API server.

Run it as ``.venv/bin/python -m benchmarks.client_stack [--objects 1000] [--kubeconfig FILE]``.
Without ``--kubeconfig`` it starts (and stops) a dev-cluster of its own. Each stack sends
trueup's protocol for ``--objects`` new ConfigMaps of about 600 bytes: a server-side apply
with ``dryRun=All`` of each, then the apply of each, ``--concurrency`` in flight. It prints
per stack the wall time, the client's CPU time (this process) and the API server's CPU time
(read from ``/proc`` when this module started the cluster), and the client's CPU per request.

The stacks:

- ``httpx-h2``: httpx over HTTP/2 the way the target used it before (``params`` merged into
  the base URL, the auth flow run per request; needs ``h2``, a dev dependency);
- ``httpx-h2-tuned``: the same transport, the request built once with its full URL and
  headers and sent without an auth flow;
- ``httpcore-h2`` / ``httpcore-h1``: httpcore's connection pool directly, without httpx;
- ``httpx-own-h1``: httpx over trueup's own HTTP/1.1 transport;
- ``own-h1``: that transport's httpx interface called directly, without httpx's client;
- ``target``: :class:`~trueup.targets.kubernetes.KubernetesTarget` itself, its ``apply``
  with ``dry_run`` then without: the request written from prepared header lines on that
  transport, the answer decoded, and the target's own work per object (what trueup sends);
- ``threads-http.client``: the standard library's blocking client in a pool of threads.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import http.client
import os
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpcore
import httpx
import orjson

from benchmarks.workload import configmap
from trueup.devcluster import DevCluster
from trueup.targets.kubernetes import KubernetesTarget
from trueup.targets.kubernetes.connection import ClusterConnection
from trueup.targets.kubernetes.http1 import Http1Transport
from trueup.targets.kubernetes.kubeconfig import load_kubeconfig

NAMESPACE = "client-stack"
QUERY = "fieldManager=bench&fieldValidation=Strict&force=true"
HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/apply-patch+yaml",
    "User-Agent": "trueup-bench",
}

Send = Callable[[str, bytes], Awaitable[int]]
"""Sends one PATCH to a path with its query and body; answers the status code."""

Stack = tuple[Send, Callable[[], Awaitable[None]]]
"""A send function and the close of what it sends through."""


def bodies(prefix: str, count: int) -> list[tuple[str, bytes]]:
    """(path, body) of ``count`` new ConfigMaps named after ``prefix``."""
    found = []
    for index in range(count):
        obj = configmap(index)
        name = f"{prefix}-{obj['metadata']['name']}"
        obj["metadata"] = {**obj["metadata"], "name": name, "namespace": NAMESPACE}
        found.append((f"/api/v1/namespaces/{NAMESPACE}/configmaps/{name}", orjson.dumps(obj)))
    return found


async def drive(send: Send, work: list[tuple[str, bytes]], concurrency: int) -> None:
    """Dry-run every object, then apply every object, ``concurrency`` requests at a time."""
    slots = asyncio.Semaphore(concurrency)

    async def one(target: str, body: bytes) -> None:
        async with slots:
            status = await send(target, body)
        if status != 200 and status != 201:
            raise RuntimeError(f"PATCH {target}: HTTP {status}")

    for query in (QUERY + "&dryRun=All", QUERY):
        await asyncio.gather(*(one(f"{path}?{query}", body) for path, body in work))


def httpx_stack(
    connection: ClusterConnection, concurrency: int, *, tuned: bool, own: bool
) -> Stack:
    """A send function over an httpx client, and its close."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=concurrency)
    context = connection.ssl_context()
    transport: httpx.AsyncBaseTransport = (
        Http1Transport(context, keepalive=concurrency)
        if own
        else httpx.AsyncHTTPTransport(verify=context, http2=True, limits=limits, trust_env=False)
    )
    client = httpx.AsyncClient(
        base_url=connection.server,
        auth=None if tuned else connection.auth(),
        headers={"Accept": "application/json", "User-Agent": "trueup-bench"},
        transport=transport,
        trust_env=False,
    )

    async def send(target: str, body: bytes) -> int:
        if tuned:
            request = httpx.Request(
                "PATCH", connection.server + target, headers=HEADERS, content=body
            )
            response = await client.send(request)
        else:
            path, _, query = target.partition("?")
            params = dict(item.split("=") for item in query.split("&"))
            response = await client.request(
                "PATCH",
                path,
                params=params,
                content=body,
                headers={"Content-Type": "application/apply-patch+yaml"},
            )
        return response.status_code

    return send, client.aclose


def own_stack(connection: ClusterConnection, concurrency: int) -> Stack:
    """A send function over :class:`Http1Transport` without httpx's client."""
    transport = Http1Transport(connection.ssl_context(), keepalive=concurrency)

    async def send(target: str, body: bytes) -> int:
        request = httpx.Request("PATCH", connection.server + target, headers=HEADERS, content=body)
        response = await transport.handle_async_request(request)
        await response.aread()
        return response.status_code

    return send, transport.aclose


async def run_target(connection: ClusterConnection, work: list[tuple[str, bytes]], c: int) -> None:
    """The same objects applied through the Kubernetes target, as trueup applies them."""
    objects = [orjson.loads(body) for _path, body in work]
    slots = asyncio.Semaphore(c)
    async with KubernetesTarget(connection, concurrency=c, field_manager="bench") as target:
        await target.resolve("v1", "ConfigMap")  # discovery, outside the measured requests

        async def one(obj: dict[str, object], dry_run: bool) -> None:
            async with slots:
                await target.apply(obj, dry_run=dry_run)

        for dry_run in (True, False):
            await asyncio.gather(*(one(obj, dry_run) for obj in objects))


def httpcore_stack(connection: ClusterConnection, concurrency: int, *, http2: bool) -> Stack:
    """A send function over httpcore's pool without httpx."""
    pool = httpcore.AsyncConnectionPool(
        ssl_context=connection.ssl_context(),
        http1=not http2,
        http2=http2,
        max_connections=concurrency,
    )
    headers = [(k.encode(), v.encode()) for k, v in HEADERS.items()]

    async def send(target: str, body: bytes) -> int:
        response = await pool.request(
            "PATCH", connection.server + target, headers=headers, content=body
        )
        return response.status

    return send, pool.aclose


async def run_async(
    make: Callable[[], Stack],
    work: list[tuple[str, bytes]],
    concurrency: int,
) -> None:
    send, close = make()
    try:
        await drive(send, work, concurrency)
    finally:
        await close()


def run_threads(
    connection: ClusterConnection, work: list[tuple[str, bytes]], concurrency: int
) -> None:
    """The same requests with ``http.client`` in ``concurrency`` threads, a connection each."""
    url = urlsplit(connection.server)
    context = connection.ssl_context()
    local = threading.local()

    def one(target: str, body: bytes) -> None:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPSConnection(
                url.hostname or "", url.port, context=context
            )
        local.connection.request("PATCH", target, body=body, headers=HEADERS)
        response = local.connection.getresponse()
        response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"PATCH {target}: HTTP {response.status}")

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for query in (QUERY + "&dryRun=All", QUERY):
            targets = [f"{path}?{query}" for path, _body in work]
            list(pool.map(one, targets, [body for _path, body in work]))


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of process ``pid`` so far, 0 when unknown."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--kubeconfig", type=Path, help="Use this cluster instead of a new one.")
    parser.add_argument("--only", action="append", help="Run only this stack (repeatable).")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trueup-stack-") as tmp:
        cluster = None if args.kubeconfig else DevCluster(Path(tmp) / "cluster")
        try:
            apiserver = None
            if cluster is not None:
                state = cluster.up(lambda message: print(f"• {message}"))
                apiserver = next(p.pid for p in state.processes if p.name == "kube-apiserver")
            kubeconfig = args.kubeconfig if cluster is None else cluster.kubeconfig
            measure(load_kubeconfig(str(kubeconfig)), args, apiserver)
        finally:
            if cluster is not None:
                cluster.down(lambda message: None)


def measure(connection: ClusterConnection, args: argparse.Namespace, apiserver: int | None) -> None:
    """Run every stack and print one table row each."""
    c = args.concurrency
    stacks: dict[str, Callable[[list[tuple[str, bytes]]], None]] = {
        "httpx-h2": lambda w: asyncio.run(
            run_async(lambda: httpx_stack(connection, c, tuned=False, own=False), w, c)
        ),
        "httpx-h2-tuned": lambda w: asyncio.run(
            run_async(lambda: httpx_stack(connection, c, tuned=True, own=False), w, c)
        ),
        "httpcore-h2": lambda w: asyncio.run(
            run_async(lambda: httpcore_stack(connection, c, http2=True), w, c)
        ),
        "httpcore-h1": lambda w: asyncio.run(
            run_async(lambda: httpcore_stack(connection, c, http2=False), w, c)
        ),
        "httpx-own-h1": lambda w: asyncio.run(
            run_async(lambda: httpx_stack(connection, c, tuned=True, own=True), w, c)
        ),
        "own-h1": lambda w: asyncio.run(run_async(lambda: own_stack(connection, c), w, c)),
        "threads-http.client": lambda w: run_threads(connection, w, c),
        "target": lambda w: asyncio.run(run_target(connection, w, c)),
    }
    namespace = orjson.dumps(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    )
    with httpx.Client(verify=connection.ssl_context()) as client:
        client.patch(
            f"{connection.server}/api/v1/namespaces/{NAMESPACE}?fieldManager=bench",
            content=namespace,
            headers=HEADERS,
        ).raise_for_status()
    requests = 2 * args.objects
    print(
        f"\n{requests} server-side applies ({args.objects} dry-runs, then {args.objects} applies), "
        f"{c} in flight"
    )
    print(
        f"{'stack':<22}{'wall s':>8}{'client CPU s':>14}{'CPU ms/req':>12}{'API server CPU s':>18}"
    )
    for round_, (name, run) in enumerate(stacks.items()):
        if args.only and name not in args.only:
            continue
        work = bodies(f"r{round_}", args.objects)
        cpu, server, wall = time.process_time(), process_cpu(apiserver), time.perf_counter()
        run(work)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        server = process_cpu(apiserver) - server
        print(f"{name:<22}{wall:>8.2f}{cpu:>14.2f}{1000 * cpu / requests:>12.2f}{server:>18.2f}")


if __name__ == "__main__":
    main()

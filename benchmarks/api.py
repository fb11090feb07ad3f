"""The daemon's HTTP API under load: ``GET /api/apps`` latency, reconciles while clients
poll, and the event stream's fan-out.

Run it as ``.venv/bin/python -m benchmarks.api [--apps 1000] [--repos 10] [--pollers 20]
[--window 60] [--subscribers 100] [--output docs/benchmarks.md]``. It starts a dev-cluster
of its own and the fleet of :mod:`benchmarks.daemon` (four objects per App), every App with
a short ``interval`` so that the daemon always has reconciles queued: its reconcile
throughput is then its capacity. Once every App has been reconciled:

1. **reconciles alone**: the successful reconciles the daemon logs during ``--window``
   seconds with nobody calling the API;
2. **reconciles while clients poll**: the same window while ``--pollers`` clients each call
   ``GET /api/apps`` (the first page, 100 Apps) as fast as answers come; the latency of
   every call (p50, p95) and the throughput's ratio to the first window;
3. **event fan-out**: ``--subscribers`` clients follow ``GET /api/events`` while
   :data:`SYNCERS` clients ask for one App's sync after another (``POST
   /api/apps/{name}/sync``: each a reconcile that publishes its events); for each event
   the time from the moment the daemon stamped it until each subscriber had it (p50, p95),
   and whether every subscriber got every event of the window (those stamped from the
   moment all were connected, for ``--window`` seconds: each subscriber reads on until it
   has an event stamped after the end, or :data:`DRAIN` seconds more, so that an event
   still on its way when the window closed is not counted as missed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import orjson
import yaml

from benchmarks.daemon import Daemon, Fleet, percentile, wait_until
from benchmarks.report import machine_facts, write_section
from benchmarks.sync import trueup_command
from trueup.devcluster import DevCluster

BEGIN = "<!-- benchmarks.api: begin -->"
END = "<!-- benchmarks.api: end -->"
INTERVAL = "2s"
"""Every App's interval: shorter than one pass over 1,000 Apps takes, so reconciles never
stop (an interval that finds an App as Git says only compares: some 100 a second)."""
SYNCERS = 4
"""Clients asking for syncs during the fan-out window, each one after the other: the
events streamed (an interval that only compares publishes none)."""
PAGE = "/api/apps?limit=100"
DRAIN = 30.0
"""Seconds a subscriber reads on after the fan-out window for the window's last events
(and waits for a first event at most)."""


@dataclass
class Results:
    """What one run measured (see the module)."""

    apps: int
    pollers: int
    subscribers: int
    window_s: float
    alone_reconciles: int = 0
    polled_reconciles: int = 0
    api_latencies: list[float] = field(default_factory=list)
    stream_latencies: list[float] = field(default_factory=list)
    stream_events: int = 0
    stream_complete: int = 0
    """Subscribers that received every event of the fan-out window."""
    syncs: int = 0
    """Syncs asked for during the fan-out window (the events' source)."""


def fleet_config(fleet: Fleet) -> str:
    """The fleet's configuration with every App on :data:`INTERVAL`."""
    docs = list(yaml.safe_load_all(fleet.config()))
    for doc in docs:
        if doc.get("kind") == "App":
            doc["spec"]["interval"] = INTERVAL
    return yaml.safe_dump_all(docs, sort_keys=False)


def reconciles_during(daemon: Daemon, seconds: float) -> int:
    """Reconciles (applied or compared) the daemon ended during the next ``seconds``."""
    before = daemon.reconciles()
    time.sleep(seconds)
    return daemon.reconciles() - before


async def poll(url: str, until: float, latencies: list[float]) -> None:
    """Call ``GET /api/apps`` as fast as it answers until ``until``."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.monotonic() < until:
            began = time.perf_counter()
            response = await client.get(PAGE)
            response.raise_for_status()
            latencies.append(time.perf_counter() - began)


async def polled_window(url: str, pollers: int, seconds: float, results: Results) -> None:
    until = time.monotonic() + seconds
    await asyncio.gather(*(poll(url, until, results.api_latencies) for _ in range(pollers)))


async def follow(
    client: httpx.AsyncClient,
    ready: asyncio.Event,
    end: asyncio.Future[float],
    got: list[tuple[int, float, float]],
) -> None:
    """Follow ``/api/events``: each event's id, stamp and arrival (epoch s), until an event
    stamped after the window's ``end`` arrives (so that every event of the window had the
    time to come), or :data:`DRAIN` seconds after the end."""
    async with client.stream(
        "GET", "/api/events", headers={"Accept": "text/event-stream"}
    ) as response:
        response.raise_for_status()
        ready.set()
        lines = response.aiter_lines()
        while True:
            wait = DRAIN if not end.done() else end.result() + DRAIN - time.time()
            try:
                line = await asyncio.wait_for(anext(lines), max(wait, 0))
            except (TimeoutError, StopAsyncIteration):
                return
            if line.startswith("data:"):
                event = orjson.loads(line[5:])
                stamped = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
                got.append((int(event["id"]), stamped.timestamp(), time.time()))
                if end.done() and stamped.timestamp() >= end.result():
                    return


async def sync_apps(url: str, apps: int, until: float) -> int:
    """Ask for the sync of one App after another (:data:`SYNCERS` at once) until ``until``;
    how many were answered."""
    names = [f"app-{n:04d}" for n in range(apps)]
    turn = iter(range(1 << 62))
    answered = 0

    async def syncer(client: httpx.AsyncClient) -> None:
        nonlocal answered
        while time.time() < until:
            response = await client.post(f"/api/apps/{names[next(turn) % apps]}/sync", json={})
            response.raise_for_status()
            answered += 1

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        await asyncio.gather(*(syncer(client) for _ in range(SYNCERS)))
    return answered


async def fan_out(url: str, subscribers: int, seconds: float, results: Results, apps: int) -> None:
    """The window opens once every subscriber is connected (a hundred connections take
    seconds on a busy machine) and lasts ``seconds``, syncs asked all along; its events
    are those stamped in it."""
    readies = [asyncio.Event() for _ in range(subscribers)]
    gots: list[list[tuple[int, float, float]]] = [[] for _ in range(subscribers)]
    end: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    limits = httpx.Limits(max_connections=subscribers, max_keepalive_connections=0)
    timeout = httpx.Timeout(30, read=None)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        tasks = [
            asyncio.create_task(follow(client, readies[n], end, gots[n]))
            for n in range(subscribers)
        ]
        await asyncio.gather(*(ready.wait() for ready in readies))
        connected = time.time()
        results.syncs = await sync_apps(url, apps, connected + seconds)
        end.set_result(time.time())
        await asyncio.gather(*tasks)
    closed = end.result()
    window = [[e for e in got if connected <= e[1] < closed] for got in gots]
    every = {e[0] for got in window for e in got}
    results.stream_events = len(every)
    results.stream_complete = sum(1 for got in window if {e[0] for e in got} >= every)
    results.stream_latencies = [arrived - stamped for got in window for _, stamped, arrived in got]


def run(bench_dir: Path, fleet: Fleet, kubeconfig: Path, args: argparse.Namespace) -> Results:
    results = Results(fleet.apps, args.pollers, args.subscribers, args.window)
    fleet.make()
    for repo in range(fleet.repos):
        _kubectl(kubeconfig, "create", "namespace", fleet.namespace(repo))
    config = bench_dir / "trueup.yaml"
    config.write_text(fleet_config(fleet))
    argv = [
        *trueup_command(),
        f"--config={config}",
        f"--store={bench_dir / 'trueup.db'}",
        f"--kubeconfig={kubeconfig}",
        "serve",
        "--listen=127.0.0.1:0",
        "--log-format=json",
    ]
    env = {**os.environ, "TRUEUP_CACHE_DIR": str(bench_dir / "cache")}
    daemon = Daemon(argv, bench_dir / "serve.log", env)
    try:
        wait_until(lambda: len(daemon.synced) >= fleet.apps, 1800, "every app reconciled")
        _progress("every app reconciled; reconciles alone")
        results.alone_reconciles = reconciles_during(daemon, args.window)
        _progress(f"reconciles while {args.pollers} clients poll GET {PAGE}")
        before = daemon.reconciles()
        asyncio.run(polled_window(daemon.url, args.pollers, args.window, results))
        results.polled_reconciles = daemon.reconciles() - before
        _progress(f"event fan-out to {args.subscribers} subscribers")
        asyncio.run(fan_out(daemon.url, args.subscribers, args.window, results, fleet.apps))
    finally:
        daemon.stop()
    return results


def report(r: Results, facts: dict[str, str], command: str) -> str:
    ratio = r.polled_reconciles / r.alone_reconciles if r.alone_reconciles else 0.0
    per_min = 60 / r.window_s
    lines = [BEGIN, "", f"Command: `{command}`", ""]
    lines += [f"- {name}: {value}" for name, value in facts.items()]
    lines += [
        "",
        f"**{r.apps:,} Apps of four objects, each on a {INTERVAL} interval so that reconciles "
        f"never stop; windows of {r.window_s:.0f} s**",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| reconciles per minute, nobody calling the API | {r.alone_reconciles * per_min:,.0f} |",
        f"| reconciles per minute, {r.pollers} clients polling `GET {PAGE}` "
        f"| {r.polled_reconciles * per_min:,.0f} ({ratio:.2f}x) |",
        f"| `GET {PAGE}` calls answered | {len(r.api_latencies):,} |",
        f"| `GET {PAGE}` p50 / p95 | {percentile(r.api_latencies, 0.5) * 1000:.0f} ms / "
        f"{percentile(r.api_latencies, 0.95) * 1000:.0f} ms |",
        f"| syncs asked through `POST /api/apps/{{name}}/sync` by {SYNCERS} clients meanwhile "
        f"| {r.syncs:,} |",
        f"| events streamed to {r.subscribers} subscribers of `/api/events` "
        f"| {r.stream_events:,} ({r.stream_complete} subscribers got every one) |",
        f"| event stamped to delivered, p50 / p95 | "
        f"{_ms(r.stream_latencies, 0.5)} / {_ms(r.stream_latencies, 0.95)} |",
        "",
        END,
    ]
    return "\n".join(lines)


def _ms(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1000:.0f} ms" if values else "-"


def _kubectl(kubeconfig: Path, *args: str) -> None:
    subprocess.run(
        ["kubectl", f"--kubeconfig={kubeconfig}", *args], check=True, capture_output=True
    )


def _progress(message: str) -> None:
    print(f"• {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run on a dev-cluster of its own, print and write the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api", description=__doc__)
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--repos", type=int, default=10)
    parser.add_argument("--pollers", type=int, default=20)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--output", type=Path, help="Markdown file to write the results into.")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="trueup-bench-api-"))
    cluster = DevCluster(workdir / "cluster")
    fleet = Fleet(workdir / "repos", args.apps, args.repos)
    fleet.root.mkdir(parents=True)
    try:
        cluster.up(_progress, nodes=max(3, -(-2 * args.apps // 200)))
        facts = machine_facts(cluster.kubeconfig)
        results = run(workdir, fleet, cluster.kubeconfig, args)
    finally:
        cluster.down(_progress)
        shutil.rmtree(workdir, ignore_errors=True)
    command = "python -m benchmarks.api " + " ".join(argv or sys.argv[1:])
    text = report(results, facts, command.strip())
    print(text)
    if args.output:
        write_section(args.output, text, begin=BEGIN, end=END)
        _progress(f"wrote {args.output}")


if __name__ == "__main__":
    main()

"""A Receiver of ``type: registry``: the real registry's push notification makes the
daemon scan the ImageRepository at once, without waiting for its interval."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.integration.registry.conftest import unique_repository
from tests.servers.registry import free_port, running_registry
from tests.servers.registry_images import Pusher
from tests.unit.daemon.test_daemon import Half, until
from tests.unit.engine.harness import Harness, configmap, namespace
from trueup.config import load_config
from trueup.daemon.backoff import Backoff
from trueup.daemon.clock import ManualClock
from trueup.daemon.daemon import Daemon, DaemonOptions
from trueup.daemon.events import Event, EventBus, Kind
from trueup.daemon.metrics import Metrics
from trueup.daemon.routes import hook_routes
from trueup.source import MemorySource

pytestmark = pytest.mark.anyio

TOKEN = "registry-notify-token-3a9c"


def notifications(port: int) -> str:
    return (
        "notifications:\n  endpoints:\n    - name: trueup\n"
        f"      url: http://127.0.0.1:{port}/hooks/registry\n"
        f"      headers:\n        Authorization: [Bearer {TOKEN}]\n"
        "      timeout: 2s\n      threshold: 3\n      backoff: 1s\n"
    )


async def test_a_push_notification_makes_the_repository_scan_at_once(tmp_path: Path) -> None:
    harness = Harness(root=tmp_path, source=MemorySource(tmp_path / "checkouts"))
    harness.target.put(namespace("shop"))
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("web")})
    registry_port, name = free_port(), unique_repository()
    path = harness.config_file()
    docs = [*yaml.safe_load_all(path.read_text())]
    docs += [
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "ImageRepository",
         "metadata": {"name": "app"},
         "spec": {"image": f"127.0.0.1:{registry_port}/{name}", "insecure": True,
                  "interval": "24h", "timeout": "2s"}},
        {"apiVersion": "trueup.dev/v1alpha1", "kind": "Receiver",
         "metadata": {"name": "registry"},
         "spec": {"type": "registry", "secretRef": {"name": "hook"},
                  "imageRepositories": ["app"]}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hook"},
         "stringData": {"token": TOKEN}},
    ]  # fmt: skip
    path.write_text(yaml.safe_dump_all(docs))
    bus, events = EventBus(), list[Event]()
    bus.listen(events.append)
    daemon = Daemon(
        lambda: load_config(path),
        harness.store,
        harness.source,
        harness.targets,
        options=DaemonOptions(concurrency=1, grace_period=5, watch_period=1),
        bus=bus,
        metrics=Metrics(),
        clock=ManualClock(),  # time stands still: only the notification can scan again
        rand=Half(),
        backoff=Backoff(base=3600, cap=3600),
        fingerprint=lambda: path.read_text(),
    )
    app = web.Application()
    app.add_routes(hook_routes(daemon))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    task = asyncio.create_task(daemon.run())
    try:
        await until(
            lambda: any(e.kind is Kind.IMAGE_SCAN_FAILED for e in events),
            "the first scan, before the registry runs",
        )
        home = tmp_path / "registry"
        home.mkdir()
        with running_registry(
            home, port=registry_port, notifications=notifications(server.port or 0)
        ) as host:
            await asyncio.to_thread(Pusher(f"http://{host}").image, name, "1.0.0")
            await until(
                lambda: any(
                    e.kind is Kind.IMAGE_SCANNED and e.fields.get("tags") == 1 for e in events
                ),
                "a scan woken by the registry's notification",
            )
    finally:
        daemon.stop()
        await asyncio.wait_for(task, 10)
        await server.close()

    hooks = [e for e in events if e.kind is Kind.HOOK and e.fields.get("refreshed")]
    assert hooks, [e.message for e in events if e.kind is Kind.HOOK]
    assert hooks[0].fields["refreshed"] == "ImageRepository/app"
    assert f"push to {name} accepted" in hooks[0].message
    scan = await harness.store.image_scan("app")
    assert scan is not None
    assert (scan.tags, scan.error) == (("1.0.0",), "")

"""The daemon scans ImageRepositories of the real registry, records the tags, reports
events, and serves them at ``GET /api/images``; a failed scan keeps the last good tags."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.integration.registry.conftest import Configure, unique_repository
from tests.servers.registry_images import ImageRegistry, RegistryFront
from tests.unit.daemon.test_daemon import Half, until
from tests.unit.engine.harness import Harness, configmap, namespace
from trueup.api.server import Api
from trueup.cli.serve import api_views
from trueup.config import load_config
from trueup.daemon.backoff import Backoff
from trueup.daemon.clock import ManualClock
from trueup.daemon.daemon import Daemon, DaemonOptions
from trueup.daemon.events import Event, EventBus, Kind, Level
from trueup.daemon.images import scan_and_record
from trueup.daemon.metrics import Metrics
from trueup.source import MemorySource
from trueup.store import MemoryStore

pytestmark = pytest.mark.anyio


async def test_a_failed_scan_records_its_error_and_keeps_the_last_good_tags(
    image_registry: ImageRegistry, plain_front: RegistryFront, configure: Configure
) -> None:
    name = unique_repository()
    image_registry.pusher.image(name, "1.0.0")
    config, repo = configure(f"{plain_front.host}/{name}", timeout="1s")
    store = MemoryStore()

    good, changed, _ = await scan_and_record(repo, config, store)
    assert (good.tags, good.error, changed) == (("1.0.0",), "", True)
    again, changed_again, _ = await scan_and_record(repo, config, store)
    assert changed_again is False

    plain_front.behaviour.fault = "html502"
    failed, changed, temporary = await scan_and_record(repo, config, store)

    assert (changed, temporary) == (False, True)
    assert "answered 502 (an HTML error page)" in failed.error
    recorded = await store.image_scan("app")
    assert recorded is not None
    assert recorded.tags == ("1.0.0",)
    assert recorded.tags_at == again.tags_at, "when the kept tags were read"
    assert recorded.scanned_at > again.scanned_at


async def test_a_tag_pushed_again_with_another_image_is_a_change_when_digests_are_read(
    image_registry: ImageRegistry, plain_front: RegistryFront, configure: Configure
) -> None:
    name = unique_repository()
    image_registry.pusher.image(name, "1.0.0", arch="amd64")
    config, repo = configure(f"{plain_front.host}/{name}")
    store = MemoryStore()
    first, changed, _ = await scan_and_record(repo, config, store, digests_of=["1.0.0"])
    assert changed is True
    _, same, _ = await scan_and_record(repo, config, store, digests_of=["1.0.0"])
    assert same is False

    image_registry.pusher.image(name, "1.0.0", arch="arm64")  # the same tag, a new image
    moved, changed, _ = await scan_and_record(repo, config, store, digests_of=["1.0.0"])

    assert moved.tags == first.tags
    assert moved.digests["1.0.0"] != first.digests["1.0.0"]
    assert changed is True


@dataclass
class Served:
    daemon: Daemon
    clock: ManualClock
    url: str
    config_path: Path
    events: list[Event] = field(default_factory=list)

    def of(self, kind: Kind) -> list[Event]:
        return [e for e in self.events if e.kind is kind]


def image_repository_doc(image: str) -> dict[str, object]:
    return {
        "apiVersion": "trueup.dev/v1alpha1",
        "kind": "ImageRepository",
        "metadata": {"name": "app"},
        "spec": {"image": image, "insecure": True, "interval": "1m", "timeout": "2s"},
    }


@pytest.fixture
async def served(tmp_path: Path, plain_front: RegistryFront) -> AsyncIterator[Served]:
    harness = Harness(root=tmp_path, source=MemorySource(tmp_path / "checkouts"))
    harness.target.put(namespace("shop"))
    harness.app("web", namespace="shop")
    harness.commit({"web/cm.yaml": configmap("web")})
    path = harness.config_file()
    docs = [*yaml.safe_load_all(path.read_text())]
    docs.append(image_repository_doc(f"{plain_front.host}/{unique_repository()}"))
    path.write_text(yaml.safe_dump_all(docs))
    clock, bus = ManualClock(), EventBus()
    daemon = Daemon(
        lambda: load_config(path),
        harness.store,
        harness.source,
        harness.targets,
        options=DaemonOptions(concurrency=1, grace_period=5, watch_period=1),
        bus=bus,
        metrics=Metrics(),
        clock=clock,
        rand=Half(),
        backoff=Backoff(base=1, cap=300),
        fingerprint=lambda: path.read_text(),
    )
    served_events: list[Event] = []
    bus.listen(served_events.append)
    app = web.Application()
    app.add_routes(Api(daemon, api_views()).routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    task = asyncio.create_task(daemon.run())
    try:
        yield Served(daemon, clock, str(server.make_url("")), path, served_events)
    finally:
        daemon.stop()
        await asyncio.wait_for(task, 10)
        await server.close()


async def get_images(served: Served) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        answer = await client.get("/api/images")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


async def test_the_daemon_scans_reports_and_serves_the_tags(
    served: Served, image_registry: ImageRegistry, plain_front: RegistryFront
) -> None:
    image = served.daemon.config.image_repositories[0].spec.image
    name = image.split("/", 1)[1]
    image_registry.pusher.image(name, "1.0.0")
    served.daemon.images.refresh("app")
    await until(
        lambda: any(e.fields.get("tags") == 1 for e in served.of(Kind.IMAGE_SCANNED)),
        "a scan that found 1.0.0",
    )

    [item] = await get_images(served)
    assert item["repository"] == "app"
    assert item["image"] == image
    assert (item["tags"], item["latest"], item["error"]) == (1, ["1.0.0"], "")
    assert item["lastScan"] is not None

    image_registry.pusher.image(name, "1.1.0")
    served.daemon.images.refresh("app")
    await until(
        lambda: any(e.fields.get("tags") == 2 for e in served.of(Kind.IMAGE_SCANNED)),
        "a scan that found 1.1.0",
    )
    [item] = await get_images(served)
    assert item["latest"] == ["1.1.0", "1.0.0"]

    plain_front.behaviour.fault = "500"
    served.daemon.images.refresh("app")
    await until(lambda: bool(served.of(Kind.IMAGE_SCAN_FAILED)), "a failed scan")

    [failed] = served.of(Kind.IMAGE_SCAN_FAILED)
    assert failed.level is Level.WARNING
    assert "answered 500 (UNKNOWN: disk full)" in failed.message
    assert failed.objects == ("ImageRepository/app",)
    [item] = await get_images(served)
    assert item["tags"] == 2, "the last good tags stay"
    assert "answered 500" in str(item["error"])


async def test_the_openapi_document_describes_the_images_route(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        document = (await client.get("/api/openapi.json")).json()
    operation = document["paths"]["/api/images"]["get"]
    assert operation["operationId"] == "list_images"
    assert "ImageState" in document["components"]["schemas"]

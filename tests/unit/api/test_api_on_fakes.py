"""The API served by a daemon running on the in-package fakes (Git, cluster, store).

Each test is a client of ``/api/``: with an operator's token, a viewer's limited to
``web*`` Apps, and none. A canary value in a Secret of the App's manifests and the tokens
themselves are searched for in every answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.unit.daemon.test_daemon import Half, until
from tests.unit.engine.harness import Harness, configmap, namespace
from trueup.api.server import Api
from trueup.cli.serve import api_views
from trueup.config import load_config
from trueup.daemon.backoff import Backoff
from trueup.daemon.clock import ManualClock
from trueup.daemon.daemon import Daemon, DaemonOptions
from trueup.daemon.events import EventBus, Kind
from trueup.daemon.feed import EventFeed
from trueup.daemon.metrics import Metrics
from trueup.daemon.recording import EventRecorder, Retention
from trueup.source import MemorySource

pytestmark = pytest.mark.anyio

CANARY = "canary-7d1f0c9e-secret-value"
VIEWER = "viewer-token-5b2c8a1d9e"
OPERATOR = "operator-token-4f6a0b3c7d"


def secret(name: str, value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "shop"},
        "stringData": {"password": value},
    }


def token_docs(name: str, role: str, value: str, apps: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "ApiToken",
            "metadata": {"name": name},
            "spec": {"role": role, "secretRef": {"name": name}, "apps": apps},
        },
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
         "stringData": {"token": value}},
    ]  # fmt: skip


@dataclass
class Served:
    harness: Harness
    daemon: Daemon
    url: str
    answers: list[str]

    async def call(
        self, method: str, path: str, token: str | None, body: Any = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.request(method, path, headers=headers, json=body)
        self.answers.append(response.text)
        return response


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    harness = Harness(root=tmp_path, source=MemorySource(tmp_path / "checkouts"))
    harness.target.put(namespace("shop"))
    harness.app("web", namespace="shop")
    harness.app("web-manual", namespace="shop", autoSync=False)
    harness.app("api", namespace="shop")
    harness.commit(
        {
            "web/all.yaml": [configmap("web"), secret("web-db", CANARY)],
            "web-manual/all.yaml": [secret("manual-db", CANARY)],
            "api/cm.yaml": configmap("api"),
        }
    )
    path = harness.config_file()
    docs = [*yaml.safe_load_all(path.read_text())]
    docs += token_docs("ci", "viewer", VIEWER, ["web*"]) + token_docs(
        "ops", "operator", OPERATOR, ["*"]
    )
    path.write_text(yaml.safe_dump_all(docs))
    bus = EventBus()
    events: list[Kind] = []
    bus.listen(lambda e: events.append(e.kind))
    feed = EventFeed(harness.store)
    recorder = EventRecorder(harness.store, feed, report=bus.publish, retention=Retention())
    bus.listen(recorder.offer)
    daemon = Daemon(
        lambda: load_config(path),
        harness.store,
        harness.source,
        harness.targets,
        options=DaemonOptions(concurrency=2, grace_period=5, watch_period=1),
        bus=bus,
        metrics=Metrics(),
        clock=ManualClock(),
        rand=Half(),
        backoff=Backoff(base=1, cap=300),
        fingerprint=lambda: path.read_text(),
        feed=feed,
    )
    app = web.Application()
    app.add_routes(Api(daemon, api_views()).routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    task = asyncio.create_task(daemon.run())
    recording = asyncio.create_task(recorder.run())
    try:
        await until(lambda: events.count(Kind.RECONCILED) >= 2, "web and api reconciled")
        yield Served(harness, daemon, str(server.make_url("")), [])
    finally:
        daemon.stop()
        await asyncio.wait_for(task, 10)
        recording.cancel()
        feed.close()
        await server.close()


READS = [
    "/api/apps",
    "/api/apps/web",
    "/api/apps/web/tree",
    "/api/apps/web/diff",
    "/api/apps/web-manual/diff",
    "/api/apps/web/history",
    "/api/apps/web/events",
    "/api/sources",
]
ACTIONS = ["/api/apps/web/sync", "/api/apps/web/suspend", "/api/apps/web/resume"]


async def test_every_endpoint_needs_a_token_once_apitokens_exist(served: Served) -> None:
    for path in [*READS, "/api/events"]:
        answer = await served.call("GET", path, None)
        assert answer.status_code == 401, path
        assert answer.json()["error"]["code"] == "unauthorized"
    for path in [*ACTIONS, "/api/sources/-/shop/refresh"]:
        assert (await served.call("POST", path, None)).status_code == 401, path
        assert (await served.call("POST", path, "not-a-token-at-all")).status_code == 401
    assert (await served.call("GET", "/api/openapi.json", None)).status_code == 200


async def test_viewers_read_and_operators_act(served: Served) -> None:
    for path in READS:
        for token in (VIEWER, OPERATOR):
            answer = await served.call("GET", path, token)
            assert answer.status_code == 200, (path, answer.text)
    for path in ACTIONS:
        answer = await served.call("POST", path, VIEWER)
        assert answer.status_code == 403, path
        assert answer.json()["error"]["code"] == "forbidden"
    assert (await served.call("POST", "/api/sources/-/shop/refresh", VIEWER)).status_code == 403
    assert (await served.call("POST", "/api/sources/-/shop/refresh", OPERATOR)).status_code == 202


async def test_an_app_outside_the_tokens_globs_is_the_same_404_as_a_missing_one(
    served: Served,
) -> None:
    hidden = await served.call("GET", "/api/apps/api", VIEWER)
    missing = await served.call("GET", "/api/apps/nope", VIEWER)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"].replace("api", "X") == missing.json()["error"][
        "message"
    ].replace("nope", "X")
    assert (await served.call("GET", "/api/apps/api", OPERATOR)).status_code == 200
    listed = (await served.call("GET", "/api/apps", VIEWER)).json()
    assert [item["app"] for item in listed["items"]] == ["web", "web-manual"]


async def test_the_app_list_filters_and_pages(served: Served) -> None:
    first = (await served.call("GET", "/api/apps?limit=2", OPERATOR)).json()
    assert [i["app"] for i in first["items"]] == ["api", "web"]
    rest = await served.call("GET", f"/api/apps?limit=2&continue={first['continue']}", OPERATOR)
    assert [i["app"] for i in rest.json()["items"]] == ["web-manual"]
    assert rest.json()["continue"] is None
    named = (await served.call("GET", "/api/apps?name=web*", OPERATOR)).json()
    assert [i["app"] for i in named["items"]] == ["web", "web-manual"]
    synced = (await served.call("GET", "/api/apps?status=Synced", OPERATOR)).json()
    assert {i["app"] for i in synced["items"]} == {"api", "web"}
    web_app = next(i for i in first["items"] if i["app"] == "web")
    assert web_app["health"]
    assert web_app["revision"].startswith("main@sha1:")
    assert web_app["source"] == "shop"
    assert web_app["suspended"] is False


async def test_one_app_shows_its_objects_with_health_and_sync(served: Served) -> None:
    detail = (await served.call("GET", "/api/apps/web", VIEWER)).json()
    objects = {o["object"]: o for o in detail["objects"]}
    assert set(objects) == {"ConfigMap/shop/web", "Secret/shop/web-db"}
    assert {o["sync"] for o in objects.values()} <= {"Synced", "Unknown"}
    assert detail["spec"]["source"] == "shop"
    assert [i["object"] for i in detail["inventory"]] == sorted(objects)


async def test_the_diff_shows_what_would_change_with_secret_values_masked(served: Served) -> None:
    diff = (await served.call("GET", "/api/apps/web-manual/diff", VIEWER)).json()
    assert diff["failure"] is None
    assert [(e["object"], e["action"]) for e in diff["entries"]] == [
        ("Secret/shop/manual-db", "create")
    ]


async def test_a_sync_through_the_api_is_recorded_as_the_tokens(served: Served) -> None:
    answer = await served.call("POST", "/api/apps/web-manual/sync", OPERATOR, {"dryRun": False})
    assert answer.status_code == 200, answer.text
    assert answer.json()["error"] == ""
    history = (await served.call("GET", "/api/apps/web-manual/history", OPERATOR)).json()
    assert history["items"][0]["trigger"] == "api:ops"
    assert served.harness.live("Secret", "shop", "manual-db") is not None
    refused = await served.call("POST", "/api/apps/web/sync", OPERATOR, {"object": "x"})
    assert refused.status_code == 400
    assert "unknown field 'object'" in refused.text


async def test_suspend_and_resume_through_the_api(served: Served) -> None:
    held = await served.call("POST", "/api/apps/web/suspend", OPERATOR, {"reason": "freeze"})
    assert held.json() == {**held.json(), "suspended": True, "by": "api:ops", "reason": "freeze"}
    listed = (await served.call("GET", "/api/apps?name=web", VIEWER)).json()["items"]
    assert listed[0]["suspended"] is True
    assert listed[0]["sync"] == "Suspended"
    resumed = (await served.call("POST", "/api/apps/web/resume", OPERATOR)).json()
    assert resumed == {"app": "web", "suspended": False, "resumed": True, "unpinned": False}
    again = (await served.call("POST", "/api/apps/web/resume", OPERATOR)).json()
    assert again["resumed"] is False


async def test_no_answer_holds_a_secret_value_or_a_token(served: Served) -> None:
    for path in READS:
        for token in (VIEWER, OPERATOR):
            await served.call("GET", path, token)
    await served.call("POST", "/api/apps/web-manual/sync", OPERATOR, {"dryRun": True})
    await served.call("POST", "/api/apps/web/sync", OPERATOR)
    stored = await served.daemon.store.events(newest_first=False, limit=1000)
    await read_events(served, "/api/events", OPERATOR, len(stored), {"Last-Event-ID": "0"})
    assert len(served.answers) > 2 * len(READS)
    for answer in served.answers:
        for value in (CANARY, VIEWER, OPERATOR):
            assert value not in answer


async def read_events(
    served: Served, path: str, token: str, count: int, headers: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """The first ``count`` events of the stream at ``path`` (each as its fields)."""
    found: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    async with (
        httpx.AsyncClient(base_url=served.url, timeout=30) as client,
        client.stream(
            "GET", path, headers={"Authorization": f"Bearer {token}", **(headers or {})}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            served.answers.append(line)
            if line.startswith(":"):
                continue
            if line:
                key, _, value = line.partition(": ")
                fields[key] = value
                continue
            if fields:
                found.append(fields)
                fields = {}
            if len(found) == count:
                return found
    raise AssertionError(f"the stream ended after {found}")


async def test_the_event_stream_replays_after_last_event_id_then_follows_live(
    served: Served,
) -> None:
    await until(lambda: bool(served.harness.store._events), "the first events recorded")
    stored = await served.daemon.store.events(app="web", newest_first=False)
    first = stored[0].id
    assert first is not None
    replayed = await read_events(
        served, "/api/events?app=web", VIEWER, 1, {"Last-Event-ID": str(first - 1)}
    )
    assert replayed[0]["id"] == str(first)
    live = asyncio.create_task(read_events(served, "/api/events?app=web", VIEWER, 1))
    await until(lambda: served.daemon.feed.subscribers > 0, "the stream subscribed")
    await served.call("POST", "/api/apps/web/sync", OPERATOR)
    (event,) = await asyncio.wait_for(live, 30)
    assert event["event"] == "reconcile.succeeded"
    assert int(event["id"]) > first
    assert '"app":"web"' in event["data"]


async def test_the_event_stream_leaves_out_apps_the_token_may_not_see(served: Served) -> None:
    hidden = await served.call("GET", "/api/events?app=api", VIEWER)
    assert hidden.status_code == 404
    recorded = served.harness.store._events
    await until(lambda: any(e.app == "api" for e in recorded), "an event of App api recorded")
    stored = await served.daemon.store.events(newest_first=False, limit=1000)
    assert any(e.app is None for e in stored)
    visible = [str(e.id) for e in stored if e.app is not None and e.app.startswith("web")]
    events = await read_events(served, "/api/events", VIEWER, len(visible), {"Last-Event-ID": "0"})
    assert [e["id"] for e in events] == visible


async def test_an_unknown_api_path_is_a_json_not_found(served: Served) -> None:
    for method, path in [("GET", "/api/nothing"), ("POST", "/api/apps/web/explode")]:
        answer = await served.call(method, path, VIEWER)
        assert answer.status_code == 404, path
        assert answer.json()["error"]["code"] == "not_found"
    assert (await served.call("GET", "/api/apps", VIEWER)).status_code == 200

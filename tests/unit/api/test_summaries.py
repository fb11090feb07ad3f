"""The App summaries the API keeps ready: what a client reads after an event is what the
event says, one build serves every request waiting, nothing is read again while nothing
changed, Apps removed from the configuration are listed as status lists them, and a
stream ends once the configuration no longer has its token."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import yaml

from tests.unit.api.test_api_on_fakes import OPERATOR, VIEWER, Served
from tests.unit.api.test_api_on_fakes import served as served_fixture  # noqa: F401 (a fixture)
from tests.unit.daemon.test_daemon import until
from trueup.daemon.events import Event, Kind

pytestmark = pytest.mark.anyio


@pytest.fixture
def api(served_fixture: Served) -> Served:  # noqa: F811 (the fixture imported above)
    """The daemon of the fakes with the API on a local listener."""
    return served_fixture


def counting(api: Served, method: str) -> list[int]:
    """Count the calls of the store's ``method`` from now on (one entry per call)."""
    store = api.daemon.store
    original: Callable[..., Awaitable[Any]] = getattr(store, method)
    calls: list[int] = []

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await original(*args, **kwargs)

    setattr(store, method, counted)
    return calls


async def listed(api: Served, query: str = "", token: str = OPERATOR) -> dict[str, Any]:
    answer = await api.call("GET", f"/api/apps{query}", token)
    assert answer.status_code == 200, answer.text
    return {item["app"]: item for item in answer.json()["items"]}


async def test_after_an_event_the_list_shows_what_the_event_says(api: Served) -> None:
    before = await listed(api)
    assert before["api"]["sync"] == "Synced"
    # A suspension written to the store by another process: the daemon's next look
    # reports it as an event, and the list says so from then on.
    await api.daemon.store.suspend("api", by="cli:alice", at=datetime.now(UTC), reason="x")
    seen: list[Event] = []
    api.daemon.bus.listen(seen.append)
    api.daemon.reload()
    await until(lambda: any(e.kind is Kind.SUSPENDED for e in seen), "the suspension reported")
    after = await listed(api)
    assert after["api"]["sync"] == "Suspended"
    assert "suspended by cli:alice" in after["api"]["error"]


async def test_a_sync_through_the_api_shows_in_the_list_at_once(api: Served) -> None:
    before = (await listed(api))["web-manual"]
    assert before["lastSync"] == "never"
    synced = await api.call("POST", "/api/apps/web-manual/sync", OPERATOR, {"dryRun": False})
    assert synced.status_code == 200, synced.text
    after = (await listed(api))["web-manual"]
    assert after["lastSync"] != "never"
    assert after["revision"].startswith("main@sha1:")
    # One App too, and trueup status's keys the same.
    one = (await api.call("GET", "/api/apps/web-manual", OPERATOR)).json()["app"]
    assert one == after


async def test_waiting_requests_share_one_build_and_an_unchanged_list_reads_nothing(
    api: Served,
) -> None:
    await listed(api)
    schedules = counting(api, "schedules")
    attempts = counting(api, "last_attempts")
    # Nothing changed since: answered from memory.
    for _ in range(5):
        await listed(api)
    assert (schedules, attempts) == ([], [])
    api.daemon.bus.publish(Event(Kind.HEALTH, "health is Healthy", app="web"))
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
        headers = {"Authorization": f"Bearer {OPERATOR}"}
        answers = await asyncio.gather(
            *(client.get("/api/apps", headers=headers) for _ in range(20))
        )
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert len(attempts) == 1, "one build for the twenty requests"
    assert len(schedules) <= 2  # status reads them, and the summary's drift count


async def test_an_app_removed_from_the_configuration_is_listed_as_status_lists_it(
    api: Served,
) -> None:
    await until(lambda: api.harness.live("ConfigMap", "shop", "api") is not None, "api applied")
    path = api.harness.root / "trueup.yaml"
    docs = [
        doc
        for doc in yaml.safe_load_all(path.read_text())
        if not (doc["kind"] == "App" and doc["metadata"]["name"] == "api")
    ]
    path.write_text(yaml.safe_dump_all(docs))
    seen: list[Event] = []
    api.daemon.bus.listen(seen.append)
    api.daemon.reload()
    await until(lambda: any(e.kind is Kind.CONFIG_LOADED for e in seen), "the reload")
    apps = await listed(api)
    assert list(apps) == ["api", "web", "web-manual"]
    assert apps["api"]["sync"] == "Removed"
    assert "trueup delete api" in apps["api"]["error"]
    assert (await listed(api, "?status=Removed")).keys() == {"api"}
    assert (await listed(api, token=VIEWER)).keys() == {"web", "web-manual"}
    assert (await api.call("GET", "/api/apps/api", OPERATOR)).status_code == 404


async def test_a_stream_ends_when_its_token_leaves_the_configuration(api: Served) -> None:
    headers = {"Last-Event-ID": "0"}
    async with (
        httpx.AsyncClient(base_url=api.url, timeout=30) as client,
        client.stream(
            "GET", "/api/events", headers={"Authorization": f"Bearer {VIEWER}", **headers}
        ) as viewer,
        client.stream(
            "GET", "/api/events", headers={"Authorization": f"Bearer {OPERATOR}"}
        ) as operator,
    ):
        assert (viewer.status_code, operator.status_code) == (200, 200)
        viewer_lines = viewer.aiter_lines()
        assert (await anext(viewer_lines)).startswith(":")
        path = api.harness.root / "trueup.yaml"
        docs = [
            doc for doc in yaml.safe_load_all(path.read_text()) if doc["metadata"]["name"] != "ci"
        ]
        path.write_text(yaml.safe_dump_all(docs))
        api.daemon.reload()

        async def rest() -> list[str]:
            return [line async for line in viewer_lines]

        await asyncio.wait_for(rest(), 30)  # it ends: the token is gone
        refused = await api.call("GET", "/api/apps", VIEWER)
        assert refused.status_code == 401
        # The operator's token stays, and so does its stream.
        api.daemon.bus.publish(Event(Kind.HEALTH, "health is Healthy", app="web"))

        async def health() -> None:
            async for line in operator.aiter_lines():
                if line == f"event: {Kind.HEALTH.value}":
                    return
            raise AssertionError("the operator's stream ended")

        await asyncio.wait_for(health(), 30)

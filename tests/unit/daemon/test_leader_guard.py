"""The write guard of the Kubernetes target: asked before every write, never before a read.

Against a scripted API server (``tests/unit/targets/fake_api.py``): a refused write never
reaches the server and is not retried, and a retried write asks the guard again.
"""

from __future__ import annotations

import httpx
import pytest

from tests.unit.targets.fake_api import FakeApi, FakeSleep, json_response, make_target
from trueup.errors import NotLeaderError
from trueup.objects import Object, ObjectId
from trueup.targets import ResourceInfo

pytestmark = pytest.mark.anyio

CONFIGMAPS = ResourceInfo("", "v1", "ConfigMap", "configmaps", namespaced=True)
COLLECTION = "/api/v1/namespaces/team/configmaps"
CM_PATH = f"{COLLECTION}/cm"
CM: Object = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm", "namespace": "team"},
}
CM_ID = ObjectId("", "ConfigMap", "team", "cm")


class Guard:
    """A write guard that counts its calls and refuses once ``refusing`` is set."""

    def __init__(self, *, refusing: bool = False) -> None:
        self.refusing = refusing
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.refusing:
            raise NotLeaderError("this process does not lead any more")


def routes() -> FakeApi:
    api = FakeApi()
    stored = {**CM, "metadata": {**CM["metadata"], "resourceVersion": "7"}}
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        api.on(method, CM_PATH, json_response(200, stored))
    api.on("GET", COLLECTION, json_response(200, {"items": [], "metadata": {}}))
    api.on("POST", COLLECTION, json_response(201, stored))
    return api


def writes(api: FakeApi) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in api.requests if r.method != "GET"]


async def test_a_refusing_guard_stops_every_write_before_it_is_sent() -> None:
    api, guard = routes(), Guard(refusing=True)
    versioned = {**CM, "metadata": {**CM["metadata"], "resourceVersion": "7"}}
    async with make_target(api, write_guard=guard) as target:
        with pytest.raises(NotLeaderError):
            await target.apply(CM, dry_run=False)
        with pytest.raises(NotLeaderError):
            await target.delete(CM_ID)
        with pytest.raises(NotLeaderError):
            await target.patch(CM_ID, [{"op": "add", "path": "/data", "value": {}}])
        with pytest.raises(NotLeaderError):
            await target.replace(CM)
        with pytest.raises(NotLeaderError):
            await target.replace(versioned)

    assert writes(api) == []
    assert guard.calls == 5


async def test_reads_and_dry_runs_are_not_guarded() -> None:
    api, guard = routes(), Guard(refusing=True)
    async with make_target(api, write_guard=guard) as target:
        assert await target.get(CM_ID) is not None
        assert await target.list(CONFIGMAPS, "team") == []
        await target.apply(CM, dry_run=True)
        assert await target.delete(CM_ID, dry_run=True)

    assert writes(api) == [f"PATCH {CM_PATH}", f"DELETE {CM_PATH}"]
    assert guard.calls == 0


async def test_a_write_the_guard_allows_is_sent_and_each_retry_asks_again() -> None:
    api, guard, sleep = routes(), Guard(), FakeSleep()
    unavailable = httpx.Response(503, json={"kind": "Status", "reason": "ServiceUnavailable"})
    api.on("PATCH", CM_PATH, unavailable, json_response(200, CM))

    def refuse_from_now_on(request: httpx.Request) -> httpx.Response:
        guard.refusing = True
        return unavailable

    async with make_target(api, sleep, write_guard=guard) as target:
        await target.apply(CM, dry_run=False)
        api.on("PATCH", CM_PATH, refuse_from_now_on)
        with pytest.raises(NotLeaderError):
            await target.apply(CM, dry_run=False)

    # The first apply: refused by the server once, then sent again. The second: sent once,
    # then refused by the guard before its retry, without waiting out the backoff again.
    assert writes(api) == [f"PATCH {CM_PATH}"] * 3
    assert guard.calls == 4
    assert len(sleep.slept) == 2

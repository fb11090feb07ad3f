"""The HTTP API of a running ``trueup serve`` on the dev-cluster, as a client sees it.

The configuration declares two ApiTokens: ``ci`` (viewer of the App) and ``ops``
(operator of every App). Every endpoint is called with each and with none; a canary
value planted in a Secret of the App's manifests is searched for in every answer and in
the daemon's log; the event stream delivers a drift and resumes with ``Last-Event-ID``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import orjson
import pytest
import yaml

from tests.integration.daemon.serving import WAIT, Served
from tests.integration.engine.helpers import APP, PATH, World, manifest

pytestmark = pytest.mark.cluster

CANARY = "canary-api-3e8d5f0a1b7c"
VIEWER = "viewer-token-9a8b7c6d5e4f"
OPERATOR = "operator-token-1f2e3d4c5b6a"


def plant_canary(world: World) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "stringData": {"password": CANARY},
    }
    world.commit("Add the database password", {f"{PATH}/secret.yaml": manifest(secret)})


def configure(world: World, *, tokens: bool = True, **app: Any) -> None:
    docs = world.documents(app={"interval": "1h", **app})
    for doc in docs:
        if doc["kind"] == "GitSource":
            doc["spec"]["interval"] = "1h"
    if tokens:
        for name, role, value, apps in (
            ("ci", "viewer", VIEWER, [APP]),
            ("ops", "operator", OPERATOR, ["*"]),
        ):
            docs.append(
                {
                    "apiVersion": "trueup.dev/v1alpha1",
                    "kind": "ApiToken",
                    "metadata": {"name": name},
                    "spec": {"role": role, "secretRef": {"name": f"{name}-token"}, "apps": apps},
                }
            )
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": f"{name}-token"},
                    "stringData": {"token": value},
                }
            )
    world.config.write_text(yaml.safe_dump_all(docs))


def call(served: Served, method: str, path: str, token: str | None, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, served.url + path, headers=headers, timeout=WAIT, **kw)


class Stream:
    """The events of ``GET /api/events`` read on a thread, each as its fields."""

    def __init__(self, served: Served, query: str, token: str, last_id: str | None = None):
        headers = {"Authorization": f"Bearer {token}"}
        if last_id is not None:
            headers["Last-Event-ID"] = last_id
        self.events: list[dict[str, str]] = []
        self.comments = 0
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=httpx.Timeout(WAIT, read=None))
        self._response = self._client.send(
            self._client.build_request("GET", f"{served.url}/api/events{query}", headers=headers),
            stream=True,
        )
        assert self._response.status_code == 200, self._response.read()
        assert self._response.headers["content-type"].startswith("text/event-stream")
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for line in self._response.iter_lines():
                with self._lock:
                    if line.startswith(":"):
                        self.comments += 1
                    elif line:
                        key, _, value = line.partition(": ")
                        fields[key] = value
                    elif fields:
                        self.events.append(fields)
                        fields = {}
        except httpx.HTTPError:
            return

    def wait_for(self, event: str) -> dict[str, str]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with self._lock:
                for found in self.events:
                    if found.get("event") == event:
                        return found
            time.sleep(0.05)
        raise AssertionError(f"no {event} in {self.events}")

    def close(self) -> None:
        self._response.close()
        self._client.close()


def owned_pods(served: Served, managed: str) -> dict[str, Any]:
    """The tree node of ``managed`` once the controllers made what it owns, down to Pods."""
    deadline = time.monotonic() + WAIT
    while True:
        tree = call(served, "GET", f"/api/apps/{APP}/tree", VIEWER).json()
        node: dict[str, Any] = next(n for n in tree["nodes"] if n["object"] == managed)
        if any(rs["children"] for rs in node["children"]) or time.monotonic() > deadline:
            return node
        time.sleep(0.2)


READS = [
    "/api/apps",
    f"/api/apps/{APP}",
    f"/api/apps/{APP}/tree",
    f"/api/apps/{APP}/diff",
    f"/api/apps/{APP}/history",
    f"/api/apps/{APP}/events",
    "/api/sources",
]


def test_every_endpoint_with_a_viewer_an_operator_and_no_token(world: World) -> None:
    plant_canary(world)
    configure(world, selfHeal=False)
    served = Served(world)
    answers: list[str] = []
    try:
        served.reconciled()
        for path in READS:
            for token, expected in ((None, 401), ("wrong-token-000000000", 401),
                                    (VIEWER, 200), (OPERATOR, 200)):  # fmt: skip
                answer = call(served, "GET", path, token)
                answers.append(answer.text)
                assert answer.status_code == expected, (path, token, answer.text)
        for path in (f"/api/apps/{APP}/sync", f"/api/apps/{APP}/suspend",
                     f"/api/apps/{APP}/resume", "/api/sources/-/deploy/refresh"):  # fmt: skip
            assert call(served, "POST", path, None).status_code == 401
            assert call(served, "POST", path, VIEWER).status_code == 403
        assert call(served, "GET", "/api/apps/nope", OPERATOR).status_code == 404

        web = owned_pods(served, f"Deployment/{world.namespace}/web")
        (replicaset,) = web["children"]
        assert replicaset["object"].startswith(f"ReplicaSet/{world.namespace}/web-")
        assert replicaset["managed"] is False
        assert [p["object"].split("/")[0] for p in replicaset["children"]] == ["Pod"]

        detail = call(served, "GET", f"/api/apps/{APP}", VIEWER).json()
        assert {o["sync"] for o in detail["objects"]} == {"Synced"}
        assert f"Secret/{world.namespace}/db" in {o["object"] for o in detail["objects"]}

        world.kubectl("patch", "secret", "db", "-p", '{"stringData":{"password":"x-by-hand"}}')
        diff = call(served, "GET", f"/api/apps/{APP}/diff", VIEWER).json()
        answers.append(orjson.dumps(diff).decode())
        assert diff["failure"] is None
        assert [e["object"] for e in diff["entries"]] == [f"Secret/{world.namespace}/db"]

        synced = call(served, "POST", f"/api/apps/{APP}/sync", OPERATOR, json={"dryRun": False})
        answers.append(synced.text)
        assert synced.status_code == 200, synced.text
        assert synced.json()["error"] == ""
        history = call(served, "GET", f"/api/apps/{APP}/history", OPERATOR).json()["items"]
        assert history[0]["trigger"] == "api:ops"
        sources = call(served, "GET", "/api/sources", VIEWER).json()["items"]
        assert sources[0]["revision"].startswith("main@sha1:")
        for token in (VIEWER, OPERATOR):
            answers += [call(served, "GET", path, token).text for path in READS]
        events = Stream(served, f"?app={APP}", OPERATOR, last_id="0")
        try:
            events.wait_for("reconcile.succeeded")
            answers += [e["data"] for e in events.events]
        finally:
            events.close()
    finally:
        served.stop()
    for text in [*answers, served.log()]:
        for value in (CANARY, VIEWER, OPERATOR):
            assert value not in text


def test_the_event_stream_delivers_a_drift_and_resumes_after_last_event_id(
    world: World,
) -> None:
    configure(world)
    served = Served(world)
    try:
        served.reconciled()
        stream = Stream(served, f"?app={APP}", VIEWER)
        try:
            world.kubectl("patch", "configmap", "settings", "-p", '{"data":{"color":"red"}}')
            drifted = stream.wait_for("app.drifted")
            assert f'"app":"{APP}"' in drifted["data"]
            assert stream.comments >= 1
        finally:
            stream.close()
        before = str(int(drifted["id"]) - 1)
        resumed = Stream(served, f"?app={APP}", VIEWER, last_id=before)
        try:
            again = resumed.wait_for("app.drifted")
            assert again["id"] == drifted["id"]
            assert resumed.events[0]["id"] == drifted["id"]
        finally:
            resumed.close()
    finally:
        served.stop()


def test_beyond_loopback_serve_refuses_to_start_without_apitokens(world: World) -> None:
    configure(world, tokens=False)
    run = world.cli("serve", "--listen", "0.0.0.0:0")
    assert run.code != 0
    assert "--insecure-no-auth-on-network" in run.output
    assert "ApiToken" in run.output


def test_beyond_loopback_with_apitokens_every_request_needs_one(world: World) -> None:
    configure(world)
    served = Served(world, "--listen", "0.0.0.0:0")
    try:
        served.reconciled()
        assert call(served, "GET", "/api/apps", None).status_code == 401
        assert call(served, "GET", "/api/apps", VIEWER).status_code == 200
    finally:
        served.stop()

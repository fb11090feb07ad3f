"""Webhooks on a running ``trueup serve``: a signed push refreshes its source at once, and
nothing else (unsigned, wrongly signed, oversized, malformed, other branch) changes anything.

The GitSource polls once an hour, so only the hook can explain a reconcile in these tests.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import orjson
import pytest
import yaml

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster

TOKEN = "hook-secret-3f9a0c1d7e"
RECEIVER = "github-main"


def add_receiver(world: World) -> None:
    write_config(world, source={"interval": "1h"})
    docs = list(yaml.safe_load_all(world.config.read_text()))
    docs += [
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "Receiver",
            "metadata": {"name": RECEIVER},
            "spec": {"type": "github", "secretRef": {"name": "hook"}, "sources": ["deploy"]},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "hook"},
            "stringData": {"token": TOKEN},
        },
    ]
    world.config.write_text(yaml.safe_dump_all(docs))


def github_hook(
    served: Served, payload: Any, *, secret: str = TOKEN, **headers: str
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sent = {
        "X-GitHub-Event": "push",
        "X-Hub-Signature-256": signature,
        "Content-Type": "application/json",
    }
    sent.update(headers)
    return httpx.post(f"{served.url}/hooks/{RECEIVER}", content=body, headers=sent, timeout=10)


def color(world: World) -> str | None:
    live = world.live("configmap", "settings")
    return live["data"]["color"] if live else None


def push_color(world: World, value: str) -> str:
    return world.commit(
        value, {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": value}))}
    )


def test_a_signed_push_hook_applies_the_pushed_commit_without_waiting_for_the_interval(
    world: World,
) -> None:
    add_receiver(world)
    served = Served(world)
    try:
        served.reconciled()
        sha = push_color(world, "green")
        mark = served.mark()
        answer = github_hook(served, {"ref": "refs/heads/main", "after": "0" * 40})
        assert answer.status_code == 200, answer.text
        done = served.reconciled(after=mark, trigger=f"webhook:{RECEIVER}")
        assert done["revision"] == world.revision(sha)
        assert color(world) == "green"
        # The same hook again: the revision did not move, so nothing is applied again.
        mark = served.mark()
        assert github_hook(served, {"ref": "refs/heads/main"}).status_code == 200
        served.wait_for(lambda e: e["event"] == "webhook.received", "the second hook", after=mark)
        metrics = served.get("/metrics").text
        assert (
            f'trueup_webhook_requests_total{{receiver="{RECEIVER}",result="accepted"}} 2.0'
            in metrics
        )
    finally:
        served.stop()
    history = world.cli("history", "web", "-o", "json").json()
    assert [h["trigger"] for h in history] == [f"webhook:{RECEIVER}", "daemon:start"]


def test_bad_hooks_are_refused_and_change_nothing(world: World) -> None:
    add_receiver(world)
    served = Served(world)
    try:
        served.reconciled()
        push_color(world, "red")
        url = f"{served.url}/hooks/{RECEIVER}"
        unsigned = httpx.post(
            url, content=b'{"ref":"refs/heads/main"}', headers={"X-GitHub-Event": "push"}
        )
        assert unsigned.status_code == 401
        assert (
            github_hook(served, {"ref": "refs/heads/main"}, secret="not-the-secret").status_code
            == 401
        )
        assert github_hook(served, b"{not json").status_code == 400
        assert github_hook(served, {"no": "ref"}).status_code == 400
        oversized = github_hook(served, {"ref": "refs/heads/main", "pad": "x" * (2 * 1024 * 1024)})
        assert oversized.status_code == 413
        assert github_hook(served, {"zen": "hi"}, **{"X-GitHub-Event": "ping"}).status_code == 200
        other_branch = github_hook(served, {"ref": "refs/heads/feature"})
        assert other_branch.status_code == 200
        unknown = httpx.post(f"{served.url}/hooks/nope", content=b"{}")
        assert unknown.status_code == 404
        served.wait_for(
            lambda e: e["event"] == "webhook.received" and e.get("ref") == "refs/heads/feature",
            "the hook for another branch",
        )
        metrics = served.get("/metrics").text
        assert f'trueup_webhook_requests_total{{receiver="{RECEIVER}",result="401"}} 2.0' in metrics
        assert f'trueup_webhook_requests_total{{receiver="{RECEIVER}",result="413"}} 1.0' in metrics
    finally:
        served.stop()
    assert color(world) == "blue", "no bad hook may apply the pushed commit"
    history = world.cli("history", "web", "-o", "json").json()
    assert [h["trigger"] for h in history] == ["daemon:start"]


def test_hooks_can_be_served_on_a_listener_of_their_own(world: World) -> None:
    add_receiver(world)
    served = Served(world, "--webhook-listen", "127.0.0.1:0")
    try:
        hooks = served.wait_for(
            lambda e: e["message"].startswith("serving /hooks on"), "the hooks listener"
        )
        served.reconciled()
        push_color(world, "violet")
        mark = served.mark()
        body = orjson.dumps({"ref": "refs/heads/main"})
        signature = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
        answer = httpx.post(
            f"http://{hooks['listen']}/hooks/{RECEIVER}",
            content=body,
            headers={"X-GitHub-Event": "push", "X-Hub-Signature-256": signature},
        )
        assert answer.status_code == 200, answer.text
        served.reconciled(after=mark, trigger=f"webhook:{RECEIVER}")
        assert color(world) == "violet"
        assert httpx.get(f"http://{hooks['listen']}/metrics").status_code == 404
    finally:
        served.stop()

"""Notifications from a running ``trueup serve`` on the dev-cluster, to a loopback endpoint:
each Provider type's payload in its service's shape, the webhook's signature, a slow
endpoint and a failing one that delay no reconcile (the failing one's notifications are
dropped with an event), and a Secret value shown in no payload and no log line."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import yaml

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest
from tests.servers.notify_receiver import NotifyReceiver

pytestmark = pytest.mark.cluster

TOKEN = "notify-signing-key-5d1c"
DASHBOARD = "https://trueup.example.com"
EVENTS = ["reconcile.succeeded", "reconcile.failed"]


@pytest.fixture
def receiver() -> Iterator[NotifyReceiver]:
    with NotifyReceiver() as server:  # the slow path sleeps 10 s per request
        yield server


def provider(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "trueup.dev/v1alpha1",
        "kind": "Provider",
        "metadata": {"name": name},
        "spec": spec,
    }


def alert(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "trueup.dev/v1alpha1",
        "kind": "Alert",
        "metadata": {"name": name},
        "spec": {"providerRef": {"name": name}, "apps": [APP], "reasons": EVENTS},
    }


def secret(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": data}


def add_notifications(world: World, receiver: NotifyReceiver, canary: str) -> None:
    write_config(world, source={"interval": "2s"})
    docs = list(yaml.safe_load_all(world.config.read_text()))
    docs += [
        secret("hook-key", {"address": receiver.url("/ok/webhook"), "token": TOKEN}),
        secret("failing-url", {"address": receiver.url(f"/fail/{canary}")}),
        provider("webhook", {"type": "webhook", "secretRef": {"name": "hook-key"}}),
        provider(
            "slack",
            {"type": "slack", "address": receiver.url("/ok/slack"), "dashboardURL": DASHBOARD},
        ),
        provider("teams", {"type": "msteams", "address": receiver.url("/ok/teams")}),
        provider("discord", {"type": "discord", "address": receiver.url("/ok/discord")}),
        provider("slow", {"type": "webhook", "address": receiver.url("/slow/hook")}),
        provider("failing", {"type": "slack", "secretRef": {"name": "failing-url"}}),
    ]
    docs += [alert(name) for name in ("webhook", "slack", "teams", "discord", "slow", "failing")]
    world.config.write_text(yaml.safe_dump_all(docs))


def reason_is(reason: str) -> Any:
    def match(request: Any) -> bool:
        return reason.encode() in request.body

    return match


def test_every_provider_gets_its_format_and_slow_or_failing_ones_delay_no_reconcile(
    world: World, receiver: NotifyReceiver
) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    add_notifications(world, receiver, canary)
    served = Served(world)
    try:
        first = served.reconciled()
        # Each format, from the first reconcile.
        hook = receiver.wait_for("/ok/webhook", "the webhook payload")
        body = orjson.loads(hook.body)
        assert body["app"] == APP
        assert body["reason"] == "reconcile.succeeded"
        assert body["revision"] == first["revision"]
        expected = "sha256=" + hmac.new(TOKEN.encode(), hook.body, hashlib.sha256).hexdigest()
        assert hook.headers["X-Trueup-Signature"] == expected

        slack = orjson.loads(receiver.wait_for("/ok/slack", "the Slack payload").body)
        assert slack["blocks"][0]["type"] == "header"
        assert slack["blocks"][0]["text"]["text"] == f"{APP}: reconcile.succeeded"
        assert slack["blocks"][-1]["elements"][0]["url"] == f"{DASHBOARD}/apps/{APP}"
        assert any(first["revision"] in f["text"] for f in slack["blocks"][2]["fields"])

        teams = orjson.loads(receiver.wait_for("/ok/teams", "the Teams payload").body)
        (attachment,) = teams["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert attachment["content"]["type"] == "AdaptiveCard"

        discord = orjson.loads(receiver.wait_for("/ok/discord", "the Discord payload").body)
        assert discord["embeds"][0]["title"] == f"{APP}: reconcile.succeeded"
        assert discord["allowed_mentions"] == {"parse": []}

        # The slow endpoint is holding a request, the failing one has refused one: a new
        # commit is applied all the same.
        receiver.wait_for("/slow/", "a request to the slow endpoint")
        receiver.wait_for("/fail/", "a request to the failing endpoint")
        mark = served.mark()
        sha = world.commit(
            "green", {f"{PATH}/settings.yaml": manifest(configmap("settings", {"color": "green"}))}
        )
        done = served.wait_for(
            lambda e: (
                e["event"] == "reconcile.succeeded" and e.get("revision") == world.revision(sha)
            ),
            "the reconcile of the new commit",
            after=mark,
        )
        live = world.live("configmap", "settings")
        assert live is not None
        assert live["data"]["color"] == "green"
        receiver.wait_for(
            "/ok/slack",
            "the Slack payload of the new commit",
            lambda r: done["revision"].encode() in r.body,
        )

        # The failing endpoint's first notification is given up on, saying so in the log.
        dropped = served.wait_for(
            lambda e: e["event"] == "notification.dropped", "a dropped notification"
        )
        assert dropped["provider"] == "Provider/failing"
        assert "the endpoint answered 500" in dropped["message"]
        assert len(receiver.requests("/fail/")) >= 5
    finally:
        served.stop()
    # The Secret-held URL of the failing Provider (the canary) is in no log line, and no
    # payload or header anywhere carries it or the signing key.
    log = served.log()
    assert canary not in log
    assert TOKEN not in log
    for request in receiver.received:
        assert canary.encode() not in request.body
        assert TOKEN.encode() not in request.body
        assert not any(canary in value or TOKEN in value for value in request.headers.values())


def test_a_secret_value_quoted_by_a_failing_render_reaches_no_notification(
    world: World, receiver: NotifyReceiver
) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    add_notifications(world, receiver, f"unused-{uuid.uuid4().hex}")
    served = Served(world)
    try:
        served.reconciled()
        # kustomize quotes the Secret's value in its error: the failure notification masks it.
        kustomization = (
            "resources: [secret.yaml]\nreplacements:\n"
            "- source: {kind: Secret, name: db, fieldPath: stringData.password}\n"
            "  targets:\n  - select: {kind: Secret, name: db}\n"
            "    fieldPaths: [stringData.password.nested]\n"
        )
        world.commit(
            "Build the app with kustomize",
            {
                f"{PATH}/kustomization.yaml": kustomization,
                f"{PATH}/secret.yaml": manifest(secret("db", {"password": canary})),
            },
        )
        failed = receiver.wait_for(
            "/ok/webhook", "the failure notification", reason_is("reconcile.failed")
        )
        assert "********" in orjson.loads(failed.body)["message"]
        for path in ("/ok/slack", "/ok/teams", "/ok/discord"):
            receiver.wait_for(
                path, f"the failure notification on {path}", reason_is("reconcile.failed")
            )
    finally:
        served.stop()
    for request in receiver.received:
        assert canary.encode() not in request.body
    assert canary not in served.log()

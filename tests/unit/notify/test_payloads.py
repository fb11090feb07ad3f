"""Each Provider type's request follows its service's documented format, carries the app,
revision, event and link, stays within the service's limits, and shows no secret value."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from trueup.config import ProviderType
from trueup.daemon.events import Event, Kind, Level
from trueup.masking import MASK, Masker
from trueup.notify.message import Notification, notification_of
from trueup.notify.payloads import request_for
from trueup.notify.webhook import SIGNATURE_HEADER

CANARY = "canary-5be1a9d03c"
REVISION = "main@sha1:" + "a" * 40
DASHBOARD = "https://trueup.example.com/"


def failed(message: str = "Deployment/shop/web: admission webhook denied the request") -> Event:
    return Event(
        Kind.RECONCILE_FAILED,
        message,
        app="web",
        level=Level.ERROR,
        fields={"revision": REVISION, "trigger": "interval", "reason": "denied"},
        at=datetime(2026, 12, 2, 18, 0, 5, tzinfo=UTC),
    )


def notification(event: Event | None = None, dashboard: str | None = DASHBOARD) -> Notification:
    return notification_of(event or failed(), Masker([CANARY]), dashboard)


def unmasked(message: str) -> Notification:
    """A notification with a message longer than any masked one (masking cuts at 2,000)."""
    return Notification(
        reason="reconcile.failed",
        severity="error",
        message=message,
        at=datetime(2026, 12, 2, tzinfo=UTC),
        app="w" * 300,
        revision=REVISION,
        objects=tuple(f"ConfigMap/shop/{'c' * 200}-{n}" for n in range(20)),
        details={"trigger": "t" * 3000},
        link="https://trueup.example.com/apps/web",
    )


def body(provider_type: ProviderType, n: Notification | None = None) -> dict[str, Any]:
    decoded: dict[str, Any] = orjson.loads(request_for(provider_type, n or notification()).body)
    return decoded


def test_the_webhook_body_carries_every_field_and_is_signed_over_its_exact_bytes() -> None:
    key = b"signing-key-1234"
    request = request_for(ProviderType.WEBHOOK, notification(), key)
    assert orjson.loads(request.body) == {
        "app": "web",
        "revision": REVISION,
        "reason": "reconcile.failed",
        "severity": "error",
        "message": "Deployment/shop/web: admission webhook denied the request",
        "time": "2026-12-02T18:00:05Z",
        "objects": [],
        "details": {"trigger": "interval", "reason": "denied"},
        "url": "https://trueup.example.com/apps/web",
    }
    expected = "sha256=" + hmac.new(key, request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == expected
    assert request.headers["Content-Type"] == "application/json"


def test_only_a_webhook_with_a_signing_key_is_signed() -> None:
    assert SIGNATURE_HEADER not in request_for(ProviderType.WEBHOOK, notification()).headers
    slack = request_for(ProviderType.SLACK, notification(), b"signing-key-1234")
    assert SIGNATURE_HEADER not in slack.headers


def test_slack_gets_block_kit_blocks_with_a_fallback_text_and_a_button() -> None:
    payload = body(ProviderType.SLACK)
    assert payload["text"].startswith("web: reconcile.failed: Deployment/shop/web")
    kinds = [block["type"] for block in payload["blocks"]]
    assert kinds == ["header", "section", "section", "context", "actions"]
    header, message, facts, _context, actions = payload["blocks"]
    assert header["text"] == {"type": "plain_text", "text": "web: reconcile.failed"}
    assert message["text"]["type"] == "mrkdwn"
    shown = [field["text"] for field in facts["fields"]]
    assert shown[:4] == [
        "*App*\nweb",
        f"*Revision*\n{REVISION}",
        "*Event*\nreconcile.failed",
        "*Severity*\nerror",
    ]
    assert all(field["type"] == "mrkdwn" for field in facts["fields"])
    (button,) = actions["elements"]
    assert button["type"] == "button"
    assert button["url"] == "https://trueup.example.com/apps/web"


def test_slack_text_is_escaped_and_cut_to_the_block_limits() -> None:
    long = "<!channel> & " + "x" * 5000
    payload = body(ProviderType.SLACK, unmasked(long))
    header, message = payload["blocks"][0], payload["blocks"][1]
    assert message["text"]["text"].startswith("&lt;!channel&gt; &amp; x")
    assert len(message["text"]["text"]) == 3000
    assert len(header["text"]["text"]) <= 150
    assert len(payload["text"]) <= 3000
    assert all(len(f["text"]) <= 2000 for f in payload["blocks"][2]["fields"])


def test_without_a_dashboard_no_payload_links_anywhere() -> None:
    n = notification(dashboard=None)
    assert [b["type"] for b in body(ProviderType.SLACK, n)["blocks"]][-1] == "context"
    assert "actions" not in body(ProviderType.MSTEAMS, n)["attachments"][0]["content"]
    assert "url" not in body(ProviderType.DISCORD, n)["embeds"][0]
    assert body(ProviderType.WEBHOOK, n)["url"] is None


def test_teams_gets_an_adaptive_card_in_a_workflows_message() -> None:
    payload = body(ProviderType.MSTEAMS)
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] == "1.4"
    title, message, facts, _footer = card["body"]
    assert title == {
        "type": "TextBlock",
        "text": "web: reconcile.failed",
        "weight": "Bolder",
        "size": "Medium",
        "color": "Attention",
        "wrap": True,
    }
    assert message["text"].startswith("Deployment/shop/web")
    assert {"title": "Revision", "value": REVISION} in facts["facts"]
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open in trueup",
            "url": "https://trueup.example.com/apps/web",
        }
    ]


def test_discord_gets_one_embed_that_mentions_no_one() -> None:
    payload = body(ProviderType.DISCORD)
    assert payload["allowed_mentions"] == {"parse": []}
    (embed,) = payload["embeds"]
    assert embed["title"] == "web: reconcile.failed"
    assert embed["url"] == "https://trueup.example.com/apps/web"
    assert embed["color"] == 0xE74C3C
    assert embed["timestamp"] == "2026-12-02T18:00:05Z"
    assert {"name": "Revision", "value": REVISION, "inline": False} in embed["fields"]
    assert {"name": "App", "value": "web", "inline": True} in embed["fields"]


def test_discord_embeds_stay_within_the_documented_limits() -> None:
    payload = body(ProviderType.DISCORD, unmasked("y" * 10_000))
    (embed,) = payload["embeds"]
    assert len(embed["title"]) <= 256
    assert len(embed["description"]) <= 4096
    assert len(embed["fields"]) <= 25
    assert all(len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024 for f in embed["fields"])
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000


# Forge types post commit statuses, not payloads: tests/unit/notify/test_commit_status.py.
@pytest.mark.parametrize("provider_type", [t for t in ProviderType if t.forge is None])
def test_a_secret_value_in_an_event_reaches_no_payload(provider_type: ProviderType) -> None:
    event = Event(
        Kind.RECONCILE_FAILED,
        f"the server said: password={CANARY}",
        app="web",
        level=Level.ERROR,
        fields={"revision": REVISION, "reason": f"denied {CANARY}"},
        objects=(f"Secret/shop/{CANARY}",),
    )
    request = request_for(provider_type, notification(event), b"signing-key-1234")
    assert CANARY.encode() not in request.body
    assert MASK.encode() in request.body

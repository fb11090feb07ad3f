"""A Microsoft Teams payload for a Workflows webhook: one Adaptive Card in a message.

Office 365 connectors (and their MessageCards) are being retired; a Teams Workflow
("Post to a channel when a webhook request is received") takes a ``message`` whose
attachment is an Adaptive Card (schema version 1.4, which Teams renders everywhere).
"""

from __future__ import annotations

from typing import Any

from trueup.notify.facts import cut, facts
from trueup.notify.message import PRODUCT, Notification

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"

_COLOR = {"info": "Accent", "warning": "Warning", "error": "Attention"}


def msteams_payload(notification: Notification) -> dict[str, Any]:
    """The JSON body of a Teams Workflows webhook request for ``notification``."""
    card: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": [
            {
                "type": "TextBlock",
                "text": cut(notification.title, 500),
                "weight": "Bolder",
                "size": "Medium",
                "color": _COLOR.get(notification.severity, "Default"),
                "wrap": True,
            },
            {"type": "TextBlock", "text": cut(notification.message, 4000), "wrap": True},
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in facts(notification)],
            },
            {
                "type": "TextBlock",
                "text": f"{PRODUCT} · {notification.time}",
                "isSubtle": True,
                "size": "Small",
                "wrap": True,
            },
        ],
    }
    if notification.link:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": f"Open in {PRODUCT}", "url": notification.link}
        ]
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": card}],
    }

"""A Slack incoming webhook's payload: Block Kit ``blocks``, with ``text`` as the fallback.

Slack's limits are kept: a header's plain text holds 150 characters, a section's text
3,000, a section's fields 10 of 2,000 each. ``mrkdwn`` text has ``&``, ``<`` and ``>``
escaped, so an event's message can neither link nor mention anyone.
"""

from __future__ import annotations

from typing import Any

from trueup.notify.facts import cut, facts
from trueup.notify.message import PRODUCT, Notification

_EMOJI = {"info": ":information_source:", "warning": ":warning:", "error": ":x:"}


def escape(text: str) -> str:
    """``text`` safe inside Slack ``mrkdwn``: the three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(notification: Notification) -> dict[str, Any]:
    """The JSON body of a Slack incoming-webhook message for ``notification``."""
    emoji = _EMOJI.get(notification.severity, "")
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": cut(notification.title, 150)},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": cut(escape(notification.message) or " ", 3000)},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": cut(f"*{label}*\n{escape(value)}", 2000)}
                for label, value in facts(notification)[:10]
            ],
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"{emoji} {PRODUCT} · {notification.time}"}],
        },
    ]
    if notification.link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": f"Open in {PRODUCT}"},
                        "url": notification.link,
                    }
                ],
            }
        )
    fallback = f"{notification.title}: {notification.message}"
    return {"text": cut(escape(fallback), 3000), "blocks": blocks}

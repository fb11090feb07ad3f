"""A Discord webhook's payload: one embed, within Discord's limits, mentioning no one.

Limits kept: a title of 256 characters, a description of 4,096, at most 25 fields with
names of 256 and values of 1,024 characters, and 6,000 characters in all (the
description gives way). ``allowed_mentions`` is empty, so an ``@everyone`` in a message
pings nobody.
"""

from __future__ import annotations

from typing import Any

from trueup.notify.facts import cut, facts
from trueup.notify.message import PRODUCT, Notification

_COLOR = {"info": 0x3498DB, "warning": 0xF1C40F, "error": 0xE74C3C}
_TOTAL = 6000


def discord_payload(notification: Notification) -> dict[str, Any]:
    """The JSON body of a Discord ``Execute Webhook`` request for ``notification``."""
    title = cut(notification.title, 256)
    shown = [(cut(label, 256), cut(value, 1024)) for label, value in facts(notification)[:25]]
    fields = [{"name": name, "value": value, "inline": len(value) <= 40} for name, value in shown]
    used = len(title) + len(PRODUCT) + sum(len(name) + len(value) for name, value in shown)
    embed: dict[str, Any] = {
        "title": title,
        "description": cut(notification.message or " ", min(4096, _TOTAL - used)),
        "color": _COLOR.get(notification.severity, 0),
        "fields": fields,
        "timestamp": notification.time,
        "footer": {"text": PRODUCT},
    }
    if notification.link:
        embed["url"] = notification.link
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}

"""The labelled facts every chat payload shows under the message, in one order."""

from __future__ import annotations

from trueup.notify.message import Notification

SHOWN_DETAILS = ("trigger", "health", "reason", "duration_s")
"""Details of an event worth a line in a chat message; the webhook payload sends them all."""


def facts(notification: Notification) -> list[tuple[str, str]]:
    """``(label, value)`` pairs: app, revision, event, severity, then the shown details."""
    found = [
        ("App", notification.app),
        ("Revision", notification.revision),
        ("Event", notification.reason),
        ("Severity", notification.severity),
    ]
    for key in SHOWN_DETAILS:
        value = notification.details.get(key)
        if value is not None and value != "":
            label = "Failure" if key == "reason" else key.replace("_s", " (s)").capitalize()
            found.append((label, str(value)))
    if notification.objects:
        found.append(("Objects", ", ".join(notification.objects)))
    return [(label, value) for label, value in found if value]


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending in ``…`` when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

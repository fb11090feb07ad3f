"""What one notification says, whatever service it goes to: taken from an event, masked.

Every payload (:mod:`trueup.notify.payloads`) is written from a :class:`Notification`
alone, so what reaches a chat service is exactly what this module lets through: the
event's app, revision, kind, severity, message and details, each masked for the values
of every Secret of the configuration, and a link to the dashboard when the Provider has
one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from urllib.parse import quote

from trueup.daemon.events import Event
from trueup.masking import Masker
from trueup.store.model import FieldValue

PRODUCT = "trueup"
"""Who the notifications say they come from."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One event as it is sent: masked, with the link to the App in the dashboard."""

    reason: str
    """The event's kind, such as ``reconcile.failed``."""
    severity: str
    """``info``, ``warning`` or ``error``."""
    message: str
    at: datetime
    app: str | None = None
    revision: str | None = None
    objects: tuple[str, ...] = ()
    details: Mapping[str, FieldValue] = field(default_factory=lambda: MappingProxyType({}))
    link: str | None = None
    """``<dashboardURL>/apps/<app>`` (the dashboard itself without an app), or None."""

    @property
    def title(self) -> str:
        """``<app>: <reason>``, or ``trueup: <reason>`` for an event about no App."""
        return f"{self.app or PRODUCT}: {self.reason}"

    @property
    def time(self) -> str:
        """The event's time in RFC 3339, UTC, to the second."""
        return self.at.isoformat(timespec="seconds").replace("+00:00", "Z")


def notification_of(event: Event, masker: Masker, dashboard_url: str | None) -> Notification:
    """``event`` as a notification: every text masked by ``masker``, linked to the dashboard."""
    revision = event.revision
    if revision is None and isinstance(event.fields.get("revision"), str):
        revision = str(event.fields["revision"])
    details = {
        key: masker(value) if isinstance(value, str) else value
        for key, value in event.fields.items()
        if key != "revision"
    }
    return Notification(
        reason=event.kind.value,
        severity=event.level.value,
        message=masker(event.message),
        at=event.at,
        app=event.app,
        revision=revision,
        objects=tuple(masker(o) for o in event.objects),
        details=MappingProxyType(details),
        link=_link(dashboard_url, event.app),
    )


def _link(dashboard_url: str | None, app: str | None) -> str | None:
    if dashboard_url is None:
        return None
    base = dashboard_url.rstrip("/")
    return f"{base}/apps/{quote(app, safe='')}" if app else base

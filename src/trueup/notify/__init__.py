"""Notifications: the daemon's events, as the Alerts select them, sent to chat services and
webhooks (``Provider``: ``webhook``, ``slack``, ``msteams``, ``discord``).

:class:`Notifier` follows the event bus; :mod:`~trueup.notify.routing` matches Alerts,
:mod:`~trueup.notify.payloads` writes each service's request, and
:mod:`~trueup.notify.delivery` sends them, queued per Provider, rate-limited, retried and,
after a bound, dropped with a ``notification.dropped`` event.
"""

from __future__ import annotations

from trueup.notify.delivery import DeliveryPolicy
from trueup.notify.notifier import Notifier

__all__ = ["DeliveryPolicy", "Notifier"]

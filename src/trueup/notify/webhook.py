"""The generic ``webhook`` payload: trueup's own JSON, and its HMAC-SHA256 signature.

The body is one JSON object (``app``, ``revision``, ``reason``, ``severity``,
``message``, ``time``, ``objects``, ``details``, ``url``). With a signing key (key
``token`` of the Provider's Secret) the request carries
``X-Trueup-Signature: sha256=<hex>``, the HMAC-SHA256 of the exact body bytes under that
key: a receiver recomputes it over the raw body and compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Final

from trueup.notify.message import Notification

SIGNATURE_HEADER: Final = "X-Trueup-Signature"


def webhook_payload(notification: Notification) -> dict[str, Any]:
    """The JSON body of a generic webhook request for ``notification``."""
    return {
        "app": notification.app,
        "revision": notification.revision,
        "reason": notification.reason,
        "severity": notification.severity,
        "message": notification.message,
        "time": notification.time,
        "objects": list(notification.objects),
        "details": dict(notification.details),
        "url": notification.link,
    }


def signature(key: bytes, body: bytes) -> str:
    """The ``X-Trueup-Signature`` value of ``body``: ``sha256=`` and the hex HMAC."""
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

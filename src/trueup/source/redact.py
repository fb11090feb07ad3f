"""Scrub secrets from text before it reaches an error message or a log.

Pure. Two layers: patterns that look like credentials whatever they are (a password in a
URL, an ``Authorization`` header, ``token=`` query parameters), and the exact secret values
a fetch was given, in the forms git might echo them (plain, URL-encoded, base64 of
``user:password``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote

MASK = "***"
_MIN_SECRET_LENGTH = 4

_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*):[^/@\s]*@")
_AUTH_HEADER = re.compile(r"(?i)(authorization:\s*)(\S+\s+)?\S+")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:access_token|private_token|token|password)=)[^&#\s]+")


def redact_url(text: str) -> str:
    """Mask credential-looking parts: ``https://user:pass@host`` → ``https://user:***@host``."""
    text = _URL_PASSWORD.sub(rf"\1:{MASK}@", text)
    text = _AUTH_HEADER.sub(rf"\1{MASK}", text)
    return _QUERY_SECRET.sub(rf"\1{MASK}", text)


class Redactor:
    """Masks the given secret values, and credential-looking patterns, in any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        variants: set[str] = set()
        for secret in secrets:
            for value in (secret, secret.strip()):
                if len(value) >= _MIN_SECRET_LENGTH:
                    variants.update((value, quote(value, safe=""), _b64(value)))
        # Longest first so that a secret containing another is masked whole.
        self._values = sorted(variants, key=len, reverse=True)

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also masks ``secrets``."""
        return Redactor([*self._values, *secrets])

    def __call__(self, text: str) -> str:
        """``text`` with every known secret and credential pattern masked."""
        for value in self._values:
            text = text.replace(value, MASK)
        return redact_url(text)


def basic_credentials(username: str, password: str) -> str:
    """The base64 value of a basic ``Authorization`` header."""
    return _b64(f"{username}:{password}")


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()

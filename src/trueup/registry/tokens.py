"""Bearer tokens of the registry token flow, cached per scope until they expire.

The token server (the challenge's ``realm``) hands out a token for one ``service`` and
``scope`` (``repository:org/app:pull``) that lasts ``expires_in`` seconds (60 when it does
not say, as the distribution specification prescribes). A token is reused for its scope
until shortly before it expires, so a scan every few minutes asks for a token once per
scan, not once per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

DEFAULT_LIFETIME: Final = 60.0
"""Seconds a token lives when the token server does not say (``expires_in``)."""

MARGIN: Final = 5.0
"""Seconds before its expiry a token is no longer offered, so it cannot expire in flight."""


@dataclass(frozen=True, slots=True)
class _Token:
    value: str = field(repr=False)
    expires_at: float


class TokenCache:
    """Tokens by ``(realm, service, scope)``; ``clock`` is monotonic seconds."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str, str], _Token] = {}

    def get(self, realm: str, service: str, scope: str) -> str | None:
        """The cached token for the scope, or ``None`` when there is none still valid."""
        token = self._tokens.get((realm, service, scope))
        if token is None or self._clock() >= token.expires_at - MARGIN:
            return None
        return token.value

    def put(
        self, realm: str, service: str, scope: str, value: str, expires_in: float | None
    ) -> None:
        """Keep ``value`` for the scope for ``expires_in`` seconds (default 60)."""
        lifetime = expires_in if expires_in is not None and expires_in > 0 else DEFAULT_LIFETIME
        self._tokens[(realm, service, scope)] = _Token(value, self._clock() + lifetime)

    def drop(self, realm: str, service: str, scope: str) -> None:
        """Forget the token for the scope (the registry refused it)."""
        self._tokens.pop((realm, service, scope), None)

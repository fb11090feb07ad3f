"""Browser sessions: a login exchanged for a cookie, held in memory with an expiry.

A session is opened by a login method (today: an ApiToken typed into the login form) and
remembers only who logged in (:class:`Identity`) and a random CSRF token; the pages and
the API see the :class:`~trueup.api.auth.Caller` it stands for, so another login method
(single sign-on, a trusted proxy's header) only has to open a session. A session made
from an ApiToken keeps the token's digest, never the token, and is checked against the
configuration in force at every request: a token removed or made a viewer takes effect at
once.

The cookie holds the session's random id; the table is keyed by its digest. A session ends
after :data:`IDLE` without a request, :data:`LIFETIME` after login in any case, at logout,
and when the daemon restarts. Ended sessions are removed from the table when one is
presented, when a session opens, and otherwise at least every :data:`SWEEP_EVERY` while
the dashboard or the API is used, so they do not pile up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from trueup.api.auth import Caller, Tokens

COOKIE = "trueup_session"
"""The name of the session cookie."""

CSRF_HEADER = "X-CSRF-Token"
"""The header (or, for a form, the field ``csrf``) an action must carry."""

IDLE = timedelta(hours=1)
"""A session unused this long ends."""

LIFETIME = timedelta(hours=8)
"""A session ends this long after login, used or not."""

SWEEP_EVERY = timedelta(minutes=1)
"""While sessions are looked up, ended ones are removed at least this often."""

MAX_SESSIONS = 10_000
"""At most this many sessions are held; the least recently used goes first."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who logged in, and how: ``method`` names the login method (``token``)."""

    method: str
    token_digest: bytes
    """The digest of the ApiToken presented (login method ``token``)."""


@dataclass(frozen=True, slots=True)
class Session:
    """One browser's login: who, its CSRF token, when it began and was last used."""

    identity: Identity
    csrf: str
    started: datetime
    seen: datetime

    def expired(self, now: datetime) -> bool:
        """Whether the session has ended by time."""
        return now - self.seen > IDLE or now - self.started > LIFETIME


def _key(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


class Sessions:
    """The sessions of one daemon's dashboard."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._table: dict[bytes, Session] = {}
        self._swept = self._clock()

    def open(self, identity: Identity) -> tuple[str, Session]:
        """A new session for ``identity``: its id (for the cookie) and the session."""
        now = self._clock()
        self._sweep(now)
        while len(self._table) >= MAX_SESSIONS:
            del self._table[next(iter(self._table))]  # the least recently used
        session_id = secrets.token_urlsafe(32)
        session = Session(identity, secrets.token_urlsafe(32), now, now)
        self._table[_key(session_id)] = session
        return session_id, session

    def find(self, session_id: str | None) -> Session | None:
        """The live session of the cookie's ``session_id`` (its use recorded), or None."""
        now = self._clock()
        if now - self._swept >= SWEEP_EVERY:
            self._sweep(now)
        if not session_id:
            return None
        key = _key(session_id)
        session = self._table.get(key)
        if session is None:
            return None
        if session.expired(now):
            self._sweep(now)  # this one and any other that has ended
            return None
        used = replace(session, seen=now)
        self._table.pop(key)
        self._table[key] = used  # newest last: a full table drops the least recently used
        return used

    def close(self, session_id: str | None) -> None:
        """End the session (logout); nothing for an unknown one."""
        if session_id:
            self._table.pop(_key(session_id), None)

    def __len__(self) -> int:
        return len(self._table)

    def _sweep(self, now: datetime) -> None:
        """Remove every ended session."""
        for key in [k for k, s in self._table.items() if s.expired(now)]:
            del self._table[key]
        self._swept = now


def caller_of(session: Session, tokens: Tokens) -> Caller | None:
    """The caller ``session`` stands for under the configuration in force (None: its token
    is gone)."""
    if session.identity.method == "token":
        return tokens.by_digest(session.identity.token_digest)
    return None


def csrf_matches(session: Session, presented: str | None) -> bool:
    """Whether ``presented`` is the session's CSRF token (compared in constant time)."""
    return presented is not None and hmac.compare_digest(presented.encode(), session.csrf.encode())

"""Who is calling: bearer tokens from ``ApiToken`` objects, their role and their Apps.

Tokens are held as SHA-256 digests only, compared in constant time with every known
digest (so the time taken tells nothing about which token came close), and never logged.

Without any ApiToken the API is open (as an operator of every App) to requests that
arrive on a loopback listener, and to others only when ``trueup serve`` was told so with
``--insecure-no-auth-on-network``. Once one ApiToken exists, every request needs one.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from fnmatch import fnmatchcase

from trueup.api.problems import Code, Problem
from trueup.config import ApiRole, LoadedConfig
from trueup.store import Trigger

SCHEME = "Bearer"


@dataclass(frozen=True, slots=True)
class Caller:
    """Whoever a request comes from: a token's name, its role and the App globs it covers."""

    name: str
    role: ApiRole
    apps: tuple[str, ...] = ("*",)

    def may_see(self, app: str) -> bool:
        """Whether the App called ``app`` is among the caller's (one of the globs matches)."""
        return any(fnmatchcase(app, pattern) for pattern in self.apps)

    @property
    def sees_all(self) -> bool:
        """Whether the caller covers every App (``*``), and so what concerns no one App
        (the daemon's own events, which may name sources and counts of others' Apps)."""
        return "*" in self.apps

    @property
    def may_act(self) -> bool:
        """Whether the caller may sync, suspend, resume and refresh (the operator role)."""
        return self.role is ApiRole.OPERATOR

    @property
    def trigger(self) -> str:
        """What the history records as having started an action: ``api:<token name>``."""
        return str(Trigger("api", self.name))


ANONYMOUS = Caller("anonymous", ApiRole.OPERATOR)
"""The caller of an API without tokens (on loopback, or on a network when allowed)."""


def digest(token: str) -> bytes:
    """The SHA-256 digest a token is known by (a browser session keeps only this).

    Surrounding whitespace is not part of a token (a configured one has none; a pasted
    one often does).
    """
    return hashlib.sha256(token.strip().encode()).digest()


@dataclass(frozen=True, slots=True)
class KnownToken:
    """An ApiToken that a presented secret matched: its digest and its caller."""

    digest: bytes
    caller: Caller


class Tokens:
    """The ApiTokens of one configuration, as digests.

    :meth:`find` is the one lookup of a presented token (a bearer header's, a login
    form's); :meth:`by_digest` looks up again what a session kept.
    """

    def __init__(self, config: LoadedConfig) -> None:
        self._known = tuple(
            KnownToken(
                digest(config.api_token_secret(t)),
                Caller(t.metadata.name, t.spec.role, t.spec.apps),
            )
            for t in config.api_tokens
        )

    def __bool__(self) -> bool:
        return bool(self._known)

    def caller(self, authorization: str | None, *, open_here: bool) -> Caller:
        """The caller an ``Authorization`` header stands for; a 401 Problem for none.

        ``open_here``: requests without tokens configured are let in on this listener.
        """
        if not self._known:
            if open_here:
                return ANONYMOUS
            raise Problem(
                Code.UNAUTHORIZED,
                "the API needs a token on a listener beyond loopback: declare an ApiToken "
                "in the configuration",
            )
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != SCHEME.lower() or not token.strip():
            raise Problem(Code.UNAUTHORIZED, "send a token: Authorization: Bearer <token>")
        found = self.find(token)
        if found is None:
            raise Problem(Code.UNAUTHORIZED, "the token is not valid")
        return found.caller

    def find(self, secret: str) -> KnownToken | None:
        """The ApiToken whose token is ``secret``, None for none."""
        return self._match(digest(secret))

    def by_digest(self, presented: bytes) -> Caller | None:
        """The caller of the token with this :func:`digest` (what a session kept), None for
        no such token any more."""
        found = self._match(presented)
        return found.caller if found is not None else None

    def _match(self, presented: bytes) -> KnownToken | None:
        # Every known digest is compared, in constant time, so the time taken does not
        # tell which token came close or how many were compared before.
        found: KnownToken | None = None
        for known in self._known:
            if hmac.compare_digest(known.digest, presented):
                found = known
        return found

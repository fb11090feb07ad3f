"""Which Apps a ``GET /api/apps`` answers with: filters, and pages with a continue token.

Pure: the handler in :mod:`trueup.api.reads` hands the summaries kept ready
(:class:`~trueup.api.summaries.Ready`). Apps are in name order; a page's continue token
is the last name on it, so a page stays correct when Apps are added or removed between
two requests.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from trueup.api.auth import Caller
from trueup.api.problems import Code, Problem
from trueup.api.summaries import Ready
from trueup.config import App

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class AppQuery:
    """The filters and the page a caller asked for."""

    name: str | None = None
    status: str | None = None
    source: str | None = None
    label: tuple[str, str] | None = None
    limit: int = DEFAULT_LIMIT
    after: str | None = None
    """The last App of the previous page."""

    def matches(self, name: str, app: App | None) -> bool:
        """Whether the App (None: invalid, known by name only) passes the name, source and
        label filters (the status filter needs its status: :meth:`matches_status`)."""
        if self.name is not None and not fnmatchcase(name, self.name):
            return False
        if self.source is not None and (app is None or app.spec.source != self.source):
            return False
        if self.label is not None:
            key, value = self.label
            return app is not None and app.metadata.labels.get(key) == value
        return True

    def matches_status(self, sync: str) -> bool:
        """Whether a status row's sync passes: its first word (``Drifted (2 objects)``)."""
        return self.status is None or sync.split(" ", 1)[0].lower() == self.status.lower()


@dataclass(frozen=True, slots=True)
class Page:
    """The Apps of one answer, and the token of the next page (None on the last)."""

    names: list[str]
    continue_token: str | None


def select(ready: Ready, query: AppQuery, caller: Caller) -> Page:
    """The page of Apps ``query`` asks for among those ``caller`` may see."""
    names: list[str] = []
    everyone = caller.sees_all
    for name in ready.names:
        if query.after is not None and name <= query.after:
            continue
        if not everyone and not caller.may_see(name):
            continue
        if not query.matches(name, ready.apps.get(name)):
            continue
        if not query.matches_status(ready.summaries[name].sync):
            continue
        if len(names) == query.limit:
            return Page(names, continue_token(names[-1]))
        names.append(name)
    return Page(names, None)


def limit_of(query: Mapping[str, str], default: int = DEFAULT_LIMIT) -> int:
    """The ``limit`` parameter, 1 to :data:`MAX_LIMIT`; a 400 Problem otherwise."""
    text = query.get("limit")
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise Problem(Code.BAD_REQUEST, f"limit {text!r}: write a number from 1 to {MAX_LIMIT}")
    return int(text)


def parse_query(query: Mapping[str, str]) -> AppQuery:
    """The :class:`AppQuery` of a request's query string; a 400 Problem for a bad value."""
    label = None
    if (text := query.get("label")) is not None:
        key, sep, value = text.partition("=")
        if not sep or not key:
            raise Problem(Code.BAD_REQUEST, f"label {text!r}: write key=value")
        label = (key, value)
    after = None
    if (token := query.get("continue")) is not None:
        after = _decode(token)
    return AppQuery(
        name=query.get("name") or None,
        status=query.get("status") or None,
        source=query.get("source") or None,
        label=label,
        limit=limit_of(query),
        after=after,
    )


def continue_token(last: str) -> str:
    """The token that asks for the Apps after ``last``."""
    return base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")


def _decode(token: str) -> str:
    try:
        padded = token + "=" * (-len(token) % 4)
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(
            Code.BAD_REQUEST, "continue: not a token this API gave; start from the first page"
        ) from None

"""A container registry's push notifications: which repositories got a new tag.

The distribution registry (and registries compatible with its ``notifications``
endpoints) POSTs an envelope ``{"events": [{"action": "push", "target": {"mediaType",
"repository", "tag", "digest"}, ...}]}``, several events at a time. Only the push of a
tagged manifest concerns trueup; blob pushes, pulls and deletes are ignored. The request
is authenticated by ``Authorization: Bearer <token>``, which the registry's endpoint
configuration sends as a static header. The payload only selects which ImageRepositories
scan: the tags always come from the registry itself.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Collection
from typing import Final

import orjson

from trueup.config.receiver import HookEvent
from trueup.webhooks.headers import Headers
from trueup.webhooks.model import Outcome, Verdict

MAX_EVENTS: Final = 1000
"""Events read from one envelope; a registry sends far fewer at a time."""

_REPOSITORY = re.compile(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
)


def registry_verdict(
    secret: bytes, headers: Headers, body: bytes, events: Collection[HookEvent]
) -> Verdict:
    """The answer to a registry's notification (size already checked)."""
    problem = _token_problem(secret, headers)
    if problem is not None:
        return Verdict(Outcome.UNAUTHORIZED, problem)
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError:
        return Verdict(Outcome.BAD_REQUEST, "the body is not JSON")
    found = envelope.get("events") if isinstance(envelope, dict) else None
    if not isinstance(found, list):
        return Verdict(Outcome.BAD_REQUEST, 'the body is no registry envelope {"events": [...]}')
    pushed: dict[str, None] = {}
    for event in found[:MAX_EVENTS]:
        repository = _pushed_repository(event)
        if repository is not None:
            pushed[repository] = None
    if not pushed:
        return Verdict(Outcome.IGNORED, "no tag was pushed: nothing to scan")
    if not HookEvent.PUSH.selected_by(frozenset(events)):
        return Verdict(Outcome.IGNORED, "pushes ignored: this Receiver's events leave them out")
    names = ", ".join(list(pushed)[:5]) + (" …" if len(pushed) > 5 else "")
    return Verdict(
        Outcome.ACCEPTED, f"push to {names} accepted", HookEvent.PUSH, images=tuple(pushed)
    )


def _pushed_repository(event: object) -> str | None:
    """The repository of a tagged manifest's push, or None for any other event."""
    if not isinstance(event, dict) or event.get("action") != "push":
        return None
    target = event.get("target")
    if not isinstance(target, dict) or not isinstance(target.get("tag"), str):
        return None
    repository = target.get("repository")
    if not isinstance(repository, str) or len(repository) > 255:
        return None
    return repository if _REPOSITORY.fullmatch(repository) else None


def _token_problem(secret: bytes, headers: Headers) -> str | None:
    given = headers.get("authorization")
    if given is None:
        return (
            "no Authorization header (or one given twice): give the registry's endpoint "
            "the header Authorization: Bearer <the Receiver's secret>"
        )
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not token.isascii():
        return "Authorization is no Bearer token"
    if not (secret and hmac.compare_digest(token.strip().encode(), secret)):
        return "the Bearer token does not match the Receiver's secret"
    return None

"""Commit statuses: what a forge Provider (``github``, ``gitlab``, ``gitea``) posts, and when.

A forge Provider turns the daemon's events into the status of the commit an App applied,
so that a merged pull request shows whether it reached the cluster. The rules
(:func:`state_of`, pure):

- ``reconcile.succeeded``: ``success`` when the App is Healthy, ``failure`` when it is
  Degraded, ``pending`` while its health is anything else (Progressing, Suspended,
  Missing, Unknown): applied, but not known to work yet;
- ``reconcile.failed``: ``failure``; but ``pending`` when the App only waits for an App it
  depends on (reason ``dependency``), which says nothing about the commit;
- ``app.health``, ``app.degraded``, ``app.recovered`` (a later change of health): the
  same health rule, for the revision the App last reconciled;
- every other event, and an event whose revision names no commit: nothing.

The context is ``trueup/<cluster>/<app>`` (:func:`context_of`), so that several clusters
reporting on one commit keep a status each. A state is posted only when it differs from
the last one of that context on that commit: :class:`CommitStatuses` remembers it, and on
first sight of a commit (after a restart, say) reads the commit's statuses from the forge
instead, so a restart does not post the same state again and no table in the store is
needed. Posts go through each Provider's queue (:mod:`trueup.notify.delivery`): rate
limits, retries and drops are those of every Provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from trueup.daemon.events import Event, Kind
from trueup.errors import ForgeError, ForgeUnavailableError
from trueup.forge import CommitState, CommitStatus, Forge, open_forge, repository_of
from trueup.notify.delivery import Attempt
from trueup.notify.message import Notification
from trueup.notify.routing import Destination
from trueup.notify.sender import Outcome, Result
from trueup.objects import ObjectId

MAX_DESCRIPTION: Final = 140
"""GitHub refuses longer descriptions; the others show about as much."""

_SHA: Final = re.compile(r"(?:^|[@:])(?:sha1|sha256):([0-9a-fA-F]{40,64})$|^([0-9a-fA-F]{40,64})$")
_RECONCILES: Final = frozenset({Kind.RECONCILED.value, Kind.RECONCILE_FAILED.value})
_HEALTH: Final = frozenset({Kind.HEALTH.value, Kind.DEGRADED.value, Kind.RECOVERED.value})


def sha_of(revision: str | None) -> str | None:
    """The commit id in a revision such as ``main@sha1:<hex>``, or None."""
    found = _SHA.search(revision or "")
    return (found.group(1) or found.group(2)).lower() if found else None


def context_of(cluster: str, app: str) -> str:
    """The status context of ``app`` on ``cluster``: ``trueup/<cluster>/<app>``."""
    return f"trueup/{cluster}/{app}"


def state_of(notification: Notification) -> tuple[CommitState, str] | None:
    """The commit state a notification reports, with a short description; None when it
    reports none (see the module's rules)."""
    reason, details = notification.reason, notification.details
    if reason == Kind.RECONCILE_FAILED.value:
        if details.get("reason") == "dependency":
            return CommitState.PENDING, _cut(f"waiting for a dependency: {notification.message}")
        return CommitState.FAILURE, _cut(f"reconcile failed: {notification.message}")
    if reason == Kind.RECONCILED.value or reason in _HEALTH:
        health = str(details.get("health") or "Unknown")
        if health == "Healthy":
            return CommitState.SUCCESS, "applied; healthy"
        if health == "Degraded":
            return CommitState.FAILURE, "applied; health is Degraded"
        return CommitState.PENDING, f"applied; health is {health}"
    return None


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


@dataclass(frozen=True, slots=True)
class _Posted:
    sha: str
    state: CommitState | None


class CommitStatuses:
    """The commit-status side of the notifier: which notifications a forge Provider
    posts, the revision each App last reconciled, what was posted, and the forge clients."""

    def __init__(self, installation: str | None = None) -> None:
        self._installation = installation or "default"
        self._revisions: dict[str, str] = {}
        self._posted: dict[tuple[ObjectId, str], _Posted] = {}
        self._forges: dict[Destination, Forge] = {}

    def remember(self, event: Event) -> None:
        """Note the revision a reconcile of an App reached (every event passes here)."""
        revision = event.revision
        if revision is None and isinstance(event.fields.get("revision"), str):
            revision = str(event.fields["revision"])
        if event.app and event.kind.value in _RECONCILES and sha_of(revision) is not None:
            assert revision is not None
            self._revisions[event.app] = revision

    def prepare(self, notification: Notification) -> Notification | None:
        """``notification`` as a forge Provider's queue takes it (a health change gets the
        App's last revision), or None when it reports no commit state."""
        if notification.app is None or state_of(notification) is None:
            return None
        if notification.reason in _HEALTH:
            revision = self._revisions.get(notification.app)
            if revision is None:
                return None
            notification = replace(notification, revision=revision)
        return notification if sha_of(notification.revision) is not None else None

    def attempt_for(self, destination: Destination) -> Attempt:
        """How the queue of ``destination`` sends: one commit status, unless it is the
        state that context already has on that commit."""

        async def attempt(notification: Notification, within: float) -> Outcome:
            return await self._attempt(destination, notification)

        return attempt

    async def retain(self, destinations: set[Destination]) -> None:
        """Close the clients of Providers that left the configuration or changed."""
        for destination in list(self._forges):
            if destination not in destinations:
                await self._forges.pop(destination).aclose()

    async def aclose(self) -> None:
        """Close every forge client."""
        await self.retain(set())

    async def _attempt(self, destination: Destination, notification: Notification) -> Outcome:
        found = state_of(notification)
        sha = sha_of(notification.revision)
        if found is None or sha is None or notification.app is None:
            return Outcome(Result.DELIVERED)
        state, description = found
        cluster = destination.cluster or self._installation
        status = CommitStatus(
            sha, state, context_of(cluster, notification.app), description, notification.link
        )
        key = (destination.id, status.context)
        try:
            forge = self._forge(destination)
            last = self._posted.get(key)
            if last is None or last.sha != sha:
                last = _Posted(sha, await _latest(forge, status))
            if last.state is state:
                self._posted[key] = last
                return Outcome(Result.DELIVERED)
            await forge.post_status(status)
        except ForgeUnavailableError as e:
            return Outcome(Result.TEMPORARY, str(e), e.retry_after)
        except ForgeError as e:
            return Outcome(Result.PERMANENT, str(e))
        self._posted[key] = _Posted(sha, state)
        return Outcome(Result.DELIVERED)

    def _forge(self, destination: Destination) -> Forge:
        forge = self._forges.get(destination)
        if forge is None:
            kind = destination.type.forge
            token = destination.signing_key
            if kind is None or token is None:
                raise ForgeError(f"{destination.label}: not a forge Provider with a token")
            repository = repository_of(
                kind, destination.url.get_secret_value(), destination.api_url
            )
            forge = open_forge(
                repository, token.get_secret_value(), timeout=destination.timeout.total_seconds()
            )
            self._forges[destination] = forge
        return forge


async def _latest(forge: Forge, status: CommitStatus) -> CommitState | None:
    """The state the forge shows for ``status``'s context on its commit, if any."""
    for shown in await forge.statuses(status.sha):
        if shown.context == status.context:
            return shown.state
    return None

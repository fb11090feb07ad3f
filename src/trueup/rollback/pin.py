"""Rollback by pin: put an App back to a revision it applied before, and keep it there.

``trueup rollback APP --to REVISION`` (and ``POST /api/apps/{name}/rollback``):

1. :func:`applied_attempt` finds the App's succeeded attempt at REVISION in history: the
   whole revision string as ``trueup history`` shows it, or at least 7 hexadecimal digits
   of its commit id.
2. :func:`pin_app` records the pin (``store.Pin``): that revision, its commit and the
   inputs recorded with the attempt (chart version and digest, hashes of values read from
   the cluster), with who asked and why.
3. A sync applies it. The pin is an input of the one reconcile pipeline (see
   ``trueup.inputs.pinned``): every later sync, the daemon's interval and drift corrections
   included, applies the pinned commit, so new revisions are not applied and drift is put
   back towards the pin, until ``trueup resume APP`` lifts it.

Pinning is not suspending: a pinned App is reconciled all the time, at its pin. A
suspended App cannot be rolled back (nothing would apply it): resume it first.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from trueup.engine import SyncOptions, SyncReport
from trueup.errors import ConfigError
from trueup.rollback.shown import commit_of
from trueup.store import Attempt, AttemptResult, Pin, RecordedInputs, Store

MIN_PREFIX = 7
"""The fewest hexadecimal digits of a commit id that name a revision."""

HISTORY_DEPTH = 10_000
"""How many of an App's newest attempts a revision is looked for in."""

_HEX = re.compile(r"[0-9a-f]+")

Sync = Callable[[str, SyncOptions], Awaitable[SyncReport]]
"""Runs one sync of an App (``Engine.sync`` with a progress, or ``Daemon.sync_now``)."""


@dataclass(frozen=True, slots=True)
class Rollback:
    """A rollback in pin mode: the pin recorded, and the report of the sync that applied it."""

    pin: Pin
    report: SyncReport
    notes: tuple[str, ...] = ()
    """What the user should know that is no failure (no inputs were recorded, say)."""


def applied_attempt(history: Sequence[Attempt], wanted: str, app: str) -> Attempt:
    """The newest succeeded sync of the whole App in ``history`` at revision ``wanted``.

    ``wanted`` is a revision as ``trueup history`` shows it, or a prefix of at least
    :data:`MIN_PREFIX` hexadecimal digits of its commit id (``sha1:`` may come first).
    ``ConfigError`` when no such attempt is found or a prefix names several commits, saying
    how to find a revision.
    """
    applied = [
        a
        for a in history
        if a.result is AttemptResult.SUCCEEDED and not a.only and a.revision is not None
    ]
    wanted = wanted.strip()
    exact = [a for a in applied if a.revision == wanted]
    if exact:
        return exact[0]
    prefix = wanted.lower().removeprefix("sha1:")
    how = (
        f"give a revision App/{app} applied successfully, whole or as {MIN_PREFIX} or more "
        f"hex digits of its commit, as `trueup history {app}` lists them"
    )
    if len(prefix) < MIN_PREFIX or not _HEX.fullmatch(prefix):
        raise ConfigError(f"{wanted!r} is neither a revision nor a commit id prefix: {how}")
    found = [a for a in applied if commit_of(a.revision or "").startswith(prefix)]
    if not found:
        raise ConfigError(f"App/{app} never applied {wanted!r} successfully: {how}")
    commits = sorted({commit_of(a.revision or "") for a in found})
    if len(commits) > 1:
        listed = ", ".join(c[:12] for c in commits)
        raise ConfigError(
            f"{wanted!r} names several commits App/{app} applied ({listed}): give more digits"
        )
    return found[0]


async def pin_app(
    store: Store,
    app: str,
    wanted: str,
    *,
    by: str,
    at: datetime,
    reason: str = "",
    announce: Callable[[Pin], None] | None = None,
) -> tuple[Pin, tuple[str, ...]]:
    """Pin ``app`` at the revision ``wanted`` names (see :func:`applied_attempt`) with the
    inputs recorded for that attempt; the pin and notes for the user. ``announce`` is told
    of the pin just before it is stored (a daemon that syncs it itself, see ``roll_back``).

    ``ConfigError`` when the App is suspended: a pin is applied by a sync, which a
    suspension stops.
    """
    held = (await store.suspensions()).get(app)
    if held is not None:
        raise ConfigError(
            f"App/{app} is suspended by {held.by}: nothing would apply a rollback; "
            f"`trueup resume {app}` first, then roll back"
        )
    attempt = applied_attempt(await store.history(app, HISTORY_DEPTH), wanted, app)
    assert attempt.revision is not None
    assert attempt.id is not None
    recorded = await store.recorded_inputs(attempt.id)
    notes: tuple[str, ...] = ()
    if recorded is None:
        notes = (
            f"no inputs were recorded when App/{app} applied {attempt.revision} (by an older "
            "trueup): a Helm chart's version range and values from the cluster are "
            "resolved as they are now",
        )
    revision = attempt.revision
    pin = Pin(app, revision, commit_of(revision), by, at, reason, recorded or RecordedInputs())
    if announce is not None:
        announce(pin)
    return await store.pin(pin), notes


async def roll_back(
    store: Store,
    sync: Sync,
    app: str,
    wanted: str,
    *,
    trigger: str,
    at: datetime,
    reason: str = "",
    options: SyncOptions | None = None,
    announce: Callable[[Pin], None] | None = None,
) -> Rollback:
    """Pin ``app`` at ``wanted`` and sync it now, as ``trigger`` (who asked); the sync is
    recorded in history like any other, with that trigger. ``options`` (its trigger
    replaced) say how the sync runs; ``announce`` as for :func:`pin_app`."""
    pin, notes = await pin_app(
        store, app, wanted, by=trigger, at=at, reason=reason, announce=announce
    )
    asked = replace(options or SyncOptions(), trigger=trigger)
    report = await sync(app, asked)
    return Rollback(pin, report, notes)


def rollback_data(done: Rollback, report: Mapping[str, Any]) -> dict[str, object]:
    """A rollback in pin mode as plain data, the one shape of ``trueup rollback -o json``
    and of the API's answer; ``report`` is the sync's report as ``sync -o json`` shows it."""
    pin = done.pin
    return {
        "mode": "pin",
        "app": pin.app,
        "revision": pin.revision,
        "commit": pin.commit,
        "by": pin.by,
        "at": pin.at.isoformat(timespec="seconds"),
        "reason": pin.reason,
        "chartVersion": pin.inputs.chart_version,
        "chartDigest": pin.inputs.chart_digest,
        "notes": list(done.notes),
        "report": dict(report),
    }


__all__ = [
    "HISTORY_DEPTH",
    "MIN_PREFIX",
    "Rollback",
    "Sync",
    "applied_attempt",
    "commit_of",
    "pin_app",
    "roll_back",
    "rollback_data",
]

"""Which ``reconcile.succeeded`` and ``reconcile.failed`` events are news worth a chat
message. Pure.

The daemon reconciles every App on its interval and reports each success, most of them
"nothing to change"; a failing App is retried on a backoff and each retry reports the
same failure again. An Alert on these events is a request to hear that a change went
out, that an App broke or that it works again, not a message every few minutes per App.

A success is news when it says something the App's last reconcile did not:

- it applied something (the event names changed objects);
- its revision differs from the App's last success (a new commit, even one that changed
  no object);
- its health differs from the last success's (Progressing → Healthy);
- the App's last reconcile failed (it recovered).

The first success of an App seen since the daemon started is news only when it applied
something: after a restart each App's first no-op reconcile is not reported again.

A failure is news to a Provider unless it is the failure last sent to that Provider
about that App: the same revision and the same error message, with no success of the
App in between. A different error, another revision, or a recovery lets the next failure
through; so does a failure whose notification was given up on (:meth:`Repeats.undelivered`:
the Provider never heard of it). An unchanged failure is sent again as a reminder once
:data:`REMIND_AFTER` has passed since it was last sent, so an App broken for a day is not
forgotten. Successes are judged on the App's history alone, the same for every Provider;
failures on what each Provider was told, since an Alert may have been added while the App
was failing.

A repeat is not sent, and counted (``trueup_notifications`` with result
``deduplicated``). Commit-status Providers are not filtered here: they post the state of
a commit only when it changes already (:mod:`trueup.notify.commit_status`). Every other
kind of event is always news.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from trueup.daemon.events import Event, Kind
from trueup.objects import ObjectId

REMIND_AFTER = 3600.0
"""Seconds after which an unchanged failure is sent to a Provider again (an hour)."""


@dataclass(frozen=True, slots=True)
class _Last:
    """What the App's last reconcile said."""

    failed: bool
    revision: str | None = None
    health: str | None = None


@dataclass(frozen=True, slots=True)
class _Sent:
    """The failure last sent to one Provider about one App, and when (clock seconds)."""

    revision: str | None
    message: str
    at: float


class Repeats:
    """The last reconcile outcome of each App and the last failure each Provider was sent
    about it, to tell news from a repeat."""

    def __init__(self) -> None:
        self._last: dict[str, _Last] = {}
        self._sent: dict[str, dict[ObjectId, _Sent]] = {}

    def news(self, event: Event, providers: Iterable[ObjectId], now: float) -> frozenset[ObjectId]:
        """Those of ``providers`` (the chat and webhook Providers the event is routed to) to
        which ``event`` is worth sending, at ``now`` on the notifier's clock. Call it for
        every event, routed or not: it remembers reconcile outcomes and sent failures."""
        providers = frozenset(providers)
        if event.app is None or event.kind not in (Kind.RECONCILED, Kind.RECONCILE_FAILED):
            return providers
        if event.kind is Kind.RECONCILE_FAILED:
            self._last[event.app] = _Last(failed=True)
            return self._failure_news(event.app, event, providers, now)
        self._sent.pop(event.app, None)  # it recovered: its next failure is news everywhere
        before = self._last.get(event.app)
        health = event.fields.get("health")
        this = _Last(False, event.revision, None if health is None else str(health))
        self._last[event.app] = this
        if event.objects:
            return providers
        if before is None:
            return frozenset()
        if before.failed or before.revision != this.revision or before.health != this.health:
            return providers
        return frozenset()

    def _failure_news(
        self, app: str, event: Event, providers: frozenset[ObjectId], now: float
    ) -> frozenset[ObjectId]:
        sent = self._sent.setdefault(app, {})
        news: set[ObjectId] = set()
        for provider in providers:
            last = sent.get(provider)
            if (
                last is None
                or last.revision != event.revision
                or last.message != event.message
                or now - last.at >= REMIND_AFTER
            ):
                sent[provider] = _Sent(event.revision, event.message, now)
                news.add(provider)
        return frozenset(news)

    def undelivered(self, app: str, provider: ObjectId, revision: str | None) -> None:
        """A failure notification about ``app`` at ``revision`` to ``provider`` was given up
        on: the next failure is news to it, even if it is the same. (A failure sent since,
        at another revision, stays remembered.)"""
        sent = self._sent.get(app, {})
        last = sent.get(provider)
        if last is not None and last.revision == revision:
            del sent[provider]

    def forget(self, apps: set[str], providers: set[ObjectId]) -> None:
        """Drop what is kept of Apps not in ``apps`` and Providers not in ``providers``
        (removed from the configuration)."""
        for app in [app for app in self._last if app not in apps]:
            del self._last[app]
        for app in list(self._sent):
            if app not in apps:
                del self._sent[app]
                continue
            sent = self._sent[app]
            for provider in [provider for provider in sent if provider not in providers]:
                del sent[provider]

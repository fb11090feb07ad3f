"""Which ``reconcile.succeeded`` events are news worth a chat message. Pure.

The daemon reconciles every App on its interval and reports each success, most of them
"nothing to change". An Alert on ``reconcile.succeeded`` is a request to hear that a
change went out, or that an App works again, not a message every five minutes per App.
So a success is sent when it says something the last one did not:

- it applied something (the event names changed objects);
- its revision differs from the App's last success (a new commit, even one that changed
  no object);
- its health differs from the last success's (Progressing → Healthy);
- the App's last reconcile failed (it recovered).

Otherwise it is a repeat: not sent, and counted (``trueup_notifications`` with result
``deduplicated``). The first success of an App seen since the daemon started is news only
when it applied something: after a restart each App's first no-op reconcile is not
reported again. Commit-status Providers are not filtered here: they post the state of a
commit only when it changes already (:mod:`trueup.notify.commit_status`). Every other
kind of event is always news.
"""

from __future__ import annotations

from dataclasses import dataclass

from trueup.daemon.events import Event, Kind


@dataclass(frozen=True, slots=True)
class _Last:
    """What the App's last reconcile said."""

    failed: bool
    revision: str | None = None
    health: str | None = None


class Repeats:
    """The last reconcile outcome of each App, to tell a news success from a repeat."""

    def __init__(self) -> None:
        self._last: dict[str, _Last] = {}

    def news(self, event: Event) -> bool:
        """Whether ``event`` is worth sending; remembers reconcile outcomes as it goes."""
        if event.app is None or event.kind not in (Kind.RECONCILED, Kind.RECONCILE_FAILED):
            return True
        before = self._last.get(event.app)
        if event.kind is Kind.RECONCILE_FAILED:
            self._last[event.app] = _Last(failed=True)
            return True
        health = event.fields.get("health")
        now = _Last(False, event.revision, None if health is None else str(health))
        self._last[event.app] = now
        if event.objects:
            return True
        if before is None:
            return False
        return before.failed or before.revision != now.revision or before.health != now.health

    def forget(self, apps: set[str]) -> None:
        """Drop what is kept of Apps not in ``apps`` (removed from the configuration)."""
        for app in [app for app in self._last if app not in apps]:
            del self._last[app]

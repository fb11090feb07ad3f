"""Every App's summary (``GET /api/apps``, one App, ``trueup status`` through a daemon),
kept ready in memory and rebuilt only for the Apps that changed.

A summary is read from the store (``trueup status``'s rows, :mod:`trueup.api.views`, and
a few more records): some eight reads, on the one thread every store call of the daemon
waits for. Built for every request, twenty clients polling a page took the store and the
loop away from reconciling. Here an App's summary is built once and built again only
after something changed it:

- an event about the App (a reconcile, a drift, a health, a suspension, a pin, ...);
- the daemon's word that it wrote the App's records (:meth:`Daemon.on_change`: after a
  reconcile, with its next run, or a sync the API asked for);
- an action of the API on it (:meth:`Summaries.changed`: suspend, resume);
- a new configuration (every App), a source that moved (its Apps: a pinned App is
  compared with the source's revision).

Builds are single-flight: however many requests wait, one build reads the store once for
every App changed since the last, at most every :data:`BUILD_SPACING` seconds. A request
waits for a build that took the changes after it arrived, so what it sees holds every
event published before it was asked (and nothing is built while nobody asks).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trueup.api.models import AppSummary
from trueup.api.schema import to_data
from trueup.api.views import Views
from trueup.config import App, LoadedConfig
from trueup.daemon.daemon import Daemon
from trueup.daemon.events import Event, Kind
from trueup.gitspec import Commit
from trueup.store import Schedule

BUILD_SPACING = 0.25
"""Seconds from the start of one build to the start of the next, at least: the store work
of the API is bounded however often clients ask."""
REMOVED_EVERY = 30.0
"""Seconds after which the Apps removed from the configuration are looked up again (they
change without events: ``trueup delete`` takes one away)."""


@dataclass(frozen=True, slots=True)
class Ready:
    """The summaries of one moment: every App listed, in name order, with its place in the
    configuration (None for one the configuration does not have: invalid or removed)."""

    config: LoadedConfig
    names: tuple[str, ...]
    apps: Mapping[str, App]
    summaries: Mapping[str, AppSummary]
    data: Mapping[str, Any]
    """Each summary as JSON-ready data, made once per build."""


class Summaries:
    """The summaries of one daemon's Apps (see the module)."""

    def __init__(self, daemon: Daemon, views: Views, *, spacing: float = BUILD_SPACING) -> None:
        self._daemon, self._views, self._spacing = daemon, views, spacing
        self._config: LoadedConfig | None = None
        self._configured: dict[str, str] = {}
        self._apps: dict[str, App] = {}
        self._removed: tuple[str, ...] = ()
        self._removed_at: float | None = None
        self._summaries: dict[str, AppSummary] = {}
        self._data: dict[str, Any] = {}
        self._ready: Ready | None = None
        self._dirty: set[str] = set()
        self._marked = 0
        """Counts every change noted; a build covers all up to the count it took."""
        self._covered = 0
        self._building: asyncio.Task[None] | None = None
        self._last_build = -spacing
        daemon.bus.listen(self._on_event)
        daemon.on_change(self.changed)

    def changed(self, app: str) -> None:
        """What the store holds of ``app`` changed: build its summary again before the
        next answer."""
        self._dirty.add(app)
        self._marked += 1

    async def ready(self) -> Ready:
        """The summaries as of now: built again first for what changed since the last
        build (waiting for the build under way when it took the changes too early)."""
        self._follow_config()
        needed = self._marked
        while self._covered < needed or self._ready is None:
            if self._building is None or self._building.done():
                self._building = asyncio.create_task(self._build(), name="build summaries")
            # Shielded: a client that leaves does not cancel the others' build.
            await asyncio.shield(self._building)
        return self._ready

    def _on_event(self, event: Event) -> None:
        if event.app is not None:
            self.changed(event.app)
        elif event.kind is Kind.SOURCE_MOVED and self._config is not None:
            moved = event.fields.get("source")
            for app in self._config.apps:
                if str(self._config.source_of(app).id) == moved:
                    self.changed(app.metadata.name)

    def _follow_config(self) -> None:
        """Start over (every App changed) when the daemon runs another configuration."""
        config = self._daemon.config
        if config is self._config:
            return
        self._config = config
        self._configured = self._views.configured(config)
        self._apps = {app.metadata.name: app for app in config.apps}
        self._removed_at = None
        self._dirty.update(self._configured)
        self._marked += 1

    async def _build(self) -> None:
        wait = self._last_build + self._spacing - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_build = time.monotonic()
        self._follow_config()
        config, configured, apps = self._config, self._configured, self._apps
        assert config is not None
        store = self._daemon.store
        if self._removed_at is None or self._last_build - self._removed_at >= REMOVED_EVERY:
            removed = tuple(await self._views.removed(store, configured))
            self._dirty.update(set(removed) ^ set(self._removed))
            self._removed, self._removed_at = removed, self._last_build
        names = sorted(self._dirty)
        covers = self._marked
        self._dirty.clear()
        try:
            built = await summaries_of(self._daemon, self._views, names, self._removed)
        except BaseException:
            self._dirty.update(names)
            raise
        if self._config is not config:
            # Another configuration came meanwhile: the next build starts over.
            self._dirty.update(names)
            return
        listed = {*configured, *self._removed}
        for name in names:
            if name in built and name in listed:
                self._summaries[name] = built[name]
                self._data[name] = to_data(built[name])
            else:
                self._summaries.pop(name, None)
                self._data.pop(name, None)
        for name in self._summaries.keys() - listed:
            del self._summaries[name], self._data[name]
        self._ready = Ready(
            config, tuple(sorted(self._summaries)), apps, dict(self._summaries), dict(self._data)
        )
        self._covered = max(self._covered, covers)


async def summaries_of(
    daemon: Daemon, views: Views, names: list[str], removed: tuple[str, ...] = ()
) -> dict[str, AppSummary]:
    """The summaries of the Apps ``names`` (of the daemon's configuration, or ``removed``
    from it), read from the store: ``trueup status``'s rows, with the App's place in the
    configuration and the commit of its revision. The one way a summary is made."""
    if not names:
        return {}
    config, poller, store = daemon.config, daemon.poller, daemon.store
    apps = {app.metadata.name: app for app in config.apps}
    listed = [apps[name] for name in names if name in apps]
    suspended = [app.metadata.name for app in listed if app.spec.suspend]
    heads = {app.metadata.name: poller.revision(config.source_of(app).id) for app in listed}
    rows = await views.status(
        store,
        names,
        invalid=views.configured(config),
        suspended=suspended,
        removed=[name for name in removed if name in names],
        heads=heads,
    )
    schedules = await store.schedules(names)
    applied_of = await store.last_successful_attempts(names)
    summaries = {}
    for row in rows:
        applied = applied_of.get(row["app"])
        commit = applied.commit if applied and applied.revision == row["revision"] else None
        summaries[row["app"]] = _summary(
            row, apps.get(row["app"]), schedules.get(row["app"]), commit
        )
    return summaries


def _summary(
    row: Mapping[str, str], app: App | None, schedule: Schedule | None, commit: Commit | None
) -> AppSummary:
    sync = row["sync"]
    return AppSummary(
        app=row["app"],
        namespace=app.namespace if app else "",
        source=app.spec.source if app else "",
        labels=dict(app.metadata.labels) if app else {},
        target=row["target"],
        revision=row["revision"],
        sync=sync,
        health=row["health"],
        last_sync=row["lastSync"],
        confirmed_at=row["confirmedAt"],
        reason=row["reason"],
        next_reconcile=row["nextReconcile"],
        error=row["error"],
        suspended=sync == "Suspended",
        drifted=schedule.drifted if schedule is not None and sync.startswith("Drifted") else 0,
        commit_subject=commit.subject if commit is not None else "",
        commit_author=commit.author if commit is not None else "",
    )

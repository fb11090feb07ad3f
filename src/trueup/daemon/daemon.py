"""``trueup serve``'s loop: keep every App of a configuration equal to Git, continuously.

The daemon owns no reconcile logic: each App is reconciled by the same
:class:`~trueup.engine.Engine` the CLI's ``sync`` runs. Around it:

- a :class:`~trueup.daemon.sources.SourcePoller` polls each GitSource once per interval
  and enqueues the apps of a source whose revision moved;
- a :class:`~trueup.daemon.queue.WorkQueue` keyed by App, drained by ``concurrency``
  workers, so one App is never reconciled twice at once; after each reconcile
  :func:`~trueup.daemon.schedule.next_run` decides when it runs again;
- the store is watched for suspensions (``trueup suspend``/``resume``), and the
  configuration for changes (re-read when a file changes, or on :meth:`Daemon.reload`);
- everything that happens is published on the :class:`~trueup.daemon.events.EventBus`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from trueup.changeset import Action
from trueup.config import App, LoadedConfig
from trueup.daemon.backoff import Backoff, Random
from trueup.daemon.clock import Clock, sleep_or_until
from trueup.daemon.drift import DRIFT, FIGHT_WINDOW, DriftTracker
from trueup.daemon.events import Event, EventBus, Kind, Level
from trueup.daemon.feed import EventFeed
from trueup.daemon.image_updates import ImageUpdater
from trueup.daemon.images import ImageScanner, Scanned
from trueup.daemon.metrics import Metrics
from trueup.daemon.queue import QueueClosedError, WorkQueue
from trueup.daemon.readsets import affected
from trueup.daemon.schedule import Mode, Result, SameRender, mode_for, next_run, same_render_after
from trueup.daemon.sources import Polled, SharedSource, SourcePoller
from trueup.daemon.watches import WatchFailure
from trueup.engine import Engine, SyncOptions, SyncReport, Targets
from trueup.errors import ConfigError, TrueupError
from trueup.failure import Failure, Reason
from trueup.health import HealthStatus
from trueup.objects import ObjectId
from trueup.plan.drift import changed_fields, describe, drift_authors
from trueup.render import RenderLimits
from trueup.rollback.shown import pinned_message
from trueup.source import Artifact, Source
from trueup.store import Owner, Pin, Schedule, Store, Trigger
from trueup.words import counted

Loader = Callable[[], LoadedConfig]

INTERVAL = str(Trigger.daemon("interval"))
"""The reason queued for an App's next reconcile after its interval."""
REVISION_MOVED = str(Trigger.daemon("revision"))
"""The reason queued for an app whose source moved to a revision that changes its render."""
CONFIG_CHANGED = str(Trigger.daemon("config"))
"""The reason queued for an App whose spec changed (applied even without selfHeal)."""

LOCK_WAIT = 1.0
"""Seconds a worker waits for an App another process (a CLI sync) is reconciling; then it
backs off and tries again later, so that one busy App never holds a worker."""


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    """How the daemon runs (set by the options of ``trueup serve``, but ``watch_period``)."""

    concurrency: int = 8
    """Apps reconciled at once. 8 by the benchmark: at 1,000 apps the API server is the
    limit, and 16 workers gained 3 s of 69 (docs/benchmarks.md, "The daemon")."""
    grace_period: float = 30.0
    """Seconds in-flight reconciles get to finish on shutdown before they are stopped."""
    watch_period: float = 1.0
    """Seconds between looks at the store (suspensions) and the configuration files."""
    render_limits: RenderLimits = field(default_factory=RenderLimits)
    installation: str | None = None


@dataclass(slots=True)
class _AppState:
    failures: int = 0
    drifted: int = 0
    """Objects found drifted by the last look (0 until drift is looked for)."""
    health: HealthStatus | None = None
    """The health the last health event reported (None: none reported yet)."""
    settled: str | None = None
    """The revision this daemon last applied to the whole App with success, the App then
    Healthy; None before that and after a failure. An interval reconcile of an App settled
    at the revision to apply compares first and records an attempt only when something
    differs (see :meth:`Daemon._reconcile`)."""


def _no_progress(_message: str) -> None:
    pass


def _differs(report: SyncReport) -> bool:
    """Whether a reconcile found (or made) a difference: anything but unchanged or skipped."""
    settled = (Action.UNCHANGED, Action.SKIPPED)
    return any(change.action not in settled for change in report.changes.changes)


class Daemon:
    """Reconciles every App of the configuration ``load`` returns, until :meth:`stop`."""

    def __init__(
        self,
        load: Loader,
        store: Store,
        fetcher: Source,
        targets: Targets,
        *,
        options: DaemonOptions,
        bus: EventBus,
        metrics: Metrics,
        clock: Clock,
        rand: Random,
        backoff: Backoff | None = None,
        fingerprint: Callable[[], object] = lambda: None,
        feed: EventFeed | None = None,
    ) -> None:
        self._load, self._store, self._targets = load, store, targets
        self.feed = feed or EventFeed(store)
        """Every recorded event, replayed and followed (recorded while this daemon leads)."""
        self._options, self.bus, self.metrics = options, bus, metrics
        self._clock, self._rand = clock, rand
        self._backoff = backoff or Backoff()
        self._fingerprint = fingerprint
        self._owner = str(Owner.current())
        self._grace: float | None = None
        self._shared = SharedSource(fetcher)
        self.queue: WorkQueue[str] = WorkQueue(clock)
        self.poller = SourcePoller(
            self._shared, self._on_poll, clock=clock, rand=rand, backoff=self._backoff
        )
        self.images = ImageScanner(
            store, self._on_image_scan, clock=clock, rand=rand, backoff=self._backoff
        )
        """Scans every ImageRepository on its interval and records the tags in the store."""
        self.image_updates = ImageUpdater(
            store, bus.publish, self.refresh, clock=clock, rand=rand, backoff=self._backoff
        )
        """Writes the images policies select to Git: on each ImageUpdate's interval, and
        after a scan that changed an image's tags."""
        self._images_failing: set[str] = set()
        self.drift = DriftTracker(
            self._drift_check,
            self._health_changed,
            self._fight,
            self._watch_failed,
            clock=clock,
            rand=rand,
            backoff=self._backoff,
        )
        self._states: dict[str, _AppState] = {}
        self._polled: set[ObjectId] = set()
        self._suspended: set[str] = set()
        self._pins: dict[str, Pin] = {}
        """The pinned apps (``trueup rollback``) as the store said at the last look."""
        self._expected_pins: dict[str, Pin] = {}
        """Pins this daemon's API syncs itself: reported when found, not reconciled again."""
        self._stopping = asyncio.Event()
        self._reload = asyncio.Event()
        self._engine: Engine | None = None
        self._seen: object = None
        self._hook_triggers: dict[ObjectId, str] = {}
        self._artifacts: dict[ObjectId, Artifact] = {}
        self._reads: dict[str, frozenset[str]] = {}
        """What each app's last render read (empty: unknown, so every revision enqueues it)."""
        self._fanning: set[asyncio.Task[None]] = set()
        self._last_polls: dict[ObjectId, tuple[datetime, Polled]] = {}
        self._differing: dict[str, frozenset[ObjectId]] = {}
        """What each App's last comparison found differing from Git (empty after an apply)."""
        self._same_render: dict[str, SameRender] = {}
        """Per App, the source's revisions since its last apply by this daemon that changed
        nothing it reads: with selfHeal off, none of them is a revision to apply."""
        self._change_listeners: list[Callable[[str], None]] = []

    # -- what others read -------------------------------------------------------------

    @property
    def started(self) -> bool:
        """The configuration has been loaded: :attr:`config` may be read."""
        return self._engine is not None

    @property
    def config(self) -> LoadedConfig:
        """The configuration running now."""
        assert self._engine is not None, "the daemon has not started"
        return self._engine.config

    @property
    def ready(self) -> bool:
        """Every source of the configuration has been polled at least once, and every
        watch of live objects has listed its kind."""
        if self._engine is None or not self.drift.synced:
            return False
        return all(source.id in self._polled for source in self._engine.config.sources)

    def refresh(self, source: ObjectId, trigger: str) -> bool:
        """Poll ``source`` now (a webhook); False when the daemon does not watch it."""
        self._hook_triggers.setdefault(source, trigger)
        return self.poller.refresh(source)

    @property
    def store(self) -> Store:
        """The store the daemon records to (for the API's reads)."""
        return self._store

    @property
    def engine(self) -> Engine:
        """The engine of the configuration running now."""
        assert self._engine is not None, "the daemon has not started"
        return self._engine

    def last_poll(self, source: ObjectId) -> tuple[datetime, Polled] | None:
        """When ``source`` was last polled and what that poll found; None before its first."""
        return self._last_polls.get(source)

    def differing(self, app: str) -> frozenset[ObjectId] | None:
        """The objects of ``app`` its last comparison found differing from Git; None when it
        has not been compared since the daemon started."""
        return self._differing.get(app)

    def on_change(self, listener: Callable[[str], None]) -> None:
        """Call ``listener`` with an App's name each time the daemon has written its records
        (a reconcile with its next run, a sync asked for, a health): for readers that keep
        what the store says of an App (the API's summaries). It must not block."""
        self._change_listeners.append(listener)

    def _changed(self, name: str) -> None:
        for listener in self._change_listeners:
            listener(name)

    async def sync_now(self, name: str, options: SyncOptions) -> SyncReport:
        """Sync ``name`` once as asked, through the same ``Engine.sync`` as every reconcile
        (the API's sync and diff): a sync that is no dry run is reported on the bus like a
        reconcile, and what the App owns afterwards is watched. ConfigError: no such App."""
        engine = self.engine
        app = engine.app(name)
        began = time.monotonic()
        options = replace(options, live_cache=self.drift.watches)
        try:
            report = await engine.sync(name, options, _no_progress)
        finally:
            self._changed(name)
        mode = Mode.COMPARE if options.dry_run else Mode.APPLY
        self._note_differing(name, report, mode)
        if not options.dry_run:
            self._report(app, report, options.trigger, time.monotonic() - began, mode)
            if report.plan is not None:
                await self._track(app, engine, report)
        return report

    def _note_differing(self, name: str, report: SyncReport, mode: Mode) -> None:
        if report.plan is None:
            return
        if report.only:
            # A partial sync says nothing of the objects it was not asked for.
            if report.ok and mode is Mode.APPLY and name in self._differing:
                self._differing[name] -= report.only
            return
        if mode is Mode.COMPARE:
            settled = (Action.UNCHANGED, Action.SKIPPED)
            self._differing[name] = frozenset(
                c.id for c in report.changes.changes if c.action not in settled
            )
        elif report.ok:
            self._differing[name] = frozenset()
            self._same_render.pop(name, None)  # applied: moves are counted from here

    def reload(self) -> None:
        """Re-read the configuration soon (SIGHUP)."""
        self._reload.set()

    def stop(self, *, grace: float | None = None) -> None:
        """Begin a graceful shutdown (see :meth:`run`); ``grace`` overrides the grace period
        (0 after losing the leadership: the writes would be refused anyway)."""
        if grace is not None:
            self._grace = grace
        self._stopping.set()

    # -- the loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Run until :meth:`stop`, then let in-flight reconciles finish within the grace
        period, stop the rest (recorded as cancelled), and return."""
        config = self._load()
        self._seen = self._fingerprint()
        for issue in config.errors:
            self._emit(Kind.CONFIG_REFUSED, f"{issue} (left out)", level=Level.WARNING)
        self._start(config)
        self._suspended = set(await self._store_suspensions())
        self._pins = await self._store.pins()
        self._emit(
            Kind.STARTED, f"reconciling {counted(len(config.apps), 'app')}", apps=len(config.apps)
        )
        workers = [
            asyncio.create_task(self._work(), name=f"worker {n}")
            for n in range(max(self._options.concurrency, 1))
        ]
        watcher = asyncio.create_task(self._watch(), name="watch store and configuration")
        await self._stopping.wait()
        self._emit(Kind.STOPPING, "stopping: letting reconciles in flight finish")
        self.queue.close()
        watcher.cancel()
        for task in self._fanning:
            task.cancel()
        await self.poller.stop()
        await self.images.stop()
        await self.image_updates.stop()
        await self.drift.stop()
        grace = self._options.grace_period if self._grace is None else self._grace
        _, late = await asyncio.wait(workers, timeout=grace)
        for task in late:
            task.cancel()
        for task in (*workers, watcher):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._emit(Kind.STOPPED, "stopped", stopped_in_flight=len(late))

    def _start(self, config: LoadedConfig) -> None:
        self._engine = Engine(
            config,
            self._store,
            self._shared,
            self._targets,
            render_limits=self._options.render_limits,
            installation=self._options.installation,
        )
        self.poller.watch(config, config.sources)
        self.images.watch(config, config.image_repositories)
        self.image_updates.watch(config, config.image_updates)

    def _on_poll(self, polled: Polled) -> None:
        sid = str(polled.source)
        self.metrics.source_fetch_duration.labels(sid).observe(polled.duration)
        first = polled.source not in self._polled
        self._last_polls[polled.source] = (datetime.now(UTC), polled)
        self._polled.add(polled.source)
        # A hook names the poll that follows it, whatever that poll finds.
        trigger = self._hook_triggers.pop(polled.source, None)
        if polled.artifact is None:
            self.metrics.source_failures.labels(sid).inc()
            self.metrics.source_backoff.labels(sid).set(polled.next_in)
            self._emit(
                Kind.SOURCE_FAILED,
                f"{polled.error}; next try in {polled.next_in:.0f}s",
                level=Level.WARNING,
                source=sid,
                failures=polled.failures,
            )
            if first:  # record the failure against its apps, so status shows it
                self._enqueue_apps_of(polled.source, str(Trigger.daemon("start")))
            return
        self.metrics.source_backoff.labels(sid).set(0)
        if not polled.moved:
            return
        artifact = polled.artifact
        previous = self._artifacts.get(polled.source)
        self._artifacts[polled.source] = artifact
        if first or previous is None:
            self._emit(
                Kind.SOURCE_MOVED,
                f"{sid} is at {artifact.revision}",
                revision=artifact.revision,
                source=sid,
            )
            self._enqueue_apps_of(polled.source, str(Trigger.daemon("start")))
            return
        task = asyncio.create_task(
            self._fan_out(polled.source, previous, artifact, trigger or REVISION_MOVED)
        )
        self._fanning.add(task)
        task.add_done_callback(self._fanning.discard)

    async def _fan_out(
        self, source: ObjectId, previous: Artifact, artifact: Artifact, trigger: str
    ) -> None:
        """Enqueue the apps of ``source`` whose read-set changed between the revisions."""
        apps = self._apps_of(source)
        reads = dict(self._reads)
        hit = await asyncio.to_thread(affected, previous.root, artifact.root, reads, apps)
        self._emit(
            Kind.SOURCE_MOVED,
            f"{source} is at {artifact.revision}: {len(hit)} of {counted(len(apps), 'app')} "
            "read a changed path",
            source=str(source),
            revision=artifact.revision,
            affected=len(hit),
        )
        for name in hit:
            self._same_render.pop(name, None)
            if name not in self._pins:  # a pinned app stays at its pin: new revisions wait
                self.queue.add(name, trigger)
        for name in set(apps) - set(hit):
            run = self._same_render.get(name)
            self._same_render[name] = same_render_after(run, previous.revision, artifact.revision)
        self.metrics.queue_depth.set(self.queue.depth)

    def _apps_of(self, source: ObjectId) -> list[str]:
        return [
            app.metadata.name for app in self.config.apps if self.config.source_of(app).id == source
        ]

    def _enqueue_apps_of(self, source: ObjectId, trigger: str) -> None:
        for name in self._apps_of(source):
            self.queue.add(name, trigger)
        self.metrics.queue_depth.set(self.queue.depth)

    async def _work(self) -> None:
        while True:
            try:
                work = await self.queue.get()
            except QueueClosedError:
                return
            self.metrics.queue_depth.set(self.queue.depth)
            self.metrics.workers_busy.inc()
            try:
                await self._reconcile(work.key, work.reasons)
            finally:
                self.metrics.workers_busy.dec()
                self.queue.done(work.key)

    async def _reconcile(self, name: str, reasons: tuple[str, ...]) -> None:
        engine = self._engine
        assert engine is not None
        app = next((a for a in engine.config.apps if a.metadata.name == name), None)
        if app is None:
            return  # removed from the configuration while it waited
        state = self._states.setdefault(name, _AppState())
        trigger = reasons[0]
        began = time.monotonic()
        try:
            if (why := await engine.suspended(app)) is not None:
                self._emit(Kind.SKIPPED, why, app=name, trigger=trigger)
                await self._finish(app, state, Result.SKIPPED, None, 0.0)
                return
            applied = await self._store.last_successful(name)
            pin = (await self._store.pins()).get(name)
            same_render = self._same_render.get(name) if pin is None else None
            # A pinned app's revision to apply is its pin, whatever Git says now.
            revision = (
                pin.revision
                if pin is not None
                else self.poller.revision(engine.config.source_of(app).id)
            )
            mode = mode_for(
                auto_sync=app.spec.auto_sync,
                self_heal=app.spec.self_heal,
                current_revision=revision,
                applied_revision=applied.revision if applied else None,
                spec_changed=CONFIG_CHANGED in reasons,
                same_render=same_render,
            )
            options = SyncOptions(
                dry_run=mode is Mode.COMPARE,
                trigger=trigger,
                lock_wait=LOCK_WAIT,
                deadline=app.spec.timeout.total_seconds(),
                live_cache=self.drift.watches,
            )
            watched = set(reasons) <= {DRIFT, INTERVAL} and mode is Mode.APPLY
            if watched and (DRIFT in reasons or (revision and state.settled == revision)):
                # A watch event asked (the interval may be merged in), or the interval of an
                # App settled at this revision: compare first, so that a change that is not
                # drift (a field Git does not declare, an annotation a controller sets) and
                # an interval that finds nothing to do record no attempt (the comparison is
                # recorded: status's "confirmed at").
                compare = replace(options, dry_run=True)
                compared = await engine.sync(name, compare, _no_progress)
                if compared.failure is None and _differs(compared):
                    # Once more: a controller writing the object between the live read and
                    # the dry-run (a new Deployment's first status) looks like a difference.
                    compared = await engine.sync(name, compare, _no_progress)
                quiet = compared.failure is None and not _differs(compared)
                if quiet or (compared.failure is not None and DRIFT in reasons):
                    mode, report = Mode.COMPARE, compared
                else:
                    # A difference is applied; a failed comparison of the interval is tried
                    # as an apply, so that its failure is recorded as an attempt.
                    report = await engine.sync(name, options, _no_progress)
            else:
                report = await engine.sync(name, options, _no_progress)
        except TrueupError as e:  # the store failed, or the App vanished meanwhile
            mode = Mode.APPLY
            report = SyncReport(app=name, revision=None, failure=Failure.from_error(e))
        duration = time.monotonic() - began
        self._reads[name] = report.reads
        self._note_differing(name, report, mode)
        result = self._report(app, report, trigger, duration, mode)
        if mode is Mode.APPLY and not report.only:
            healthy = result is Result.SUCCEEDED and report.health is HealthStatus.HEALTHY
            state.settled = report.revision if healthy else None
        if DRIFT in reasons and report.plan is not None:
            drifted = self._report_drift(name, report, mode)
            state.drifted = drifted if mode is Mode.COMPARE else 0
            if drifted and mode is Mode.APPLY and report.ok:
                self._report_revert(name, report)
        elif report.ok and mode is Mode.APPLY:
            state.drifted = 0
        if report.plan is not None:
            await self._track(app, engine, report)
        await self._finish(app, state, result, report.failure, duration)
        if result is Result.SUCCEEDED and report.health is HealthStatus.HEALTHY:
            for dependent in engine.config.apps:
                if name in dependent.spec.depends_on and dependent.namespace == app.namespace:
                    self.queue.add(dependent.metadata.name, str(Trigger.daemon(f"after-{name}")))

    async def _track(self, app: App, engine: Engine, report: SyncReport) -> None:
        """Watch what ``app`` owns now, for drift and health (see :mod:`.drift`)."""
        name = app.metadata.name
        try:
            await self.drift.track(name, engine.target(app), await self._store.inventory(name))
        except TrueupError as e:
            message = f"watching its objects failed: {e}; drift is found at its interval"
            self._emit(Kind.WATCH_FAILED, message, app=name, level=Level.WARNING)
            return
        if not report.only:  # a partial sync's health is its named objects' only
            self.drift.note_health(name, report.health)
        if self.drift.settled(name):
            # The watch events of this reconcile's own writes asked for a drift check.
            self.queue.withdraw(name, DRIFT)

    def _report_drift(self, name: str, report: SyncReport, mode: Mode) -> int:
        """Name each drifted object, what changed and who changed it; how many drifted."""
        drifted = 0
        for change in report.changes.changes:
            if change.action not in (Action.CONFIGURED, Action.CREATED):
                continue
            before, after = report.diffs.get(change.id, (None, None))
            if before is None or after is None:
                message = describe(change.id, (), (), deleted=True)
            else:
                paths = changed_fields(after, before)
                message = describe(change.id, paths, drift_authors(before, paths))
            drifted += 1
            self.metrics.drift_events.labels(name).inc()
            verb = "reverted" if mode is Mode.APPLY else "not reverted (selfHeal is off)"
            self._emit(
                Kind.DRIFTED,
                f"{message}; {verb}",
                app=name,
                level=Level.WARNING,
                revision=report.revision,
                objects=(str(change.id),),
            )
            if mode is Mode.APPLY:
                self.drift.reverted(name, change.id)
        return drifted

    def _report_revert(self, name: str, report: SyncReport) -> None:
        """One event for what selfHeal put back as Git declares it."""
        reverted = tuple(
            str(change.id)
            for change in report.changes.changes
            if change.action in (Action.CONFIGURED, Action.CREATED)
        )
        self._emit(
            Kind.REVERTED,
            f"reverted {counted(len(reverted), 'object')} to Git (selfHeal)",
            app=name,
            revision=report.revision,
            objects=reverted,
        )

    def _drift_check(self, name: str, reason: str, delay: float) -> None:
        self.queue.add(name, reason, delay=delay)
        self.metrics.queue_depth.set(self.queue.depth)

    def _health_changed(self, name: str, health: HealthStatus) -> None:
        state = self._states.setdefault(name, _AppState())
        kind, level = Kind.HEALTH, Level.INFO
        if health is HealthStatus.DEGRADED:
            kind, level = Kind.DEGRADED, Level.WARNING
        elif health is HealthStatus.HEALTHY and state.health is HealthStatus.DEGRADED:
            kind = Kind.RECOVERED
        state.health = health
        if health is not HealthStatus.HEALTHY:
            # No longer settled: its next interval applies and records what it finds.
            state.settled = None
        self._emit(kind, f"health is {health.value}", app=name, level=level, health=health.value)
        task = asyncio.create_task(self._record_health(name, health))
        self._fanning.add(task)
        task.add_done_callback(self._fanning.discard)

    async def _record_health(self, name: str, health: HealthStatus) -> None:
        try:
            confirmation = await self._store.confirmation(name)
            if confirmation is not None and confirmation.health != health.value:
                await self._store.record_confirmation(replace(confirmation, health=health.value))
                self._changed(name)
        except TrueupError as e:
            self._emit(
                Kind.WATCH_FAILED, f"recording health failed: {e}", app=name, level=Level.ERROR
            )

    def _fight(self, name: str, oid: ObjectId, reverts: int) -> None:
        self._emit(
            Kind.FIGHT,
            f"{oid} was reverted {reverts} times within {FIGHT_WINDOW / 60:.0f} minutes: "
            "another writer (see the app.drifted events for who) keeps changing what Git "
            "declares; drift checks of this App now back off. Stop the other writer, or "
            "let it own the field with spec.ignoreDifferences",
            app=name,
            level=Level.WARNING,
            objects=(str(oid),),
        )

    def _on_image_scan(self, scanned: Scanned) -> None:
        """Report a failed scan each time, a good one when the tags changed or it recovered."""
        repo, scan = scanned.repository, scanned.scan
        key, oid = repo.key, (str(repo.id),)
        fields: dict[str, str | int | float | bool | None] = {
            "repository": key,
            "image": scan.image,
            "tags": len(scan.tags),
            "duration_s": round(scanned.duration, 3),
        }
        if scan.error:
            self._images_failing.add(key)
            self._emit(
                Kind.IMAGE_SCAN_FAILED,
                f"{scan.error}; next try in {scanned.next_in:.0f}s",
                level=Level.WARNING if scanned.temporary else Level.ERROR,
                objects=oid,
                details=fields,
                failures=scanned.failures,
                temporary=scanned.temporary,
            )
            return
        recovered = key in self._images_failing
        self._images_failing.discard(key)
        if scanned.changed:
            self.image_updates.nudge()
        if scanned.changed or recovered:
            latest = ", ".join(scan.tags[-3:]) or "none"
            self._emit(
                Kind.IMAGE_SCANNED,
                f"{repo.id}: {len(scan.tags)} tags of {scan.image} (last by name: {latest}; "
                f"{scan.malformed} malformed and {scan.excluded} excluded left out)",
                objects=oid,
                details=fields,
                malformed=scan.malformed,
                excluded=scan.excluded,
            )

    def _watch_failed(self, failure: WatchFailure) -> None:
        self._emit(
            Kind.WATCH_FAILED,
            failure.message,
            level=Level.WARNING,
            retry_in=round(failure.retry_in, 1),
            failures=failure.failures,
        )

    def _report(
        self, app: App, report: SyncReport, trigger: str, duration: float, mode: Mode
    ) -> Result:
        name = app.metadata.name
        details: dict[str, str | int | float | bool | None] = {
            "trigger": trigger,
            "duration_s": round(duration, 3),
        }
        revision = report.revision
        for warning in report.warnings:
            self._emit(
                Kind.RENDER_WARNING, warning, app=name, level=Level.WARNING, revision=revision
            )
        objects = tuple(
            str(change.id)
            for change in report.changes.changes
            if change.action not in (Action.UNCHANGED, Action.SKIPPED)
        )
        if report.failure is not None:
            details["reason"] = report.failure.reason.value
            details["temporary"] = report.failure.temporary
            level = Level.WARNING if report.failure.reason is Reason.DEPENDENCY else Level.ERROR
            self._emit(
                Kind.RECONCILE_FAILED,
                report.error,
                app=name,
                level=level,
                details=details,
                revision=revision,
                objects=objects,
            )
            return Result.FAILED
        summary = report.summary
        if mode is Mode.COMPARE:
            if _differs(report):
                why = "autoSync is off" if not app.spec.auto_sync else "selfHeal is off"
                message = f"differs from Git ({summary}); {why}: run trueup sync {name}"
                self._emit(
                    Kind.OUT_OF_SYNC,
                    message,
                    app=name,
                    details=details,
                    revision=revision,
                    objects=objects,
                )
            return Result.COMPARED
        details["health"] = report.health.value
        self._emit(
            Kind.RECONCILED,
            summary or "nothing to change",
            app=name,
            details=details,
            revision=revision,
            objects=objects,
        )
        return Result.SUCCEEDED

    async def _finish(
        self, app: App, state: _AppState, result: Result, failure: Failure | None, took: float
    ) -> None:
        """Count the reconcile, queue the App's next one, and note when that is in the store."""
        name = app.metadata.name
        self.metrics.reconciles.labels(name, result.value).inc()
        if result is not Result.SKIPPED:
            self.metrics.reconcile_duration.labels(name).observe(took)
        step = next_run(
            result,
            failure,
            state.failures,
            interval=app.spec.interval.total_seconds(),
            backoff=self._backoff,
            rand=self._rand,
        )
        state.failures = step.failures
        if step.delay is not None:
            self.queue.add(name, INTERVAL, delay=step.delay)
        now = datetime.now(UTC)
        next_at = now + timedelta(seconds=step.delay) if step.delay is not None else None
        try:
            await self._store.record_schedule(
                Schedule(name, self._owner, next_at, state.drifted, now)
            )
        except TrueupError as e:
            self._emit(
                Kind.RECONCILE_FAILED,
                f"recording the schedule failed: {e}",
                app=name,
                level=Level.ERROR,
            )
        self._changed(name)

    # -- the store and the configuration, looked at every watch period ---------------------

    async def _watch(self) -> None:
        while True:
            await sleep_or_until(self._clock, self._options.watch_period, self._reload)
            try:
                await self._look_at_suspensions()
                await self._look_at_pins()
            except TrueupError as e:
                self._emit(
                    Kind.CONFIG_REFUSED, f"reading suspensions failed: {e}", level=Level.ERROR
                )
            seen = self._fingerprint()
            if self._reload.is_set() or seen != self._seen:
                self._reload.clear()
                self._seen = seen
                self._apply_new_configuration()

    async def _store_suspensions(self) -> list[str]:
        return list(await self._store.suspensions())

    async def _look_at_suspensions(self) -> None:
        now = set(await self._store_suspensions())
        for name in sorted(now - self._suspended):
            self._emit(Kind.SUSPENDED, "suspended (trueup suspend)", app=name)
        for name in sorted(self._suspended - now):
            self._emit(Kind.RESUMED, "resumed (trueup resume)", app=name)
            self.queue.add(name, str(Trigger.daemon("resume")))
        self._suspended = now

    def expect_pin(self, pin: Pin) -> None:
        """``pin`` is about to be stored and synced through :meth:`sync_now` (the API's
        rollback): when the store's watch finds it, it is reported, not reconciled again."""
        self._expected_pins[pin.app] = pin

    async def _look_at_pins(self) -> None:
        """Report pins set and lifted since the last look (by the API, or by a CLI writing
        the store), and reconcile their apps: to the pinned revision, or back to Git's."""
        now = await self._store.pins()
        for name, pin in now.items():
            if self._pins.get(name) != pin:
                self._emit(
                    Kind.ROLLED_BACK,
                    pinned_message(pin),
                    app=name,
                    revision=pin.revision,
                    mode="pin",
                    by=pin.by,
                )
                if self._expected_pins.pop(name, None) != pin:
                    self.queue.add(name, str(Trigger.daemon("pin")))
        for name in sorted(self._pins.keys() - now.keys()):
            self._emit(Kind.RESUMED, "unpinned (trueup resume): follows Git again", app=name)
            self.queue.add(name, str(Trigger.daemon("resume")))
        self._pins = now

    def _apply_new_configuration(self) -> None:
        try:
            config = self._load()
        except ConfigError as e:
            self._emit(
                Kind.CONFIG_REFUSED,
                f"{e}; the last good configuration keeps running",
                level=Level.ERROR,
            )
            return
        if config.errors:
            issues = "; ".join(str(issue) for issue in config.errors)
            self._emit(
                Kind.CONFIG_REFUSED,
                f"the changed configuration has problems, so the last good one keeps running: "
                f"{issues}",
                level=Level.ERROR,
            )
            return
        old = {app.metadata.name: app for app in self.config.apps}
        self._start(config)
        new = {app.metadata.name: app for app in config.apps}
        for name in sorted(old.keys() - new.keys()):
            self.queue.remove(name)
            self._states.pop(name, None)
            self._reads.pop(name, None)
            self._differing.pop(name, None)
            self._same_render.pop(name, None)
            self.drift.forget(name)
        changed = [name for name, app in new.items() if old.get(name) != app]
        for name in changed:
            self.queue.add(name, CONFIG_CHANGED)
        self._emit(
            Kind.CONFIG_LOADED,
            f"configuration re-read: {counted(len(new), 'app')} "
            f"({len(new.keys() - old.keys())} added, {len(old.keys() - new.keys())} removed, "
            f"{len(changed)} to reconcile)",
            apps=len(new),
        )

    def _emit(
        self,
        kind: Kind,
        message: str,
        *,
        app: str | None = None,
        level: Level = Level.INFO,
        details: Mapping[str, str | int | float | bool | None] | None = None,
        revision: str | None = None,
        objects: tuple[str, ...] = (),
        **fields: str | int | float | bool | None,
    ) -> None:
        merged = {**(details or {}), **fields}
        self.bus.publish(
            Event(
                kind,
                message,
                app=app,
                level=level,
                fields=merged,
                revision=revision,
                objects=objects,
            )
        )

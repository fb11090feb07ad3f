"""Drift seen in seconds: the live watches' changes turned into reconciles of the right App.

After each reconcile the daemon tells the :class:`DriftTracker` what the App owns now (its
inventory, with the ``resourceVersion`` each apply left) and on which target; the tracker
keeps one shared watch per kind and target running (:class:`~trueup.daemon.watches.LiveWatches`)
and, for each change it hears of:

- ignores it when it is trueup's own write (the version the last apply left), when the
  object is not in an inventory, and when only ``status`` or bookkeeping changed (a
  controller's status update, say): those only refresh the App's health, from the watched
  objects themselves, without a LIST, and once per batch of events (a rollout's burst of
  status updates, read from one response, is judged once, after its last event);
- otherwise asks for a reconcile of the App with reason ``daemon:drift``. The watch event
  is only the trigger: the reconcile decides by a server dry-run whether anything Git
  declares differs, and reverts it (``selfHeal``) or reports it.

An object reverted again and again (another writer, a mutating webhook or controller
rewriting a field Git declares) is reported once as a fight, and its App's drift checks
back off, so that two writers never fight in a tight loop.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from trueup.daemon.backoff import Backoff, Random
from trueup.daemon.clock import Clock
from trueup.daemon.watches import LiveChange, LiveChangeType, LiveWatches, WatchFailure
from trueup.health import HealthStatus, aggregate, health_of
from trueup.objects import Object, ObjectId
from trueup.store import InventoryEntry
from trueup.targets import ResourceInfo, Target

DRIFT = "daemon:drift"
"""The reason a drift check is queued with."""
FIGHT_REVERTS = 3
"""Reverts of one object within :data:`FIGHT_WINDOW` that make it a fight."""
FIGHT_WINDOW = 600.0
"""Seconds over which reverts are counted."""
_BOOKKEEPING = ("resourceVersion", "managedFields", "generation")


_PLATFORM_SUFFIXES = ("kubernetes.io", "k8s.io")
"""Annotation and label prefixes Kubernetes reserves for its own components (such as the
``deployment.kubernetes.io/revision`` a Deployment's controller writes)."""


def meaningful(before: Object, after: Object) -> bool:
    """Whether ``after`` differs from ``before`` beyond ``status``, bookkeeping and the
    annotations and labels Kubernetes' own components write: only such a change is worth a
    drift check (which then decides, by a dry-run, whether it is drift)."""
    return _content(before) != _content(after)


def _content(obj: Object) -> Object:
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _BOOKKEEPING}
    for key in ("annotations", "labels"):
        if isinstance(meta.get(key), dict):
            meta[key] = {k: v for k, v in meta[key].items() if not _platform(k)}
    return {**{k: v for k, v in obj.items() if k != "status"}, "metadata": meta}


def _platform(key: str) -> bool:
    prefix, slash, _ = key.partition("/")
    return bool(slash) and prefix.endswith(_PLATFORM_SUFFIXES)


@dataclass(slots=True)
class _Tracked:
    target: Target
    known: dict[ObjectId, str] = field(default_factory=dict)
    """Each owned object and the ``resourceVersion`` trueup's last apply left it at."""
    health: HealthStatus = HealthStatus.UNKNOWN
    reverts: dict[ObjectId, deque[float]] = field(default_factory=dict)


class DriftTracker:
    """Turns live changes into drift checks and health updates (see the module)."""

    def __init__(
        self,
        enqueue: Callable[[str, str, float], None],
        on_health: Callable[[str, HealthStatus], None],
        on_fight: Callable[[str, ObjectId, int], None],
        on_error: Callable[[WatchFailure], None],
        *,
        clock: Clock,
        rand: Random,
        backoff: Backoff,
    ) -> None:
        self._enqueue, self._on_health, self._on_fight = enqueue, on_health, on_fight
        self._clock, self._rand, self._backoff = clock, rand, backoff
        self._apps: dict[str, _Tracked] = {}
        self._health_due: set[str] = set()
        """Apps whose health is judged once the events being delivered now are all in."""
        self._kinds: dict[str, dict[str, set[ResourceInfo]]] = {}
        """target identity → app → the kinds it owns."""
        self.watches = LiveWatches(
            self._on_change, clock=clock, backoff=backoff, rand=rand, on_error=on_error
        )

    @property
    def synced(self) -> bool:
        """Every watch has listed its kind at least once."""
        return self.watches.synced

    async def track(self, app: str, target: Target, inventory: Iterable[InventoryEntry]) -> None:
        """Watch what ``app`` owns on ``target`` now (call after each reconcile of it)."""
        entries = list(inventory)
        tracked = self._apps.get(app)
        if tracked is None or tracked.target.identity != target.identity:
            tracked = self._apps[app] = _Tracked(target)
        tracked.known = {e.id: e.resource_version for e in entries}
        kinds: set[ResourceInfo] = set()
        for entry in entries:
            info = await target.resolve(entry.api_version, entry.id.kind)
            if info is not None:
                kinds.add(info)
        self._set_kinds(target, app, kinds)

    def forget(self, app: str) -> None:
        """Stop watching for ``app`` (removed from the configuration)."""
        tracked = self._apps.pop(app, None)
        if tracked is not None:
            self._set_kinds(tracked.target, app, set())

    def reverted(self, app: str, oid: ObjectId) -> None:
        """Note that a drift check of ``app`` reverted ``oid``; report a fight once."""
        tracked = self._apps.get(app)
        if tracked is None:
            return
        times = tracked.reverts.setdefault(oid, deque())
        now = self._clock.now()
        times.append(now)
        while times and times[0] < now - FIGHT_WINDOW:
            times.popleft()
        if len(times) == FIGHT_REVERTS:
            self._on_fight(app, oid, len(times))

    async def stop(self) -> None:
        """Stop every watch."""
        await self.watches.stop()

    def _set_kinds(self, target: Target, app: str, kinds: set[ResourceInfo]) -> None:
        by_app = self._kinds.setdefault(target.identity, {})
        if kinds:
            by_app[app] = kinds
        else:
            by_app.pop(app, None)
        self.watches.set_kinds(target, set().union(*by_app.values()) if by_app else set())

    def _on_change(self, change: LiveChange) -> None:
        if change.app is None:
            return
        name = change.app.name
        tracked = self._apps.get(name)
        if tracked is None or tracked.target.identity != change.target:
            return
        known = tracked.known.get(change.id)
        if known is None:
            return  # not in the App's inventory: not trueup's to judge
        if change.type is not LiveChangeType.DELETED:
            if change.resource_version == known:
                return  # trueup's own write
            if change.previous is not None and not meaningful(change.previous, change.object):
                self._health_soon(name)
                return
        self._enqueue(name, DRIFT, self._delay(tracked, change.id))

    def _delay(self, tracked: _Tracked, oid: ObjectId) -> float:
        """No delay, unless the object is being fought over: then back off."""
        times = tracked.reverts.get(oid)
        if not times or len(times) < FIGHT_REVERTS:
            return 0.0
        if times[-1] < self._clock.now() - FIGHT_WINDOW:
            return 0.0
        return self._backoff.delay(len(times) - FIGHT_REVERTS + 1, self._rand)

    def _health_soon(self, name: str) -> None:
        """Judge ``name``'s health once the event loop has delivered the events at hand:
        many changes of one App in a row cost one judgement, of their final state."""
        if name not in self._health_due:
            self._health_due.add(name)
            asyncio.get_running_loop().call_soon(self._refresh_due, name)

    def _refresh_due(self, name: str) -> None:
        self._health_due.discard(name)
        tracked = self._apps.get(name)
        if tracked is not None:  # not forgotten meanwhile
            self._refresh_health(name, tracked)

    def _refresh_health(self, name: str, tracked: _Tracked) -> None:
        identity = tracked.target.identity
        live = [self.watches.live(identity, oid) for oid in tracked.known]
        if any(obj is None for obj in live):
            return  # not every object listed yet (a deletion is drift, judged elsewhere)
        health = aggregate(health_of(obj).status for obj in live)
        if health is not tracked.health:
            tracked.health = health
            self._on_health(name, health)

    def settled(self, app: str) -> bool:
        """Whether every object ``app`` owns is, as watched, as trueup's last apply left it."""
        tracked = self._apps.get(app)
        if tracked is None:
            return False
        for oid, version in tracked.known.items():
            live = self.watches.live(tracked.target.identity, oid)
            if live is None or (live.get("metadata") or {}).get("resourceVersion") != version:
                return False
        return True

    def note_health(self, app: str, health: HealthStatus) -> None:
        """The health a reconcile found, so that only later changes are reported."""
        tracked = self._apps.get(app)
        if tracked is not None:
            tracked.health = health

    def live(self, app: str) -> Mapping[ObjectId, Object | None]:
        """The watched state of every object ``app`` owns (None: not seen)."""
        tracked = self._apps.get(app)
        if tracked is None:
            return {}
        return {oid: self.watches.live(tracked.target.identity, oid) for oid in tracked.known}

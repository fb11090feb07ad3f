"""The live objects of every App, watched once per kind and target, however many Apps there are.

:class:`LiveWatches` keeps exactly one watch per (target, kind), cluster-wide, selecting the
objects that carry trueup's owner label (``trueup.dev/app``); every App on that target
shares it. Each watch:

1. lists its kind first and reports every object as ADDED, then counts as *synced* (the
   daemon is ready once every watch is);
2. watches from the list's ``resourceVersion``, reports each change, and resumes from the
   last version it saw (bookmarks advance it) when the target ends the watch;
3. lists again when the target no longer keeps that version (HTTP 410 Gone,
   :class:`~trueup.errors.WatchExpiredError`): the new list is compared with what was
   known, so an object changed or deleted while no watch was open is still reported, as
   MODIFIED or DELETED; the relist itself is reported too;
4. backs off (exponentially, capped) after any other failure, reports it, and tries again
   from where it was; nothing ends the loop but :meth:`LiveWatches.set_kinds` or
   :meth:`LiveWatches.stop`.

The newest state of every watched object is kept (managedFields included, for
:func:`~trueup.plan.drift.drift_authors`), so health and drift can be judged from the
stream without a LIST per App.

The selector cannot tell installations apart (the installation is named only in the
tracking annotation): objects of another trueup installation on the same target are
watched too, and :func:`~trueup.plan.claim_of` decides whose they are.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from trueup.daemon.backoff import Backoff, Random
from trueup.daemon.clock import Clock
from trueup.errors import WatchExpiredError
from trueup.objects import LABEL_APP_NAME, Object, ObjectId, object_id
from trueup.plan.ownership import AppRef, owner_of
from trueup.targets.base import ObjectList, ResourceInfo, Target, WatchEvent, WatchEventType

OWNER_SELECTOR = LABEL_APP_NAME
"""The label selector of every watch: objects carrying the owner label, whatever its value."""

_T = TypeVar("_T")

WATCH_TIMEOUT = 300
"""Seconds the target keeps one watch open before it ends it and the loop resumes."""


class LiveChangeType(StrEnum):
    """What happened to a watched object."""

    ADDED = "ADDED"
    """First seen: listed, created, or labelled for trueup."""
    MODIFIED = "MODIFIED"
    """Changed since it was last seen (its ``resourceVersion`` moved)."""
    DELETED = "DELETED"
    """Deleted, or its owner label was removed: the API server reports both alike (with the
    last state that still matched), so get the object to tell which."""


@dataclass(frozen=True, slots=True)
class LiveChange:
    """One change to one watched object, and the App its owner labels name."""

    target: str
    """The identity of the target (``context@server``)."""
    type: LiveChangeType
    id: ObjectId
    app: AppRef | None
    """The App named by the owner labels (of the previous state when the change removed
    them); its ``installation`` is always '': use :func:`~trueup.plan.claim_of` to decide."""
    resource_version: str
    object: Object
    """The object now; for DELETED, its last state."""
    previous: Object | None = None
    """The object as last seen before this change (None when it was not known)."""
    relisted: bool = False
    """Found by comparing a new list with what was known, not reported by a watch event:
    intermediate changes were missed, only the result is known."""


@dataclass(frozen=True, slots=True)
class WatchFailure:
    """A watch failed and will be retried from where it was."""

    target: str
    resource: ResourceInfo
    message: str
    """What failed, naming the kind and the target."""
    failures: int
    """Failures in a row (the delay grows with them); 0 when a listener raised, which stops
    nothing and is not retried."""
    retry_in: float
    """Seconds until the next try."""


@dataclass(frozen=True, slots=True)
class Relisted:
    """A watch's version expired and its kind was listed again."""

    target: str
    resource: ResourceInfo
    objects: int
    """Objects the new list holds."""
    changes: int
    """Changes found by comparing it with what was known (each reported as a LiveChange)."""


@dataclass(slots=True)
class _Watch:
    target: Target
    resource: ResourceInfo
    objects: dict[ObjectId, Object] = field(default_factory=dict)
    version: str | None = None
    """Where the watch resumes; None: list first."""
    fresh: bool = False
    """Listed, and no watch from that list has delivered anything or ended yet."""
    synced: bool = False
    failures: int = 0
    task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        group_kind = f"{self.resource.kind}.{self.resource.group}".rstrip(".")
        return f"{group_kind} on {self.target.identity}"


def _no_failure(_failure: WatchFailure) -> None:
    pass


def _no_relist(_relisted: Relisted) -> None:
    pass


def _version(obj: Object | None) -> str:
    metadata = (obj or {}).get("metadata")
    return str(metadata.get("resourceVersion") or "") if isinstance(metadata, dict) else ""


class LiveWatches:
    """One watch per (target, kind), kept running; see the module docstring.

    ``on_change`` hears of every change, ``on_error`` of every failure and ``on_relist`` of
    every relist; they are called from the watch loops, must not block, and should not
    raise (a callback that raises is reported through ``on_error``, and the watch goes on).
    """

    def __init__(
        self,
        on_change: Callable[[LiveChange], None],
        *,
        clock: Clock,
        backoff: Backoff,
        rand: Random,
        on_error: Callable[[WatchFailure], None] = _no_failure,
        on_relist: Callable[[Relisted], None] = _no_relist,
        label_selector: str = OWNER_SELECTOR,
        timeout_seconds: int = WATCH_TIMEOUT,
    ) -> None:
        self._on_change, self._on_error, self._on_relist = on_change, on_error, on_relist
        self._clock, self._backoff, self._rand = clock, backoff, rand
        self._selector, self._timeout = label_selector, timeout_seconds
        self._watches: dict[tuple[str, str, str], _Watch] = {}
        self._ending: set[asyncio.Task[None]] = set()

    def set_kinds(self, target: Target, resources: Iterable[ResourceInfo]) -> None:
        """Watch exactly ``resources`` on ``target`` from now on: start new, stop the others.

        A kind is one watch whatever its version; a kind given in another version, or with
        another Target for the same identity, is watched again from a new list.
        """
        wanted = {(r.group, r.kind): r for r in resources}
        identity = target.identity
        for key in [k for k in self._watches if k[0] == identity and k[1:] not in wanted]:
            self._stop(key)
        for (group, kind), resource in wanted.items():
            key = (identity, group, kind)
            current = self._watches.get(key)
            if current is not None and (current.target, current.resource) == (target, resource):
                continue
            if current is not None:
                self._stop(key)
            watch = _Watch(target, resource)
            watch.task = asyncio.create_task(self._run(watch), name=f"watch {watch.name}")
            self._watches[key] = watch

    @property
    def synced(self) -> bool:
        """Every watch has listed its kind at least once."""
        return all(watch.synced for watch in self._watches.values())

    @property
    def unsynced(self) -> tuple[str, ...]:
        """The watches that have not listed their kind yet (``Deployment.apps on ctx@server``)."""
        return tuple(sorted(w.name for w in self._watches.values() if not w.synced))

    def live(self, target: str, oid: ObjectId) -> Object | None:
        """The newest state seen of object ``oid`` on target ``target`` (None: not watched,
        not labelled for trueup, or gone). Shared with the cache: do not modify it."""
        watch = self._watches.get((target, oid.group, oid.kind))
        return None if watch is None else watch.objects.get(oid)

    def cached(self, target: str, oid: ObjectId) -> tuple[bool, Object | None]:
        """(whether a watch of ``oid``'s kind on ``target`` has listed it, the newest state
        seen of ``oid`` or None); see ``trueup.apply.cached``. Do not modify the object."""
        watch = self._watches.get((target, oid.group, oid.kind))
        if watch is None or not watch.synced:
            return False, None
        return True, watch.objects.get(oid)

    async def stop(self) -> None:
        """Stop every watch and wait for them to end."""
        for key in list(self._watches):
            self._stop(key)
        for task in list(self._ending):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _stop(self, key: tuple[str, str, str]) -> None:
        watch = self._watches.pop(key)
        if watch.task is not None:
            watch.task.cancel()
            self._ending.add(watch.task)
            watch.task.add_done_callback(self._ending.discard)

    # -- one watch ---------------------------------------------------------------------

    async def _run(self, watch: _Watch) -> None:
        while True:
            try:
                if watch.version is None:
                    self._list(watch, await watch.target.list(watch.resource, None, self._selector))
                await self._follow(watch)
            except WatchExpiredError as e:
                if watch.version is None or watch.fresh:
                    # Expired at once after a list: listing again at once could spin.
                    await self._failed(watch, e)
                watch.version = None
            except Exception as e:  # the loop outlives any one failure
                await self._failed(watch, e)
                # Listed again, not resumed: what changed while it failed is learnt from the
                # list, so a watch that keeps failing (refused while lists are allowed, say)
                # never leaves the cache, and every comparison made from it, behind.
                watch.version = None

    def _list(self, watch: _Watch, listed: ObjectList) -> None:
        """Replace what ``watch`` knows with ``listed``, reporting each difference."""
        version = listed.resource_version
        known, relist = watch.objects, watch.synced
        watch.objects = {object_id(obj): obj for obj in listed}
        # The failures go on counting until a watch works again: a list that succeeds
        # between failing watches must not reset the backoff.
        watch.version, watch.fresh, watch.synced = version, True, True
        changes = [
            self._change(watch, LiveChangeType.ADDED, obj, known.get(oid), relisted=relist)
            for oid, obj in watch.objects.items()
            if _version(known.get(oid)) != _version(obj) or oid not in known
        ]
        changes += [
            self._change(watch, LiveChangeType.DELETED, obj, obj, relisted=True, version=version)
            for oid, obj in known.items()
            if oid not in watch.objects
        ]
        for change in changes:
            self._report(watch, self._on_change, change)
        if relist:
            relisted = Relisted(watch.target.identity, watch.resource, len(listed), len(changes))
            self._report(watch, self._on_relist, relisted)

    async def _follow(self, watch: _Watch) -> None:
        """Watch from ``watch.version`` until the target ends the watch."""
        events = watch.target.watch(
            watch.resource,
            None,
            resource_version=watch.version or None,
            label_selector=self._selector,
            timeout_seconds=self._timeout,
        )
        delivered = False
        try:
            async for event in events:
                delivered, watch.fresh, watch.failures = True, False, 0
                watch.version = event.resource_version or watch.version
                if event.type is not WatchEventType.BOOKMARK:
                    self._event(watch, event)
        finally:
            if isinstance(events, AsyncGenerator):  # close its connection now, not when collected
                await events.aclose()
        watch.fresh = False
        watch.failures = 0  # it was watched until the target ended it: it works again
        if not delivered:  # a target that ends empty watches at once must not spin the loop
            await self._clock.sleep(self._backoff.delay(1, self._rand))

    def _event(self, watch: _Watch, event: WatchEvent) -> None:
        obj = event.object
        oid = object_id(obj)
        previous = watch.objects.get(oid)
        if event.type is WatchEventType.DELETED:
            watch.objects.pop(oid, None)
            change = self._change(watch, LiveChangeType.DELETED, obj, previous)
        elif previous is not None and _version(previous) == _version(obj):
            return  # seen already (a watch replaying what the list had)
        else:
            watch.objects[oid] = obj
            change = self._change(watch, LiveChangeType.ADDED, obj, previous)
        self._report(watch, self._on_change, change)

    def _change(
        self,
        watch: _Watch,
        kind: LiveChangeType,
        obj: Object,
        previous: Object | None,
        *,
        relisted: bool = False,
        version: str | None = None,
    ) -> LiveChange:
        """The change to report; ADDED becomes MODIFIED for an object already known."""
        if kind is LiveChangeType.ADDED and previous is not None:
            kind = LiveChangeType.MODIFIED
        return LiveChange(
            target=watch.target.identity,
            type=kind,
            id=object_id(obj),
            app=owner_of(obj) or (owner_of(previous) if previous is not None else None),
            resource_version=version if version is not None else _version(obj),
            object=obj,
            previous=previous,
            relisted=relisted,
        )

    def _report(self, watch: _Watch, callback: Callable[[_T], None], value: _T) -> None:
        try:
            callback(value)
        except Exception as e:  # a listener's bug must not stop the watch
            if callback is self._on_error:
                return  # nowhere left to report it
            message = f"watch of {watch.name}: a listener failed on {value}: {e!r}"
            failure = WatchFailure(watch.target.identity, watch.resource, message, 0, 0.0)
            self._report(watch, self._on_error, failure)

    async def _failed(self, watch: _Watch, error: Exception) -> None:
        watch.failures += 1
        delay = self._backoff.delay(watch.failures, self._rand)
        message = f"watch of {watch.name} failed: {error}; retrying in {delay:.1f}s"
        failure = WatchFailure(
            watch.target.identity, watch.resource, message, watch.failures, delay
        )
        self._report(watch, self._on_error, failure)
        await self._clock.sleep(delay)

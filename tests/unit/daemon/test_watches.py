"""The shared watches of live objects, on the in-memory target and a controllable clock.

``MemoryTarget`` streams every change and expires old versions after :meth:`compact`; the
:class:`Spy` below records how each watch was started and how many are open, and can send
what the memory target never does: a 410 Gone at once, a bookmark, a raw event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import pytest

from trueup.daemon.backoff import Backoff
from trueup.daemon.clock import ManualClock
from trueup.daemon.watches import (
    OWNER_SELECTOR,
    LiveChange,
    LiveChangeType,
    LiveWatches,
    Relisted,
    WatchFailure,
)
from trueup.errors import TargetUnavailableError, WatchExpiredError
from trueup.objects import ObjectId
from trueup.plan import AppRef
from trueup.targets.base import ResourceInfo, WatchEvent, WatchEventType
from trueup.targets.memory import MemoryTarget

pytestmark = pytest.mark.anyio

CONFIGMAPS = ResourceInfo("", "v1", "ConfigMap", "configmaps", namespaced=True)
DEPLOYMENTS = ResourceInfo("apps", "v1", "Deployment", "deployments", namespaced=True)
BACKOFF = Backoff(base=1, cap=8)
AnyTarget = TypeVar("AnyTarget", bound=MemoryTarget)


class Half:
    def random(self) -> float:
        return 0.5  # no jitter: backoff n waits exactly 0.75 · 2ⁿ⁻¹ seconds


class Spy(MemoryTarget):
    """A MemoryTarget that records its watches and can answer 410 Gone or inject events."""

    def __init__(self) -> None:
        super().__init__(identity="spy")
        self.watched: list[tuple[str, str | None, str | None, str | None]] = []
        """(kind, namespace, resource_version, label_selector) of every watch started."""
        self.expire = 0
        """Watches still to fail with WatchExpiredError before sending anything."""
        self.open = 0
        """Watches open now."""
        self.inject: list[WatchEvent] = []
        """Events the next watch sends first (bookmarks, events the memory target never sends)."""

    async def watch(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        timeout_seconds: int = 300,
    ) -> AsyncGenerator[WatchEvent, None]:
        self.watched.append((resource.kind, namespace, resource_version, label_selector))
        if self.expire:
            self.expire -= 1
            raise WatchExpiredError("Expired: too old resource version", status=410)
        self.open += 1
        try:
            injected, self.inject = self.inject, []
            for event in injected:
                yield event
            async for event in super().watch(
                resource,
                namespace,
                resource_version=resource_version,
                label_selector=label_selector,
                timeout_seconds=timeout_seconds,
            ):
                yield event
        finally:
            self.open -= 1


@dataclass
class Watching:
    """LiveWatches on one target, and everything it reported."""

    watches: LiveWatches
    target: MemoryTarget
    clock: ManualClock
    changes: list[LiveChange] = field(default_factory=list)
    failures: list[WatchFailure] = field(default_factory=list)
    relists: list[Relisted] = field(default_factory=list)

    def seen(self) -> list[tuple[LiveChangeType, str, str | None]]:
        """(type, object, app name) of every change so far."""
        return [(c.type, str(c.id), c.app.name if c.app else None) for c in self.changes]

    def calls(self, verb: str) -> list[str]:
        return [call.id for call in self.target.calls if call.verb == verb]


@asynccontextmanager
async def watching(
    target: MemoryTarget,
    *kinds: ResourceInfo,
    on_change: Callable[[LiveChange], None] | None = None,
) -> AsyncIterator[Watching]:
    clock = ManualClock()
    state: Watching
    watches = LiveWatches(
        lambda change: (on_change or state.changes.append)(change),
        clock=clock,
        backoff=BACKOFF,
        rand=Half(),
        on_error=lambda failure: state.failures.append(failure),
        on_relist=lambda relisted: state.relists.append(relisted),
    )
    state = Watching(watches, target, clock)
    watches.set_kinds(target, kinds)
    try:
        yield state
    finally:
        await watches.stop()


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the event loop run until ``condition`` holds (the fake clock stands still)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"never happened: {what}")


async def settle() -> None:
    """Let every watch loop run until it waits for something."""
    for _ in range(50):
        await asyncio.sleep(0)


def configmap(name: str, app: str | None, namespace: str = "shop", **data: str) -> dict[str, Any]:
    labels = {"trueup.dev/app": app} if app else {"team": "payments"}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "data": data,
    }


def deployment(name: str, app: str, namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"trueup.dev/app": app, "trueup.dev/app-namespace": "team"},
        },
        "spec": {"replicas": 1},
    }


def cm(name: str, namespace: str = "shop") -> ObjectId:
    return ObjectId("", "ConfigMap", namespace, name)


@overload
def cluster() -> MemoryTarget: ...
@overload
def cluster(target: AnyTarget) -> AnyTarget: ...
def cluster(target: MemoryTarget | None = None) -> MemoryTarget:
    target = target or MemoryTarget(identity="ctx@https://127.0.0.1:6443")
    for name in ("shop", "billing"):
        target.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return target


# one watch per kind -------------------------------------------------------------------


async def test_one_watch_per_kind_serves_every_app_across_namespaces() -> None:
    target = cluster()
    target.put(configmap("a", "web"))
    target.put(configmap("b", "api", namespace="billing"))
    target.put(configmap("c", "jobs"))
    target.put(deployment("web", "web"))
    async with watching(target, CONFIGMAPS, DEPLOYMENTS) as w:
        await until(lambda: w.watches.synced, "both kinds listed")
        await settle()

        assert sorted(w.calls("list")) == ["ConfigMap", "Deployment"]
        assert sorted(w.calls("watch")) == ["ConfigMap", "Deployment"]
        assert sorted(w.seen()) == [
            (LiveChangeType.ADDED, "ConfigMap/billing/b", "api"),
            (LiveChangeType.ADDED, "ConfigMap/shop/a", "web"),
            (LiveChangeType.ADDED, "ConfigMap/shop/c", "jobs"),
            (LiveChangeType.ADDED, "Deployment/shop/web", "web"),
        ]
        deploy = next(c for c in w.changes if c.id.kind == "Deployment")
        assert deploy.app == AppRef("web", "team")
        assert deploy.target == "ctx@https://127.0.0.1:6443"


async def test_watches_are_cluster_wide_and_select_trueups_owner_label() -> None:
    target = Spy()
    async with watching(target, CONFIGMAPS, DEPLOYMENTS):
        await until(lambda: len(target.watched) == 2, "both watches started")
    listed = (await target.list(CONFIGMAPS)).resource_version

    assert OWNER_SELECTOR == "trueup.dev/app"
    assert sorted(target.watched) == [
        ("ConfigMap", None, listed, "trueup.dev/app"),
        ("Deployment", None, listed, "trueup.dev/app"),
    ]


async def test_objects_without_the_owner_label_are_never_reported() -> None:
    target = cluster()
    target.put(configmap("mine", "web"))
    target.put(configmap("theirs", None))
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: w.watches.synced, "listed")
        target.put(configmap("theirs", None, k="v"))
        target.put(configmap("also-theirs", None))
        target.put(configmap("mine", "web", k="v"))
        await until(lambda: len(w.changes) == 2, "the change to mine")
        await settle()

        assert w.seen() == [
            (LiveChangeType.ADDED, "ConfigMap/shop/mine", "web"),
            (LiveChangeType.MODIFIED, "ConfigMap/shop/mine", "web"),
        ]
        assert w.watches.live(target.identity, cm("theirs")) is None


# changes and the cache -----------------------------------------------------------------


async def test_changes_carry_the_app_and_the_cache_follows_them_until_deletion() -> None:
    target = cluster()
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: w.watches.synced, "listed")
        target.put(configmap("settings", "web", color="blue"))
        target.put(configmap("settings", "web", color="red"))
        await until(lambda: len(w.changes) == 2, "added and modified")
        live = w.watches.live(target.identity, cm("settings"))
        assert live is not None
        assert live["data"] == {"color": "red"}

        await target.delete(cm("settings"))
        await until(lambda: len(w.changes) == 3, "deleted")

        assert w.seen() == [
            (LiveChangeType.ADDED, "ConfigMap/shop/settings", "web"),
            (LiveChangeType.MODIFIED, "ConfigMap/shop/settings", "web"),
            (LiveChangeType.DELETED, "ConfigMap/shop/settings", "web"),
        ]
        added, modified, deleted = w.changes
        assert added.previous is None
        assert modified.previous == added.object
        assert int(added.resource_version) < int(modified.resource_version)
        assert deleted.object["data"] == {"color": "red"}  # the last state
        assert deleted.relisted is False
        assert w.watches.live(target.identity, cm("settings")) is None
        assert w.watches.live("another@target", cm("settings")) is None


async def test_a_relabelled_object_is_reported_for_its_new_app() -> None:
    target = cluster()
    target.put(configmap("settings", "web"))
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: w.watches.synced, "listed")
        target.put(configmap("settings", "checkout"))
        await until(lambda: len(w.changes) == 2, "relabelled")

        moved = w.changes[1]
        assert (moved.type, moved.app) == (LiveChangeType.MODIFIED, AppRef("checkout"))
        assert moved.previous is not None
        assert moved.previous["metadata"]["labels"] == {"trueup.dev/app": "web"}


async def test_a_deletion_sent_without_the_owner_label_names_the_app_last_seen() -> None:
    target = cluster(Spy())
    target.put(configmap("settings", "web"))
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: w.watches.synced, "listed")
        gone = configmap("settings", None)
        gone["metadata"]["resourceVersion"] = "99"
        target.inject = [WatchEvent(WatchEventType.DELETED, gone)]
        target.close_watches()
        await settle()
        await w.clock.advance(1)
        await until(lambda: len(w.changes) == 2, "the deletion")

        deleted = w.changes[1]
        assert (deleted.type, deleted.app) == (LiveChangeType.DELETED, AppRef("web"))
        assert deleted.resource_version == "99"
        assert w.watches.live(target.identity, cm("settings")) is None


# resuming, relisting, failing -------------------------------------------------------------


async def test_a_watch_the_target_ends_resumes_from_the_last_version_seen() -> None:
    target = cluster(Spy())
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: w.watches.synced, "listed")
        target.put(configmap("a", "web"))
        await until(lambda: len(w.changes) == 1, "a added")
        seen = w.changes[0].resource_version

        target.close_watches()
        target.put(configmap("b", "web"))  # sent while no watch is open
        await until(lambda: len(w.changes) == 2, "b added")

        assert [rv for _, _, rv, _ in target.watched] == [target.watched[0][2], seen]
        assert w.calls("list") == ["ConfigMap"]
        assert w.seen()[1] == (LiveChangeType.ADDED, "ConfigMap/shop/b", "web")
        assert w.failures == []
        assert w.relists == []


async def test_a_bookmark_advances_the_version_a_watch_resumes_from() -> None:
    target = cluster(Spy())
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: w.watches.synced, "listed")
        await until(lambda: len(target.watched) == 1, "watching")
        bookmark = {"metadata": {"resourceVersion": "12"}}
        target.inject = [WatchEvent(WatchEventType.BOOKMARK, bookmark)]
        target.close_watches()  # ends the first watch with nothing sent: wait a little
        await settle()
        await w.clock.advance(1)
        await until(lambda: len(target.watched) == 2, "watching again")
        target.close_watches()
        await until(lambda: len(target.watched) == 3, "resumed after the bookmark")

        assert target.watched[2][2] == "12"
        assert w.changes == []


async def test_an_expired_version_relists_and_reports_what_changed_meanwhile() -> None:
    target = cluster()
    target.put(configmap("kept", "web"))
    target.put(configmap("edited", "web", color="blue"))
    target.put(configmap("deleted", "api"))
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: w.watches.synced, "listed")
        await settle()
        del w.changes[:]

        target.close_watches()
        target.put(configmap("edited", "web", color="red"))
        await target.delete(cm("deleted"))
        target.put(configmap("new", "jobs"))
        target.compact()  # the version the watch resumes from is gone: 410
        await settle()
        await w.clock.advance(1)  # the watch that ended sent nothing: it waits a moment
        await until(lambda: len(w.relists) == 1, "relisted")
        await settle()

        assert w.calls("list") == ["ConfigMap", "ConfigMap"]
        assert w.relists == [Relisted(target.identity, CONFIGMAPS, objects=3, changes=3)]
        assert sorted((*s, c.relisted) for s, c in zip(w.seen(), w.changes, strict=True)) == [
            (LiveChangeType.ADDED, "ConfigMap/shop/new", "jobs", True),
            (LiveChangeType.DELETED, "ConfigMap/shop/deleted", "api", True),
            (LiveChangeType.MODIFIED, "ConfigMap/shop/edited", "web", True),
        ]
        assert w.watches.live(target.identity, cm("deleted")) is None
        edited = w.watches.live(target.identity, cm("edited"))
        assert edited is not None
        assert edited["data"] == {"color": "red"}
        assert w.failures == []

        target.put(configmap("kept", "web", k="v"))  # and it watches again
        await until(lambda: len(w.changes) == 4, "a later change")
        assert w.seen()[-1] == (LiveChangeType.MODIFIED, "ConfigMap/shop/kept", "web")


async def test_an_expiry_right_after_a_list_backs_off_before_listing_again() -> None:
    target = cluster(Spy())
    target.expire = 1
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: len(w.failures) == 1, "the expiry reported")
        await settle()
        assert w.calls("list") == ["ConfigMap"]  # no second list until the backoff ends

        await w.clock.advance(0.75)
        await until(lambda: len(w.calls("list")) == 2, "listed again")
        await until(lambda: len(target.watched) == 2, "watching again")

        assert "Expired" in w.failures[0].message
        assert "ConfigMap on spy" in w.failures[0].message


async def test_failures_back_off_exponentially_then_the_watch_recovers() -> None:
    target = cluster()
    target.fail("watch", TargetUnavailableError("connection refused"), times=3)
    async with watching(target, CONFIGMAPS) as w:
        for n in (1, 2, 3):

            def failed(n: int = n) -> bool:
                return len(w.failures) == n

            await until(failed, f"failure {n}")
            await settle()
            assert len(w.failures) == n  # nothing more until the clock moves
            await w.clock.advance(w.failures[-1].retry_in)

        assert [(f.failures, f.retry_in) for f in w.failures] == [(1, 0.75), (2, 1.5), (3, 3.0)]
        assert "connection refused" in w.failures[0].message
        assert w.watches.synced

        target.put(configmap("a", "web"))
        await until(lambda: len(w.changes) == 1, "a change after recovering")
        # Listed again after each failure (the lists succeeding did not reset the backoff).
        assert w.calls("list") == ["ConfigMap"] * 4


async def test_a_watch_that_keeps_failing_learns_changes_from_lists() -> None:
    target = cluster()
    target.put(configmap("edited", "web", color="blue"))
    target.fail("watch", TargetUnavailableError("watch is forbidden"), times=None)
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: len(w.failures) == 1, "the first failure")
        assert w.watches.synced
        assert [c.type for c in w.changes] == [LiveChangeType.ADDED]  # the first list's
        del w.changes[:]
        target.put(configmap("edited", "web", color="red"))
        await settle()
        assert w.changes == []  # no watch: nothing seen yet

        await w.clock.advance(w.failures[-1].retry_in)
        await until(lambda: len(w.changes) == 1, "the change, from the list after the failure")

        [change] = w.changes
        assert (change.type, change.relisted) == (LiveChangeType.MODIFIED, True)
        edited = w.watches.live(target.identity, cm("edited"))
        assert edited is not None
        assert edited["data"] == {"color": "red"}
        await until(lambda: len(w.failures) == 2, "the watch failing again")
        assert [f.retry_in for f in w.failures] == [0.75, 1.5], "the backoff still grows"


async def test_a_kind_is_synced_only_once_its_first_list_succeeded() -> None:
    target = cluster()
    target.fail("list", TargetUnavailableError("connection refused"), ref="ConfigMap")
    async with watching(target, CONFIGMAPS, DEPLOYMENTS) as w:
        await until(lambda: len(w.failures) == 1, "the failed list")
        unsynced = ("ConfigMap on ctx@https://127.0.0.1:6443",)
        await until(lambda: w.watches.unsynced == unsynced, "Deployments listed")
        assert not w.watches.synced

        await w.clock.advance(w.failures[0].retry_in)
        await until(lambda: w.watches.synced, "listed on the second try")
        assert w.watches.unsynced == ()


async def test_a_listener_that_raises_is_reported_and_the_watch_goes_on() -> None:
    target = cluster()
    target.put(configmap("a", "web"))
    calls: list[LiveChange] = []

    def fails(change: LiveChange) -> None:
        calls.append(change)
        raise RuntimeError("bug in the daemon")

    async with watching(target, CONFIGMAPS, on_change=fails) as w:
        await until(lambda: w.watches.synced and len(w.failures) == 1, "the failure reported")
        target.put(configmap("b", "web"))
        await until(lambda: len(calls) == 2, "the next change still arrives")

        assert "bug in the daemon" in w.failures[0].message
        assert w.calls("list") == ["ConfigMap"]


# set_kinds and stop ---------------------------------------------------------------------


async def test_set_kinds_starts_new_kinds_stops_removed_ones_and_keeps_the_rest() -> None:
    target = cluster(Spy())
    target.put(configmap("a", "web"))
    target.put(deployment("web", "web"))
    async with watching(target, CONFIGMAPS, DEPLOYMENTS) as w:
        await until(lambda: w.watches.synced and target.open == 2, "listed and watching")
        web = ObjectId("apps", "Deployment", "shop", "web")
        assert w.watches.live(target.identity, web) is not None

        w.watches.set_kinds(target, [CONFIGMAPS])
        await settle()
        assert target.open == 1
        target.put(deployment("api", "api"))
        target.put(configmap("b", "web"))
        await until(lambda: len(w.changes) == 3, "b added")
        await settle()

        assert w.seen()[2] == (LiveChangeType.ADDED, "ConfigMap/shop/b", "web")
        assert w.watches.live(target.identity, web) is None
        assert sorted(w.calls("list")) == ["ConfigMap", "Deployment"]  # none listed again


async def test_set_kinds_of_one_target_leaves_another_targets_watches_alone() -> None:
    first, second = cluster(), cluster(MemoryTarget(identity="other@https://127.0.0.1:7443"))
    first.put(configmap("a", "web"))
    second.put(configmap("a", "web"))
    async with watching(first, CONFIGMAPS) as w:
        w.watches.set_kinds(second, [CONFIGMAPS])
        await until(lambda: w.watches.synced and len(w.changes) == 2, "both listed")
        w.watches.set_kinds(second, [])
        await settle()

        assert w.watches.live(first.identity, cm("a")) is not None
        assert w.watches.live(second.identity, cm("a")) is None
        assert {c.target for c in w.changes} == {first.identity, second.identity}


async def test_after_stop_no_change_is_reported_and_no_watch_is_open() -> None:
    target = cluster(Spy())
    async with watching(target, CONFIGMAPS) as w:
        await until(lambda: w.watches.synced, "listed")
        await w.watches.stop()
        target.put(configmap("a", "web"))
        await settle()

        assert w.changes == []
        assert target.open == 0
        assert w.watches.synced  # nothing left to wait for

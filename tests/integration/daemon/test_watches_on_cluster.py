"""The shared watches and drift attribution against a real API server (the dev-cluster).

Objects are applied as trueup applies them (server-side, field manager ``trueup``, owner
labels), then changed with kubectl as a person would. The watches are cluster-wide, so
other tests' objects may pass by: every check looks at the test's own namespace only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
import yaml

from tests.servers.cluster import Kube
from trueup.daemon.backoff import Backoff, default_random
from trueup.daemon.clock import SystemClock
from trueup.daemon.watches import LiveChange, LiveChangeType, LiveWatches, WatchFailure
from trueup.objects import Object, ObjectId
from trueup.plan import AppRef
from trueup.plan.drift import changed_fields, describe, drift_authors
from trueup.targets.base import ResourceInfo, Target
from trueup.targets.kubernetes.pool import KubernetesTargets

pytestmark = [pytest.mark.anyio, pytest.mark.cluster]

WAIT = 60
"""Seconds a test waits for a change before it fails (a guard, not a measurement)."""


@dataclass
class Watched:
    """LiveWatches on the dev-cluster, and what it reported about one namespace."""

    watches: LiveWatches
    target: Target
    namespace: str
    changes: list[LiveChange] = field(default_factory=list)
    failures: list[WatchFailure] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def hear(self, change: LiveChange) -> None:
        if change.id.namespace == self.namespace:
            self.changes.append(change)
            self.arrived.set()

    async def change(self, matches: Callable[[LiveChange], bool], what: str) -> LiveChange:
        """The first change reported so far or from now on that ``matches``."""
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    found = next((c for c in self.changes if matches(c)), None)
                    if found is not None:
                        return found
                    self.arrived.clear()
                    await self.arrived.wait()
        except TimeoutError:
            raise AssertionError(f"never reported within {WAIT}s: {what}") from None

    def about(self, name: str) -> list[tuple[LiveChangeType, str | None]]:
        return [(c.type, c.app.name if c.app else None) for c in self.changes if c.id.name == name]


@pytest.fixture
async def target(kube: Kube) -> AsyncIterator[Target]:
    targets = KubernetesTargets(str(kube.kubeconfig))
    try:
        yield targets.get()
    finally:
        await targets.aclose()


@pytest.fixture
async def watched(target: Target, namespace: str) -> AsyncIterator[Watched]:
    state: Watched
    watches = LiveWatches(
        lambda change: state.hear(change),
        clock=SystemClock(),
        backoff=Backoff(base=0.5, cap=5),
        rand=default_random(),
        on_error=lambda failure: state.failures.append(failure),
    )
    state = Watched(watches, target, namespace)
    try:
        yield state
    finally:
        await watches.stop()


async def kinds(target: Target, *pairs: tuple[str, str]) -> list[ResourceInfo]:
    found = [await target.resolve(api_version, kind) for api_version, kind in pairs]
    assert None not in found
    return [info for info in found if info is not None]


async def kubectl(kube: Kube, *args: str, input: str | None = None) -> str:
    return await asyncio.to_thread(kube.kubectl, *args, input=input)


async def apply_as_trueup(kube: Kube, manifest: str) -> None:
    """Apply ``manifest`` server-side as trueup does: field manager ``trueup``."""
    await kubectl(
        kube, "apply", "--server-side", "--field-manager=trueup", "-f", "-", input=manifest
    )


def settings(namespace: str, app: str = "shop") -> str:
    return f"""
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: {namespace}
  labels: {{trueup.dev/app: {app}, trueup.dev/app-namespace: team}}
  annotations: {{trueup.dev/tracking-id: "i1:team/{app}:/ConfigMap:{namespace}/settings"}}
data: {{color: blue, size: L}}
"""


def web(namespace: str) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {namespace}
  labels: {{trueup.dev/app: shop, trueup.dev/app-namespace: team}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: "example.invalid/web:1"}}]
"""


def theirs(namespace: str) -> str:
    return f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: theirs, namespace: {namespace}, labels: {{team: payments}}}}
data: {{owner: someone-else}}
"""


async def test_kubectl_changes_reach_the_shared_watches_with_their_app(
    kube: Kube, target: Target, namespace: str, watched: Watched
) -> None:
    await apply_as_trueup(kube, settings(namespace) + "---" + web(namespace))
    await kubectl(kube, "apply", "-n", namespace, "-f", "-", input=theirs(namespace))
    watches = watched.watches
    watches.set_kinds(target, await kinds(target, ("v1", "ConfigMap"), ("apps/v1", "Deployment")))

    listed = await watched.change(lambda c: c.id.name == "web", "web listed")
    await watched.change(lambda c: c.id.name == "settings", "settings listed")
    assert watches.synced
    assert listed.type is LiveChangeType.ADDED
    assert listed.id == ObjectId("apps", "Deployment", namespace, "web")
    assert listed.app == AppRef("shop", "team")

    await kubectl(kube, "patch", "-n", namespace, "configmap", "theirs", "-p", '{"data":{"k":"v"}}')
    await kubectl(
        kube, "patch", "-n", namespace, "configmap", "settings", "-p", '{"data":{"color":"red"}}'
    )
    patched = await watched.change(
        lambda c: c.id.name == "settings" and c.object.get("data", {}).get("color") == "red",
        "the patched color",
    )
    assert (patched.type, patched.app) == (LiveChangeType.MODIFIED, AppRef("shop", "team"))
    assert patched.previous is not None
    assert patched.previous["data"]["color"] == "blue"

    await kubectl(kube, "scale", "-n", namespace, "deployment", "web", "--replicas=3")
    scaled = await watched.change(
        lambda c: c.id.name == "web" and c.object["spec"]["replicas"] == 3, "the scaled Deployment"
    )
    assert scaled.type is LiveChangeType.MODIFIED
    live = watches.live(target.identity, scaled.id)
    assert live is not None
    assert live["spec"]["replicas"] == 3

    await kubectl(kube, "label", "-n", namespace, "configmap", "settings", "tier=front")
    await watched.change(
        lambda c: c.id.name == "settings" and "tier" in c.object["metadata"]["labels"], "tier"
    )
    # Removing the owner label takes the object out of the selection: the API server
    # reports that as a deletion, with the last state that matched.
    await kubectl(kube, "label", "-n", namespace, "configmap", "settings", "trueup.dev/app-")
    left = await watched.change(
        lambda c: c.id.name == "settings" and c.type is LiveChangeType.DELETED, "left selection"
    )
    assert left.app == AppRef("shop", "team")
    assert watches.live(target.identity, left.id) is None

    await kubectl(kube, "delete", "-n", namespace, "deployment", "web", "--wait=false")
    deleted = await watched.change(
        lambda c: c.id.name == "web" and c.type is LiveChangeType.DELETED, "web deleted"
    )
    assert deleted.app == AppRef("shop", "team")
    assert deleted.object["metadata"]["name"] == "web"

    # The unlabelled ConfigMap was patched above without a word; labelled, it joins.
    await kubectl(kube, "label", "-n", namespace, "configmap", "theirs", "trueup.dev/app=shop")
    joined = await watched.change(lambda c: c.id.name == "theirs", "theirs labelled")
    assert watched.about("theirs") == [(LiveChangeType.ADDED, "shop")]
    assert joined.object["data"] == {"owner": "someone-else", "k": "v"}
    assert not any(c.id.name == "kube-root-ca.crt" for c in watched.changes)
    assert watched.failures == []


async def test_drift_by_kubectl_is_credited_to_the_field_manager_the_object_names(
    kube: Kube, target: Target, namespace: str, watched: Watched
) -> None:
    await apply_as_trueup(kube, settings(namespace) + "---" + web(namespace))
    watches = watched.watches
    watches.set_kinds(target, await kinds(target, ("v1", "ConfigMap"), ("apps/v1", "Deployment")))
    await watched.change(lambda c: c.id.name == "web", "web listed")
    await watched.change(lambda c: c.id.name == "settings", "settings listed")

    # What kubectl edit does, without an editor: an update as field manager kubectl-edit.
    await kubectl(
        kube,
        "patch",
        "-n",
        namespace,
        "configmap",
        "settings",
        "--field-manager=kubectl-edit",
        "-p",
        '{"data":{"color":"red"}}',
    )
    await kubectl(kube, "scale", "-n", namespace, "deployment", "web", "--replicas=3")
    edited = await watched.change(
        lambda c: c.id.name == "settings" and c.object["data"]["color"] == "red", "the edit"
    )
    scaled = await watched.change(
        lambda c: c.id.name == "web" and c.object["spec"]["replicas"] == 3, "the scale"
    )

    desired_settings = _manifest(settings(namespace))
    live_settings = _live(watches, target, edited.id)
    paths = changed_fields(desired_settings, live_settings)
    authors = drift_authors(live_settings, paths)
    assert [str(p) for p in paths] == [".data.color"]
    assert [(a.manager, a.operation, a.subresource) for a in authors] == [
        ("kubectl-edit", "Update", "")
    ]
    assert authors[0].time is not None
    line = describe(edited.id, paths, authors)
    assert line.startswith(
        f"ConfigMap/{namespace}/settings: .data.color changed by kubectl-edit (Update) at "
    )

    # The server's dry-run of the desired object names the same field as the manifest:
    # defaults are on both sides and agree.
    dry_run = await target.apply(desired_settings, dry_run=True)
    assert [str(p) for p in changed_fields(dry_run, live_settings)] == [".data.color"]

    desired_web = _manifest(web(namespace))
    live_web = _live(watches, target, scaled.id)
    paths = changed_fields(desired_web, live_web)
    assert [str(p) for p in paths] == [".spec.replicas"]
    dry_run = await target.apply(desired_web, dry_run=True)
    assert [str(p) for p in changed_fields(dry_run, live_web)] == [".spec.replicas"]
    (author,) = drift_authors(live_web, paths)
    # kubectl scale writes through the scale subresource; the manager is kubectl's.
    assert author.manager.startswith("kubectl")
    assert author.subresource == "scale"
    assert describe(scaled.id, paths, (author,)).startswith(
        f"Deployment/{namespace}/web: .spec.replicas changed by {author.manager} (Update, scale "
    )
    assert "trueup" not in {a.manager for a in drift_authors(live_web, paths)}


def _manifest(text: str) -> Object:
    loaded: Object = yaml.safe_load(text)
    return loaded


def _live(watches: LiveWatches, target: Target, oid: ObjectId) -> Object:
    live = watches.live(target.identity, oid)
    assert live is not None
    return live

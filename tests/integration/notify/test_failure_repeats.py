"""A failing App under a running ``trueup serve`` on the dev-cluster, notifying a loopback
endpoint: the daemon retries the failure on its backoff, each Provider is sent it once
(the retries are counted as deduplicated), and a new commit failing otherwise is sent."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import yaml

from tests.integration.daemon.serving import WAIT, Served, write_config
from tests.integration.engine.helpers import APP, PATH, World
from tests.servers.notify_receiver import NotifyReceiver, Received

pytestmark = pytest.mark.cluster

PROVIDERS = {"webhook": "/ok/webhook", "slack": "/ok/slack"}


@pytest.fixture
def receiver() -> Iterator[NotifyReceiver]:
    with NotifyReceiver() as server:
        yield server


def add_notifications(world: World, receiver: NotifyReceiver) -> None:
    write_config(world, app={"interval": "2s"}, source={"interval": "2s"})
    docs: list[dict[str, Any]] = list(yaml.safe_load_all(world.config.read_text()))
    for name, path in PROVIDERS.items():
        docs.append(
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "Provider",
                "metadata": {"name": name},
                "spec": {"type": name, "address": receiver.url(path)},
            }
        )
        docs.append(
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "Alert",
                "metadata": {"name": name},
                "spec": {
                    "providerRef": {"name": name},
                    "apps": [APP],
                    "reasons": ["reconcile.succeeded", "reconcile.failed"],
                },
            }
        )
    world.config.write_text(yaml.safe_dump_all(docs))


def failures(receiver: NotifyReceiver, path: str) -> list[Received]:
    return [r for r in receiver.requests(path) if b"reconcile.failed" in r.body]


def deduplicated(served: Served, provider: str) -> float:
    """``trueup_notifications_total`` of ``provider`` with result ``deduplicated``."""
    pattern = (
        rf'^trueup_notifications_total\{{provider="Provider/{provider}",'
        rf'result="deduplicated"\}} (\S+)$'
    )
    found = re.search(pattern, served.get("/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_a_failing_app_retried_by_the_daemon_notifies_each_provider_once_per_failure(
    world: World, receiver: NotifyReceiver
) -> None:
    add_notifications(world, receiver)
    served = Served(world)
    try:
        served.reconciled()
        broken = world.commit("Break the app", {f"{PATH}/broken.yaml": "kind: [unclosed\n"})
        revision = world.revision(broken)
        for path in PROVIDERS.values():
            receiver.wait_for(
                path, f"the failure on {path}", lambda r: b"reconcile.failed" in r.body
            )
        # From here on the App only fails (no success is counted as a repeat any more).
        before = {name: deduplicated(served, name) for name in PROVIDERS}
        # The daemon retries: four more failures of the same commit, each the same error.
        mark = served.mark()
        messages = set()
        for _ in range(4):
            failed = served.wait_for(
                lambda e: e["event"] == "reconcile.failed" and e.get("revision") == revision,
                "a retried failure of the broken commit",
                after=mark,
            )
            messages.add(failed["message"])
            mark = served.mark()
        assert len(messages) == 1
        # Retries reached the notifier and were counted as repeats, not sent.
        deadline = time.monotonic() + WAIT
        while any(deduplicated(served, name) < before[name] + 3 for name in PROVIDERS):
            assert time.monotonic() < deadline, served.get("/metrics").text
            time.sleep(0.1)
        for path in PROVIDERS.values():
            assert len(failures(receiver, path)) == 1
        webhook = orjson.loads(failures(receiver, "/ok/webhook")[0].body)
        assert webhook["revision"] == revision
        assert webhook["message"] == messages.pop()

        # Another commit failing otherwise is a new failure: sent once more.
        again = world.commit("Break it otherwise", {f"{PATH}/broken.yaml": "kind: {unclosed\n"})
        for path in PROVIDERS.values():
            receiver.wait_for(
                path,
                f"the failure of the second commit on {path}",
                lambda r: (
                    b"reconcile.failed" in r.body and world.revision(again).encode() in r.body
                ),
            )
        mark = served.mark()
        for _ in range(2):
            served.wait_for(
                lambda e: (
                    e["event"] == "reconcile.failed" and e.get("revision") == world.revision(again)
                ),
                "a retried failure of the second commit",
                after=mark,
            )
            mark = served.mark()
        for path in PROVIDERS.values():
            assert len(failures(receiver, path)) == 2
    finally:
        served.stop()

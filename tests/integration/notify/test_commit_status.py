"""Commit statuses from a running ``trueup serve`` on the dev-cluster to the local forge
stub: two Providers naming two clusters post under distinct contexts on the same commit,
an unchanged state is posted once however often the App is reconciled, and a commit that
fails to reconcile gets a failure status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import APP, PATH, World
from tests.servers.forge import ForgeStub

pytestmark = pytest.mark.cluster

REPO = "org/deploy"


@pytest.fixture
def stub() -> Iterator[ForgeStub]:
    with ForgeStub() as server:
        yield server


def add_forge_providers(world: World, stub: ForgeStub) -> None:
    write_config(world, app={"interval": "2s"}, source={"interval": "2s"})
    docs: list[dict[str, Any]] = list(yaml.safe_load_all(world.config.read_text()))
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "forge-token"},
            "stringData": {"token": stub.token},
        }
    )
    for cluster in ("east", "west"):
        docs.append(
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "Provider",
                "metadata": {"name": f"status-{cluster}"},
                "spec": {
                    "type": "github",
                    "address": f"{stub.url}/{REPO}",
                    "secretRef": {"name": "forge-token"},
                    "cluster": cluster,
                },
            }
        )
        docs.append(
            {
                "apiVersion": "trueup.dev/v1alpha1",
                "kind": "Alert",
                "metadata": {"name": f"status-{cluster}"},
                "spec": {"providerRef": {"name": f"status-{cluster}"}, "apps": [APP]},
            }
        )
    world.config.write_text(yaml.safe_dump_all(docs))


def test_two_clusters_post_distinct_contexts_once_per_state_and_a_failure_is_reported(
    world: World, stub: ForgeStub
) -> None:
    add_forge_providers(world, stub)
    served = Served(world)
    try:
        first = served.reconciled()
        sha = first["revision"].rpartition("sha1:")[2]
        contexts = {f"trueup/east/{APP}", f"trueup/west/{APP}"}

        def states(of: str) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for status in stub.statuses("github", REPO, of):
                found.setdefault(status.context, []).append(status.state)
            return found

        stub.wait_for(
            "a success status from both clusters",
            lambda: {c for c, s in states(sha).items() if s[-1] == "success"} == contexts,
        )
        # Three more reconciles of the same commit at its interval, the App healthy.
        served.wait_reconciles("compared", 3)
        for context in contexts:
            assert states(sha)[context] in (["success"], ["pending", "success"])

        # A commit whose manifests do not render: a failure status on that commit, once.
        mark = served.mark()
        broken = world.commit("Break the app", {f"{PATH}/broken.yaml": "kind: [unclosed\n"})
        for _ in range(2):
            served.wait_for(
                lambda e: (
                    e["event"] == "reconcile.failed" and e.get("revision") == world.revision(broken)
                ),
                "a failed reconcile of the broken commit",
                after=mark,
            )
            mark = served.mark()
        stub.wait_for(
            "a failure status from both clusters",
            lambda: set(states(broken)) == contexts,
        )
        for context in contexts:
            assert states(broken)[context] == ["failure"]
        [failure, *_] = stub.statuses("github", REPO, broken)
        assert failure.description.startswith("reconcile failed")
    finally:
        served.stop()
    assert stub.token not in served.log()

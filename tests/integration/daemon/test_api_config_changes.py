"""The API of a running ``trueup serve`` when its configuration changes: a token taken
out of the file closes the event streams opened with it (the others stream on), and an
App taken out while it still owns objects is listed as ``trueup status`` lists it."""

from __future__ import annotations

import pytest
import yaml

from tests.integration.daemon.serving import WAIT, Served
from tests.integration.daemon.test_api import OPERATOR, VIEWER, Stream, call, configure
from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster


def without(world: World, kind: str, name: str) -> None:
    """Take the ``kind`` called ``name`` out of the world's configuration."""
    docs = [
        doc
        for doc in yaml.safe_load_all(world.config.read_text())
        if (doc["kind"], doc["metadata"]["name"]) != (kind, name)
    ]
    world.config.write_text(yaml.safe_dump_all(docs))


def ended(stream: Stream) -> bool:
    """Whether the server ended the stream (its reader saw the end within WAIT)."""
    stream._thread.join(timeout=WAIT)
    return not stream._thread.is_alive()


def test_removing_a_token_closes_its_streams_and_no_other(world: World) -> None:
    configure(world)
    served = Served(world)
    try:
        served.reconciled()
        viewer = Stream(served, "", VIEWER)
        operator = Stream(served, "", OPERATOR)
        try:
            mark = served.mark()
            without(world, "ApiToken", "ci")
            served.wait_for(lambda e: e["event"] == "config.loaded", "the reload", after=mark)
            assert ended(viewer), "the viewer's stream outlived its token"
            assert call(served, "GET", "/api/apps", VIEWER).status_code == 401
            assert call(served, "POST", f"/api/apps/{APP}/sync", OPERATOR).status_code == 200
            operator.wait_for("reconcile.succeeded")
            assert operator._thread.is_alive()
        finally:
            viewer.close()
            operator.close()
    finally:
        served.stop()


def test_an_app_taken_out_of_the_configuration_is_listed_as_removed(world: World) -> None:
    world.commit("Extra", {f"{PATH}-extra/cm.yaml": manifest(configmap("extra", {"a": "1"}))})
    configure(world, tokens=False)
    docs = list(yaml.safe_load_all(world.config.read_text()))
    docs.append(
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "App",
            "metadata": {"name": "extra"},
            "spec": {"source": "deploy", "path": f"{PATH}-extra", "namespace": world.namespace},
        }
    )
    world.config.write_text(yaml.safe_dump_all(docs))
    served = Served(world)
    try:
        served.wait_for(
            lambda e: e["event"] == "reconcile.succeeded" and e.get("app") == "extra",
            "extra reconciled",
        )
        mark = served.mark()
        without(world, "App", "extra")
        served.wait_for(lambda e: e["event"] == "config.loaded", "the reload", after=mark)
        items = {i["app"]: i for i in served.get("/api/apps").json()["items"]}
        assert items["extra"]["sync"] == "Removed", items
        assert "trueup delete extra" in items["extra"]["error"]
        status = {row["app"]: row for row in world.cli("status", "-o", "json").json()}
        assert status["extra"] == {key: items["extra"][key] for key in status["extra"]}
        assert status[APP]["sync"] == "Synced"
    finally:
        served.stop()
    from_store = {row["app"]: row for row in world.cli("status", "-o", "json").json()}
    assert list(from_store) == sorted(from_store)
    assert from_store["extra"]["sync"] == "Removed"

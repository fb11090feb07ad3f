"""``trueup delete APP [--cascade]`` for an App that left the configuration."""

from __future__ import annotations

import pytest
import yaml

from tests.integration.engine.helpers import APP, World

pytestmark = pytest.mark.cluster


def drop_app(world: World) -> None:
    """Remove the App from the configuration, keeping its source."""
    docs = [d for d in yaml.safe_load_all(world.config.read_text()) if d["kind"] != "App"]
    world.config.write_text(yaml.safe_dump_all(docs))


def test_delete_refuses_an_app_still_in_the_configuration(world: World) -> None:
    world.sync()
    refused = world.cli("delete", APP, "--cascade")
    assert refused.code == 2, str(refused)
    assert "still in the configuration" in refused.stderr
    assert world.names("deployment") == {"web"}


def test_delete_without_cascade_forgets_the_app_and_leaves_its_objects(world: World) -> None:
    world.sync()
    drop_app(world)
    status = world.cli("status", "-o", "json").json()
    assert [(row["app"], row["sync"]) for row in status] == [(APP, "Removed")]
    deleted = world.cli("delete", APP)
    assert deleted.code == 0, str(deleted)
    assert "its objects stay" in deleted.stdout
    assert world.names("deployment") == {"web"}
    assert world.cli("status", "-o", "json").json() == []
    assert len(world.cli("history", APP, "-o", "json").json()) == 1


def test_delete_with_cascade_deletes_what_the_app_owns_and_keeps_what_prune_would_keep(
    world: World,
) -> None:
    world.sync()
    world.kubectl("annotate", "configmap", "settings", "trueup.dev/prune=disabled")
    drop_app(world)
    deleted = world.cli("delete", APP, "--cascade")
    assert deleted.code == 0, str(deleted)
    assert f"Deployment/{world.namespace}/web: pruned" in deleted.stdout
    assert f"ConfigMap/{world.namespace}/settings: skipped" in deleted.stdout
    assert world.names("deployment") == set()
    assert world.names("service") == set()
    assert world.names("configmap") >= {"settings"}
    last = world.cli("history", APP, "-o", "json").json()[0]
    assert last["result"] == "succeeded"
    assert last["summary"].startswith("deleted: ")
    assert world.cli("status", "-o", "json").json() == []

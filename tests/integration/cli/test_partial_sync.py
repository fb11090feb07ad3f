"""``trueup sync APP --object KIND/NAMESPACE/NAME`` on the dev-cluster: only the named
object changes, the App stays OutOfSync, and the history shows the partial attempt."""

from __future__ import annotations

import pytest

from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster


def two_configmaps(version: str) -> dict[str, str | None]:
    pair = manifest(configmap("a", {"v": version}), configmap("b", {"v": version}))
    return {f"{PATH}/pair.yaml": pair}


def test_a_sync_of_one_object_changes_only_it_and_leaves_the_app_out_of_sync(
    world: World,
) -> None:
    world.commit("Two settings", two_configmaps("1"))
    world.sync()
    first = world.cli("history", APP, "-o", "json").json()[0]
    world.commit("Both changed", two_configmaps("2"))
    named = f"ConfigMap/{world.namespace}/a"

    run = world.cli("sync", APP, "--object", named, "-o", "json")

    assert run.code == 0, str(run)
    report = run.json()
    assert report["only"] == [named]
    assert [(c["object"], c["action"]) for c in report["changes"]] == [(named, "configured")]
    assert (world.live("configmap", "a") or {})["data"] == {"v": "2"}
    assert (world.live("configmap", "b") or {})["data"] == {"v": "1"}, "b stays as it was"
    [status] = world.cli("status", APP, "-o", "json").json()
    assert status["sync"] == "OutOfSync"
    assert status["revision"] == first["revision"], "the last sync of the whole App"
    partial = world.cli("history", APP, "-o", "json").json()[0]
    assert (partial["result"], partial["only"]) == ("succeeded", [named])
    assert partial["summary"] == f"only {named}: 1 configured"
    assert partial["revision"] != first["revision"]
    table = world.cli("history", APP)
    assert f"only {named}: 1 configured" in table.stdout

    world.sync()  # the whole App: b follows, and the App is Synced again
    assert (world.live("configmap", "b") or {})["data"] == {"v": "2"}
    assert world.cli("status", APP, "-o", "json").json()[0]["sync"] == "Synced"


def test_an_object_the_app_does_not_render_is_refused_and_nothing_is_recorded(
    world: World,
) -> None:
    world.sync()
    missing = f"ConfigMap/{world.namespace}/nope"

    refused = world.cli("sync", APP, "--object", missing)
    garbled = world.cli("sync", APP, "--object", "nope")

    assert refused.code == 2, str(refused)
    assert f"App/{APP} does not render {missing}; it renders " in refused.stderr
    assert f"ConfigMap/{world.namespace}/settings" in refused.stderr
    assert garbled.code == 2, str(garbled)
    assert "--object" in garbled.stderr
    assert "'nope' does not name an object" in garbled.stderr
    assert "Traceback" not in refused.output + garbled.output
    assert len(world.cli("history", APP, "-o", "json").json()) == 1

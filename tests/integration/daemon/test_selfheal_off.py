"""``selfHeal: false`` on a running ``trueup serve`` with two Apps on one GitSource: a commit
that changes only the other App's folder is not "a revision not applied yet" for this one,
so its drift stays reported and in place; a commit that changes its own folder is applied.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.integration.daemon.serving import Served, write_config
from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest

pytestmark = pytest.mark.cluster

OTHER = "other"
OTHER_PATH = f"{PATH}-{OTHER}"


def data(world: World, name: str) -> dict[str, str] | None:
    live = world.live("configmap", name)
    return live["data"] if live else None


def color(world: World) -> str | None:
    return (data(world, "settings") or {}).get("color")


def edit_color(world: World, value: str) -> None:
    world.kubectl(
        "patch",
        "configmap",
        "settings",
        "--field-manager=kubectl-edit",
        "-p",
        f'{{"data":{{"color":"{value}"}}}}',
    )


def _with_other_app(world: World) -> None:
    """Add App ``other`` (selfHeal on, the default) reading its own folder of the source."""
    docs = list(yaml.safe_load_all(world.config.read_text()))
    docs.append(
        {
            "apiVersion": "trueup.dev/v1alpha1",
            "kind": "App",
            "metadata": {"name": OTHER},
            "spec": {"source": "deploy", "path": OTHER_PATH, "namespace": world.namespace},
        }
    )
    world.config.write_text(yaml.safe_dump_all(docs))


def _of(app: str, event: str) -> Any:
    return lambda e: e["event"] == event and e.get("app") == app


def test_a_commit_for_another_app_does_not_revert_drift_kept_by_self_heal_off(
    world: World,
) -> None:
    world.commit("Other", {f"{OTHER_PATH}/cm.yaml": manifest(configmap("other", {"level": "1"}))})
    write_config(world, source={"interval": "1s"}, app={"interval": "1h", "selfHeal": False})
    _with_other_app(world)
    served = Served(world)
    try:
        served.wait_for(_of(APP, "reconcile.succeeded"), "web applied")
        served.wait_for(_of(OTHER, "reconcile.succeeded"), "other applied")
        first = world.cli("status", APP, "-o", "json").json()[0]
        assert first["sync"] == "Synced", first

        mark = served.mark()
        edit_color(world, "red")
        drifted = served.wait_for(_of(APP, "app.drifted"), "the drift of web", after=mark)
        assert drifted["message"].endswith("not reverted (selfHeal is off)"), drifted

        # A commit that touches only the other App's folder: the source moves for both.
        mark = served.mark()
        sha = world.commit(
            "Other only", {f"{OTHER_PATH}/cm.yaml": manifest(configmap("other", {"level": "2"}))}
        )
        moved = served.wait_for(_of(OTHER, "reconcile.succeeded"), "other applied", after=mark)
        assert moved["trigger"] == "daemon:revision"
        assert moved["revision"] == world.revision(sha)
        assert data(world, "other") == {"level": "2"}
        status = world.cli("status", APP, "-o", "json").json()[0]
        assert status["sync"] == "Drifted (1 object)", status

        # The next drift check of web, at the new revision: still only reported.
        mark = served.mark()
        edit_color(world, "green")
        again = served.wait_for(_of(APP, "app.drifted"), "the second drift of web", after=mark)
        assert again["message"].endswith("not reverted (selfHeal is off)"), served.log()
        assert again["revision"] == world.revision(sha)
        served.wait_for(_of(APP, "app.outofsync"), "web out of sync", after=mark)
        assert color(world) == "green"
        assert not [e for e in served.events[mark:] if _of(APP, "reconcile.succeeded")(e)]
        status = world.cli("status", APP, "-o", "json").json()[0]
        assert status["sync"] == "Drifted (1 object)", status

        # A commit that changes web's own folder is a revision not applied yet: applied.
        mark = served.mark()
        sha = world.commit(
            "Web size",
            {
                f"{PATH}/settings.yaml": manifest(
                    configmap("settings", {"color": "blue", "size": "3"})
                )
            },
        )
        applied = served.wait_for(_of(APP, "reconcile.succeeded"), "web applied", after=mark)
        assert applied["trigger"] == "daemon:revision"
        assert applied["revision"] == world.revision(sha)
        assert data(world, "settings") == {"color": "blue", "size": "3"}
        status = world.cli("status", APP, "-o", "json").json()[0]
        assert status["sync"] == "Synced", status
        assert status["revision"] == world.revision(sha)
    finally:
        served.stop()
    history = world.cli("history", APP, "-o", "json").json()
    assert [h["trigger"] for h in history if h["result"] == "succeeded"] == [
        "daemon:revision",
        "daemon:start",
    ], history

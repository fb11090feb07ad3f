"""Failed syncs on the dev-cluster: an object the API server refuses, and a Git server that is
down, broken or answering with an HTML page. A failure applies nothing half-way, prunes
nothing, names what failed, and is recorded; the last applied revision stays in place.
"""

from __future__ import annotations

import pytest

from tests.integration.engine.helpers import (
    APP,
    PATH,
    World,
    configmap,
    manifest,
    service,
)
from tests.servers.git_http import Fault, GitHttpServer

pytestmark = pytest.mark.cluster


def test_one_object_failing_dry_run_applies_nothing_of_its_stage_and_names_it(
    world: World,
) -> None:
    world.commit(
        "Add a cache and a broken port",
        {
            f"{PATH}/cache.yaml": manifest(configmap("cache", {"size": "1Gi"})),
            f"{PATH}/service.yaml": manifest(service(port=99999)),
        },
    )

    run = world.cli("sync", APP)

    assert run.code == 1, str(run)
    broken = f"Service/{world.namespace}/web"
    assert f"error: {PATH}/service.yaml:1: {broken} failed dry-run" in run.stderr
    assert "must be between 1 and 65535" in run.stderr
    assert "Traceback" not in run.output
    assert world.names("configmap") == {"kube-root-ca.crt"}
    assert world.names("deployment") == set()
    assert world.names("service") == set()
    history = world.cli("history", APP, "-o", "json").json()
    assert [a["result"] for a in history] == ["failed"]
    assert broken in history[0]["error"]
    assert "65535" in history[0]["error"]
    changes = {c["object"]: c["action"] for c in history[0]["changes"]}
    assert changes[broken] == "failed"
    assert {action for oid, action in changes.items() if oid != broken} == {"skipped"}
    status = world.cli("status", "-o", "json").json()
    assert [(s["revision"], s["sync"]) for s in status] == [("-", "OutOfSync")]


@pytest.mark.parametrize(
    ("fault", "symptom"),
    [
        (Fault.DOWN, "Failed to connect"),
        (Fault.ERROR_500, "returned error: 500"),
        (Fault.HTML_200, "did not answer with Git"),
    ],
)
def test_an_unreachable_git_server_keeps_the_last_applied_revision_and_prunes_nothing(
    world: World, git_https: GitHttpServer, fault: Fault, symptom: str
) -> None:
    # allowEmpty: even if a failed fetch looked like an empty render, it must not prune.
    world.write_config(app={"allowEmpty": True})
    applied = world.revision(world.repo.work.head())
    world.sync()
    git_https.set_fault(fault)

    run = world.cli("sync", APP, "-o", "json")

    assert run.code == 1, str(run)
    report = run.json()
    assert report["revision"] is None
    assert report["changes"] == []
    assert report["error"].startswith("GitSource/deploy: ")
    assert symptom in report["error"]
    assert "keeps the last good revision" in report["error"]
    assert "Traceback" not in run.output
    assert world.live("deployment", "web") is not None
    assert world.live("service", "web") is not None
    assert "settings" in world.names("configmap")
    status = world.cli("status", "-o", "json").json()
    assert [(s["revision"], s["sync"]) for s in status] == [(applied, "Unknown")]
    assert status[0]["error"] == report["error"]
    history = world.cli("history", APP, "-o", "json").json()
    assert [(a["result"], a["revision"]) for a in history] == [
        ("failed", None),
        ("succeeded", applied),
    ]

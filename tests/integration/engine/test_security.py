"""SECURITY.md lines that cross layers, from the config file to the cluster: an App path
leaving the repository, a ref that git would read as an option, two objects with one id,
and Secret values in diffs, reports and the store.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest

from tests.integration.engine.helpers import APP, PATH, World, configmap, manifest
from tests.servers.git_http import GitHttpServer

pytestmark = pytest.mark.cluster


def secret(value: str) -> dict[str, Any]:
    """A Kubernetes Secret manifest holding ``value``."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "stringData": {"password": value},
    }


def test_an_app_path_leaving_the_repository_is_refused_before_anything_is_read(
    world: World, git_https: GitHttpServer
) -> None:
    world.write_config(app={"path": "deploy/../../outside"})
    git_https.clear_requests()

    run = world.cli("sync", APP)

    assert run.code == 2, str(run)
    assert "App/web: spec.path: 'deploy/../../outside'" in run.stderr
    assert "Traceback" not in run.output
    assert git_https.requests == [], "git ran for a refused path"
    assert world.names("deployment") == set()


def test_a_ref_beginning_with_a_dash_is_refused_before_git_runs(
    world: World, git_https: GitHttpServer
) -> None:
    world.write_config(ref={"branch": "--upload-pack=touch /tmp/pwned"})
    git_https.clear_requests()

    run = world.cli("sync", APP)

    assert run.code == 2, str(run)
    assert "GitSource/deploy: spec.ref.branch: '--upload-pack=touch /tmp/pwned'" in run.stderr
    assert "is not a valid Git ref name" in run.stderr
    assert "Traceback" not in run.output
    assert git_https.requests == [], "git ran for a refused ref"


def test_two_objects_with_one_id_in_one_render_fail_the_sync_and_apply_nothing(
    world: World,
) -> None:
    world.commit(
        "Declare settings twice",
        {f"{PATH}/z-copy.yaml": manifest(configmap("settings", {"color": "green"}))},
    )

    run = world.cli("sync", APP)

    assert run.code == 1, str(run)
    assert "ConfigMap/settings is declared twice" in run.stderr
    assert f"{PATH}/settings.yaml" in run.stderr
    assert f"{PATH}/z-copy.yaml" in run.stderr
    assert world.names("configmap") == {"kube-root-ca.crt"}
    assert world.names("deployment") == set()
    assert world.names("service") == set()
    history = world.cli("history", APP, "-o", "json").json()
    assert [a["result"] for a in history] == ["failed"]


def test_a_secret_value_never_shows_in_diff_reports_history_or_the_store(world: World) -> None:
    first, second = (f"canary-{uuid.uuid4().hex}" for _ in range(2))
    world.commit("Add the database password", {f"{PATH}/secret.yaml": manifest(secret(first))})

    creating = world.cli("diff", APP)
    assert creating.code == 1, str(creating)
    assert f"+++ desired/Secret/{world.namespace}/db" in creating.stdout
    synced = world.sync("-o", "json")
    live = world.live("secret", "db")
    assert live is not None, "the Secret was not applied"
    assert "password" in live["data"]
    world.commit("Rotate the database password", {f"{PATH}/secret.yaml": manifest(secret(second))})
    rotating = world.cli("diff", APP)
    assert rotating.code == 1, str(rotating)
    assert f"--- live/Secret/{world.namespace}/db" in rotating.stdout
    rotated = world.sync("-o", "json")
    assert {c["object"]: c["action"] for c in rotated.json()["changes"]}[
        f"Secret/{world.namespace}/db"
    ] == "configured"
    history = world.cli("history", APP, "-o", "json")
    built = world.cli("build", APP)
    assert built.code == 0, str(built)
    assert "kind: Secret" in built.stdout
    revealed = world.cli("build", APP, "--show-secrets", "-o", "json")
    revealed_secret = next(obj for obj in revealed.json() if obj["kind"] == "Secret")
    assert second in str(revealed_secret), "--show-secrets must print the real value"

    runs = [creating, synced, rotating, rotated, history, built]
    encoded = [base64.b64encode(value.encode()).decode() for value in (first, second)]
    for canary in (first, second, *encoded):
        for run in runs:
            assert canary not in run.output, f"the Secret value leaked into: {run}"
        for file in world.home.glob(f"{world.store.name}*"):
            assert canary.encode() not in file.read_bytes(), f"the Secret value is in {file.name}"

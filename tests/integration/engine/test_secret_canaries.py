"""A Secret value quoted by kustomize or by the API server, when either fails, shows in no
output of the CLI (sync, diff, status, history, as tables and as JSON) and not in the
store file. A canary value is planted in a Secret in Git and looked for everywhere."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.engine.helpers import APP, PATH, Run, World, assert_nowhere, manifest
from tests.servers.webhook import DenyingWebhook, webhook_configuration

pytestmark = pytest.mark.cluster


@pytest.fixture
def canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


def secret(value: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "stringData": {"password": value},
    }


def every_output(world: World) -> list[Run]:
    """A failing sync, and every command that shows what it recorded."""
    runs = [world.cli("sync", APP), world.cli("sync", APP, "-o", "json")]
    assert all(run.code == 1 for run in runs), "\n".join(map(str, runs))
    runs += [
        world.cli("diff", APP),
        world.cli("status"),
        world.cli("status", "-o", "json"),
        world.cli("history", APP),
        world.cli("history", APP, "-o", "json"),
    ]
    return runs


def test_a_kustomize_error_quoting_a_secret_value_shows_it_nowhere(
    world: World, canary: str
) -> None:
    kustomization = """\
resources: [secret.yaml]
replacements:
- source: {kind: Secret, name: db, fieldPath: stringData.password}
  targets:
  - select: {kind: Secret, name: db}
    fieldPaths: [stringData.password.nested]
"""
    world.commit(
        "Build the app with kustomize",
        {
            f"{PATH}/kustomization.yaml": kustomization,
            f"{PATH}/secret.yaml": manifest(secret(canary)),
        },
    )

    runs = every_output(world)

    failure = runs[1].json()["failure"]
    assert failure["reason"] == "render"
    assert "kubectl kustomize failed" in failure["message"]
    assert "node contents: ********" in failure["message"]
    assert_nowhere(world, [canary], runs)


@pytest.fixture
def webhook_quoting(
    world: World, tmp_path: Path, canary: str, request: pytest.FixtureRequest
) -> Iterator[DenyingWebhook]:
    """A webhook denying Secrets in the world's namespace with a message quoting the canary
    (as policy engines quote the values they refuse); ``only_applies`` by parametrisation."""
    only_applies = bool(request.param)
    name = f"quote-{world.namespace}"
    message = f"the password {canary} is on the list of leaked passwords"
    with DenyingWebhook(tmp_path / "webhook", message, only_applies=only_applies) as webhook:
        configuration = webhook_configuration(
            name, webhook.url, webhook.tls.ca_pem, world.namespace, resources="secrets"
        )
        world.kube.kubectl("apply", "-f", "-", input=json.dumps(configuration))
        try:
            _wait_until_called(world, webhook, only_applies)
            yield webhook
        finally:
            world.kube.kubectl("delete", "validatingwebhookconfiguration", name)


def _wait_until_called(world: World, webhook: DenyingWebhook, only_applies: bool) -> None:
    """Probe with a Secret until the API server calls the webhook (it picks it up by watch)."""
    for _ in range(120):
        args = ["create", "secret", "generic", "webhook-probe", "--from-literal=k=v"]
        if not only_applies:
            args.append("--dry-run=server")
        answer = world.kube.kubectl("-n", world.namespace, *args, check=False)
        if "denied the request" in answer:
            return
        world.kube.kubectl(
            "-n", world.namespace, "delete", "secret", "webhook-probe", "--ignore-not-found"
        )
        time.sleep(0.25)
    raise AssertionError(f"the webhook was never called ({len(webhook.reviews)} reviews)")


@pytest.mark.parametrize(
    ("webhook_quoting", "step"),
    [(False, "failed dry-run"), (True, "failed to apply")],
    indirect=["webhook_quoting"],
    ids=["dry-run", "apply"],
)
def test_a_server_refusal_quoting_a_secret_value_shows_it_nowhere(
    world: World, canary: str, webhook_quoting: DenyingWebhook, step: str
) -> None:
    world.commit("Add the database password", {f"{PATH}/secret.yaml": manifest(secret(canary))})

    runs = every_output(world)

    failure = runs[1].json()["failure"]
    assert failure["reason"] == "denied"
    assert f"Secret/{world.namespace}/db {step}" in failure["message"]
    assert "the password ******** is on the list" in failure["message"]
    assert_nowhere(world, [canary], runs)
    assert webhook_quoting.reviews, "the API server never called the webhook"
